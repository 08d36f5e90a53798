"""Dagster resources: the run configuration and the warehouse connection."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.config import Settings, load_settings
from quality.expectations import preload_great_expectations


class PhmConfig(dg.ConfigurableResource):
    """Where the run's `phm.toml` lives and which of its regions runs; assets read validated Settings."""

    config_path: str
    data_dir: str = ""   # the region's own data directory ("" = as configured)
    region: str = ""     # a region code of the configuration ("" = its [region])

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Importing Great Expectations takes seconds of Python; started now, it overlaps with the run's
        # DuckDB work instead of delaying the expectations step.
        preload_great_expectations()

    def settings(self) -> Settings:
        settings = load_settings(self.config_path, region=self.region or None)
        return dataclasses.replace(settings, data_dir=Path(self.data_dir)) if self.data_dir else settings


def phm_config(settings: Settings) -> dict:
    """Run config of the `phm` resource for one region."""
    return {"config_path": str(settings.config_path), "data_dir": str(settings.data_dir),
            "region": settings.region_code}


def warehouse_config(settings: Settings) -> dict:
    """Run config of the warehouse: the region's own warehouse.duckdb, the one writer (in-process executor)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {"database": str(settings.warehouse_path), "connection_config": warehouse_connection_config(settings)}


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
    """The warehouse connection: DuckDBResource plus `WAREHOUSE_SET`, and closed even when an asset fails."""

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
