"""PHM step 4: the IZA target groups per person-year and the reach of each intervention.

Target groups are SQL predicates in `reference/target_groups.csv`. An intervention reaches a
member of its target group living in one of its buurten once that person has started it
(by the end of the year); reach is counted from the intervention's start year on.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from transforms.sql import load_sql
from transforms.warehouse import replace_view, write_years


def build_targeting(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> pl.DataFrame:
    """Create `marts.person_year_indicators` (the person-year mart with segment, domains and one flag per
    target group, or only its rows of `only_years`), the views `marts.person_targeting` on its flags and
    `marts.person_target_group` (one row per member of each group, the cost ledger's doelgroep strata);
    returns group sizes per year.

    The target groups are computed where the whole row is at hand, and that row is the table the indicator
    catalogue reads: written once, rather than joining three person-year tables for every scan."""
    groups = con.execute("SELECT target_group, rule FROM ref.target_groups ORDER BY target_group").fetchall()
    flags = ", ".join(f"coalesce(({rule}), false) AS doelgroep_{group}" for group, rule in groups)
    write_years(con, "marts.person_year_indicators", load_sql("marts.person_year_indicators", flags=flags), only_years)
    replace_view(con, "marts.person_targeting", load_sql("marts.person_targeting"))
    replace_view(con, "marts.person_target_group", load_sql("marts.person_target_group"))
    sums = ", ".join(f"sum(CAST(doelgroep_{g} AS INTEGER)) AS {g}" for g, _ in groups)
    return con.execute(f"SELECT year, count(*) AS residents, {sums} FROM marts.person_targeting "
                       f"GROUP BY year ORDER BY year").pl()


def build_intervention_reach(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> pl.DataFrame:
    """Create `marts.intervention_reach`: target-group members in intervention buurten and whether reached."""
    write_years(con, "marts.intervention_reach", load_sql("marts.intervention_reach"), only_years)
    return con.execute(
        "SELECT intervention_id, year, count(*) AS target_group_in_buurten, "
        "sum(CAST(reached AS INTEGER)) AS reached FROM marts.intervention_reach GROUP BY ALL ORDER BY ALL"
    ).pl()
