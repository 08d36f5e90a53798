"""Typical operator mistakes end with a clear message naming the file, row, column, check or config key,
and never with a partial publication: `published/` stays byte-identical."""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
import textwrap

import dagster as dg
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.config import ConfigError, load_settings
from pipelines.run import run_main_job
from tests.builders import file_hashes
from tests.regions import publish_small_region, write_config

pytestmark = pytest.mark.slow
GEMEENTEN, YEARS = ["GM0399"], [2022, 2023]



@pytest.fixture(scope="module")
def published_region(module_tmp):
    """A tiny region (Heiloo at 15 %) that has published once: the 'previous publication' to protect."""
    return publish_small_region(module_tmp("ops"), GEMEENTEN, YEARS, seed=5)


@pytest.fixture
def region(published_region, tmp_path):
    """A private copy of the published region for one mistake."""
    shutil.copytree(published_region.landing_dir, tmp_path / "data" / "landing")
    shutil.copytree(published_region.published_dir, tmp_path / "data" / "published")
    return load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", GEMEENTEN, YEARS))


def _fails_cleanly(settings, *expected: str) -> list[str]:
    before = file_hashes(settings.published_dir)
    outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())
    assert not outcome.success
    text = " | ".join(outcome.failures)
    for fragment in expected:
        assert fragment in text, text
    assert file_hashes(settings.published_dir) == before
    return outcome.failures


def test_missing_landing_folder(tmp_path):
    config = write_config(tmp_path / "phm.toml", tmp_path / "empty", GEMEENTEN, YEARS)
    result = CliRunner().invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 2 and "No landing files" in result.output and "phm generate" in result.output


@pytest.mark.parametrize(("gemeenten", "fragment"), [
    (["GM9999"], "GM9999 not found in the CBS/RIVM reference data"),
    (["361"], "'361' is not a CBS gemeente code"),
])
def test_wrong_gemeente_code_in_config(tmp_path, gemeenten, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", gemeenten, YEARS))
    assert "[region.gemeenten]" in str(err.value) and fragment in str(err.value)


def test_unknown_config_section_is_named(tmp_path):
    config = write_config(tmp_path / "phm.toml", tmp_path / "data", extra='[regoin]\ncode = "x"\n')
    result = CliRunner().invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 2 and "[regoin] unknown section" in result.output


def test_file_in_the_wrong_folder(region):
    shutil.copy(region.landing_dir / "wmo" / "wmo_2022.csv", region.landing_dir / "population" / "wmo_2022.csv")
    _fails_cleanly(region, "population/wmo_2022.csv", "a wmo file in the folder of population", "move it to")


def test_wrong_file_name(region):
    (region.landing_dir / "wmo" / "wmo_2023.csv").rename(region.landing_dir / "wmo" / "wmo-2023.csv")
    _fails_cleanly(region, "wmo-2023.csv", "file name must be <source>_<year>.csv")


def test_wrong_year_in_a_file_name(region):
    # the 2023 delivery saved under the 2022 name: every row says 2023 and goes to quarantine with that reason
    folder = region.landing_dir / "population"
    shutil.copy(folder / "population_2023.csv", folder / "population_2022.csv")
    _fails_cleanly(region, "check quarantine_share on raw/population", "population/population_2022.csv")


def test_missing_population_file(region):
    (region.landing_dir / "population" / "population_2023.csv").unlink()
    _fails_cleanly(region, "check source_completeness on quality/source_completeness",
                   f"population 2023: no file for the year (expected {region.landing_dir}/population/population_2023.csv")


def test_unreadable_file(region):
    (region.landing_dir / "wmo" / "wmo_2023.csv").write_bytes(b"\x00\x01PK\x03\x04 not text")
    _fails_cleanly(region, "wmo/wmo_2023.csv: looks like a binary file")


def test_missing_required_column(region):
    path = region.landing_dir / "jeugd" / "jeugd_2022.csv"
    lines = path.read_bytes().decode("cp1252").splitlines()
    path.write_bytes("\n".join(";".join(line.split(";")[:-1]) for line in lines).encode("cp1252"))
    _fails_cleanly(region, "jeugd_2022.csv: required column(s) cost_eur missing")


def test_locked_warehouse(region):
    shutil.copy(region.published_dir.parent.parent / "data" / "published" / "monitoring.duckdb",
                region.data_dir / "warehouse.duckdb")  # any DuckDB file will do as the locked warehouse
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(region.warehouse_path)!r})
        print("locked", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        _fails_cleanly(region, "warehouse.duckdb is in use by another process", "Analysts open published")
    finally:
        holder.kill()
        holder.wait()


def test_full_disk_during_publication(region, monkeypatch):
    # the final rename fails as it would on a full disk: the old file stays, no temporary file is left
    import indicators.publication as publication

    def no_space(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(publication.os, "replace", no_space)
    _fails_cleanly(region, "No space left on device")
    assert not list(region.published_dir.glob(".*.tmp"))
