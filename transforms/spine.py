"""The population spine: one row per person and year (status on 1 January), tied to the areas."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from transforms.sql import load_sql
from transforms.warehouse import write_years


def build_spine(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Create `staging.person_year` (or only the rows of `only_years`); returns its rows (person-years)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    write_years(con, "staging.person_year", load_sql("staging.person_year"), only_years)
    return con.execute("SELECT count(*) FROM staging.person_year").fetchone()[0]


def build_denominators(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Create `marts.population_denominators`: residents per area x year x 5-year age band x sex x income quintile."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    write_years(con, "marts.population_denominators", load_sql("marts.population_denominators"), only_years)
    return con.execute("SELECT count(*) FROM marts.population_denominators").fetchone()[0]
