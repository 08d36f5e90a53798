"""Schedules, the landing-folder sensor and the failure alert of one region's job.

Safe delivery: the landing sensor acts only on complete files. Temporary names are never looked at
(dot-files and the suffixes of TEMPORARY_SUFFIXES: WinSCP's `.filepart`, browsers' `.part`/`.crdownload`,
rsync's and Syncthing's dot-files, ...), and a file counts as delivered only when its size and modification
time are the same at two consecutive ticks: a file seen for the first time, or one that changed since the
last tick, is "settling", and while any file settles no run starts (the run reads the whole landing folder,
so it must not start while a file is half copied). A `_READY` marker file per folder is not used: the
people and portals delivering files (SFTP clients, browser downloads, shared drives) do not write one, and
a marker left behind from the last delivery would make the next half-copied file look complete; renaming a
finished copy, or waiting one quiet interval, needs no cooperation. Delivering by copying to a temporary
name and renaming it is the certain way; a copy that stalls for longer than one interval looks complete.

Runs of a region have `job_tags`: its `phm/region`, and `dagster/max_runtime` from `[run].max_runtime_minutes`.
The time limit is enforced by the daemon's run monitoring, which dagster.yaml has to switch on
(`run_monitoring: enabled: true`); a run over the limit is then stopped and marked failed, and the failure
alert reports it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.alerts import build_alert, deliver, summarise_events
from pipelines.config import Settings, load_settings
from pipelines.partitions import run_tags
from pipelines.resources import region_run_config
from pipelines.workspace import location_name
from transforms.readers import LandingFileError, is_temporary_name, parse_landing_name, sha256_of

TRIGGER_TAG = "phm/trigger"
FIRST_TICK = "sensor-first-tick"
CURSOR_VERSION = 2
SCHEDULE_TIMEZONE = "Europe/Amsterdam"  # the schedules' crons are Dutch local time, summer and winter


def job_tags(settings: Settings) -> dict[str, str]:
    """Tags of every run of the region's job: its region, and the maximum run time in seconds, which the
    daemon's run monitoring enforces when dagster.yaml has `run_monitoring: enabled: true`."""
    return {"phm/region": settings.region_code, dg.MAX_RUNTIME_SECONDS_TAG: str(settings.max_runtime_minutes * 60)}


# Keys of files under the CBS root (layout cbs_microdata: <FILE>/<year>/<file> or a BUS file <FILE>/<file>)
CBS_PREFIX = "cbs:"


def scan_landing(landing_dir: Path, cbs_root: Path | None = None) -> tuple[dict[str, list[int]], list[str]]:
    """(`<source>/<file>` -> [size, mtime_ns] of every file in a source folder, the temporary names skipped); with
    `cbs_root` also every file below it, keyed `cbs:<FILE>/...` (CBS files lie one or two folders deep)."""
    stats, ignored = _scan(landing_dir, "*/*", "")
    if cbs_root is not None:
        more, skipped = _scan(cbs_root, "**/*", CBS_PREFIX)
        stats |= more
        ignored += skipped
    return stats, ignored


def landing_path(key: str, landing_dir: Path, cbs_root: Path | None) -> Path:
    """The file behind a key of `scan_landing`."""
    if key.startswith(CBS_PREFIX) and cbs_root is not None:
        return cbs_root / key[len(CBS_PREFIX):]
    return landing_dir / key


def _scan(root: Path, pattern: str, prefix: str) -> tuple[dict[str, list[int]], list[str]]:
    stats: dict[str, list[int]] = {}
    ignored: list[str] = []
    if not root.is_dir():
        return stats, ignored
    for path in sorted(root.glob(pattern)):
        key = prefix + path.relative_to(root).as_posix()
        if is_temporary_name(path.name) or path.parent.name.startswith("."):
            if not path.name.startswith(".") and path.is_file():
                ignored.append(key)  # dot-files are hidden on purpose; name only the unfinished uploads
            continue
        try:
            if not path.is_file():
                continue
            stat = path.stat()
        except OSError:  # removed or renamed between the listing and the stat: it is not there
            continue
        stats[key] = [stat.st_size, stat.st_mtime_ns]
    return stats, ignored


@dataclass
class LandingState:
    """The landing sensor's cursor.

    `files`: `<source>/<file>` -> [size, mtime_ns, sha256] of the files runs were started for (the
    delivered state); `seen`: [size, mtime_ns] of every file at the previous tick (for the stability rule);
    `first`: no tick has decided yet since the cursor was empty (switching the sensor on); `requests`:
    run requests made, part of each run key so a file restored to an earlier content runs again.
    """

    files: dict[str, list] = field(default_factory=dict)
    seen: dict[str, list] = field(default_factory=dict)
    first: bool = True
    requests: int = 0

    @classmethod
    def from_cursor(cls, text: str | None) -> LandingState:
        """Read a cursor; the format before version 2 (path -> [size, mtime_ns, sha256]) becomes `files`."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        if data.get("version") == CURSOR_VERSION:
            requests = data.get("requests")
            return cls(_entries(data.get("files"), 3), _entries(data.get("seen"), 2), data.get("first") is True,
                       requests if isinstance(requests, int) else 0)
        return cls(_entries(data, 3), {}, first=False)  # the sensor ran before: no first-tick run

    def to_cursor(self) -> str:
        return json.dumps({"version": CURSOR_VERSION, "files": self.files, "seen": self.seen, "first": self.first,
                           "requests": self.requests}, sort_keys=True)


def _entries(value, length: int) -> dict[str, list]:
    """The well-formed entries of a cursor mapping (anything else is dropped, never a crash)."""
    if not isinstance(value, dict):
        return {}
    return {k: list(v) for k, v in value.items() if isinstance(v, list) and len(v) >= length}


@dataclass
class LandingTick:
    """What one look at the landing folder found, and the cursor to store."""

    state: LandingState
    settling: list[str] = field(default_factory=list)
    ready: list[str] = field(default_factory=list)      # new or changed, complete, of a configured year (or unnamed)
    waiting: list[str] = field(default_factory=list)    # complete, but of a year not configured
    ignored: list[str] = field(default_factory=list)    # temporary names
    years: dict[str, int | None] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    first: bool = False                                 # the first decision since the cursor was empty


def evaluate_landing(landing_dir: Path, state: LandingState, configured_years,
                     cbs_root: Path | None = None) -> LandingTick:
    """One tick: which files settle, which are new or changed and complete, which wait for their year (with
    `cbs_root`, the CBS files of a cbs_microdata region count as landing files too)."""
    stats, ignored = scan_landing(landing_dir, cbs_root)
    settling = sorted(key for key, stat in stats.items()
                      if state.seen.get(key) != stat and state.files.get(key, [None, None])[:2] != stat)
    if settling:
        files = {k: v for k, v in state.files.items() if k in stats}
        return LandingTick(LandingState(files, stats, state.first, state.requests), settling=settling,
                           ignored=ignored)
    current: dict[str, list] = {}
    for key, stat in stats.items():
        old = state.files.get(key)
        try:
            current[key] = old if old and old[:2] == stat else [*stat, sha256_of(landing_path(key, landing_dir,
                                                                                               cbs_root))]
        except OSError:  # renamed or removed while being read: look again at the next tick
            files = {k: v for k, v in state.files.items() if k in stats}
            return LandingTick(LandingState(files, {k: v for k, v in stats.items() if k != key}, state.first,
                                            state.requests), settling=[key], ignored=ignored)
    changed = sorted(k for k, v in current.items() if k not in state.files or state.files[k][2] != v[2])
    years = changed_years(changed)
    waiting = sorted(name for name, year in years.items() if year is not None and year not in configured_years)
    ready = [name for name in changed if name not in waiting]
    # files of an unconfigured year stay out of the cursor, so they start a run once the year is added
    files = {k: v for k, v in current.items() if k not in waiting}
    requests = state.requests + (1 if ready else 0)
    return LandingTick(LandingState(files, stats, False, requests), ready=ready, waiting=waiting, ignored=ignored,
                       years=years, hashes={k: current[k][2] for k in ready}, first=state.first)


def changed_years(changed: list[str]) -> dict[str, int | None]:
    """Year of each changed file from its name (None when the name is not `<source>_<year>.<ext>`); a CBS file
    from its year folder (`<FILE>/<year>/...`), None for a cumulative BUS file (it changes every year)."""
    years: dict[str, int | None] = {}
    for name in changed:
        if name.startswith(CBS_PREFIX):
            parts = name[len(CBS_PREFIX):].split("/")
            years[name] = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() and len(parts[1]) == 4 else None
            continue
        try:
            years[name] = parse_landing_name(Path(name))[1]
        except LandingFileError:
            years[name] = None  # the run names the file and what is wrong with it
    return years


def cron_fires_at(cron: str, when: datetime, timezone: str = SCHEDULE_TIMEZONE) -> bool:
    """Whether `cron`, evaluated in `timezone`, fires in the minute of `when` (naive: in `timezone`)."""
    from dagster._utils.schedules import cron_string_iterator  # the iterator Dagster's scheduler uses

    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(timezone))
    minute = when.replace(second=0, microsecond=0).timestamp()
    return next(cron_string_iterator(minute, cron, timezone)).timestamp() == minute


def build_automation(job_name: str, settings: Settings):
    """The yearly and monthly schedules (off by default), the landing sensor (off by default) and the
    failure alert (on) of one region's job."""
    code = settings.region_code.lower()
    config_path, region = str(settings.config_path), settings.region_code
    automation = settings.automation
    tags = job_tags(settings)

    def every_year() -> dg.RunRequest:
        years = load_settings(config_path, region=region).years  # read at the tick: the years of today
        return dg.RunRequest(run_config=region_run_config(settings), tags={**tags, **run_tags(years)})

    @dg.schedule(name=f"yearly_run_{code}", cron_schedule=automation.yearly_cron, job_name=job_name,
                 description=f"Yearly full run after the annual deliveries ({automation.yearly_cron}, "
                             f"{SCHEDULE_TIMEZONE}; off by default).",
                 default_status=dg.DefaultScheduleStatus.STOPPED, execution_timezone=SCHEDULE_TIMEZONE)
    def yearly_run(context: dg.ScheduleEvaluationContext):
        return every_year()

    @dg.schedule(name=f"monthly_run_{code}", cron_schedule=automation.monthly_cron, job_name=job_name,
                 description=f"Monthly run for sources delivered monthly ({automation.monthly_cron}, "
                             f"{SCHEDULE_TIMEZONE}; off by default); skipped when the yearly schedule is on "
                             f"and fires the same minute (the same run: every configured year).",
                 default_status=dg.DefaultScheduleStatus.STOPPED, execution_timezone=SCHEDULE_TIMEZONE)
    def monthly_run(context: dg.ScheduleEvaluationContext):
        when = _scheduled_time(context)
        if when is not None and cron_fires_at(automation.yearly_cron, when) and _schedule_is_on(
                context, f"yearly_run_{code}"):
            return dg.SkipReason("the yearly run covers this tick")
        return every_year()

    interval = automation.sensor_interval_seconds

    @dg.sensor(name=f"landing_sensor_{code}", job_name=job_name, minimum_interval_seconds=interval,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Starts a run for the years whose landing files are new or changed (cursor: path, "
                           "size, mtime and sha256 of every file). Temporary names (.filepart, .part, .tmp, "
                           "dot-files, ...) are ignored, and a file counts only once its size and modification "
                           f"time are unchanged over two ticks ({interval} s apart). Files of a year not "
                           "configured wait until it is. Switched on (empty cursor), it sees every landing "
                           f"file as new and runs every year once, tagged {TRIGGER_TAG}={FIRST_TICK}.")
    def landing_sensor(context: dg.SensorEvaluationContext):
        current_settings = load_settings(config_path, region=region)
        landing = settings.landing_dir
        cbs = current_settings.cbs_root if current_settings.layout == "cbs_microdata" else None
        tick = evaluate_landing(landing, LandingState.from_cursor(context.cursor), current_settings.years, cbs)
        context.update_cursor(tick.state.to_cursor())
        unfinished = f"; ignored as unfinished uploads: {', '.join(tick.ignored)}" if tick.ignored else ""
        if tick.settling:
            return dg.SkipReason(
                f"waiting for {len(tick.settling)} file(s) to finish arriving (new, or size or modification time "
                f"changed since the last tick): {', '.join(tick.settling)}; a run starts once they are unchanged "
                f"for {interval} s{unfinished}")
        if not tick.ready:
            reason = f"no new or changed files in {landing}"
            if tick.waiting:
                reason = (f"{', '.join(tick.waiting)}: year not in the configured years "
                          f"{list(current_settings.years)}; add it to {config_path} and reload the code location")
            return dg.SkipReason(reason + unfinished)
        if any(tick.years[name] is None for name in tick.ready):
            targets = list(current_settings.years)  # a badly named file: run everything, the run names the file
        else:
            targets = sorted({tick.years[name] for name in tick.ready})
        run_key = f"{tick.state.requests}|" + "|".join(f"{k}:{tick.hashes[k][:12]}" for k in tick.ready)
        request_tags = {**tags, "phm/changed_files": ", ".join(tick.ready)[:1000]}
        if tick.first:
            request_tags[TRIGGER_TAG] = FIRST_TICK
        if len(targets) == 1:
            return dg.RunRequest(run_key=run_key, partition_key=str(targets[0]), run_config=region_run_config(settings),
                                 tags=request_tags)
        return dg.RunRequest(run_key=run_key, run_config=region_run_config(settings),
                             tags={**request_tags, **run_tags(targets)})

    @dg.run_failure_sensor(
        name=f"failure_alert_{code}",
        # only the name of this stand-in is used: the sensor matches failed runs of its code location by job name
        monitored_jobs=[dg.define_asset_job(job_name)],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"When a run of {job_name} fails: a message naming the region, run, failed steps and "
                    f"checks and the landing files they name, appended to the alerts file and sent to the "
                    f"webhook and e-mail of [alerts] in phm.toml.")
    def failure_alert(context: dg.RunFailureSensorContext):
        run = context.dagster_run
        if run.job_name != job_name:
            return dg.SkipReason(f"run {run.run_id} is of job {run.job_name}, not {job_name}")
        entries = context.instance.all_logs(run.run_id, of_type={dg.DagsterEventType.STEP_FAILURE,
                                                                   dg.DagsterEventType.ASSET_CHECK_EVALUATION})
        failures, _warnings = summarise_events(entries, location_name(settings.region_code))
        error = getattr(context.failure_event.event_specific_data, "error", None)
        if not failures and error is not None:  # refused while its resources started (region lock, settings)
            failures = [(error.cause or error).message.strip()]
        alert = build_alert(settings, run.run_id, job_name, failures, context.failure_event.message or "", run.tags)
        delivered = deliver(alert, settings, context.log)
        context.log.info(f"alert for run {run.run_id}: " + (", ".join(
            f"{channel} {'delivered' if ok else 'FAILED'}" for channel, ok in delivered.items()) or "no channel"))
        return None

    return [yearly_run, monthly_run], [landing_sensor, failure_alert]


def _scheduled_time(context: dg.ScheduleEvaluationContext) -> datetime | None:
    """The tick's scheduled time; None when evaluated by hand without one (a test, the UI's preview)."""
    try:
        return context.scheduled_execution_time
    except Exception:  # Dagster raises a CheckError when the context was built without a time
        return None


def _schedule_is_on(context: dg.ScheduleEvaluationContext, name: str) -> bool:
    """Whether schedule `name` is switched on in the instance; True when that cannot be told (no instance)."""
    from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType

    if context.instance_ref is None:
        return True
    try:
        states = context.instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
    except Exception:  # a storage without schedule state: assume on, as the daemon that ticks us has one
        return True
    return any(state.name == name and state.status in (InstigatorStatus.RUNNING, InstigatorStatus.DECLARED_IN_CODE)
               for state in states)
