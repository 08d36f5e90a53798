"""Running the main job in-process and summarising the outcome for an operator."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.alerts import summarise_events
from pipelines.config import Settings
from pipelines.lock import busy_message, holder
from pipelines.partitions import run_tags
from pipelines.resources import ROUTE_TAG, region_run_config


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


LOCAL_INSTANCE = """# written by phm (pipelines/run.py); remove this line to keep your own edits
telemetry:
  enabled: false
run_coordinator:  # runs launched in `phm ui` queue: one run per region at a time, regions in parallel
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 2
    tag_concurrency_limits:
      - key: phm/region
        value: {applyLimitPerUniqueValue: true}
        limit: 1
run_monitoring:  # enforces each job's dagster/max_runtime
  enabled: true
"""


def home_dir(settings: Settings) -> Path:
    """The deployment's Dagster home: `$DAGSTER_HOME`, else `dagster/` in the data folder of the configuration's
    first region (one run history for every region)."""
    from pipelines.config import load_settings

    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"])
    first = load_settings(settings.config_path)
    return (settings.data_dir if first.region_code == settings.region_code else first.data_dir) / "dagster"


EARLIER_INSTANCE = "telemetry:\n  enabled: false\n"  # what earlier versions wrote: upgraded in place


def dagster_home(settings: Settings) -> Path:
    """`home_dir`, made and set as DAGSTER_HOME for `phm ui` and `phm run`: telemetry off, runs queued per region."""
    home = home_dir(settings)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current = config.read_text(encoding="utf-8") if config.exists() else None
    if current is None or current.startswith("# written by phm") or current == EARLIER_INSTANCE:
        config.write_text(LOCAL_INSTANCE, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def warehouse_lock_problem(settings: Settings) -> str | None:
    """A clear message when another process holds warehouse.duckdb (DuckDB allows one writer)."""
    if not settings.warehouse_path.exists():
        return None
    try:
        duckdb.connect(str(settings.warehouse_path)).close()
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        return (f"{settings.warehouse_path} is in use by another process ({str(exc).split('(', 1)[-1].rstrip(')')}). "
                f"Only the pipeline may open the warehouse: close that program (a notebook, DBeaver, another "
                f"`phm run`) and start again. Analysts open published/monitoring.duckdb instead.")
    return None


def step_stages(defs: dg.Definitions, job: dg.JobDefinition) -> dict[str, str]:
    """The stage of every step of `job`, in the job's order: the asset group of the step's asset.

    A step is the op of one asset (its checks run in the same step), so the groups the assets declare
    (`ingest`, `staging`, `phm_step1_population`, ..., `publish`) are the stages an operator follows."""
    groups = {assets_def.node_def.name: min(assets_def.group_names_by_key.values())
              for assets_def in defs.resolve_asset_graph().assets_defs if assets_def.is_executable}
    return {node.name: groups.get(node.name, "other") for node in job.nodes_in_topological_order}


def dagster_log_config(verbose: bool) -> dict:
    """Run config for Dagster's console logger: its full event log with `verbose`, else silent (the caller
    shows progress and the outcome; the event log is still stored in the instance for `phm ui`)."""
    return {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "CRITICAL"}}}}


def run_main_job(settings: Settings, instance: dg.DagsterInstance | None = None,
                 years: list[int] | None = None, *, verbose: bool = False,
                 on_start: Callable[[dict[str, str]], Callable[[dg.EventLogEntry], None]] | None = None
                 ) -> RunOutcome:
    """Materialise every asset with its checks; nothing is published unless every blocking check passed.

    `years` limits the person-level assets to those year partitions (default: every configured year);
    indicators, checks and publication always cover every year. Dagster's console log is printed only
    with `verbose`. `on_start`, given the stage of every step (`step_stages`), returns a listener that
    receives every event of the run as it happens (for a progress display).
    """
    from pipelines.definitions import build_definitions, job_name
    from pipelines.workspace import location_name

    held_by = holder(settings.data_dir)
    if held_by is not None:
        return RunOutcome(False, "-", [busy_message(settings.region_code, settings.data_dir, held_by)])
    locked = warehouse_lock_problem(settings)
    if locked:
        return RunOutcome(False, "-", [locked])
    years = sorted(years or settings.years)
    unknown = [y for y in years if y not in settings.years]
    if unknown:
        return RunOutcome(False, "-", [f"year(s) {unknown} are not configured for {settings.region_code} "
                                       f"(years {list(settings.years)} in {settings.config_path}); add them there"])
    if years != [y for y in settings.years if years[0] <= y <= years[-1]]:
        return RunOutcome(False, "-", [f"years {years} are not consecutive among the configured years; "
                                       f"run them one at a time or all together"])
    defs = build_definitions(settings)
    job = defs.resolve_job_def(job_name(settings.region_code))
    if instance is None:
        dagster_home(settings)
        instance = dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())  # known before the run starts, so a listener can follow it
    if on_start is not None:
        instance.add_event_listener(run_id, on_start(step_stages(defs, job)))
    result = job.execute_in_process(run_config={**region_run_config(settings), **dagster_log_config(verbose)},
                                    instance=instance, raise_on_error=False, run_id=run_id,
                                    tags={**run_tags(years), ROUTE_TAG: "phm run"})
    # the stored log, not result.all_events: it also holds the warnings the steps logged
    failures, warnings = summarise_events(instance.all_logs(run_id), location_name(settings.region_code))
    outcome = RunOutcome(result.success, result.run_id, failures, warnings)
    if not outcome.failures:
        run_failure = next((e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE), None)
        error = getattr(run_failure.event_specific_data, "error", None) if run_failure else None
        if error is not None:  # refused while the run's resources started: no step ran
            outcome.failures.append((error.cause or error).message.strip())
    if not result.success and not outcome.failures:
        outcome.failures.append("the run failed; open `phm ui` for the step logs")
    return outcome
