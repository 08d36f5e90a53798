"""The layers of warehouse.duckdb, one schema each, created before any asset writes."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

SCHEMAS = ("meta", "ref", "raw", "quarantine", "staging", "marts", "indicators", "quality", "candidate")
# Append-only logs, not models: every raw/<source> asset logs its files, every check its outcome, so no one
# asset owns them (docs/architecture.md, "The warehouse: every table an asset").
LOG_TABLES = ("meta.ingest_files", "quality.check_results")


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def write_table(con: duckdb.DuckDBPyConnection, table: str, frame) -> int:
    """Replace warehouse table `table` (schema.name) with a Polars frame; returns its rows."""
    con.register("_frame_to_write", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _frame_to_write")
    finally:
        con.unregister("_frame_to_write")
    return frame.height


def replace_view(con: duckdb.DuckDBPyConnection, name: str, select: str) -> None:
    """Create or replace view `name` (schema.name), also where an older warehouse has a table of that name."""
    schema, table = name.split(".")
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, table]).fetchone()
    if kind and kind[0] != "VIEW":
        con.execute(f"DROP TABLE {name}")
    con.execute(f"CREATE OR REPLACE VIEW {name} AS {select}")


class PartitionError(ValueError):
    """A year partition cannot be written into a table built differently: the operator must run all years."""


def write_years(con: duckdb.DuckDBPyConnection, table: str, select_sql: str, years: Sequence[int] | None = None,
                params: list | None = None, year_column: str = "year") -> None:
    """Create table `table` (schema.name) as `select_sql` whole, or replace only the rows of `years`.

    A year partition re-runs the same SELECT (which may read every year, e.g. episodes that span years)
    but keeps only its own years' rows, so the other years of `table` stay exactly as they were.
    """
    if years is None:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {select_sql}", params)
        return
    listed = ", ".join(str(int(y)) for y in years)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _year_rows AS SELECT * FROM ({select_sql}\n) "
                f"WHERE {year_column} IN ({listed})", params)
    try:
        schema, name = table.split(".")
        existing = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [schema, name]).fetchall()]
        if not existing:
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM _year_rows")
            return
        new = [r[0] for r in con.execute("DESCRIBE _year_rows").fetchall()]
        if new != existing:
            raise PartitionError(f"{table} was built with other columns ({len(existing)} vs {len(new)}), probably "
                                 f"by an earlier version of phm-pipeline or other rule files; run all years once "
                                 f"(`phm run` without --year) before running a single year")
        con.execute(f"DELETE FROM {table} WHERE {year_column} IN ({listed})")
        con.execute(f"INSERT INTO {table} SELECT * FROM _year_rows")
    finally:
        con.execute("DROP TABLE IF EXISTS _year_rows")
