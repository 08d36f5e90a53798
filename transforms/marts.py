"""Person-level marts that the indicator catalogue reads: one table per unit of analysis."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from quality.contracts import COST_CATEGORIES
from transforms.sql import load_sql
from transforms.warehouse import replace_view, write_years


def build_person_year_mart(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Create `marts.person_year` (or only its rows of `only_years`): spine + care use + condition flags."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    conditions = [row[0] for row in con.execute(
        "SELECT DISTINCT condition FROM ref.chronic_conditions ORDER BY 1").fetchall()]
    # Conditions are grouped per person-year that has any (about half); the others get 0 and false.
    flags = ", ".join(f"bool_or(condition = '{c}') AS has_{c}" for c in conditions)
    filled = ",\n".join(f"coalesce(cond.has_{c}, false) AS has_{c}" for c in conditions)
    write_years(con, "marts.person_year", load_sql("marts.person_year", flags=flags, filled=filled), only_years)
    return con.execute("SELECT count(*) FROM marts.person_year").fetchone()[0]


def build_workforce_mart(con: duckdb.DuckDBPyConnection) -> int:
    """Create `marts.workforce_org_year` (organisation x year, gemeente as area)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    write_years(con, "marts.workforce_org_year", load_sql("marts.workforce_org_year"))
    return con.execute("SELECT count(*) FROM marts.workforce_org_year").fetchone()[0]


def build_zvw_category_view(con: duckdb.DuckDBPyConnection) -> None:
    """Zvw cost per person-year and category: the strata `categorie:<category>` of Zvw cost indicators
    (the categories found in raw.zvw_costs)."""
    found = [row[0] for row in con.execute(
        "SELECT DISTINCT cost_category FROM raw.zvw_costs WHERE cost_category IS NOT NULL ORDER BY 1").fetchall()]
    position = {c: k for k, c in enumerate(COST_CATEGORIES, start=1)}
    # no claims at all: an empty relation of the same types, so the view keeps its columns
    categories = ("VALUES " + ", ".join(f"('{c}', {position[c]})" for c in found) if found
                  else "SELECT NULL::VARCHAR, NULL::INTEGER WHERE false")
    replace_view(con, "marts.zvw_person_category", load_sql("marts.zvw_person_category", categories=categories))
