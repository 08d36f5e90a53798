"""Landing readers: every dialect partners export, and clear errors for unreadable files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from transforms.readers import LandingFileError, load_text_table, parse_landing_name


def _read(path: Path) -> tuple[list[tuple], object]:
    con = duckdb.connect()
    info = load_text_table(con, path, "t")
    return con.execute("SELECT * FROM t ORDER BY _row").fetchall(), info


def test_windows_1252_semicolon_decimal_comma(tmp_path):
    path = tmp_path / "wmo_2023.csv"
    path.write_bytes("provision_id;name;cost_eur\nP1;café – één;1234,50\nP2;b;7,25\n".encode("cp1252"))
    rows, info = _read(path)
    # two data rows, the non-ASCII text survives and the decimal comma is recognised
    assert info.encoding == "windows-1252" and info.delimiter == ";" and info.decimal == ","
    assert rows == [("P1", "café – één", "1234,50", 1), ("P2", "b", "7,25", 2)]
    assert info.rows_read == 2


def test_utf8_bom_and_comma(tmp_path):
    path = tmp_path / "population_2022.csv"
    path.write_bytes("\ufeffpseudo_id,year\nabc,2022\n".encode())
    rows, info = _read(path)
    assert info.encoding == "utf-8" and info.columns == ("pseudo_id", "year")
    assert rows == [("abc", "2022", 1)]


def test_malformed_lines_keep_row_numbers(tmp_path):
    # rows 2 (one field too many) and 4 (one too few) are malformed; rows 1, 3, 5 keep their own numbers
    path = tmp_path / "gp_episodes_2022.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n11,12\n13,14,15\n", encoding="utf-8")
    rows, info = _read(path)
    assert [r[-1] for r in rows] == [1, 3, 5]
    assert [r[0] for r in rows] == ["1", "8", "13"]
    assert [m[0] for m in info.malformed] == [2, 4]
    assert info.rows_read == 5


def test_parquet_is_read_as_text_with_row_numbers(tmp_path):
    path = tmp_path / "wlz_2022.parquet"
    pl.DataFrame({"Pseudo_ID": ["x", "y"], "cost_eur": [1.5, 2.0]}).write_parquet(path)
    rows, info = _read(path)
    assert info.format == "parquet" and info.columns == ("pseudo_id", "cost_eur")
    assert rows == [("x", "1.5", 1), ("y", "2.0", 2)]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("wmo_2023.csv", b"", "empty file"),
        ("wmo_2023.csv", b"\x00\x01\x02binary", "binary"),
        ("wlz_2023.parquet", b"not parquet at all", "not a readable Parquet file"),
        ("wmo-2023.csv", b"a\n1\n", "file name must be"),
    ],
)
def test_unreadable_files_name_file_and_problem(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LandingFileError) as err:
        _read(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_landing_name():
    assert parse_landing_name(Path("health_survey_2024.parquet")) == ("health_survey", 2024)
