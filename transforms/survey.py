"""Health-survey scores per respondent-year (K10, De Jong Gierveld, mastery, SBSQ, BMI, Positive Health).

Scales are summed only when every item is answered, as the GGD monitor does; cut-offs are
not applied here but in the indicator catalogue, from `[cutoffs]` in phm.toml.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from transforms.sql import load_sql
from transforms.warehouse import write_years


def build_survey(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> dict[str, int]:
    """Create `marts.survey_respondent` (or only its rows of `only_years`): adult respondents linked to the spine."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    write_years(con, "marts.survey_respondent", load_sql("marts.survey_respondent"), only_years)
    raw, linked = con.execute("SELECT (SELECT count(*) FROM raw.health_survey), "
                              "(SELECT count(*) FROM marts.survey_respondent)").fetchone()
    return {"respondents": linked, "respondents_not_linked": raw - linked}
