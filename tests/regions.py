"""The test regions: a phm.toml written for a temporary data folder, and a tiny region published end to end.

A plain module, not conftest.py, so test modules, tests.fingerprint and tests.benchmark import it by name.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.config import REPO_ROOT, load_settings

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
