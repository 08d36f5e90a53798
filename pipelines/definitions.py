"""Dagster Definitions of phm-pipeline: one code location per region.

Each region of `phm.toml` is its own Definitions: its assets under the key prefix `rg_<code>/`, its year
partitions, its job, schedules and sensors, and resources bound to its own data folder, so lineage, partitions
and "Materialize" in the UI never mix regions and no launch can reach another region's warehouse.
`phm workspace` writes the workspace.yaml with one location per region (`attribute: rg_<code>` of this
module); `dagster dev -m pipelines.definitions` loads `defs`, the region in `PHM_REGION` or `[region]`.
Person-level assets are partitioned by year (pipelines/partitions.py).
"""

from __future__ import annotations

import functools
import os

import dagster as dg

from pipelines.assets.evaluation import EVALUATION_ASSETS
from pipelines.assets.indicators import INDICATOR_ASSETS
from pipelines.assets.ingest import INGEST_ASSETS, source_completeness
from pipelines.assets.phm_steps import PHM_STEP_ASSETS
from pipelines.assets.publish import PUBLISH_ASSETS
from pipelines.assets.small_area import SMALL_AREA_ASSETS
from pipelines.assets.staging import STAGING_ASSETS, YEAR_STAGING_ASSETS
from pipelines.automation import build_automation, job_tags
from pipelines.config import ConfigError, Settings, load_regions
from pipelines.partitions import partitioned_by_year, year_partitions
from pipelines.resources import PhmConfig, WarehouseResource, phm_config, region_run_config, warehouse_config
from pipelines.workspace import location_name


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
        tags=job_tags(settings),  # the region (deploy/dagster.yaml: one run per region) and the maximum run time
    )


def region_assets(settings: Settings, years: dg.StaticPartitionsDefinition) -> list[dg.AssetsDefinition]:
    """Every asset of the pipeline, its keys, dependencies and checks under the region's prefix."""
    assets = [*partitioned_by_year([*INGEST_ASSETS, *YEAR_STAGING_ASSETS, *PHM_STEP_ASSETS], years),
              source_completeness, *[a for a in STAGING_ASSETS if a not in YEAR_STAGING_ASSETS],
              *INDICATOR_ASSETS, *SMALL_AREA_ASSETS, *EVALUATION_ASSETS, *PUBLISH_ASSETS]
    prefix = location_name(settings.region_code)
    prefixed = {key: key.with_prefix(prefix) for a in assets for key in a.keys}
    return [a.with_attributes(asset_key_replacements=prefixed) for a in assets]


def build_definitions(settings: Settings) -> dg.Definitions:
    """One region's code location: its assets, job, schedules, sensors, and resources bound to its folder.

    The resources' defaults are the region's own, so a launch without run config ("Materialize" in the UI,
    `dagster job launch`) still writes only this region; one process runs a whole run (in-process executor),
    because warehouse.duckdb has one writer."""
    years = year_partitions([settings])
    schedules, sensors = build_automation(job_name(settings.region_code), settings)
    return dg.Definitions(
        assets=region_assets(settings, years), jobs=[region_job(settings, years)], schedules=schedules,
        sensors=sensors, executor=dg.in_process_executor,
        resources={"warehouse": WarehouseResource(**warehouse_config(settings)),
                   "phm": PhmConfig(**phm_config(settings))},
    )


@functools.cache
def _regions() -> dict[str, Settings]:
    return {location_name(s.region_code): s for s in load_regions()}


@functools.cache
def region_definitions(name: str) -> dg.Definitions:
    """The Definitions of the region whose location name is `name` (workspace.yaml: `attribute: rg_<code>`)."""
    if name not in _regions():
        raise AttributeError(f"no region {name!r} in the configuration "
                             f"{os.environ.get('PHM_CONFIG') or 'phm.toml'}; expected one of {sorted(_regions())}")
    return build_definitions(_regions()[name])


def __getattr__(name: str) -> dg.Definitions:
    """`pipelines.definitions.rg_<code>`: a region's code location, built on first use."""
    if name.startswith("_"):
        raise AttributeError(name)
    return region_definitions(name)


def _default_region() -> Settings:
    regions = list(_regions().values())
    wanted = os.environ.get("PHM_REGION")
    if not wanted:
        return regions[0]
    for settings in regions:
        if wanted in (settings.region_code, location_name(settings.region_code)):
            return settings
    raise ConfigError(f"PHM_REGION={wanted} is no region of the configuration; "
                      f"expected one of {[s.region_code for s in regions]}")


defs = build_definitions(_default_region())
