"""Reproducible to the bit: the same inputs and code publish the same tables, and manifest.json tells two
publications apart by a content hash per table that anyone can recompute from the published file."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil

import dagster as dg
import duckdb
import pytest

from indicators.candidate import DECIMALS, RATIO_DECIMALS
from indicators.publication import REPRODUCIBLE_TABLES
from indicators.published_schema import TABLES
from pipelines.config import load_settings
from pipelines.run import run_main_job
from tests.fingerprint import GOLDEN, differences, fingerprint

pytestmark = pytest.mark.slow
RATIOS = {"equity_gaps": {"ratio", "rii", "rii_ci_low", "rii_ci_high"}, "small_area_estimates": {"direct_weight"}}


@pytest.fixture(scope="module")
def twice(small_run, module_tmp):
    """The session's small region (published once) published again from a copy of its landing files."""
    first, _, _ = small_run
    root = module_tmp("reproducible")
    shutil.copytree(first.landing_dir, root / "landing")
    second = load_settings(first.config_path, data_dir=root)
    outcome = run_main_job(second, instance=dg.DagsterInstance.ephemeral())
    assert outcome.success, "\n".join(outcome.failures)
    return first, second


def manifest(settings) -> dict:
    return json.loads((settings.published_dir / "manifest.json").read_text(encoding="utf-8"))


def readme_content_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The recipe of the README, word for word: what an auditor runs on the published file."""
    cursor = con.execute(f"SELECT * FROM {table} ORDER BY ALL ASC NULLS LAST")
    lines = [[d[0] for d in cursor.description], *map(list, cursor.fetchall())]
    text = "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False, default=str) + "\n" for line in lines)
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def test_the_same_inputs_publish_the_same_tables(twice):
    first, second = twice
    a, b = manifest(first)["content_hashes"], manifest(second)["content_hashes"]
    assert set(a) == set(b) == set(TABLES)
    assert {t: a[t] for t in REPRODUCIBLE_TABLES} == {t: b[t] for t in REPRODUCIBLE_TABLES}
    assert a["run_manifest"] != b["run_manifest"] and a["quality_results"] != b["quality_results"]  # run ids
    con = duckdb.connect()
    con.execute(f"ATTACH '{first.published_dir / 'monitoring.duckdb'}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{second.published_dir / 'monitoring.duckdb'}' AS b (READ_ONLY)")
    for table in REPRODUCIBLE_TABLES:
        rows, differ = con.execute(f"SELECT (SELECT count(*) FROM a.{table}), count(*) FROM "
                                   f"(SELECT * FROM a.{table} EXCEPT ALL SELECT * FROM b.{table})").fetchone()
        # the test region has too few buurten for a small-area model (fewer than 20 published cells)
        assert differ == 0 and (rows > 0 or table == "small_area_estimates"), (table, differ, rows)


def test_the_manifest_hash_is_the_readme_recipe_on_the_published_file(twice):
    first, _ = twice
    hashes = manifest(first)["content_hashes"]
    with duckdb.connect(str(first.published_dir / "monitoring.duckdb"), read_only=True) as con:
        assert {t: readme_content_hash(con, t) for t in TABLES} == hashes


def test_every_float_is_published_at_the_documented_precision(twice):
    first, _ = twice
    with duckdb.connect(str(first.published_dir / "monitoring.duckdb"), read_only=True) as con:
        floats = con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                             "WHERE data_type IN ('DOUBLE', 'FLOAT') AND table_name IN "
                             f"({', '.join(repr(t) for t in REPRODUCIBLE_TABLES)})").fetchall()
        assert len(floats) > 20
        for table, column in floats:
            digits = RATIO_DECIMALS if column in RATIOS.get(table, ()) else DECIMALS
            finer = con.execute(f'SELECT count(*) FROM {table} WHERE "{column}" <> round("{column}", {digits})'
                                ).fetchone()[0]
            assert finer == 0, f"{table}.{column}: {finer} value(s) with more than {digits} decimals"
        # a trend's change is the difference of the published values, to the published precision
        assert con.execute(f"SELECT count(*) FROM trends WHERE change <> round(to_value - from_value, {DECIMALS})"
                           ).fetchone()[0] == 0


def test_a_changed_input_file_changes_the_hash_and_is_reported(twice):
    first, second = twice
    costs = second.landing_dir / "zvw_costs" / "zvw_costs_2023.csv"
    header, row, *rest = costs.read_text(encoding="utf-8").splitlines(keepends=True)
    costs.write_text(header + row.rsplit(";", 1)[0] + ";98765,4\n" + "".join(rest), encoding="utf-8")

    outcome = run_main_job(second, instance=dg.DagsterInstance.ephemeral())

    assert outcome.success, "\n".join(outcome.failures)
    changed, same = manifest(second)["content_hashes"], manifest(first)["content_hashes"]
    assert changed["indicator_values"] != same["indicator_values"]
    assert changed["indicator_catalogue"] == same["indicator_catalogue"]
    # the guard lists the moves in the run summary as a warning that names the changed file
    assert any("run_to_run_values" in w and "zvw_costs/zvw_costs_2023.csv changed" in w for w in outcome.warnings), \
        outcome.warnings


def test_the_small_region_publishes_what_it_published_before_the_last_intended_change(twice):
    """tests/golden/small_region.json is the fingerprint of this publication, written by
    `python -m tests.fingerprint small <dir> write` when an output changed on purpose; a refactoring leaves it."""
    first, _ = twice
    golden = json.loads((GOLDEN / "small_region.json").read_text(encoding="utf-8"))
    assert differences(fingerprint(first.published_dir), golden) == []
