"""The landing sensor and schedules, evaluated with Dagster's own sensor and schedule test contexts."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.config import load_settings
from pipelines.definitions import build_definitions, job_name
from pipelines.partitions import RANGE_END, RANGE_START
from tests.conftest import write_config

JOB = job_name("RG_TEST")


def _sensor(tmp_path, years=(2022, 2023, 2024)):
    settings = load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", years=list(years)))
    defs = build_definitions(settings)
    return settings, defs.resolve_sensor_def("landing_sensor_rg_test"), defs


def sensor_cursor(sensor, cursor):
    """The cursor the sensor stores after one evaluation (what the daemon would keep)."""
    context = dg.build_sensor_context(cursor=cursor)
    sensor(context)
    return context.cursor


def test_new_and_changed_files_trigger_a_run_of_their_years_identical_ones_do_not(tmp_path):
    settings, sensor, _ = _sensor(tmp_path)
    folder = settings.landing_dir / "wmo"
    folder.mkdir(parents=True)
    (folder / "wmo_2022.csv").write_text("a\n0\n", encoding="utf-8")
    (folder / "wmo_2023.csv").write_text("a\n1\n", encoding="utf-8")

    first = sensor(dg.build_sensor_context(cursor=None))
    # two years at once: one run over the partition range 2022..2023, bound to the region's warehouse
    assert isinstance(first, dg.RunRequest) and "wmo/wmo_2023.csv" in first.tags["phm/changed_files"]
    assert (first.tags[RANGE_START], first.tags[RANGE_END]) == ("2022", "2023")
    assert first.run_config["resources"]["warehouse"]["config"]["database"] == str(settings.warehouse_path)

    cursor = sensor_cursor(sensor, None)
    assert isinstance(sensor(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)
    # same content, new modification time: still no run (the content hash decides)
    path = folder / "wmo_2023.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000_000))
    assert isinstance(sensor(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)
    # a new year's file arrives: one run of that year's partition only, naming only that file
    (folder / "wmo_2024.csv").write_text("a\n2\n", encoding="utf-8")
    request = sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "2024" and request.tags["phm/changed_files"] == "wmo/wmo_2024.csv"
    assert RANGE_START not in request.tags


def test_a_file_of_an_unconfigured_year_waits_until_the_year_is_configured(tmp_path):
    settings, sensor, _ = _sensor(tmp_path, years=(2022, 2023))
    folder = settings.landing_dir / "wmo"
    folder.mkdir(parents=True)
    (folder / "wmo_2024.csv").write_text("a\n2\n", encoding="utf-8")
    context = dg.build_sensor_context(cursor=None)
    skipped = sensor(context)
    assert isinstance(skipped, dg.SkipReason) and "wmo/wmo_2024.csv" in skipped.skip_message
    assert "2024" not in (context.cursor or "")
    # the operator adds 2024 to phm.toml: the next tick (which reads the configuration) starts the run
    write_config(tmp_path / "phm.toml", tmp_path / "data", years=[2022, 2023, 2024])
    request = sensor(dg.build_sensor_context(cursor=context.cursor))
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2024"


def test_schedules_exist_are_off_by_default_and_run_every_configured_year(tmp_path):
    settings, _, defs = _sensor(tmp_path)
    for name, cron in (("yearly_run_rg_test", "0 6 1 4 *"), ("monthly_run_rg_test", "0 6 1 * *")):
        schedule = defs.resolve_schedule_def(name)
        assert schedule.cron_schedule == cron and schedule.job_name == JOB
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
        request = schedule(dg.build_schedule_context())
        assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2022", "2024")
        assert request.run_config["resources"]["phm"]["config"]["region"] == "RG_TEST"


def test_region_job_runs_in_process_is_tagged_and_person_level_assets_are_year_partitioned(tmp_path):
    _, _, defs = _sensor(tmp_path)
    job = defs.resolve_job_def(JOB)
    assert job.tags["phm/region"] == "RG_TEST" and job.executor_def.name == "in_process"
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()
            if graph.get(key).partitions_def is not None}
    assert {"raw/population", "staging/person_year", "marts/person_year", "marts/person_stratification",
            "marts/person_targeting"} <= keys
    assert not keys & {"indicators/indicator_values", "publish/monitoring", "staging/areas"}
    assert graph.get(dg.AssetKey(["staging", "person_year"])).partitions_def.get_partition_keys() == [
        "2022", "2023", "2024"]
