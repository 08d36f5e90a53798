"""The landing sensor and schedules, evaluated with Dagster's own sensor and schedule test contexts."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.automation import (
    FIRST_TICK,
    TRIGGER_TAG,
    cron_fires_at,
    is_temporary_name,
    job_tags,
)
from pipelines.config import ConfigError, load_settings
from pipelines.definitions import build_definitions, job_name
from pipelines.partitions import RANGE_END, RANGE_START
from tests.regions import write_config

JOB = job_name("RG_TEST")
INSTANCE = dg.DagsterInstance.ephemeral()
T0 = 1_700_000_000_000_000_000  # a fixed modification time (ns), moved on by hand between ticks


def _sensor(tmp_path, years=(2022, 2023, 2024), extra=""):
    tmp_path.mkdir(parents=True, exist_ok=True)
    settings = load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", years=list(years), extra=extra))
    defs = build_definitions(settings)
    return settings, defs.resolve_sensor_def("landing_sensor_rg_test"), defs


def tick(sensor, cursor):
    """One evaluation as the daemon makes it: (result, the cursor it stores)."""
    context = dg.build_sensor_context(cursor=cursor, instance=INSTANCE)
    result = sensor(context)
    return result, context.cursor


def put(path, text, mtime_ns=T0):
    """Write `text` to `path` with a chosen modification time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_new_and_changed_files_trigger_a_run_of_their_years_identical_ones_do_not(tmp_path):
    settings, sensor, _ = _sensor(tmp_path)
    folder = settings.landing_dir / "wmo"
    put(folder / "wmo_2022.csv", "a\n0\n")
    put(folder / "wmo_2023.csv", "a\n1\n")

    # seen for the first time: both settle; unchanged at the next tick: one run over the range 2022..2023
    settling, cursor = tick(sensor, None)
    assert isinstance(settling, dg.SkipReason)
    assert "2 file(s)" in settling.skip_message and "wmo/wmo_2022.csv, wmo/wmo_2023.csv" in settling.skip_message
    first, cursor = tick(sensor, cursor)
    assert isinstance(first, dg.RunRequest)
    assert first.tags["phm/changed_files"] == "wmo/wmo_2022.csv, wmo/wmo_2023.csv"
    assert (first.tags[RANGE_START], first.tags[RANGE_END]) == ("2022", "2023")
    assert first.run_config["resources"]["warehouse"]["config"]["database"] == str(settings.warehouse_path)

    nothing, cursor = tick(sensor, cursor)
    assert isinstance(nothing, dg.SkipReason) and nothing.skip_message.startswith("no new or changed files")
    # same content, new modification time: it settles one tick, then still no run (the content hash decides)
    path = folder / "wmo_2023.csv"
    os.utime(path, ns=(T0, T0 + 10_000_000_000))
    settling, cursor = tick(sensor, cursor)
    assert isinstance(settling, dg.SkipReason) and "1 file(s)" in settling.skip_message
    nothing, cursor = tick(sensor, cursor)
    assert isinstance(nothing, dg.SkipReason) and nothing.skip_message.startswith("no new or changed files")
    assert json.loads(cursor)["files"]["wmo/wmo_2023.csv"][1] == T0 + 10_000_000_000
    # a new year's file arrives: one run of that year's partition only, naming only that file, no first-tick tag
    put(folder / "wmo_2024.csv", "a\n2\n")
    _, cursor = tick(sensor, cursor)
    request, cursor = tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "2024" and request.tags["phm/changed_files"] == "wmo/wmo_2024.csv"
    assert RANGE_START not in request.tags and TRIGGER_TAG not in request.tags
    assert request.tags["phm/region"] == "RG_TEST" and request.tags["dagster/max_runtime"] == str(240 * 60)


def test_temporary_names_are_ignored_and_a_badly_named_complete_file_still_runs(tmp_path):
    settings, sensor, _ = _sensor(tmp_path)
    folder = settings.landing_dir / "wmo"
    temporary = ["wmo_2024.csv.filepart", "wmo_2024.csv.PART", "wmo_2024.csv.partial", "wmo_2024.csv.tmp",
                 "wmo_2024.csv.TEMP", "wmo_2024.csv.crdownload", "wmo_2024.csv.download", "wmo_2024.csv.!sync",
                 "wmo_2024.csv~", ".wmo_2024.csv.swp", ".~lock.wmo_2024.csv#", ".wmo_2024.csv.Tq3x9a"]
    assert [is_temporary_name(name) for name in temporary] == [True] * 12
    assert not any(is_temporary_name(n) for n in ("wmo_2024.csv", "wmo-2024.csv", "wmo_2024.parquet"))
    for name in temporary:
        put(folder / name, "a\n9\n")
    put(folder / "wmo_2023.csv", "a\n1\n")

    _, cursor = tick(sensor, None)
    request, cursor = tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest)
    assert request.tags["phm/changed_files"] == "wmo/wmo_2023.csv" and request.partition_key == "2023"
    assert set(json.loads(cursor)["files"]) == {"wmo/wmo_2023.csv"}
    # the unfinished uploads without a leading dot are named, so a stalled upload is visible in the UI
    skipped, cursor = tick(sensor, cursor)
    assert skipped.skip_message.count("wmo/wmo_2024.csv") == 9

    # the upload finishes with a rename to a bad name: a complete file, so it runs, over every year
    (folder / "wmo_2024.csv.filepart").rename(folder / "wmo-2024.csv")
    _, cursor = tick(sensor, cursor)
    request, _ = tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest) and request.tags["phm/changed_files"] == "wmo/wmo-2024.csv"
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2022", "2024")


def test_a_growing_file_waits_then_starts_exactly_one_run_once_stable(tmp_path):
    settings, sensor, _ = _sensor(tmp_path)
    path = settings.landing_dir / "population" / "population_2024.csv"
    put(settings.landing_dir / "wmo" / "wmo_2022.csv", "a\n0\n")
    _, cursor = tick(sensor, None)
    request, cursor = tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest)

    chunks = ["id;year\n", "1;2024\n", "2;2024\n", "3;2024\n"]
    results = []
    # the copy grows for three ticks: new, then a longer file, then the same size with a newer mtime
    put(path, chunks[0], T0)
    for i, (text, mtime) in enumerate([(chunks[0], T0), ("".join(chunks[:3]), T0 + 60 * 10**9),
                                       ("".join(chunks[:3]).replace("2;", "7;"), T0 + 120 * 10**9)]):
        if i:
            put(path, text, mtime)
        result, cursor = tick(sensor, cursor)
        results.append(result)
        assert isinstance(result, dg.SkipReason) and "population/population_2024.csv" in result.skip_message
    # the last part arrives; after that the file is left alone for three ticks
    final = "".join(chunks).replace("2;", "7;")
    put(path, final, T0 + 180 * 10**9)
    for _ in range(4):
        result, cursor = tick(sensor, cursor)
        results.append(result)
    runs = [r for r in results if isinstance(r, dg.RunRequest)]
    assert [type(r).__name__ for r in results] == ["SkipReason"] * 4 + ["RunRequest"] + ["SkipReason"] * 2
    assert len(runs) == 1 and runs[0].partition_key == "2024"
    # the run and the cursor carry the hash of the complete file, never of a partial one
    digest = hashlib.sha256(final.encode()).hexdigest()
    assert runs[0].run_key.endswith(f"population/population_2024.csv:{digest[:12]}")
    assert json.loads(cursor)["files"]["population/population_2024.csv"] == [len(final), T0 + 180 * 10**9, digest]


def test_while_one_file_settles_no_run_starts_for_the_complete_ones(tmp_path):
    settings, sensor, _ = _sensor(tmp_path)
    put(settings.landing_dir / "wmo" / "wmo_2024.csv", "a\n2\n")
    _, cursor = tick(sensor, None)
    # wmo is complete, but the population file starts arriving: the run (reading the whole folder) waits
    put(settings.landing_dir / "population" / "population_2024.csv", "id\n")
    waiting, cursor = tick(sensor, cursor)
    assert isinstance(waiting, dg.SkipReason) and "1 file(s)" in waiting.skip_message
    assert "population/population_2024.csv" in waiting.skip_message and "wmo" not in waiting.skip_message
    request, _ = tick(sensor, cursor)
    assert request.tags["phm/changed_files"] == "population/population_2024.csv, wmo/wmo_2024.csv"


def test_switching_the_sensor_on_runs_every_year_once_tagged_first_tick(tmp_path):
    settings, sensor, _ = _sensor(tmp_path)
    for year in (2022, 2023, 2024):
        put(settings.landing_dir / "population" / f"population_{year}.csv", f"id\n{year}\n")
    assert f"{TRIGGER_TAG}={FIRST_TICK}" in sensor.description
    _, cursor = tick(sensor, None)
    request, cursor = tick(sensor, cursor)
    assert request.tags[TRIGGER_TAG] == FIRST_TICK == "sensor-first-tick"
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2022", "2024")
    assert request.tags["phm/changed_files"].count("population_") == 3
    # an empty landing folder at switch-on: the first tick decides nothing to do, later deliveries are normal
    empty = tmp_path / "second"
    settings, sensor, _ = _sensor(empty)
    nothing, cursor = tick(sensor, None)
    assert isinstance(nothing, dg.SkipReason) and json.loads(cursor)["first"] is False
    put(settings.landing_dir / "wmo" / "wmo_2023.csv", "a\n1\n")
    _, cursor = tick(sensor, cursor)
    request, _ = tick(sensor, cursor)
    assert request.partition_key == "2023" and TRIGGER_TAG not in request.tags


def test_a_cursor_of_the_earlier_format_is_read_and_a_broken_one_starts_afresh(tmp_path):
    settings, sensor, _ = _sensor(tmp_path)
    put(settings.landing_dir / "wmo" / "wmo_2022.csv", "a\n0\n")
    put(settings.landing_dir / "wmo" / "wmo_2023.csv", "a\n1\n")
    sha = {y: hashlib.sha256(f"a\n{y - 2022}\n".encode()).hexdigest() for y in (2022, 2023)}
    # path -> [size, mtime_ns, sha256]; 2023's hash is of an older content
    old = json.dumps({"wmo/wmo_2022.csv": [4, T0, sha[2022]], "wmo/wmo_2023.csv": [4, T0 - 1, "0" * 64]})
    settling, cursor = tick(sensor, old)   # 2022 unchanged since the old cursor; 2023 has another mtime
    assert isinstance(settling, dg.SkipReason) and settling.skip_message.count("wmo/") == 1
    request, cursor = tick(sensor, cursor)
    assert request.tags["phm/changed_files"] == "wmo/wmo_2023.csv" and TRIGGER_TAG not in request.tags
    assert json.loads(cursor)["files"]["wmo/wmo_2023.csv"] == [4, T0, sha[2023]]
    for broken in ("not json", "[1, 2]", json.dumps({"version": 2, "files": 3, "seen": [], "requests": "x"})):
        result, cursor = tick(sensor, broken)
        assert isinstance(result, dg.SkipReason) and "2 file(s)" in result.skip_message


def test_a_file_of_an_unconfigured_year_waits_until_the_year_is_configured(tmp_path):
    settings, sensor, _ = _sensor(tmp_path, years=(2022, 2023))
    put(settings.landing_dir / "wmo" / "wmo_2024.csv", "a\n2\n")
    _, cursor = tick(sensor, None)
    skipped, cursor = tick(sensor, cursor)
    assert isinstance(skipped, dg.SkipReason) and "wmo/wmo_2024.csv: year not in" in skipped.skip_message
    assert "wmo/wmo_2024.csv" not in json.loads(cursor)["files"]
    # the operator adds 2024 to phm.toml: the next tick (which reads the configuration) starts the run
    write_config(tmp_path / "phm.toml", tmp_path / "data", years=[2022, 2023, 2024])
    request, _ = tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2024"


def test_schedules_exist_are_off_by_default_and_run_every_configured_year(tmp_path):
    settings, _, defs = _sensor(tmp_path)
    for name, cron in (("yearly_run_rg_test", "0 6 1 4 *"), ("monthly_run_rg_test", "0 6 1 * *")):
        schedule = defs.resolve_schedule_def(name)
        assert schedule.cron_schedule == cron and schedule.job_name == JOB
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
        request = schedule(dg.build_schedule_context(scheduled_execution_time=datetime(2025, 6, 1, 6, 0)))
        assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2022", "2024")
        assert request.run_config["resources"]["phm"]["config"]["region"] == "RG_TEST"
        assert isinstance(schedule(dg.build_schedule_context()), dg.RunRequest)  # evaluated by hand, no tick time


def test_the_monthly_schedule_skips_the_tick_the_yearly_one_covers(tmp_path):
    _, _, defs = _sensor(tmp_path)
    monthly, yearly = defs.resolve_schedule_def("monthly_run_rg_test"), defs.resolve_schedule_def("yearly_run_rg_test")

    def at(schedule, when, instance=None):
        return schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=when))

    april, may = datetime(2025, 4, 1, 6, 0), datetime(2025, 5, 1, 6, 0)
    skipped = at(monthly, april)
    assert isinstance(skipped, dg.SkipReason) and skipped.skip_message == "the yearly run covers this tick"
    assert isinstance(at(yearly, april), dg.RunRequest) and isinstance(at(monthly, may), dg.RunRequest)
    # the crons are Dutch local time: 04:00 UTC on 1 April 2025 is 06:00 in Amsterdam (summer time)
    assert isinstance(at(monthly, datetime(2025, 4, 1, 4, 0, tzinfo=ZoneInfo("UTC"))), dg.SkipReason)
    assert isinstance(at(monthly, datetime(2025, 4, 1, 6, 0, tzinfo=ZoneInfo("UTC"))), dg.RunRequest)
    # with the yearly schedule not switched on in the instance, the monthly one runs on 1 April too;
    # switched on (the state the UI's toggle stores), the monthly one skips again
    with dg.instance_for_test() as instance:
        assert isinstance(at(monthly, april, instance), dg.RunRequest)
        _switch_on(instance, "yearly_run_rg_test", "0 6 1 4 *")
        assert isinstance(at(monthly, april, instance), dg.SkipReason)
        assert isinstance(at(monthly, may, instance), dg.RunRequest)

    # any configured crons: yearly on Mondays 05:30, monthly on the 1st 05:30; 1 April 2024 was a Monday
    other = tmp_path / "other"
    _, _, defs = _sensor(other, extra='[automation]\nyearly_cron = "30 5 * * 1"\nmonthly_cron = "30 5 1 * *"\n')
    monthly = defs.resolve_schedule_def("monthly_run_rg_test")
    assert monthly.cron_schedule == "30 5 1 * *"
    assert isinstance(at(monthly, datetime(2024, 4, 1, 5, 30)), dg.SkipReason)
    assert isinstance(at(monthly, datetime(2024, 5, 1, 5, 30)), dg.RunRequest)  # a Wednesday


def _switch_on(instance: dg.DagsterInstance, name: str, cron: str) -> None:
    """Store a schedule's state as RUNNING in the instance, as switching it on in the UI does."""
    from dagster._core.remote_origin import (
        RegisteredCodeLocationOrigin,
        RemoteInstigatorOrigin,
        RemoteRepositoryOrigin,
    )
    from dagster._core.scheduler.instigation import (
        InstigatorState,
        InstigatorStatus,
        InstigatorType,
        ScheduleInstigatorData,
    )

    origin = RemoteInstigatorOrigin(RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("rg_test"), "__repository__"),
                                    name)
    instance.add_instigator_state(InstigatorState(origin, InstigatorType.SCHEDULE, InstigatorStatus.RUNNING,
                                                  ScheduleInstigatorData(cron, 0.0)))


def test_cron_fires_at():
    assert cron_fires_at("0 6 1 4 *", datetime(2031, 4, 1, 6, 0, 42))  # seconds within the minute
    assert not cron_fires_at("0 6 1 4 *", datetime(2031, 4, 1, 6, 1))
    assert not cron_fires_at("0 6 1 4 *", datetime(2031, 4, 2, 6, 0))
    assert [cron_fires_at("*/15 * * * *", datetime(2031, 1, 1, 0, m)) for m in range(0, 60, 5)].count(True) == 4


def test_automation_and_run_time_come_from_the_configuration(tmp_path):
    settings, sensor, defs = _sensor(tmp_path, extra="[automation]\nsensor_interval_seconds = 15\n")
    assert sensor.minimum_interval_seconds == 15 and settings.max_runtime_minutes == 240
    assert job_tags(settings) == {"phm/region": "RG_TEST", "dagster/max_runtime": "14400"}
    config = tmp_path / "phm.toml"
    config.write_text(config.read_text().replace("[run]\n", "[run]\nmax_runtime_minutes = 90\n"))
    assert job_tags(load_settings(config))["dagster/max_runtime"] == "5400"
    alert = defs.resolve_sensor_def("failure_alert_rg_test")
    assert alert.default_status == dg.DefaultSensorStatus.RUNNING


@pytest.mark.parametrize(("extra", "run_line", "fragment"), [
    ("[automation]\nsensor_interval_seconds = 0\n", "", "[automation.sensor_interval_seconds] must be a positive"),
    ("[automation]\nsensor_interval_seconds = true\n", "", "[automation.sensor_interval_seconds]"),
    ('[automation]\nyearly_cron = "0 6 1 13 *"\n', "", "[automation.yearly_cron] '0 6 1 13 *' is not a cron"),
    ('[automation]\nmonthly_cron = "monthly"\n', "", "[automation.monthly_cron]"),
    ("[automation]\nsensor_seconds = 5\n", "", "[automation.sensor_seconds] unknown key"),
    ("", "max_runtime_minutes = -5\n", "[run.max_runtime_minutes] must be a positive whole number, got -5"),
    ('[alerts]\nemail_to = ["beheer@ggd.nl"]\n', "", "[alerts.smtp_host] is empty while email_to is set"),
    ('[alerts]\nemail_to = ["beheer"]\nsmtp_host = "mail"\n', "", "[alerts.email_to]"),
    ('[alerts]\nwebhook = "hooks.example.org"\n', "", "[alerts.webhook] 'hooks.example.org' is not a http"),
    ("[alerts]\nsmtp_port = 70000\n", "", "[alerts.smtp_port]"),
    ("[alerts]\nfile = false\n", "", "[alerts.file] must be a string"),
])
def test_wrong_automation_alert_and_run_time_settings_are_named(tmp_path, extra, run_line, fragment):
    config = write_config(tmp_path / "phm.toml", tmp_path / "data", extra=extra)
    config.write_text(config.read_text().replace("[run]\n", f"[run]\n{run_line}"))
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert fragment in str(err.value)


def test_operational_settings_do_not_change_the_configuration_hash(tmp_path):
    plain = load_settings(write_config(tmp_path / "a.toml", tmp_path / "data"))
    alerts = load_settings(write_config(
        tmp_path / "b.toml", tmp_path / "data",
        extra='[alerts]\nwebhook = "https://hooks.example.org/x"\n[automation]\nsensor_interval_seconds = 5\n'))
    assert alerts.alerts.webhook == "https://hooks.example.org/x" and alerts.automation.sensor_interval_seconds == 5
    assert alerts.config_hash == plain.config_hash
    # ... while a setting that changes published numbers does
    other = load_settings(write_config(tmp_path / "c.toml", tmp_path / "data", years=[2022]))
    assert other.config_hash != plain.config_hash


def test_region_job_runs_in_process_is_tagged_and_person_level_assets_are_year_partitioned(tmp_path):
    _, _, defs = _sensor(tmp_path)
    job = defs.resolve_job_def(JOB)
    assert job.tags["phm/region"] == "RG_TEST" and job.executor_def.name == "in_process"
    graph = defs.resolve_asset_graph()

    def unprefixed(key: dg.AssetKey) -> str:  # with or without the region's key prefix `rg_test/`
        name = key.to_user_string()
        return name.removeprefix("rg_test/")

    partitioned = {unprefixed(key): graph.get(key).partitions_def for key in graph.get_all_asset_keys()
                   if graph.get(key).partitions_def is not None}
    assert {"raw/population", "staging/person_year", "marts/person_year", "marts/person_stratification",
            "marts/person_targeting"} <= set(partitioned)
    assert not set(partitioned) & {"indicators/indicator_values", "publish/monitoring", "staging/areas"}
    assert partitioned["staging/person_year"].get_partition_keys() == ["2022", "2023", "2024"]


def test_a_cbs_region_runs_when_a_cbs_file_arrives_a_year_file_its_year_a_bus_file_every_year(tmp_path):
    settings, sensor, _ = _sensor(tmp_path, extra='[input]\nlayout = "cbs_microdata"\npseudonym_salt = "s"\n')
    put(settings.cbs_root / "ZVWZORGKOSTENTAB" / "2023" / "ZVWZORGKOSTEN2023TABV1.sav", "x")
    put(settings.cbs_root / "ZVWZORGKOSTENTAB" / "2023" / "ZVWZORGKOSTEN2023TABV2.sav.part", "y")  # still uploading
    _, cursor = tick(sensor, None)
    request, cursor = tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2023"
    assert request.tags["phm/changed_files"] == "cbs:ZVWZORGKOSTENTAB/2023/ZVWZORGKOSTEN2023TABV1.sav"
    # a cumulative BUS file holds every year: a run of every configured year
    put(settings.cbs_root / "WMOBUS" / "WMO2024BUSV1.sav", "z")
    _, cursor = tick(sensor, cursor)
    request, cursor = tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest) and request.partition_key is None
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2022", "2024")
    # a native region does not look at a CBS folder
    native, sensor_native, _ = _sensor(tmp_path / "native")
    put(native.data_dir / "cbs" / "WMOBUS" / "WMO2024BUSV1.sav", "z")
    skipped, _ = tick(sensor_native, None)
    assert isinstance(skipped, dg.SkipReason) and skipped.skip_message.startswith("no new or changed files")
