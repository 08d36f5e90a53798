"""Dagster resources: the run configuration and the warehouse connection."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from pipelines.config import Settings, load_settings
from pipelines.lock import region_lock
from pipelines.partitions import RANGE_END, RANGE_START

REGION_TAG = "phm/region"
ROUTE_TAG = "phm/route"


class RegionMismatch(ValueError):
    """A run whose region settings are missing or contradict each other: refused before any step writes."""


def run_route(tags: dict[str, str]) -> str:
    """How a run was started, for the lock's holder and messages."""
    if tags.get(ROUTE_TAG):
        return tags[ROUTE_TAG]
    if tags.get("dagster/sensor_name"):
        return f"sensor {tags['dagster/sensor_name']}"
    if tags.get("dagster/schedule_name"):
        return f"schedule {tags['dagster/schedule_name']}"
    if tags.get("dagster/backfill"):
        return f"backfill {tags['dagster/backfill']}"
    return "launched in Dagster (UI or CLI)"


def region_problems(settings: Settings, run, warehouse_database: str | None) -> list[str]:
    """Why this run may not run for `settings`' region: another region's tag or job, another warehouse."""
    code = settings.region_code
    problems = []
    tagged = run.tags.get(REGION_TAG)
    if tagged and tagged != code:
        problems.append(f"the run is tagged {REGION_TAG}={tagged} but its settings are region {code}")
    job = run.job_name or ""
    if job.startswith("phm_run_") and job != f"phm_run_{code.lower()}":
        problems.append(f"job {job} belongs to another region than its settings ({code})")
    if warehouse_database and Path(warehouse_database).resolve() != settings.warehouse_path.resolve():
        problems.append(f"the warehouse {warehouse_database} is not region {code}'s ({settings.warehouse_path})")
    if job.startswith("phm_run_") and not (
            run.tags.get("dagster/partition") or (run.tags.get(RANGE_START) and run.tags.get(RANGE_END))):
        problems.append(f"the run targets no year: launch {job} for one year partition, or for every year "
                        f"with the tags {RANGE_START}={settings.years[0]} and {RANGE_END}={settings.years[-1]} "
                        f"(as `phm run --region {code}`, the schedules and the sensor do)")
    return problems


class PhmConfig(dg.ConfigurableResource):
    """Where the run's `phm.toml` lives and which of its regions runs; assets read validated Settings.

    The settings are read, validated and resolved once per resource instance (in a run: once, when the run
    starts) and every asset of the run gets that same object: a file edited during a run does not change it
    halfway."""

    config_path: str
    data_dir: str = ""   # the region's own data directory ("" = as configured)
    region: str = ""     # a region code of the configuration ("" = its [region])
    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        settings = self.settings()
        if context.run is not None:
            database = (context.run.run_config.get("resources", {}).get("warehouse", {}).get("config", {})
                        .get("database"))
            problems = region_problems(settings, context.run, database)
            if problems:
                raise RegionMismatch(f"run {context.run.run_id} refused before any step: " + "; ".join(problems))

    def settings(self) -> Settings:
        if self._settings is None:
            settings = load_settings(self.config_path, region=self.region or None)
            self._settings = dataclasses.replace(settings, data_dir=Path(self.data_dir)) if self.data_dir else settings
        return self._settings


def phm_config(settings: Settings) -> dict:
    """Run config of the `phm` resource for one region."""
    return {"config_path": str(settings.config_path), "data_dir": str(settings.data_dir),
            "region": settings.region_code}


def warehouse_config(settings: Settings) -> dict:
    """Run config of the warehouse: the region's own warehouse.duckdb, the one writer (in-process executor)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {"database": str(settings.warehouse_path), "connection_config": warehouse_connection_config(settings),
            "region": settings.region_code}


def warehouse_connection_config(settings: Settings) -> dict:
    """DuckDB settings of every warehouse connection, from [duckdb] in phm.toml."""
    return {"threads": settings.duckdb_threads, "memory_limit": settings.duckdb_memory_limit}


# Settings DuckDB takes only by SET (in the connect config they are silently ignored). FSST string
# compression is off: on the random hex pseudonyms it saves little space and costs about a quarter of the
# time of writing a person-level table.
WAREHOUSE_SET = {"disabled_compression_methods": "fsst"}


def apply_warehouse_settings(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    for name, value in WAREHOUSE_SET.items():
        con.execute(f"SET {name} = '{value}'")
    return con


class WarehouseResource(DuckDBResource):
    """The warehouse connection: DuckDBResource plus `WAREHOUSE_SET`, and closed even when an asset fails.

    A run holds its region's lock (pipelines/lock.py) from the moment this resource starts until it ends, so no
    second run of the region, by whatever route, writes the warehouse or publishes meanwhile."""

    region: str = ""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        run = context.run
        if run is None:  # a resource used outside a run (tests, notebooks): no lock
            yield self
            return
        # Importing Great Expectations takes seconds of Python; started when the run opens its warehouse, it
        # overlaps with the run's DuckDB work instead of delaying the expectations step.
        from quality.expectations.preload import preload_great_expectations

        preload_great_expectations()
        tagged = run.tags.get(REGION_TAG)
        if self.region and tagged and tagged != self.region:
            raise RegionMismatch(f"run {run.run_id} refused before any step: it is tagged {REGION_TAG}={tagged} "
                                 f"but would write {self.database} of region {self.region}")
        with region_lock(self.region or tagged or "?", Path(self.database).parent, run.run_id, run.job_name,
                         run_route(run.tags)):
            yield self

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with super().get_connection() as con:  # upstream closes it only after a clean exit
            try:
                yield apply_warehouse_settings(con)
            finally:
                con.close()


def region_run_config(settings: Settings) -> dict:
    """The run config that binds a run to one region (its phm.toml region and its own warehouse)."""
    return {"resources": {"phm": {"config": phm_config(settings)}, "warehouse": {"config": warehouse_config(settings)}}}
