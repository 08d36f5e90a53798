"""Several regions from one deployment: each its own job, data folder, warehouse and publication."""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import duckdb
import pytest

from pipelines.config import ConfigError, load_regions, load_settings
from pipelines.definitions import build_definitions, job_name
from tests.regions import write_config

SECOND = '[regions.RG_TWEE]\nname = "Tweede regio"\ngemeenten = ["GM0373"]\n'


def _run_region(config: str, region: str) -> tuple[bool, list[str], float, float]:
    """One region's main job in its own process, as a run launcher would start it."""
    import dagster as dg

    from pipelines.run import run_main_job

    start = time.time()
    outcome = run_main_job(load_settings(config, region=region), instance=dg.DagsterInstance.ephemeral())
    return outcome.success, outcome.failures, start, time.time()


@pytest.fixture(scope="module")
def two_regions(module_tmp):
    from sample_data.generator import generate

    root = module_tmp("regions")
    config = write_config(root / "phm.toml", root / "data", gemeenten=["GM0399"], extra=SECOND)
    regions = load_regions(config)
    for settings in regions:
        generate(settings.landing_dir, list(settings.gemeenten), list(settings.years), seed=5, scale=0.25)
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(_run_region, [str(config)] * 2, [s.region_code for s in regions]))
    return config, regions, results


@pytest.mark.slow
def test_config_lists_regions_each_with_its_own_data_folder(two_regions):
    config, regions, _ = two_regions
    assert [(s.region_code, s.gemeenten) for s in regions] == [("RG_TEST", ("GM0399",)), ("RG_TWEE", ("GM0373",))]
    assert regions[1].data_dir == (config.parent / "data" / "regions" / "RG_TWEE").resolve()
    assert regions[0].years == regions[1].years == (2022, 2023)  # [run].years unless the region sets its own


@pytest.mark.slow
def test_one_code_location_per_region_bound_to_its_own_warehouse(two_regions):
    _, regions, _ = two_regions
    databases, keys = set(), []
    for settings in regions:
        defs = build_definitions(settings)
        job = defs.resolve_job_def(job_name(settings.region_code))
        assert job.tags["phm/region"] == settings.region_code
        config = job.partitioned_config.get_run_config_for_partition_key("2023")
        databases.add(config["resources"]["warehouse"]["config"]["database"])
        assert config["resources"]["phm"]["config"]["region"] == settings.region_code
        # a launch without run config ("Materialize" in the UI) gets the region's own warehouse too
        assert defs.resources["warehouse"].database == str(settings.warehouse_path)
        assert {s.name for s in defs.sensors} >= {f"landing_sensor_{settings.region_code.lower()}"}
        keys.append({key.path[0] for key in defs.resolve_asset_graph().get_all_asset_keys()})
    assert databases == {str(s.warehouse_path) for s in regions}
    # asset keys carry the region: lineage and partitions never mix regions
    assert keys == [{"rg_test"}, {"rg_twee"}]


@pytest.mark.slow
def test_two_regions_run_side_by_side_and_publish_separately(two_regions):
    _, regions, results = two_regions
    for success, failures, _, _ in results:
        assert success, failures
    # the runs overlapped in time: each started before the other ended
    (_, _, start_a, end_a), (_, _, start_b, end_b) = results
    assert start_a < end_b and start_b < end_a
    for settings in regions:
        published = settings.published_dir / "monitoring.duckdb"
        with duckdb.connect(str(published), read_only=True) as con:
            gemeenten = [r[0] for r in con.execute(
                "SELECT area_code FROM areas WHERE area_level = 'gemeente'").fetchall()]
            region = con.execute("SELECT area_code FROM areas WHERE area_level = 'regio'").fetchone()[0]
        assert gemeenten == list(settings.gemeenten) and region == settings.region_code
        manifest = json.loads((settings.published_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["region"] == settings.region_code


def test_unknown_region_and_bad_region_keys_are_named(tmp_path):
    config = write_config(tmp_path / "phm.toml", tmp_path / "data", extra=SECOND)
    with pytest.raises(ConfigError, match=r"no region 'RG_DRIE'; configured regions: RG_TEST, RG_TWEE"):
        load_settings(config, region="RG_DRIE")
    bad = write_config(tmp_path / "bad.toml", tmp_path / "data",
                       extra='[regions.RG_TWEE]\nname = "x"\ngemeentes = ["GM0373"]\n')
    with pytest.raises(ConfigError, match=r"\[regions.RG_TWEE.gemeentes\] unknown key"):
        load_settings(bad)
    wrong = write_config(tmp_path / "wrong.toml", tmp_path / "data",
                         extra='[regions.RG_TWEE]\nname = "x"\ngemeenten = ["GM9999"]\n')
    with pytest.raises(ConfigError, match=r"\[regions.RG_TWEE.gemeenten\] GM9999 not found"):
        load_settings(wrong, region="RG_TWEE")
