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

from transforms.sql import load_sql
from transforms.warehouse import replace_view, write_years


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
    """The SELECT of `marts.person_stratification`, its template filled from the rule tables."""
    return load_sql(
        "marts.person_stratification",
        frailty=" + ".join(f"CAST({_flag(rule)} AS INTEGER)" for _, rule in rules.frailty),
        cascade=" ".join(f"WHEN {_flag(rule)} THEN '{segment}'" for segment, rule in rules.segments),
        domains=", ".join(f"{_flag(rule)} AS domein_{domain}" for domain, rule in rules.domains),
        domain_columns=", ".join(f"domein_{d}" for d, _ in rules.domains),
        n_domains=" + ".join(f"CAST(domein_{domain} AS INTEGER)" for domain, _ in rules.domains),
    )


def build_stratification(con: duckdb.DuckDBPyConnection, cutoffs: dict,
                         only_years: Sequence[int] | None = None) -> pl.DataFrame:
    """Create `marts.person_stratification` (or only its rows of `only_years`); returns segment shares per year."""
    replace_view(con, "staging.phm_base", load_sql("staging.phm_base", **cutoffs))
    write_years(con, "marts.person_stratification", stratification_sql(Rules.load(con)), only_years)
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


# The indicator whose data a scenario outcome counts: where the input layout does not deliver it (CBS microdata
# have no ED visits), the scenarios on that outcome would count zeros and are left out.
SCENARIO_OUTCOME_DATA = {"seh_visits": "eq_seh_per_1000"}


def build_impact_scenarios(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None,
                           not_delivered: Sequence[str] = ()) -> int:
    """Scenario table of step 3: people in a segment x assumed reach x assumed effect on their care use.

    The assumptions live in `reference/impact_scenarios.csv`: a steering group can edit them and rerun.
    `not_delivered` names indicators the input layout cannot carry; scenarios on their outcome are dropped.
    """
    write_years(con, "marts.impact_scenarios", load_sql("marts.impact_scenarios"), only_years, year_column="period")
    absent = [outcome for outcome, indicator in SCENARIO_OUTCOME_DATA.items() if indicator in not_delivered]
    if absent:
        con.execute("DELETE FROM marts.impact_scenarios WHERE list_contains(?, outcome)", [absent])
    return con.execute("SELECT count(*) FROM marts.impact_scenarios").fetchone()[0]
