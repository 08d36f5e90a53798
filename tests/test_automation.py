"""The landing sensor and schedules, evaluated with Dagster's own sensor test context."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.config import load_settings
from pipelines.definitions import MAIN_JOB, build_definitions
from tests.conftest import write_config


def _sensor(tmp_path):
    settings = load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data"))
    defs = build_definitions(settings)
    return settings, defs.resolve_sensor_def("landing_sensor"), defs


def test_new_and_changed_files_trigger_a_run_identical_ones_do_not(tmp_path):
    settings, sensor, _ = _sensor(tmp_path)
    folder = settings.landing_dir / "wmo"
    folder.mkdir(parents=True)
    (folder / "wmo_2023.csv").write_text("a\n1\n", encoding="utf-8")

    first = sensor(dg.build_sensor_context(cursor=None))
    assert isinstance(first, dg.RunRequest) and "wmo/wmo_2023.csv" in first.tags["phm/changed_files"]

    cursor = sensor_cursor(sensor, None)
    # nothing changed: skip
    assert isinstance(sensor(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)
    # same content, new modification time: still no run (the content hash decides)
    path = folder / "wmo_2023.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000_000))
    assert isinstance(sensor(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)
    # a new year's file arrives: one run, naming only that file
    (folder / "wmo_2024.csv").write_text("a\n2\n", encoding="utf-8")
    request = sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(request, dg.RunRequest)
    assert request.tags["phm/changed_files"] == "wmo/wmo_2024.csv"


def sensor_cursor(sensor, cursor):
    """The cursor the sensor stores after one evaluation (what the daemon would keep)."""
    context = dg.build_sensor_context(cursor=cursor)
    sensor(context)
    return context.cursor


def test_schedules_exist_and_are_off_by_default(tmp_path):
    _, _, defs = _sensor(tmp_path)
    for name, cron in (("yearly_run", "0 6 1 4 *"), ("monthly_run", "0 6 1 * *")):
        schedule = defs.resolve_schedule_def(name)
        assert schedule.cron_schedule == cron and schedule.job_name == MAIN_JOB
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_main_job_runs_in_process_and_is_tagged_with_its_region(tmp_path):
    _, _, defs = _sensor(tmp_path)
    job = defs.resolve_job_def(MAIN_JOB)
    assert job.tags["phm/region"] == "RG_TEST" and job.executor_def.name == "in_process"
