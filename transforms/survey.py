"""Health-survey scores per respondent-year (K10, De Jong Gierveld, mastery, SBSQ, BMI, Positive Health).

Scales are summed only when every item is answered, as the GGD monitor does; cut-offs are
not applied here but in the indicator catalogue, from `[cutoffs]` in phm.toml.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from transforms.warehouse import write_years


def _sum(prefix: str, items: int) -> str:
    return " + ".join(f"{prefix}_{i:02d}" for i in range(1, items + 1))


SURVEY_SQL = f"""
CREATE OR REPLACE TABLE marts.survey_respondent AS
SELECT
    r.pseudo_id, r.survey_year AS year, r.weight,
    s.buurt_code, s.wijk_code, s.gemeente_code, s.sex, s.age, s.age_group, s.age_band, s.income_quintile,
    r.self_rated_health, r.gali,
    {_sum('r.k10', 10)} AS k10_score,
    {_sum('r.djg', 11)} AS djg_score,
    {_sum('r.mastery', 7)} AS mastery_score,
    ({_sum('r.sbsq', 3)}) / 3.0 AS sbsq_mean,
    CASE WHEN r.height_cm > 0 THEN r.weight_kg / ((r.height_cm / 100.0) ** 2) END AS bmi,
    r.smoker, r.informal_carer, r.volunteer, r.difficulty_making_ends_meet,
    r.ph_lichaamsfuncties, r.ph_mentaal_welbevinden, r.ph_zingeving, r.ph_kwaliteit_van_leven, r.ph_meedoen,
    r.ph_dagelijks_functioneren, r.care_rating, r.unmet_care_need
FROM raw.health_survey r
JOIN staging.person_year s ON s.pseudo_id = r.pseudo_id AND s.year = r.survey_year
WHERE s.age >= 18
"""


def build_survey(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> dict[str, int]:
    """Create `marts.survey_respondent` (or only its rows of `only_years`): adult respondents linked to the spine."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    write_years(con, SURVEY_SQL, only_years)
    raw, linked = con.execute("SELECT (SELECT count(*) FROM raw.health_survey), "
                              "(SELECT count(*) FROM marts.survey_respondent)").fetchone()
    return {"respondents": linked, "respondents_not_linked": raw - linked}
