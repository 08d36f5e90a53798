"""One run per region by every route, and no run that could write another region's warehouse.

Each refusal is checked the way it matters: no step started, no warehouse file created, nothing published.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import dagster as dg
import pytest
import yaml

from pipelines.config import REPO_ROOT, load_regions, load_settings
from pipelines.definitions import build_definitions, job_name
from pipelines.lock import holder, lock_path
from pipelines.partitions import run_tags
from pipelines.resources import region_run_config
from pipelines.run import run_main_job
from pipelines.workspace import workspace_yaml
from tests.regions import write_config

SECOND = '[regions.RG_TWEE]\nname = "Tweede regio"\ngemeenten = ["GM0373"]\n'
HOLD = """
import sys, time
from pipelines.lock import region_lock
with region_lock("RG_TEST", sys.argv[1], "run-of-the-daemon-42", "phm_run_rg_test", "sensor landing_sensor_rg_test"):
    print("holding", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def regions(tmp_path):
    config = write_config(tmp_path / "phm.toml", tmp_path / "data", gemeenten=["GM0399"], extra=SECOND)
    return config, load_regions(config)


def _execute(settings, tags, run_config=None):
    """A launch of the region's job as the daemon's run worker would execute it: the real resources start."""
    job = build_definitions(settings).resolve_job_def(job_name(settings.region_code))
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, tags=tags,
                                    run_config=run_config)
    started = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START]
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    return result.success, started, str(failure.event_specific_data.error)


def test_a_second_run_of_a_region_is_refused_naming_the_run_that_holds_it(regions):
    _, (settings, _) = regions
    held = subprocess.Popen([sys.executable, "-c", HOLD, str(settings.data_dir)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert held.stdout.readline().strip() == "holding"
        assert holder(settings.data_dir)["run_id"] == "run-of-the-daemon-42"
        # `phm run` while the daemon's run holds the region
        outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())
        assert not outcome.success and outcome.run_id == "-"
        assert "run-of-the-daemon-42" in outcome.failures[0] and "sensor landing_sensor_rg_test" in outcome.failures[0]
        # a run launched by Dagster itself (UI, schedule) is refused by its resources, before any step
        success, started, error = _execute(settings, {**run_tags(settings.years), "phm/region": "RG_TEST"})
        assert not success and started == [] and "run-of-the-daemon-42" in error
        assert not settings.warehouse_path.exists() and not settings.published_dir.exists()
    finally:
        held.kill()
        held.wait()
    # the lock dies with its process: no stale lock after a crash
    deadline = time.time() + 10
    while holder(settings.data_dir) is not None and time.time() < deadline:
        time.sleep(0.1)
    assert lock_path(settings.data_dir).exists() and holder(settings.data_dir) is None


def test_runs_that_name_another_region_or_no_year_are_refused_before_any_step(regions):
    _, (first, second) = regions
    years = run_tags(first.years)
    success, started, error = _execute(first, {**years, "phm/region": "RG_TWEE"})
    assert not success and started == []
    assert "tagged phm/region=RG_TWEE but its settings are region RG_TEST" in error
    # run config that points this region's run at the other region's warehouse
    wrong = region_run_config(first)
    wrong["resources"]["warehouse"]["config"] = {**wrong["resources"]["warehouse"]["config"],
                                                 "database": str(second.warehouse_path), "region": ""}
    success, started, error = _execute(first, years, wrong)
    assert not success and started == [] and f"the warehouse {second.warehouse_path} is not region RG_TEST" in error
    # `dagster job launch -j phm_run_rg_test` without a partition: refused with what to do instead
    success, started, error = _execute(first, {})
    assert not success and started == [] and "the run targets no year" in error
    assert not first.warehouse_path.exists() and not second.warehouse_path.exists()


@pytest.mark.slow  # two fresh Dagster processes load the workspace (about 20 s on 2 busy cores)
def test_workspace_has_one_location_per_region_and_dagster_loads_each(regions, tmp_path):
    config, settings = regions
    workspace = yaml.safe_load(workspace_yaml(settings))
    modules = [entry["python_module"] for entry in workspace["load_from"]]
    assert [(m["location_name"], m["attribute"]) for m in modules] == [("rg_test", "rg_test"), ("rg_twee", "rg_twee")]
    path = tmp_path / "workspace.yaml"
    path.write_text(workspace_yaml(settings), encoding="utf-8")
    env = {**os.environ, "PHM_CONFIG": str(config), "DAGSTER_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    done = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-w", str(path)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    log = done.stdout + done.stderr
    assert "Validation successful for code location rg_test" in log
    assert "Validation successful for code location rg_twee" in log
    # the second region's location binds the second region's warehouse by default
    probe = ("import pipelines.definitions as d; "
             "print(d.rg_twee.resources['warehouse'].database, d.rg_twee.resolve_job_def('phm_run_rg_twee').tags['phm/region'])")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout.split()
    assert out == [str(load_settings(config, region="RG_TWEE").warehouse_path), "RG_TWEE"]
