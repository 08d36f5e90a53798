"""What a data professional sees: `phm run` (quiet by default, one line per stage, warnings, where the
publication is; the Dagster log with --verbose; a failure named), the help texts, `phm status`, and which
checks Dagster calls blocking. The CLI runs in a subprocess, as an operator starts it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.config import REPO_ROOT, load_settings
from pipelines.definitions import build_definitions
from pipelines.run_display import stage_label
from quality.severities import severity_of
from tests.regions import write_config

pytestmark = pytest.mark.slow
GEMEENTEN, YEARS = ["GM0399"], [2022, 2023]
STAGE_LINE = re.compile(r"^([✓!✗-]) (.+?)\s{2,}(\d+) (?:of (\d+) )?steps?")


def phm(*args: str) -> subprocess.CompletedProcess:
    """`phm <args>` in a fresh interpreter with this checkout on the path and no DAGSTER_HOME of the caller."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "PHM_CONFIG", "PHM_REGION")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          env=env, cwd=REPO_ROOT, timeout=1800)


@pytest.fixture(scope="module")
def region(module_tmp):
    """A tiny region (Heiloo at 15 %) with landing files, not yet run."""
    from sample_data.generator import generate

    root = module_tmp("console")
    settings = load_settings(write_config(root / "phm.toml", root / "data", GEMEENTEN, YEARS))
    generate(settings.landing_dir, GEMEENTEN, YEARS, seed=5, scale=0.15)
    return settings


@pytest.fixture(scope="module")
def default_run(region):
    """`phm run` once; its output serves every test of the default console."""
    done = phm("run", "--config", str(region.config_path))
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def stages(region) -> dict[str, tuple[int, int]]:
    """(assets, checks) per asset group, read from the region's Definitions (not from the display)."""
    graph = build_definitions(region).resolve_asset_graph()
    assets, checks = Counter(), Counter()
    for assets_def in graph.assets_defs:
        if assets_def.is_executable:
            (group,) = set(assets_def.group_names_by_key.values())
            assets[group] += 1
            checks[group] += len(list(assets_def.check_specs))
    return {group: (assets[group], checks[group]) for group in assets}


def _stage_lines(output: str) -> dict[str, str]:
    lines = [line for line in output.splitlines() if STAGE_LINE.match(line)]
    labels = [STAGE_LINE.match(line)[2].strip() for line in lines]
    assert len(labels) == len(set(labels)), labels  # one line per stage
    return dict(zip(labels, lines, strict=True))


def test_default_run_is_quiet(default_run):
    assert "DEBUG" not in default_run
    assert not re.search(r"STEP_START|ASSET_MATERIALIZATION|- dagster -", default_run)
    assert len(default_run.splitlines()) < 40  # 35 steps, 42 checks: was ~260 lines of 250 characters


def test_default_run_shows_one_line_per_stage_with_its_steps_and_checks(default_run, stages):
    lines = _stage_lines(default_run)
    assert sorted(lines) == sorted(stage_label(group) for group in stages), default_run
    for group, (assets, checks) in stages.items():
        line = lines[stage_label(group)]
        assert line.startswith(("✓", "!")) and f" {assets} steps " in line, line
        assert (f" {checks} checks" in line) if checks else " checks" not in line, line
    assert f"({sum(a for a, _ in stages.values())} steps, {sum(c for _, c in stages.values())} checks: " in default_run


def test_default_run_prints_every_warning_in_full(default_run, region):
    with duckdb.connect(str(region.published_dir / "monitoring.duckdb"), read_only=True) as con:
        warned = con.execute("SELECT check_name, asset, message FROM quality_results "
                             "WHERE status = 'failed' AND severity = 'warn'").fetchall()
    with duckdb.connect(str(region.warehouse_path), read_only=True) as con:
        quarantined = con.execute("SELECT source, sum(rows_quarantined), sum(rows_read) FROM meta.ingest_files "
                                  "GROUP BY source HAVING sum(rows_quarantined) > 0").fetchall()
    assert warned and quarantined  # the generator injects broken rows; the small region suppresses cells
    for name, asset, message in warned:
        assert f"check {name} on {asset}: {message}" in default_run
    for source, rows, read in quarantined:
        assert f"raw/{source}: {rows:,} of {read:,} rows quarantined" in default_run
    assert f"{len(warned) + len(quarantined)} warning(s):" in default_run
    assert f"{len(warned)} warned)" in default_run  # the closing line's count of warn checks


def test_default_run_ends_with_where_the_publication_is(default_run, region):
    tail = default_run.rstrip().splitlines()[-4:]
    published = region.published_dir
    expected = {"Report:": published / "report" / "index.html", "Quality pages:": published / "quality" / "index.html",
                "Exports:": published / "exports", "Database:": published / "monitoring.duckdb"}
    for line, (label, path) in zip(tail, expected.items(), strict=True):
        assert line.startswith(label) and str(path) in line, line
        assert path.exists()
    assert "tables as CSV and Parquet" in tail[2]
    assert re.search(r"Run [0-9a-f-]{36} published in \d+", default_run)


def test_verbose_brings_the_dagster_event_log_back(default_run, region, stages):
    done = phm("run", "--config", str(region.config_path), "--verbose")
    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stdout + done.stderr
    steps = sum(a for a, _ in stages.values())
    assert output.count(" - DEBUG - ") > 100 and output.count("STEP_START") == steps
    assert not _stage_lines(output)  # the event log instead of the stage lines
    assert output.rstrip().splitlines()[-4].startswith("Report:")


def test_status_names_the_last_run_its_warnings_and_a_readable_time(default_run, region):
    done = phm("status", "--config", str(region.config_path))
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    started = re.search(r"Last run [0-9a-f-]{36} \(years 2022-2023\), started (\S+ \S+)", output)
    assert started and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", started[1])  # no microseconds
    assert re.search(r"published_at\s+│\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", output)
    warnings = re.search(r"(\d+) warning\(s\):", default_run)[1]  # the last run was the verbose one: same data
    assert f"{warnings} warning(s) in that run:" in output
    assert "check suppression_by_level on indicators/indicator_values: cells suppressed" in output


def test_a_failed_step_is_named_with_its_error(region, tmp_path):
    shutil.copytree(region.landing_dir, tmp_path / "data" / "landing")
    config = write_config(tmp_path / "phm.toml", tmp_path / "data", GEMEENTEN, YEARS)
    (tmp_path / "data" / "landing" / "wmo" / "wmo_2023.csv").rename(tmp_path / "data" / "landing" / "wmo" / "wmo-2023.csv")
    done = phm("run", "--config", str(config))
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "DEBUG" not in output
    assert re.search(r"^✗ ingest .* failed: raw/wmo$", output, re.MULTILINE), output
    assert "nothing was published" in output
    assert re.search(r"✗ raw__wmo: .*wmo-2023\.csv: file name must be <source>_<year>\.csv", output), output


def test_only_error_checks_are_blocking(default_run, region):
    specs = [spec for assets_def in build_definitions(region).resolve_asset_graph().assets_defs
             for spec in assets_def.check_specs]
    for spec in specs:
        assert spec.blocking == (severity_of(spec.name) == "error"), spec.name
    # read from quality/checks.py and quality/completeness.py: these four only ever report `warn`
    assert {s.name for s in specs if not s.blocking} == {
        "kaiser_pyramid", "rivm_plausibility", "suppression_by_level", "incomplete_sources_allowed"}
    # and the run agrees: every check it recorded as `error` is blocking, every non-blocking one recorded `warn`
    with duckdb.connect(str(region.warehouse_path), read_only=True) as con:
        recorded = con.execute("SELECT DISTINCT check_name, severity FROM quality.check_results").fetchall()
    blocking = {s.name: s.blocking for s in specs}
    assert {name for name, _ in recorded} == set(blocking)
    for name, severity in recorded:
        if severity == "error":
            assert blocking[name], name
        if not blocking[name]:
            assert severity == "warn", name


COMMANDS = ["generate", "run", "report", "status", "workspace", "ui"]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_reads_as_written(command):
    result = CliRunner().invoke(app, [command, "--help"] if command else ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(?:list\[\w+\]|bool|str|int|float|path)>", result.output), result.output
    if command in ("generate", "run", "report", "status"):
        assert "([region] or a [regions.<CODE>] table; default [region])" in result.output
        assert "--config" in result.output and "FILE" in result.output and "CODE" in result.output
    if command == "run":
        assert "YEAR" in result.output and "--verbose" in result.output
    if command == "ui":
        assert "--host" in result.output and "--port" in result.output and "[default: 127.0.0.1]" in result.output
