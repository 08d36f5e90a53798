"""Shared fixtures: a small generated region run end to end once per test session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from pipelines.config import REPO_ROOT, Settings, load_settings

# Property tests explore the same examples on every run (CI included) and never fail on a slow machine.
hypothesis_settings.register_profile("phm", derandomize=True, deadline=None)
hypothesis_settings.load_profile("phm")

SMALL_GEMEENTEN = ["GM0399"]  # Heiloo, about 24,000 residents in CBS KWB 2024
SMALL_YEARS = [2022, 2023]
SMALL_SCALE = 0.5


def write_config(path: Path, data_dir: Path, gemeenten=SMALL_GEMEENTEN, years=SMALL_YEARS, extra: str = "",
                 allow_incomplete: tuple[str, ...] = ()) -> Path:
    """A phm.toml for a test region, with the default thresholds and cut-offs of the repository's file."""
    base = (REPO_ROOT / "phm.toml").read_text(encoding="utf-8")
    head, _, rest = base.partition("[generator]")
    text = (
        f'[region]\ncode = "RG_TEST"\nname = "Testregio"\ngemeenten = {json.dumps(gemeenten)}\n\n'
        f'[run]\nyears = {json.dumps(years)}\ndata_dir = "{data_dir}"\n'
        f'reference_dir = "{REPO_ROOT / "sample_data" / "reference"}"\n'
        f'allow_incomplete = {json.dumps(list(allow_incomplete))}\n\n[generator]{rest}\n{extra}'
    )
    path.write_text(text, encoding="utf-8")
    return path


def publish_small_region(root: Path, gemeenten: list[str], years: list[int], seed: int, scale: float = 0.15):
    """A tiny region generated and published once: the 'previous publication' a failed run must leave alone."""
    import dagster as dg

    from pipelines.run import run_main_job
    from sample_data.generator import generate

    settings = load_settings(write_config(root / "phm.toml", root / "data", gemeenten, years))
    generate(settings.landing_dir, gemeenten, years, seed=seed, scale=scale)
    assert run_main_job(settings, instance=dg.DagsterInstance.ephemeral()).success
    return settings


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
