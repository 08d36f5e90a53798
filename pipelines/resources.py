"""Dagster resources: the run configuration and the warehouse connection."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.config import Settings, load_settings


class PhmConfig(dg.ConfigurableResource):
    """Where the run's `phm.toml` lives; assets read validated Settings from it."""

    config_path: str
    data_dir: str

    def settings(self) -> Settings:
        return load_settings(self.config_path, data_dir=self.data_dir)


def warehouse_resource(settings: Settings) -> DuckDBResource:
    """The one writer of warehouse.duckdb (runs use the in-process executor)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(
        database=str(settings.warehouse_path),
        connection_config={"threads": settings.duckdb_threads, "memory_limit": settings.duckdb_memory_limit},
    )
