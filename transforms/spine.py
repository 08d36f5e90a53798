"""The population spine: one row per person and year (status on 1 January), tied to the areas."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from transforms.warehouse import write_years

SPINE_SQL = """
CREATE OR REPLACE TABLE staging.person_year AS
WITH p AS (
    SELECT *, year - birth_year AS age,
           make_date(year, 1, 1) AS year_start, make_date(year, 12, 31) AS year_end
    FROM raw.population
)
SELECT
    p.pseudo_id, p.year, p.birth_year, p.age,
    CASE WHEN p.age >= 90 THEN '90+'
         ELSE CAST(p.age // 5 * 5 AS VARCHAR) || '-' || CAST(p.age // 5 * 5 + 4 AS VARCHAR) END AS age_band,
    CASE WHEN p.age < 18 THEN '0-17' WHEN p.age < 65 THEN '18-64' WHEN p.age < 75 THEN '65-74' ELSE '75+' END
        AS age_group,
    p.sex, p.buurt_code, a.parent_code AS wijk_code, a.gemeente_code, p.household_type, p.income_quintile,
    p.death_date, p.death_date IS NOT NULL AS died,
    CAST(coalesce(p.death_date, p.year_end) - p.year_start + 1 AS INTEGER) AS alive_days,
    (coalesce(p.death_date, p.year_end) - p.year_start + 1) / (p.year_end - p.year_start + 1) AS person_years
FROM p JOIN staging.areas a ON a.area_code = p.buurt_code AND a.area_level = 'buurt'
"""


def build_spine(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Create `staging.person_year` (or only the rows of `only_years`); returns its rows (person-years)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    write_years(con, SPINE_SQL, only_years)
    return con.execute("SELECT count(*) FROM staging.person_year").fetchone()[0]


DENOMINATORS_SQL = """
CREATE OR REPLACE TABLE marts.population_denominators AS
SELECT s.year, a.ancestor_code AS area_code, a.ancestor_level AS area_level, s.age_band, s.sex,
       s.income_quintile, count(*) AS residents, sum(s.person_years) AS person_years
FROM staging.person_year s
JOIN staging.area_ancestors a ON a.area_code = s.buurt_code
GROUP BY ALL
ORDER BY ALL
"""


def build_denominators(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Create `marts.population_denominators`: residents per area x year x 5-year age band x sex x income quintile."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    write_years(con, DENOMINATORS_SQL, only_years)
    return con.execute("SELECT count(*) FROM marts.population_denominators").fetchone()[0]
