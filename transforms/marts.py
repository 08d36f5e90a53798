"""Person-level marts that the indicator catalogue reads: one table per unit of analysis."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from transforms.warehouse import write_years

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
        SELECT s.*, coalesce(cond.n_chronic, 0) AS n_chronic, {filled}, c.* EXCLUDE (pseudo_id, year),
               c.insured_days / (make_date(s.year, 12, 31) - make_date(s.year, 1, 1) + 1) AS insured_years,
               c.zvw_cost + c.wmo_cost + c.jeugd_cost + c.wlz_cost AS total_cost
        FROM staging.person_year s
        LEFT JOIN cond USING (pseudo_id, year)
        JOIN staging.person_care c USING (pseudo_id, year)
        ORDER BY s.year, s.pseudo_id
        """,
        only_years,
    )
    return con.execute("SELECT count(*) FROM marts.person_year").fetchone()[0]


def build_workforce_mart(con: duckdb.DuckDBPyConnection) -> int:
    """Create `marts.workforce_org_year` (organisation x year, gemeente as area)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(WORKFORCE_SQL)
    return con.execute("SELECT count(*) FROM marts.workforce_org_year").fetchone()[0]


INDICATOR_TABLE_SQL = """
CREATE OR REPLACE TABLE marts.person_year_indicators AS
SELECT m.*, s.* EXCLUDE (pseudo_id, year), t.* EXCLUDE (pseudo_id, year)
FROM marts.person_year m
JOIN marts.person_stratification s USING (pseudo_id, year)
JOIN marts.person_targeting t USING (pseudo_id, year)
"""


def build_indicator_view(con: duckdb.DuckDBPyConnection) -> None:
    """The person-year table the catalogue reads: mart + segment + domains + target groups (all 1:1).

    Materialised rather than a view: the indicator cells, standardisation and top-share scans each read it,
    and joining three person-year tables on the pseudonym costs more than the scan itself."""
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'marts' "
                       "AND table_name = 'person_year_indicators'").fetchone()
    if kind and kind[0] == "VIEW":  # a warehouse from before the table
        con.execute("DROP VIEW marts.person_year_indicators")
    con.execute(INDICATOR_TABLE_SQL)


ZVW_CATEGORY_SQL = """
CREATE OR REPLACE VIEW marts.zvw_person_category AS
-- every insured person-year once per Zvw category (zero when no claim), so each category's cost per
-- insured year has all insured years as its denominator. The claims are summed per person-year into one
-- list with an amount per category, so the persons are joined once, not once per category.
SELECT m.pseudo_id, m.year, m.buurt_code, m.sex, m.age_group, m.income_quintile, m.insured_years,
       c.cost_category, coalesce(z.amounts[c.k], 0) AS zvw_cost
FROM marts.person_year m
LEFT JOIN (SELECT pseudo_id, year, [{amounts}] AS amounts FROM raw.zvw_costs GROUP BY pseudo_id, year) z
  ON z.pseudo_id = m.pseudo_id AND z.year = m.year
CROSS JOIN (VALUES {categories}) c(cost_category, k)
WHERE m.insured_years > 0
"""

EMPTY_ZVW_CATEGORY_SQL = """
CREATE OR REPLACE VIEW marts.zvw_person_category AS
SELECT m.pseudo_id, m.year, m.buurt_code, m.sex, m.age_group, m.income_quintile, m.insured_years,
       CAST(NULL AS VARCHAR) AS cost_category, CAST(0 AS DOUBLE) AS zvw_cost
FROM marts.person_year m WHERE false
"""


def build_zvw_category_view(con: duckdb.DuckDBPyConnection) -> None:
    """Zvw cost per person-year and category: the strata `categorie:<category>` of Zvw cost indicators
    (the categories found in raw.zvw_costs)."""
    found = [row[0] for row in con.execute(
        "SELECT DISTINCT cost_category FROM raw.zvw_costs WHERE cost_category IS NOT NULL ORDER BY 1").fetchall()]
    if not found:
        con.execute(EMPTY_ZVW_CATEGORY_SQL)
        return
    quoted = [c.replace("'", "''") for c in found]
    con.execute(ZVW_CATEGORY_SQL.format(
        amounts=", ".join(f"sum(amount_eur) FILTER (WHERE cost_category = '{c}')" for c in quoted),
        categories=", ".join(f"('{c}', {k})" for k, c in enumerate(quoted, start=1))))
