"""Atomic publication of `published/monitoring.duckdb` from the checked candidate.

The new file is written beside the old one, fsynced and moved into place with `os.replace`,
so a reader never sees half a publication and a failed run leaves the previous one intact.
Only tables and columns of the published contract (`published_schema.TABLES`) are copied.
manifest.json records a content hash per table, so two publications can be told apart by hash alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from indicators.exports import swap_directory, write_exports
from indicators.published_schema import TABLES, VIEW_COLUMNS, VIEWS

MONITORING = "monitoring.duckdb"
# Tables that hold only what the inputs, code and configuration determine: equal inputs give equal hashes.
# quality_results and run_manifest carry the run id and its timestamps, so their hashes differ per run.
REPRODUCIBLE_TABLES = ("indicator_catalogue", "areas", "indicator_values", "equity_gaps", "evaluation_results",
                       "trends", "impact_scenarios", "small_area_estimates", "payment_scenarios",
                       "cost_ledger")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def content_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SHA-256 (SRI form) of a table's canonical text: its column names, then every row, ordered by all columns.

    Each line is a JSON array (Python's `json.dumps` with separators "," and ":", non-ASCII kept, numbers in
    Python's shortest round-trip form, timestamps as `str()`), lines end in a newline, UTF-8; independent of the
    physical row order. README "Reproducible publications" shows the recipe an auditor runs on the file.
    """
    digest = hashlib.sha256()
    cursor = con.execute(f"SELECT * FROM {table} ORDER BY ALL ASC NULLS LAST")
    digest.update(_canonical([[d[0] for d in cursor.description]]))
    while rows := cursor.fetchmany(50_000):
        digest.update(_canonical(rows))
    return "sha256-" + base64.b64encode(digest.digest()).decode("ascii")


_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def _canonical(rows) -> bytes:
    return "".join(_JSON.encode(list(row)) + "\n" for row in rows).encode("utf-8")


def content_hashes(path: Path) -> dict[str, str]:
    """`content_hash` of every table of the DuckDB file at `path` (opened read-only)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {table: content_hash(con, table) for table in tables}
    finally:
        con.close()


def write_database(con: duckdb.DuckDBPyConnection, target: Path, schema: str = "candidate") -> dict[str, int]:
    """Copy the contract tables of `schema` into a new DuckDB file at `target`, with comments and views."""
    target.unlink(missing_ok=True)
    con.execute(f"ATTACH {_quote(str(target))} AS pub")
    try:
        counts = {}
        for table, (table_comment, columns) in TABLES.items():
            present = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [schema, table]).fetchall()}
            if not present:
                raise ValueError(f"candidate table {schema}.{table} is missing; the publication needs it")
            cols = [c for c in columns if c in present]
            con.execute(f"CREATE TABLE pub.main.{table} AS SELECT {', '.join(cols)} FROM {schema}.{table}")
            con.execute(f"COMMENT ON TABLE pub.main.{table} IS {_quote(table_comment)}")
            for col in cols:
                con.execute(f"COMMENT ON COLUMN pub.main.{table}.{col} IS {_quote(columns[col])}")
            counts[table] = con.execute(f"SELECT count(*) FROM pub.main.{table}").fetchone()[0]
        previous = con.execute("SELECT current_database()").fetchone()[0]
        con.execute("USE pub")  # views bind their table names in the published file itself
        try:
            for view, (comment, sql) in VIEWS.items():
                con.execute(f"CREATE VIEW main.{view} AS {sql}")
                con.execute(f"COMMENT ON VIEW main.{view} IS {_quote(comment)}")
                for col, text in VIEW_COLUMNS[view].items():
                    con.execute(f"COMMENT ON COLUMN main.{view}.{col} IS {_quote(text)}")
        finally:
            con.execute(f"USE {previous}")
        con.execute("CHECKPOINT pub")
    finally:
        con.execute("DETACH pub")
    return counts


def publish(con: duckdb.DuckDBPyConnection, published_dir: Path, run_id: str, manifest: dict,
            retention: int = 5, folders: dict[str, Path] | None = None) -> dict:
    """Write, fsync and atomically replace `monitoring.duckdb`, then its exports, versions and manifest.json.

    Everything is written beside the current publication first; if any step before the final rename
    fails, the previous publication is left exactly as it was. `folders` (name -> source folder, e.g. the
    Data Docs) are copied in beside it and swapped in with the exports.
    """
    published_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    tmp = published_dir / f".{MONITORING}.{run_id[:8]}.tmp"
    staged_exports = published_dir / ".exports.new"
    version_name = f"monitoring_{stamp}_{run_id[:8]}.duckdb"
    try:
        counts = write_database(con, tmp)
        _fsync(tmp)
        hashes = content_hashes(tmp)
        write_exports(tmp, staged_exports)
        staged = {name: published_dir / f".{name}.new" for name in (folders or {})}
        for name, source in (folders or {}).items():
            shutil.rmtree(staged[name], ignore_errors=True)
            shutil.copytree(source, staged[name])
        manifest = {**manifest, "run_id": run_id, "published_at": stamp, "version": version_name,
                    "row_counts": counts, "content_hashes": hashes,
                    "reproducible_tables": [t for t in REPRODUCIBLE_TABLES if t in hashes]}
        manifest_tmp = published_dir / ".manifest.json.tmp"
        manifest_tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str), encoding="utf-8")
        _fsync(manifest_tmp)
        os.replace(tmp, published_dir / MONITORING)  # the moment of publication
        os.replace(manifest_tmp, published_dir / "manifest.json")
        swap_directory(staged_exports, published_dir / "exports")
        for name, folder in staged.items():
            swap_directory(folder, published_dir / name)
        _fsync(published_dir)
    finally:
        tmp.unlink(missing_ok=True)
        (published_dir / ".manifest.json.tmp").unlink(missing_ok=True)
        shutil.rmtree(staged_exports, ignore_errors=True)
        for name in folders or {}:
            shutil.rmtree(published_dir / f".{name}.new", ignore_errors=True)
    versions = published_dir / "versions"
    versions.mkdir(exist_ok=True)
    shutil.copy2(published_dir / MONITORING, versions / version_name)
    for old in sorted(versions.glob("monitoring_*.duckdb"))[:-retention or None]:
        old.unlink()
    return manifest
