"""Discovery of CBS files (highest version per year, Parquet before .sav), the Parquet reader, and `[input]`."""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.config import ConfigError, load_settings
from quality.cbs_contracts import CBS_CONTRACTS
from tests.regions import write_config
from tests.transforms.cbs.builders import SALT, YEARS, keys, pid, write_sav
from transforms.cbs.files import discover
from transforms.cbs.read import stage_cbs_file
from transforms.ingest import prepare_tables

REFERENCE = Path(__file__).parents[3] / "sample_data" / "reference"


def test_highest_version_per_year_and_the_parquet_copy_first(tmp_path):
    root = tmp_path / "cbs"
    for name in ("MEDICIJN2023TABV1.sav", "MEDICIJN2023TABV2.sav", "MEDICIJN2024TABV1.sav", "MEDICIJN2022TABV3.sav"):
        write_sav(root, "MEDICIJNTAB", name, {**keys("A"), "ATC4": ["C10A"]}, year=int(name[8:12]))
    pl.DataFrame({**keys("A"), "ATC4": ["C10A"]}).write_parquet(root / "MEDICIJNTAB/2023/MEDICIJN2023TABV2.parquet")
    found = discover(root, CBS_CONTRACTS["MEDICIJNTAB"].spec, YEARS)
    # 2022 is not configured; 2023: V2 as Parquet (its .sav twin is the same delivery); 2024: V1
    assert [(f.year, f.version, f.format) for f in found.files] == [(2023, 2, "parquet"), (2024, 1, "sav")]
    assert [p.name for p in found.superseded] == ["MEDICIJN2023TABV1.sav"]


def test_a_parquet_file_with_a_numeric_rinpersoon_is_padded_and_pseudonymised(tmp_path):
    root = tmp_path / "cbs"
    (root / "MEDICIJNTAB" / "2023").mkdir(parents=True)
    pl.DataFrame({"RINPERSOONS": ["R", "R"], "RINPERSOON": [1.0, 2.0], "ATC4": ["C10A", "C10"]}).write_parquet(
        root / "MEDICIJNTAB/2023/MEDICIJN2023TABV1.parquet")
    con = duckdb.connect()
    prepare_tables(con, "gp_episodes")  # any source: only its quarantine table is written here
    file = discover(root, CBS_CONTRACTS["MEDICIJNTAB"].spec, YEARS).files[0]
    result = stage_cbs_file(con, file, CBS_CONTRACTS["MEDICIJNTAB"], "gp_episodes", root, SALT, YEARS, REFERENCE)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert con.execute("SELECT pseudo_id, ATC4 FROM cbs_medicijntab").fetchall() == [(pid("A"), "C10A")]
    reasons, record = con.execute("SELECT reasons, record FROM quarantine.gp_episodes").fetchone()
    assert "ATC4" in reasons and pid("B") in record and "000000002" not in record


def _settings(tmp_path, extra: str):
    return load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", extra=extra))


def test_input_layout_defaults_to_native_and_cbs_root_is_in_the_data_folder(tmp_path):
    settings = _settings(tmp_path, "")
    assert settings.layout == "native"
    cbs = _settings(tmp_path, '[input]\nlayout = "cbs_microdata"\npseudonym_salt = "s"\n')
    assert cbs.layout == "cbs_microdata" and cbs.cbs_root == tmp_path / "data" / "cbs"


@pytest.mark.parametrize(("extra", "message"), [
    ('[input]\nlayuot = "native"\n', r"\[input\.layuot\] unknown key \(did you mean layout\?\)"),
    ('[input]\nlayout = "cbs"\n', r"\[input\.layout\] 'cbs' is not a layout"),
    ('[input]\nlayout = "cbs_microdata"\n', r"\[input\.pseudonym_salt\] is empty"),
])
def test_input_refuses_what_it_does_not_know(tmp_path, extra, message, monkeypatch):
    monkeypatch.delenv("PHM_PSEUDONYM_SALT", raising=False)
    with pytest.raises(ConfigError, match=message):
        _settings(tmp_path, extra)


def test_the_salt_stays_out_of_the_configuration_hash(tmp_path):
    one = _settings(tmp_path, '[input]\nlayout = "cbs_microdata"\npseudonym_salt = "a"\n')
    two = _settings(tmp_path, '[input]\nlayout = "cbs_microdata"\npseudonym_salt = "b"\n')
    assert one.config_hash == two.config_hash and one.input.pseudonym_salt != two.input.pseudonym_salt
