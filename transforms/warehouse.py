"""The layers of warehouse.duckdb, one schema each, created before any asset writes."""

from __future__ import annotations

import duckdb

SCHEMAS = ("meta", "ref", "raw", "quarantine", "staging", "marts", "indicators", "quality", "candidate")


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
