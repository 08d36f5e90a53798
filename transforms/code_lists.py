"""Versioned code lists and rule tables (`transforms/reference/`), loaded as DuckDB tables.

They are data, not code: changing a file changes results; its version lands in the run manifest.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

REFERENCE_DIR = Path(__file__).parent / "reference"


def versions() -> dict[str, str]:
    """File -> version of every code list and rule table."""
    return json.loads((REFERENCE_DIR / "versions.json").read_text(encoding="utf-8"))


def load_code_lists(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Create `ref.<name>` for every CSV in the reference folder; returns their versions."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    known = versions()
    for path in sorted(REFERENCE_DIR.glob("*.csv")):
        if path.name not in known:
            raise ValueError(f"{path}: code list without a version; add it to {REFERENCE_DIR / 'versions.json'}")
        con.execute(f"CREATE OR REPLACE TABLE ref.{path.stem} AS SELECT * FROM read_csv(?, header=true, delim=',', quote='\"')",
                    [str(path)])
    return known
