"""PHM step 3: frailty proxy, one segment per person-year, and cross-domain accumulation (opstapeling).

The rules are data: `reference/frailty_deficits.csv`, `reference/segment_rules.csv` (a priority
cascade: the first matching rule wins) and `reference/opstapeling_domains.csv`, each a SQL
predicate on the person-year. Changing a file changes the result without touching code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from transforms.warehouse import replace_view, write_years

# A view, not a table: stratification and targeting each read it once, and writing a copy of the wide
# person-year mart costs more than joining the survey and events again.
BASE_SQL = """
SELECT m.*,
       sv.k10_score, sv.djg_score, sv.gali, sv.self_rated_health, sv.sbsq_mean, sv.smoker,
       coalesce(ev.fall_fracture, false) AS fall_fracture, coalesce(ev.incontinence, false) AS incontinence,
       (m.wmo OR m.jeugd OR m.bijstand OR m.schuldhulp) AS social_problem,
       -- top 10 % of total cost (Zvw + Wmo + Jeugd + Wlz) among residents of the region in the year
       r.cost_top10,
       (sv.k10_score >= {k10_moderate} OR sv.djg_score >= {djg_lonely} OR sv.self_rated_health >= 4) AS survey_risk
FROM marts.person_year m
-- ranked on the two columns it needs and joined back by rowid: a window carrying the whole wide row is slow
JOIN (SELECT rowid AS rid, percent_rank() OVER (PARTITION BY year ORDER BY total_cost) > 0.9 AS cost_top10
      FROM marts.person_year) r ON r.rid = m.rowid
LEFT JOIN marts.survey_respondent sv USING (pseudo_id, year)
LEFT JOIN staging.person_events ev USING (pseudo_id, year)
"""


@dataclass(frozen=True)
class Rules:
    """The rule tables of step 3, as read from `ref.*`."""

    frailty: list[tuple[str, str]]
    segments: list[tuple[str, str]]
    domains: list[tuple[str, str]]

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> Rules:
        return cls(
            frailty=con.execute("SELECT deficit, rule FROM ref.frailty_deficits ORDER BY deficit").fetchall(),
            segments=con.execute("SELECT segment, rule FROM ref.segment_rules ORDER BY priority").fetchall(),
            domains=con.execute("SELECT domain, rule FROM ref.opstapeling_domains ORDER BY domain").fetchall(),
        )


def _flag(rule: str) -> str:
    return f"coalesce(({rule}), false)"


def stratification_sql(rules: Rules) -> str:
    frailty = " + ".join(f"CAST({_flag(rule)} AS INTEGER)" for _, rule in rules.frailty)
    cascade = " ".join(f"WHEN {_flag(rule)} THEN '{segment}'" for segment, rule in rules.segments)
    domains = ", ".join(f"{_flag(rule)} AS domein_{domain}" for domain, rule in rules.domains)
    n_domains = " + ".join(f"CAST(domein_{domain} AS INTEGER)" for domain, _ in rules.domains)
    return f"""
    CREATE OR REPLACE TABLE marts.person_stratification AS
    WITH frail AS (
        SELECT *, CASE WHEN age >= 75 THEN {frailty} END AS frailty_deficits FROM staging.phm_base
    ),
    ranked AS (
        SELECT *, CASE {cascade} END AS segment, {domains} FROM frail
    )
    SELECT pseudo_id, year, frailty_deficits, segment, social_problem, cost_top10, survey_risk,
           {', '.join(f'domein_{d}' for d, _ in rules.domains)},
           {n_domains} AS n_domains
    FROM ranked
    """


def build_stratification(con: duckdb.DuckDBPyConnection, cutoffs: dict,
                         only_years: Sequence[int] | None = None) -> pl.DataFrame:
    """Create `marts.person_stratification` (or only its rows of `only_years`); returns segment shares per year."""
    replace_view(con, "staging.phm_base", BASE_SQL.format(**cutoffs))
    write_years(con, stratification_sql(Rules.load(con)), only_years)
    missing = con.execute("SELECT count(*) FROM marts.person_stratification WHERE segment IS NULL").fetchone()[0]
    if missing:
        raise ValueError(f"{missing} person-years match no segment rule; the last rule in "
                         f"segment_rules.csv must be a catch-all (rule `true`)")
    return con.execute(
        """SELECT year, segment, count(*) AS persons,
                  round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY year), 2) AS share_pct
           FROM marts.person_stratification JOIN ref.segment_rules USING (segment)
           GROUP BY year, segment, priority ORDER BY year, priority"""
    ).pl()


SCENARIOS_SQL = """
CREATE OR REPLACE TABLE marts.impact_scenarios AS
WITH base AS (
    SELECT m.year, a.ancestor_code AS area_code, a.ancestor_level AS area_level, s.segment,
           m.acute_admissions, m.seh_visits
    FROM marts.person_year m
    JOIN marts.person_stratification s USING (pseudo_id, year)
    JOIN staging.area_ancestors a ON a.area_code = m.buurt_code
    WHERE a.ancestor_level IN ('gemeente', 'regio')
)
SELECT b.year AS period, b.area_code, b.area_level, r.scenario, r.segment, r.outcome,
       count(*) AS persons,
       sum(CASE r.outcome WHEN 'acute_admissions' THEN b.acute_admissions ELSE b.seh_visits END) AS baseline_events,
       count(*) FILTER (WHERE CASE r.outcome WHEN 'acute_admissions' THEN b.acute_admissions ELSE b.seh_visits END > 0)
           AS persons_with_events,
       r.reach_share, r.assumed_effect,
       count(*) * r.reach_share AS persons_reached,
       sum(CASE r.outcome WHEN 'acute_admissions' THEN b.acute_admissions ELSE b.seh_visits END)
           * r.reach_share * r.assumed_effect AS expected_change_in_events
FROM base b JOIN ref.impact_scenarios r ON r.segment = b.segment
GROUP BY b.year, b.area_code, b.area_level, r.scenario, r.segment, r.outcome, r.reach_share, r.assumed_effect
ORDER BY ALL
"""


def build_impact_scenarios(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Scenario table of step 3: people in a segment x assumed reach x assumed effect on their care use.

    The assumptions live in `reference/impact_scenarios.csv`: a steering group can edit them and rerun.
    """
    write_years(con, SCENARIOS_SQL, only_years, year_column="period")
    return con.execute("SELECT count(*) FROM marts.impact_scenarios").fetchone()[0]
