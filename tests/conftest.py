"""Shared fixtures: a small generated region run end to end once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from pipelines.config import Settings, load_settings
from tests.regions import SMALL_GEMEENTEN, SMALL_SCALE, SMALL_YEARS, write_config

# Property tests explore the same examples on every run (CI included) and never fail on a slow machine.
hypothesis_settings.register_profile("phm", derandomize=True, deadline=None)
hypothesis_settings.load_profile("phm")

# Fixtures that run the whole job: a test that uses one without the `slow` mark would make `-m "not slow"` slow.
JOB_FIXTURES = {"small_run"}


def pytest_collection_modifyitems(config, items):
    unmarked = [item.nodeid for item in items
                if JOB_FIXTURES & set(item.fixturenames) and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("runs the whole job but is not marked slow: " + ", ".join(unmarked))


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory):
    """`mktemp(name)` for a module's fixtures; removed when the module ends so a full run stays small on disk."""
    made: list[Path] = []

    def mktemp(name: str) -> Path:
        made.append(tmp_path_factory.mktemp(name))
        return made[-1]

    yield mktemp
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def small_region(tmp_path_factory) -> tuple[Settings, dict]:
    """Generate a small region (Heiloo at half size, two years) and return its settings and manifest."""
    from sample_data.generator import generate

    root = tmp_path_factory.mktemp("region")
    config = write_config(root / "phm.toml", root / "data")
    settings = load_settings(config)
    manifest = generate(settings.landing_dir, SMALL_GEMEENTEN, SMALL_YEARS, seed=7, scale=SMALL_SCALE)
    return settings, manifest


@pytest.fixture(scope="session")
def small_run(small_region):
    """The main job run once on the small region (the real Dagster, DuckDB, Pandera and GX)."""
    import dagster as dg

    from pipelines.run import run_main_job

    settings, manifest = small_region
    outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())
    assert outcome.success, outcome.failures
    return settings, manifest, outcome
