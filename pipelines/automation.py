"""Schedules and the landing-folder sensor: runs start when new or changed files arrive."""

import json
from pathlib import Path

import dagster as dg

from pipelines.config import Settings, load_settings
from pipelines.partitions import run_tags
from pipelines.resources import region_run_config
from transforms.readers import LandingFileError, parse_landing_name, sha256_of

YEARLY_CRON = "0 6 1 4 *"    # 1 April, 06:00: after the yearly deliveries of the previous year
MONTHLY_CRON = "0 6 1 * *"   # first day of every month, 06:00


def landing_fingerprint(landing_dir: Path, previous: dict[str, list] | None = None) -> dict[str, list]:
    """path -> [size, mtime_ns, sha256] of every landing file; unchanged size+mtime reuse the old hash."""
    previous = previous or {}
    state: dict[str, list] = {}
    if not landing_dir.is_dir():
        return state
    for path in sorted(landing_dir.glob("*/*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        stat = path.stat()
        key = str(path.relative_to(landing_dir))
        old = previous.get(key)
        if old and old[0] == stat.st_size and old[1] == stat.st_mtime_ns:
            state[key] = old
        else:
            state[key] = [stat.st_size, stat.st_mtime_ns, sha256_of(path)]
    return state


def changed_files(previous: dict[str, list], current: dict[str, list]) -> list[str]:
    """Files that are new or whose content hash changed (a touched but identical file is not a change)."""
    return sorted(k for k, v in current.items() if k not in previous or previous[k][2] != v[2])


def changed_years(changed: list[str]) -> dict[str, int | None]:
    """Year of each changed file from its name (None when the name is not `<source>_<year>.<ext>`)."""
    years: dict[str, int | None] = {}
    for name in changed:
        try:
            years[name] = parse_landing_name(Path(name))[1]
        except LandingFileError:
            years[name] = None  # the run names the file and what is wrong with it
    return years


def build_automation(job_name: str, settings: Settings):
    """The yearly and monthly schedules (off by default) and the landing sensor of one region's job."""
    code = settings.region_code.lower()
    config_path, data_dir, region = str(settings.config_path), str(settings.data_dir), settings.region_code
    tags = {"phm/region": settings.region_code}
    schedules = []
    for name, cron, description in (
            (f"yearly_run_{code}", YEARLY_CRON, "Yearly full run after the annual deliveries (off by default)."),
            (f"monthly_run_{code}", MONTHLY_CRON, "Monthly run for sources delivered monthly (off by default).")):

        @dg.schedule(name=name, cron_schedule=cron, job_name=job_name, description=description,
                     default_status=dg.DefaultScheduleStatus.STOPPED)
        def _every_year(context: dg.ScheduleEvaluationContext):
            years = load_settings(config_path, region=region).years  # read at the tick: the years of today
            return dg.RunRequest(run_config=region_run_config(settings), tags={**tags, **run_tags(years)})

        schedules.append(_every_year)

    @dg.sensor(name=f"landing_sensor_{code}", job_name=job_name, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Starts a run for the years whose landing files are new or changed (cursor: path, "
                           "size and sha256 of every file); files of a year not configured wait until it is.")
    def landing_sensor(context: dg.SensorEvaluationContext):
        current_settings = load_settings(config_path, region=region)
        landing = Path(data_dir) / "landing"
        previous = json.loads(context.cursor) if context.cursor else {}
        current = landing_fingerprint(landing, previous)
        changed = changed_files(previous, current)
        years = changed_years(changed)
        waiting = sorted(name for name, year in years.items()
                         if year is not None and year not in current_settings.years)
        # files of an unconfigured year stay out of the cursor, so they start a run once the year is added
        context.update_cursor(json.dumps({k: v for k, v in current.items() if k not in waiting}, sort_keys=True))
        ready = [name for name in changed if name not in waiting]
        if not ready:
            reason = f"no new or changed files in {landing}"
            if waiting:
                reason = (f"{', '.join(waiting)}: year not in the configured years {list(current_settings.years)}; "
                          f"add it to {config_path} and reload the code location")
            return dg.SkipReason(reason)
        if any(years[name] is None for name in ready):
            targets = list(current_settings.years)  # a badly named file: run everything, the run names the file
        else:
            targets = sorted({years[name] for name in ready})
        run_key = "|".join(f"{k}:{current[k][2][:12]}" for k in ready)
        request_tags = {**tags, "phm/changed_files": ", ".join(ready)[:1000]}
        if len(targets) == 1:
            return dg.RunRequest(run_key=run_key, partition_key=str(targets[0]), run_config=region_run_config(settings),
                                 tags=request_tags)
        return dg.RunRequest(run_key=run_key, run_config=region_run_config(settings),
                             tags={**request_tags, **run_tags(targets)})

    return schedules, [landing_sensor]
