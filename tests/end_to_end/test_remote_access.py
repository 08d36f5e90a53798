"""Fit for Remote Access: `phm generate` and `phm run` write nothing outside the data folder, and leave the
folder for CBS's output check beside the publication."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipelines.config import REPO_ROOT
from tests.regions import write_config


@pytest.mark.slow
def test_a_run_writes_only_in_its_data_folder(tmp_path):
    # a fresh process (caches and temp folders are chosen at import) with HOME and TMPDIR empty, no DAGSTER_HOME:
    # Dagster's home, the GX context and every temporary file must land in PHM_DATA_DIR
    home, tmp, data = (tmp_path / name for name in ("home", "tmp", "data"))
    for folder in (home, tmp):
        folder.mkdir()
    config = write_config(tmp_path / "phm.toml", tmp_path / "configured", years=[2023])
    env = {k: v for k, v in os.environ.items()
           if k not in ("DAGSTER_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR", "PHM_REGION")}
    env.update(HOME=str(home), TMPDIR=str(tmp), PHM_DATA_DIR=str(data), PHM_CONFIG=str(config),
               PYTHONPATH=str(REPO_ROOT), PYTHONDONTWRITEBYTECODE="1")
    for command in (["generate", "--scale", "0.15"], ["run"]):
        done = subprocess.run([sys.executable, "-m", "pipelines.cli", *command], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    outside = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                     if p.is_file() and data not in p.parents and p != config)
    assert outside == []
    assert (data / "dagster" / "dagster.yaml").exists() and (data / "gx").is_dir()
    folder = data / "published" / "output_check"
    assert {"LEESMIJ.md", "onthullingsregels.md", "beschrijving_tabellen.csv", "tabellen.xlsx",
            "indicator_values.csv"} <= {p.name for p in folder.iterdir()}
    assert not (folder / "run_manifest.csv").exists()
