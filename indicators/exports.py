"""Exports of the published file: Parquet and CSV per table, and an Excel workbook for steering groups.

Written from the new `monitoring.duckdb` itself (never from the warehouse) into a staging folder
that replaces the previous `exports/` only after the database itself was replaced.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from indicators.workbook import write_workbook


def write_exports(published_db: Path, target_dir: Path) -> dict[str, Path]:
    """Write Parquet and CSV for every table of `published_db` and the Excel workbook into `target_dir`.

    The workbook is serialised by openpyxl in Python while DuckDB writes the Parquet and CSV files (which
    releases the GIL), so the two overlap instead of adding up."""
    shutil.rmtree(target_dir, ignore_errors=True)
    target_dir.mkdir(parents=True)
    written: dict[str, Path] = {}
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        with ThreadPoolExecutor(max_workers=1) as pool:
            excel = pool.submit(_write_workbook, con.cursor(), target_dir / "monitoring.xlsx")
            for table in tables:
                for fmt, options in (("parquet", "FORMAT parquet"), ("csv", "FORMAT csv, HEADER true")):
                    path = target_dir / f"{table}.{fmt}"
                    con.execute(f"COPY (SELECT * FROM {table}) TO '{path}' ({options})")
                    written[f"{table}.{fmt}"] = path
            written["monitoring.xlsx"] = excel.result()
    finally:
        con.close()
    return written


def _write_workbook(cursor: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """The Excel workbook (indicators/workbook.py) through its own cursor: a connection is not shared by threads."""
    try:
        write_workbook(cursor, path)
    finally:
        cursor.close()
    return path


def swap_directory(new: Path, current: Path) -> None:
    """Put a completely written folder in place of the current one (two renames, no copy)."""
    old = current.with_name(f".{current.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if current.exists():
        os.replace(current, old)
    os.replace(new, current)
    shutil.rmtree(old, ignore_errors=True)
