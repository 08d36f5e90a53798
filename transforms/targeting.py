"""PHM step 4: the IZA target groups per person-year and the reach of each intervention.

Target groups are SQL predicates in `reference/target_groups.csv`. An intervention reaches a
member of its target group living in one of its buurten once that person has started it
(by the end of the year); reach is counted from the intervention's start year on.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from transforms.warehouse import replace_view, write_years

INDICATOR_TABLE_SQL = """
CREATE OR REPLACE TABLE marts.person_year_indicators AS
SELECT b.*, s.* EXCLUDE (pseudo_id, year, social_problem, cost_top10, survey_risk), {flags}
FROM staging.phm_base b JOIN marts.person_stratification s USING (pseudo_id, year)
"""


def build_targeting(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> pl.DataFrame:
    """Create `marts.person_year_indicators` (the person-year mart with segment, domains and one flag per
    target group, or only its rows of `only_years`) and the view `marts.person_targeting` on its flags;
    returns group sizes per year.

    The target groups are computed where the whole row is at hand, and that row is the table the indicator
    catalogue reads: written once, rather than joining three person-year tables for every scan."""
    groups = con.execute("SELECT target_group, rule FROM ref.target_groups ORDER BY target_group").fetchall()
    flags = ", ".join(f"coalesce(({rule}), false) AS doelgroep_{group}" for group, rule in groups)
    write_years(con, INDICATOR_TABLE_SQL.format(flags=flags), only_years)
    replace_view(con, "marts.person_targeting",
                 "SELECT pseudo_id, year, COLUMNS('^doelgroep_') FROM marts.person_year_indicators")
    sums = ", ".join(f"sum(CAST(doelgroep_{g} AS INTEGER)) AS {g}" for g, _ in groups)
    return con.execute(f"SELECT year, count(*) AS residents, {sums} FROM marts.person_targeting "
                       f"GROUP BY year ORDER BY year").pl()


REACH_SQL = """
CREATE OR REPLACE TABLE marts.intervention_reach AS
WITH interventions AS (
    SELECT intervention_id, any_value(name) AS name, any_value(target_group) AS target_group,
           min(start_date) AS start_date, list(DISTINCT buurt_code) AS buurten
    FROM raw.interventions GROUP BY intervention_id
),
participants AS (
    SELECT pseudo_id, intervention_id, min(coalesce(start_date, referral_date)) AS first_start
    FROM raw.intervention_participants GROUP BY ALL
),
members AS (
    UNPIVOT marts.person_targeting ON COLUMNS('^doelgroep_') INTO NAME target_column VALUE member
)
SELECT s.pseudo_id, s.year, s.buurt_code, s.sex, s.age_group, s.age_band, s.income_quintile,
       i.intervention_id, i.target_group,
       coalesce(p.first_start <= make_date(s.year, 12, 31), false) AS reached
FROM staging.person_year s
JOIN interventions i ON list_contains(i.buurten, s.buurt_code) AND s.year >= year(i.start_date)
JOIN members m ON m.pseudo_id = s.pseudo_id AND m.year = s.year
              AND m.target_column = 'doelgroep_' || i.target_group AND m.member
LEFT JOIN participants p ON p.pseudo_id = s.pseudo_id AND p.intervention_id = i.intervention_id
ORDER BY i.intervention_id, s.year, s.pseudo_id
"""


def build_intervention_reach(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> pl.DataFrame:
    """Create `marts.intervention_reach`: target-group members in intervention buurten and whether reached."""
    write_years(con, REACH_SQL, only_years)
    return con.execute(
        "SELECT intervention_id, year, count(*) AS target_group_in_buurten, "
        "sum(CAST(reached AS INTEGER)) AS reached FROM marts.intervention_reach GROUP BY ALL ORDER BY ALL"
    ).pl()


def interventions(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Intervention ids, names and target groups, for the catalogue's per-intervention indicators."""
    return con.execute("SELECT intervention_id, any_value(name) AS name, any_value(target_group) AS target_group "
                       "FROM raw.interventions GROUP BY 1 ORDER BY 1").pl().to_dicts()
