"""Schedules and the landing-folder sensor: runs start when new or changed files arrive."""

import json
from pathlib import Path

import dagster as dg

from pipelines.config import load_settings
from transforms.readers import sha256_of

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


def build_automation(job_name: str, config_path: str, data_dir: str):
    """The yearly and monthly schedules (off by default) and the landing sensor for `job_name`."""
    yearly = dg.ScheduleDefinition(name="yearly_run", cron_schedule=YEARLY_CRON, job_name=job_name,
                                   default_status=dg.DefaultScheduleStatus.STOPPED,
                                   description="Yearly full run after the annual deliveries (off by default).")
    monthly = dg.ScheduleDefinition(name="monthly_run", cron_schedule=MONTHLY_CRON, job_name=job_name,
                                    default_status=dg.DefaultScheduleStatus.STOPPED,
                                    description="Monthly run for sources delivered monthly (off by default).")

    @dg.sensor(job_name=job_name, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
               description="Starts a run when a landing file is new or its content changed "
                           "(cursor: path, size and sha256 of every file).")
    def landing_sensor(context: dg.SensorEvaluationContext):
        landing = load_settings(config_path, data_dir=data_dir).landing_dir
        previous = json.loads(context.cursor) if context.cursor else {}
        current = landing_fingerprint(landing, previous)
        changed = changed_files(previous, current)
        context.update_cursor(json.dumps(current, sort_keys=True))
        if not changed:
            return dg.SkipReason(f"no new or changed files in {landing}")
        return dg.RunRequest(run_key="|".join(f"{k}:{current[k][2][:12]}" for k in changed),
                             tags={"phm/changed_files": ", ".join(changed)[:1000]})

    return [yearly, monthly], [landing_sensor]
