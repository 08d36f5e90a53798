"""The layers of warehouse.duckdb, one schema each, created before any asset writes."""

from __future__ import annotations

import duckdb

SCHEMAS = ("meta", "ref", "raw", "quarantine", "staging", "marts", "indicators", "quality", "candidate")


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
