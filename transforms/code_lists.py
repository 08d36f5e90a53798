"""Versioned code lists and rule tables (`transforms/reference/`), loaded as DuckDB tables.

They are data, not code: changing a file changes results; its version lands in the run manifest.
A cut-off in a rule or label is a `{name}` placeholder filled from `[cutoffs]` of phm.toml when the file
is loaded, so one number has one home and `ref.*` holds the rules as they run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import duckdb
import polars as pl

from transforms.sql import PLACEHOLDER, fill
from transforms.warehouse import write_table

REFERENCE_DIR = Path(__file__).parent / "reference"


def versions() -> dict[str, str]:
    """File -> version of every code list and rule table."""
    return json.loads((REFERENCE_DIR / "versions.json").read_text(encoding="utf-8"))


def fill_cutoffs(frame: pl.DataFrame, cutoffs: Mapping, file: str) -> pl.DataFrame:
    """Every `{name}` in the text columns of a rule table replaced by `cutoffs[name]`; an unknown name is an
    error naming the file and row."""
    text = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    rows = []
    for number, row in enumerate(frame.iter_rows(named=True), start=2):  # row 1 is the header
        where = f"{file} row {number} ({next(iter(row.values()))})"
        rows.append({c: fill(v, dict(cutoffs), where) if c in text and v is not None else v for c, v in row.items()})
    return pl.DataFrame(rows, schema=frame.schema)


def load_code_lists(con: duckdb.DuckDBPyConnection, cutoffs: Mapping) -> dict[str, str]:
    """Create `ref.<name>` for every CSV in the reference folder, cut-offs filled in; returns their versions."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    known = versions()
    for path in sorted(REFERENCE_DIR.glob("*.csv")):
        if path.name not in known:
            raise ValueError(f"{path}: code list without a version; add it to {REFERENCE_DIR / 'versions.json'}")
        table = f"ref.{path.stem}"
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv(?, header=true, delim=',', quote='\"')",
                    [str(path)])
        if PLACEHOLDER.search(path.read_text(encoding="utf-8")):
            write_table(con, table, fill_cutoffs(con.execute(f"SELECT * FROM {table}").pl(), cutoffs, path.name))
    return known


def tables() -> list[str]:
    """The `ref.*` table of every code list and rule table."""
    return [f"ref.{path.stem}" for path in sorted(REFERENCE_DIR.glob("*.csv"))]
