"""Dagster Definitions of phm-pipeline: assets per layer and PHM step, resources, one job per region.

Loadable by `dagster dev -m pipelines.definitions` and `phm ui`. Person-level assets are partitioned by
year (pipelines/partitions.py); each region of the configuration gets its own job, schedules and landing
sensor, bound by run config to the region's data directory, so regions run side by side and publish
separately from one deployment.
"""

from __future__ import annotations

import dagster as dg

from pipelines.assets.evaluation import EVALUATION_ASSETS
from pipelines.assets.indicators import INDICATOR_ASSETS
from pipelines.assets.ingest import INGEST_ASSETS, source_completeness
from pipelines.assets.phm_steps import PHM_STEP_ASSETS
from pipelines.assets.publish import PUBLISH_ASSETS
from pipelines.assets.staging import STAGING_ASSETS, YEAR_STAGING_ASSETS
from pipelines.automation import build_automation
from pipelines.config import Settings, load_regions
from pipelines.partitions import partitioned_by_year, year_partitions
from pipelines.resources import PhmConfig, WarehouseResource, phm_config, region_run_config, warehouse_config


def job_name(region_code: str) -> str:
    """The main job of a region: `phm_run_rg_alkmaar` for RG_ALKMAAR."""
    return f"phm_run_{region_code.lower()}"


def region_job(settings: Settings, years: dg.StaticPartitionsDefinition) -> dg.UnresolvedAssetJobDefinition:
    """Every asset with its checks for one region, in one process (one writer of warehouse.duckdb).

    A run of one year partition gets the region's run config from the job; a run of a range of years
    (`phm run`, the sensor, the schedules) passes `region_run_config` itself.
    """
    run_config = region_run_config(settings)
    return dg.define_asset_job(
        job_name(settings.region_code),
        selection=dg.AssetSelection.all(),
        description=f"{settings.region_name}: ingest every landing file, build the marts, compute indicators, "
                    f"gate and publish to {settings.published_dir}.",
        executor_def=dg.in_process_executor,
        config=dg.PartitionedConfig(partitions_def=years, run_config_for_partition_key_fn=lambda _key: run_config),
        tags={"phm/region": settings.region_code},  # deploy/dagster.yaml: one run per region at a time
    )


def build_definitions(regions: Settings | list[Settings]) -> dg.Definitions:
    """Definitions for the given regions (tests build their own on small regions)."""
    regions = [regions] if isinstance(regions, Settings) else list(regions)
    years = year_partitions(regions)
    assets = [*partitioned_by_year([*INGEST_ASSETS, *YEAR_STAGING_ASSETS, *PHM_STEP_ASSETS], years),
              source_completeness, *[a for a in STAGING_ASSETS if a not in YEAR_STAGING_ASSETS],
              *INDICATOR_ASSETS, *EVALUATION_ASSETS, *PUBLISH_ASSETS]
    jobs, schedules, sensors = [], [], []
    for settings in regions:
        jobs.append(region_job(settings, years))
        region_schedules, region_sensors = build_automation(job_name(settings.region_code), settings)
        schedules += region_schedules
        sensors += region_sensors
    return dg.Definitions(
        assets=assets, jobs=jobs, schedules=schedules, sensors=sensors,
        # defaults for materialising from the asset graph: the first region; each region's job binds its own
        resources={"warehouse": WarehouseResource(**warehouse_config(regions[0])),
                   "phm": PhmConfig(**phm_config(regions[0]))},
    )


defs = build_definitions(load_regions())
