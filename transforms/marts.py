"""Person-level marts that the indicator catalogue reads: one table per unit of analysis."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from quality.contracts import COST_CATEGORIES
from transforms.warehouse import replace_view, write_years

WORKFORCE_SQL = """
CREATE OR REPLACE TABLE marts.workforce_org_year AS
SELECT org_id, org_type, gemeente_code, year, fte, employees, sick_leave_days, contract_days, leavers,
       open_vacancies, survey_respondents, work_satisfaction_mean, burnout_complaints_pct
FROM raw.workforce
"""


def build_person_year_mart(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Create `marts.person_year` (or only its rows of `only_years`): spine + care use + condition flags."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    conditions = [row[0] for row in con.execute(
        "SELECT DISTINCT condition FROM ref.chronic_conditions ORDER BY 1").fetchall()]
    # Conditions are grouped per person-year that has any (about half); the others get 0 and false.
    flags = ", ".join(f"bool_or(condition = '{c}') AS has_{c}" for c in conditions)
    filled = ",\n".join(f"coalesce(cond.has_{c}, false) AS has_{c}" for c in conditions)
    write_years(
        con,
        f"""
        CREATE OR REPLACE TABLE marts.person_year AS
        WITH cond AS (
            SELECT pseudo_id, year, count(condition) AS n_chronic, {flags}
            FROM staging.person_conditions GROUP BY pseudo_id, year
        )
        SELECT s.*, coalesce(cond.n_chronic, 0) AS n_chronic, {filled},
               c.* EXCLUDE (pseudo_id, year, buurt_code, zvw_category_costs),
               c.insured_days / (make_date(s.year, 12, 31) - make_date(s.year, 1, 1) + 1) AS insured_years,
               c.zvw_cost + c.wmo_cost + c.jeugd_cost + c.wlz_cost AS total_cost
        FROM staging.person_year s
        LEFT JOIN cond USING (pseudo_id, year)
        JOIN staging.person_care c USING (pseudo_id, year)
        """,
        only_years,
    )
    return con.execute("SELECT count(*) FROM marts.person_year").fetchone()[0]


def build_workforce_mart(con: duckdb.DuckDBPyConnection) -> int:
    """Create `marts.workforce_org_year` (organisation x year, gemeente as area)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(WORKFORCE_SQL)
    return con.execute("SELECT count(*) FROM marts.workforce_org_year").fetchone()[0]


ZVW_CATEGORY_SQL = """
-- every insured person-year once per Zvw category found in the claims (zero when no claim), so each
-- category's cost per insured year has all insured years as its denominator. The amounts per category
-- were summed with the person-year's care use (staging.person_care), in the contract's category order.
SELECT c.pseudo_id, c.year, c.buurt_code,
       c.insured_days / (make_date(c.year, 12, 31) - make_date(c.year, 1, 1) + 1) AS insured_years,
       k.cost_category, coalesce(c.zvw_category_costs[k.k], 0) AS zvw_cost
FROM staging.person_care c
CROSS JOIN (VALUES {categories}) k(cost_category, k)
WHERE c.insured_days > 0
"""

EMPTY_ZVW_CATEGORY_SQL = """
SELECT c.pseudo_id, c.year, c.buurt_code, CAST(0 AS DOUBLE) AS insured_years,
       CAST(NULL AS VARCHAR) AS cost_category, CAST(0 AS DOUBLE) AS zvw_cost
FROM staging.person_care c WHERE false
"""


def build_zvw_category_view(con: duckdb.DuckDBPyConnection) -> None:
    """Zvw cost per person-year and category: the strata `categorie:<category>` of Zvw cost indicators
    (the categories found in raw.zvw_costs)."""
    found = [row[0] for row in con.execute(
        "SELECT DISTINCT cost_category FROM raw.zvw_costs WHERE cost_category IS NOT NULL ORDER BY 1").fetchall()]
    if not found:
        replace_view(con, "marts.zvw_person_category", EMPTY_ZVW_CATEGORY_SQL)
        return
    position = {c: k for k, c in enumerate(COST_CATEGORIES, start=1)}
    replace_view(con, "marts.zvw_person_category", ZVW_CATEGORY_SQL.format(
        categories=", ".join(f"('{c}', {position[c]})" for c in found)))
