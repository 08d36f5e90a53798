"""The run-to-run guard: what a publication showed for a year may change only when something that explains it
changed, and nothing it had disappears without a configuration change.

Pure-function tests on a handful of cells, then the real job once: publish, tamper with the published file,
run again on the same inputs.
"""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.config import load_settings
from pipelines.run import run_main_job
from quality.run_to_run import guard_outcomes, run_to_run
from tests.builders import file_hashes

FILES = {"population/population_2022.csv": ("population", "sha256-P22"),
         "population/population_2023.csv": ("population", "sha256-P23"),
         "wmo/wmo_2022.csv": ("wmo", "sha256-W22"),
         "wmo/wmo_2023.csv": ("wmo", "sha256-W23")}
SOURCES = {"co_wmo_gebruik": ("population", "wmo"), "ph_roken": ("health_survey", "population")}


def cell(indicator="co_wmo_gebruik", period=2023, area="GM0399", stratum="totaal", value=7.3, suppressed=False,
         reason=None, numerator=120.0, level=None):
    level = level or {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}.get(area[:2], "regio")
    shown = not suppressed
    return {"indicator_id": indicator, "period": period, "area_code": area, "area_level": level, "stratum": stratum,
            "numerator": numerator if shown else None, "denominator": 1645.0 if shown else None,
            "n": 1645 if shown else None, "value": value if shown else None,
            "ci_low": value - 1.0 if shown else None, "ci_high": value + 1.0 if shown else None,
            "suppressed": suppressed, "suppression_reason": reason, "comparison": "geen_verschil" if shown else None}


def values(*cells: dict) -> pl.DataFrame:
    return pl.DataFrame(list(cells), schema_overrides={"numerator": pl.Float64, "denominator": pl.Float64,
                                                        "n": pl.Int64, "value": pl.Float64, "ci_low": pl.Float64,
                                                        "ci_high": pl.Float64, "suppression_reason": pl.String,
                                                        "comparison": pl.String})


def manifest(code="2a4155c", config="725b18032c5895f6", changed: dict | None = None, drop=()) -> pl.DataFrame:
    files = {path: (source, (changed or {}).get(path, sha)) for path, (source, sha) in FILES.items()
             if path not in drop}
    rows = [{"code_version": code, "config_hash": config, "source": s, "path": p, "sha256": h, "version": None}
            for p, (s, h) in files.items()]
    rows.append({"code_version": code, "config_hash": config, "source": "code_list", "path": "segment_rules.csv",
                 "sha256": None, "version": "2024.1"})
    return pl.DataFrame(rows, schema_overrides={"version": pl.String, "sha256": pl.String})


PREVIOUS = values(cell(), cell(period=2022, value=6.9), cell(area="WK039901", value=8.1),
                  cell(indicator="ph_roken", value=18.2), cell(indicator="ph_roken", period=2022, value=19.0))


def guard(candidate: pl.DataFrame, current: pl.DataFrame | None = None, sources=SOURCES, previous=PREVIOUS):
    found = guard_outcomes(previous, candidate, manifest(), manifest() if current is None else current, 1e-9,
                           sources)
    return {o.check_name: o for o in found}


def replace(frame: pl.DataFrame, **where_and_new) -> pl.DataFrame:
    """`frame` with one cell (selected by indicator/period/area) replaced by `cell(**...)`."""
    key = {k: where_and_new[k] for k in ("indicator", "period", "area") if k in where_and_new}
    target = cell(**key)
    keep = frame.filter(~((pl.col("indicator_id") == target["indicator_id"]) & (pl.col("period") == target["period"])
                          & (pl.col("area_code") == target["area_code"])))
    return pl.concat([keep, values(cell(**where_and_new))])


def test_the_same_publication_passes():
    out = guard(PREVIOUS)
    assert out["run_to_run_values"].passed and out["run_to_run_coverage"].passed
    assert "no value moved beyond 1e-09" in out["run_to_run_values"].message


def test_a_moved_value_with_unchanged_inputs_is_an_error_naming_the_cell():
    out = guard(replace(PREVIOUS, period=2022, value=5.9))["run_to_run_values"]
    assert not out.passed and out.severity == "error" and out.affected_indicators == ("co_wmo_gebruik",)
    # the indicator, level and year, the cell, before and after, and that none of its inputs changed
    assert "co_wmo_gebruik gemeente 2022" in out.message
    assert "GM0399 totaal: value 6.9 -> 5.9 (-1)" in out.message
    assert "none of its inputs changed: same code version 2a4155c, configuration 725b18032c5895f6" in out.message
    assert "files of population, wmo" in out.message


def test_a_move_within_the_tolerance_passes():
    assert guard(replace(PREVIOUS, period=2022, value=6.9 + 1e-12))["run_to_run_values"].passed


def test_a_changed_input_file_makes_it_a_warning_that_names_the_file():
    changed = manifest(changed={"wmo/wmo_2023.csv": "sha256-NEW"})
    out = guard(replace(PREVIOUS, value=5.9), changed)["run_to_run_values"]
    assert not out.passed and out.severity == "warn"
    assert "co_wmo_gebruik gemeente 2023 (changed: wmo (wmo/wmo_2023.csv changed))" in out.message


def test_a_file_of_another_year_of_the_source_explains_the_move():
    # Wmo provisions run over years: a new wmo_2023 file may change 2022
    changed = manifest(changed={"wmo/wmo_2023.csv": "sha256-NEW"})
    assert guard(replace(PREVIOUS, period=2022, value=5.9), changed)["run_to_run_values"].severity == "warn"


def test_a_changed_file_of_a_source_the_indicator_does_not_need_explains_nothing():
    changed = manifest(changed={"wmo/wmo_2023.csv": "sha256-NEW"})
    out = guard(replace(PREVIOUS, indicator="ph_roken", value=17.0), changed)["run_to_run_values"]
    assert out.severity == "error" and not out.passed
    assert "ph_roken gemeente 2023 (none of its inputs changed" in out.message
    assert "files of health_survey, population" in out.message


def test_suppression_follows_every_source_so_any_changed_file_explains_a_flip():
    # secondary suppression covers sums across indicators: new Wmo figures may move cover into ph_roken
    changed = manifest(changed={"wmo/wmo_2023.csv": "sha256-NEW"})
    out = guard(replace(PREVIOUS, indicator="ph_roken", suppressed=True, reason="secondary"), changed)
    assert out["run_to_run_values"].severity == "warn"
    assert "suppression only, after changes elsewhere: wmo (wmo/wmo_2023.csv changed)" in out["run_to_run_values"].message
    assert guard(replace(PREVIOUS, indicator="ph_roken", suppressed=True, reason="secondary"))[
        "run_to_run_values"].severity == "error"


def test_without_the_sources_of_an_indicator_any_changed_file_explains_it():
    changed = manifest(changed={"wmo/wmo_2023.csv": "sha256-NEW"})
    out = guard(replace(PREVIOUS, indicator="ph_roken", value=17.0), changed, sources={})["run_to_run_values"]
    assert out.severity == "warn"


@pytest.mark.parametrize(("new", "shown"), [
    ({"suppressed": True, "reason": "secondary"}, "GM0399 totaal: became suppressed (secondary)"),
    ({"numerator": 125.0}, "GM0399 totaal: numerator 120 -> 125"),
])
def test_a_cell_that_becomes_suppressed_or_a_count_that_changes_is_a_move(new, shown):
    out = guard(replace(PREVIOUS, **new))["run_to_run_values"]
    assert out.severity == "error" and not out.passed and shown in out.message


def test_the_worst_cell_comes_first():
    candidate = replace(replace(PREVIOUS, value=7.4), area="WK039901", value=16.2)
    out = guard(candidate)["run_to_run_values"]
    assert out.message.index("WK039901 totaal: value 8.1 -> 16.2") < out.message.index("GM0399 totaal: value 7.3")
    assert "2 (indicator, level, year)" in out.message


def test_a_cell_that_disappears_from_a_year_still_published_is_a_move():
    candidate = PREVIOUS.filter(pl.col("area_code") != "WK039901")
    out = guard(candidate, previous=PREVIOUS.vstack(values(cell(area="GM0399", level="gemeente", stratum="geslacht:V"))))
    assert not out["run_to_run_values"].passed
    assert "GM0399 geslacht:V is no longer in the publication (was 7.3)" in out["run_to_run_values"].message


@pytest.mark.parametrize(("dropped", "named"), [
    (pl.col("period") == 2022, "1 year(s) (2022)"),
    (pl.col("area_code") == "WK039901", "1 area(s) (WK039901)"),
    (pl.col("indicator_id") == "ph_roken", "1 indicator(s) (ph_roken)"),
    ((pl.col("indicator_id") == "co_wmo_gebruik") & (pl.col("period") == 2023), "1 indicator-year(s) (co_wmo_gebruik 2023)"),
])
def test_losing_a_year_area_or_indicator_needs_a_configuration_change(dropped, named):
    candidate = PREVIOUS.filter(~dropped)
    same = guard(candidate, manifest(changed={"wmo/wmo_2023.csv": "sha256-NEW"}))["run_to_run_coverage"]
    assert not same.passed and same.severity == "error" and named in same.message
    assert "same code version 2a4155c and configuration 725b18032c5895f6" in same.message
    reconfigured = guard(candidate, manifest(config="9f3a0c55d2e1b7aa"))["run_to_run_coverage"]
    assert not reconfigured.passed and reconfigured.severity == "warn" and named in reconfigured.message
    assert "configuration 725b18032c5895f6 -> 9f3a0c55d2e1b7aa" in reconfigured.message


def test_an_allowed_incomplete_source_is_a_configuration_change_so_a_warning():
    # [run] allow_incomplete = ["wmo:2023"] changes config_hash; the cells become "bron onvolledig"
    candidate = replace(PREVIOUS, suppressed=True, reason="bron onvolledig")
    out = guard(candidate, manifest(config="9f3a0c55d2e1b7aa"))["run_to_run_values"]
    assert out.severity == "warn" and "became suppressed (bron onvolledig)" in out.message


def test_a_new_code_version_gives_warnings_only():
    candidate = replace(PREVIOUS.filter(pl.col("indicator_id") != "ph_roken"), value=5.9)
    out = guard(candidate, manifest(code="3b5c9d1"))
    assert {o.severity for o in out.values()} == {"warn"} and not any(o.passed for o in out.values())
    assert "code version 2a4155c -> 3b5c9d1" in out["run_to_run_coverage"].message


def test_no_previous_publication_passes_and_says_so():
    out = guard_outcomes(None, PREVIOUS, None, manifest(), 1e-9, SOURCES, "data/published/monitoring.duckdb")
    assert all(o.passed for o in out) and all("no previous publication" in o.message for o in out)


def test_the_guard_reads_the_previous_file_read_only(tmp_path):
    previous = tmp_path / "monitoring.duckdb"
    with duckdb.connect(str(previous)) as con:
        con.register("v", PREVIOUS)
        con.register("m", manifest())
        con.execute("CREATE TABLE indicator_values AS SELECT * FROM v")
        con.execute("CREATE TABLE run_manifest AS SELECT * FROM m")
    before = previous.read_bytes()
    con = duckdb.connect()
    con.execute("CREATE SCHEMA candidate")
    con.register("v", replace(PREVIOUS, value=5.9))
    con.register("m", manifest())
    con.execute("CREATE TABLE candidate.indicator_values AS SELECT * FROM v")
    con.execute("CREATE TABLE candidate.run_manifest AS SELECT * FROM m")
    found = {o.check_name: o for o in run_to_run(con, previous, 1e-9, SOURCES)}
    assert found["run_to_run_values"].severity == "error" and "7.3 -> 5.9" in found["run_to_run_values"].message
    assert found["run_to_run_coverage"].passed
    assert previous.read_bytes() == before
    assert all(o.passed for o in run_to_run(con, tmp_path / "absent.duckdb", 1e-9, SOURCES))


@pytest.fixture(scope="module")
def published_region(small_run, module_tmp):
    """A copy of the session's small region as it was published: the same configuration file, so the same
    configuration hash, and the same input files."""
    settings, _, _ = small_run
    root = module_tmp("run_to_run")
    shutil.copytree(settings.landing_dir, root / "landing")
    shutil.copytree(settings.published_dir, root / "published")
    return load_settings(settings.config_path, data_dir=root)


@pytest.mark.slow
def test_a_tampered_previous_publication_stops_the_run_and_stays_as_it_was(published_region):
    settings = published_region
    with duckdb.connect(str(settings.published_dir / "monitoring.duckdb")) as con:  # someone edits one value
        indicator, period, area, stratum, value = con.execute(
            "SELECT indicator_id, period, area_code, stratum, value FROM indicator_values WHERE NOT suppressed "
            "AND area_level = 'gemeente' AND value > 1 ORDER BY ALL LIMIT 1").fetchone()
        con.execute("UPDATE indicator_values SET value = -value WHERE indicator_id = ? AND period = ? "
                    "AND area_code = ? AND stratum = ?", [indicator, period, area, stratum])
    before = file_hashes(settings.published_dir)

    outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())

    assert not outcome.success
    text = " | ".join(outcome.failures)
    assert "check run_to_run_values on publish/publication_candidate" in text, text
    assert f"{indicator} gemeente {period} (none of its inputs changed" in text, text
    assert f"{area} {stratum}: value {-value:.10g} -> {value:.10g}" in text, text
    assert file_hashes(settings.published_dir) == before
