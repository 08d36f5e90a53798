"""Atomic publication: a reader in another process keeps working while the file is replaced, a new
connection sees the new data, earlier versions are kept, and every table and column is documented."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest
from openpyxl import load_workbook

from indicators.publication import publish
from indicators.published_schema import TABLES, VIEWS

# Column types of the contract by name (VARCHAR unless listed), as the pipeline publishes them.
TYPES = {"period": "INTEGER", "from_period": "INTEGER", "to_period": "INTEGER", "classification_year": "INTEGER",
         "suppressed": "BOOLEAN", "significant": "BOOLEAN", "started_at": "TIMESTAMP", "finished_at": "TIMESTAMP"} | {
    c: "BIGINT" for c in ("n", "residents", "min_denominator", "n_areas_treated", "n_areas_comparison", "rows_read",
                          "rows_loaded", "rows_quarantined", "persons", "baseline_events")} | {
    c: "DOUBLE" for c in ("value", "numerator", "denominator", "ci_low", "ci_high", "multiplier", "q1_value",
                          "q5_value", "gap", "ratio", "sii", "sii_ci_low", "sii_ci_high", "rii", "rii_ci_low",
                          "rii_ci_high", "estimate", "from_value", "to_value", "change", "reach_share",
                          "assumed_effect", "persons_reached", "expected_change_in_events")}


def _candidate(value: float) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with a minimal candidate: one published cell with the given value."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA candidate")
    for table, (_, columns) in TABLES.items():
        types = {c: TYPES.get(c, "VARCHAR") for c in columns}
        con.execute(f"CREATE TABLE candidate.{table} ({', '.join(f'{c} {types[c]}' for c in columns)})")
    con.execute("INSERT INTO candidate.indicator_values (indicator_id, period, area_code, area_level, stratum, "
                "value, n, suppressed) VALUES ('ph_x', 2024, 'RG', 'regio', 'totaal', ?, 100, false)", [value])
    con.execute("INSERT INTO candidate.areas (area_code, area_level, name, residents) VALUES "
                "('RG', 'regio', 'Regio', 100)")
    con.execute("INSERT INTO candidate.indicator_catalogue (indicator_id, name_nl) VALUES ('ph_x', 'x')")
    return con


READER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("first", con.execute("SELECT value FROM indicator_values").fetchone()[0], flush=True)
    deadline = time.time() + float(sys.argv[2])
    reads = 0
    while time.time() < deadline:
        value = con.execute("SELECT value FROM indicator_values").fetchone()[0]
        reads += 1
        time.sleep(0.01)
    print("last", value, "reads", reads, flush=True)
""")


def test_reader_keeps_working_during_publication_and_new_connections_see_new_data(tmp_path):
    published = tmp_path / "published"
    publish(_candidate(1.0), published, "run-one-0000", {"note": "v1"})
    target = published / "monitoring.duckdb"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(target), "3"], stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().split() == ["first", "1.0"]  # the analyst is connected
    time.sleep(0.3)
    manifest = publish(_candidate(2.0), published, "run-two-0000", {"note": "v2"})  # replaced under the reader
    with duckdb.connect(str(target), read_only=True) as fresh:
        assert fresh.execute("SELECT value FROM indicator_values").fetchone()[0] == 2.0
    out, _ = reader.communicate(timeout=30)
    assert reader.returncode == 0, out
    last = out.split()
    # the open connection kept reading its own consistent snapshot: no error, no half-written file
    assert last[0] == "last" and last[1] == "1.0" and int(last[3]) > 10
    assert len(list((published / "versions").glob("monitoring_*.duckdb"))) == 2
    assert json.loads((published / "manifest.json").read_text())["run_id"] == "run-two-0000" == manifest["run_id"]


def test_every_table_and_column_has_a_comment_and_views_work(tmp_path):
    publish(_candidate(3.0), tmp_path, "run-comments", {})
    with duckdb.connect(str(tmp_path / "monitoring.duckdb"), read_only=True) as con:
        tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
        # duckdb_columns() lists the columns of tables and views alike; every one is documented (README)
        columns = con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal"
                              ).fetchall()
        assert set(tables) == set(TABLES) and all(" / " in comment for comment in tables.values())
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert views == set(VIEWS)
        assert {t for t, _, _ in columns} == set(TABLES) | set(VIEWS)
        undocumented = [(t, c) for t, c, comment in columns if not (comment and " / " in comment)]
        assert columns and not undocumented, undocumented
        view_columns = {(t, c) for t, c, _ in columns if t in VIEWS}
        assert ("v_scorecard", "area_name") in view_columns and ("v_positive_health", "meedoen") in view_columns
        assert con.execute("SELECT value FROM v_scorecard").fetchone()[0] == 3.0


def test_exports_per_table_and_an_excel_workbook(tmp_path):
    publish(_candidate(4.0), tmp_path, "run-exports", {})
    exports = tmp_path / "exports"
    for table in TABLES:
        assert (exports / f"{table}.parquet").exists() and (exports / f"{table}.csv").exists()
    assert duckdb.sql(f"SELECT value FROM '{exports / 'indicator_values.parquet'}'").fetchone()[0] == 4.0
    workbook = load_workbook(exports / "monitoring.xlsx", read_only=True)
    assert workbook.sheetnames[0] == "Toelichting"
    # the one published cell (aim unknown, so on no theme sheet) is listed with the areas and the catalogue
    assert [[c.value for c in row] for row in workbook["Gebieden"].iter_rows(min_row=2)] == [
        ["Regio", "Regio", None, None, "RG", 100]]
    assert workbook["Indicatoren"]["A2"].value == "x"


def test_retention_keeps_the_last_versions(tmp_path):
    for i in range(4):
        publish(_candidate(float(i)), tmp_path, f"run-{i}-retention", {}, retention=2)
    kept = sorted(p.name for p in (tmp_path / "versions").glob("monitoring_*.duckdb"))
    assert len(kept) == 2 and kept[-1].endswith("_run-3-re.duckdb")


@pytest.mark.parametrize("missing", ["indicator_values"])
def test_a_missing_contract_table_publishes_nothing(tmp_path, missing):
    con = _candidate(5.0)
    con.execute(f"DROP TABLE candidate.{missing}")
    with pytest.raises(ValueError, match=missing):
        publish(con, tmp_path, "run-missing", {})
    assert not (tmp_path / "monitoring.duckdb").exists()
    assert not list(tmp_path.glob(".*.tmp"))
