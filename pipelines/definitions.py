"""Dagster Definitions of phm-pipeline: assets per layer and PHM step, resources and the main job.

Loadable by `dagster dev -m pipelines.definitions` and `phm ui`.
"""

from __future__ import annotations

import dagster as dg

from pipelines.assets.evaluation import EVALUATION_ASSETS
from pipelines.assets.indicators import INDICATOR_ASSETS
from pipelines.assets.ingest import INGEST_ASSETS
from pipelines.assets.phm_steps import PHM_STEP_ASSETS
from pipelines.assets.publish import PUBLISH_ASSETS
from pipelines.assets.staging import STAGING_ASSETS
from pipelines.automation import build_automation
from pipelines.config import Settings, load_settings
from pipelines.resources import PhmConfig, warehouse_resource

MAIN_JOB = "phm_run"


def build_definitions(settings: Settings) -> dg.Definitions:
    """Definitions bound to one configuration (tests build their own on a small region)."""
    main_job = dg.define_asset_job(
        MAIN_JOB,
        selection=dg.AssetSelection.all(),
        description="Ingest every landing file, build the marts, compute indicators, gate and publish.",
        executor_def=dg.in_process_executor,  # one process writes warehouse.duckdb
        tags={"phm/region": settings.region_code},  # deploy/dagster.yaml: one run per region at a time
    )
    schedules, sensors = build_automation(MAIN_JOB, str(settings.config_path), str(settings.data_dir))
    return dg.Definitions(
        assets=[*INGEST_ASSETS, *STAGING_ASSETS, *PHM_STEP_ASSETS, *INDICATOR_ASSETS, *EVALUATION_ASSETS, *PUBLISH_ASSETS],
        jobs=[main_job],
        schedules=schedules,
        sensors=sensors,
        resources={
            "warehouse": warehouse_resource(settings),
            "phm": PhmConfig(config_path=str(settings.config_path), data_dir=str(settings.data_dir)),
        },
    )


defs = build_definitions(load_settings())
