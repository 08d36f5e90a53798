"""The folder for CBS's output check: written from a hand-made published file, and attacked by the scan."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from indicators.disclosure_policy import DisclosurePolicy
from indicators.output_check import WORKBOOK, refusal, write_output_check, write_xlsx
from quality.output_check import scan_output_folder


@pytest.fixture()
def published(tmp_path) -> Path:
    """A tiny published file: two aggregate tables (one with a min and a max column), and the run's checks."""
    path = tmp_path / "monitoring.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("""
            CREATE TABLE indicator_catalogue AS SELECT 'x' AS indicator_id, 50 AS min_denominator;
            CREATE TABLE indicator_values AS SELECT * FROM (VALUES
                ('x', 2023, 'GM0399', 15, 0.123456789, false, NULL),
                ('x', 2022, 'GM0399', NULL, NULL, true, 'primary')) t(indicator_id, period, area_code, numerator,
                                                                       value, suppressed, suppression_reason);
            ALTER TABLE indicator_values ADD COLUMN oldest DOUBLE DEFAULT 97;
            CREATE TABLE quality_results AS SELECT * FROM (VALUES
                ('privacy', 'passed', 'ok'), ('disclosure_policy', 'passed', 'no violation')) t(check_name, status,
                                                                                             message);
            CREATE TABLE run_manifest AS SELECT '/data/landing/x.csv' AS path, 12345 AS rows_read;
            COMMENT ON TABLE indicator_values IS 'Waarden / Values';
        """)
        for table, column in con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal").fetchall():
            con.execute(f"COMMENT ON COLUMN {table}.{column} IS '{column.capitalize()} / {column} (EN)'")
        con.execute("COMMENT ON COLUMN indicator_values.oldest IS 'Hoogste leeftijd in de cel / Oldest age in the cell'")
    return path


def test_folder_holds_aggregates_described_without_minima_maxima_or_run_tables(published, tmp_path):
    folder = tmp_path / "out"
    write_output_check(published, folder, DisclosurePolicy(rounding_base=5, min_count=10))
    assert sorted(p.name for p in folder.iterdir()) == [
        "LEESMIJ.md", "beschrijving_tabellen.csv", "indicator_catalogue.csv", "indicator_values.csv",
        "onthullingsregels.md", "tabellen.xlsx"]  # quality_results and run_manifest stay inside
    # min_denominator by its name, oldest by its comment ("Hoogste leeftijd"): both left out
    assert pl.read_csv(folder / "indicator_catalogue.csv").columns == ["indicator_id"]
    assert "oldest" not in pl.read_csv(folder / "indicator_values.csv").columns
    description = pl.read_csv(folder / "beschrijving_tabellen.csv")
    value = description.filter((pl.col("tabel") == "indicator_values") & (pl.col("kolom") == "value"))
    assert value.select("omschrijving_nl", "omschrijving_en").row(0) == ("Value", "value (EN)")
    note = (folder / "onthullingsregels.md").read_text(encoding="utf-8")
    assert "1 tot 9 personen" in note and "veelvoud van 5" in note and "**geslaagd**" in note
    assert "primary 1" in note and "gepubliceerd 1" in note  # one suppressed and one published cell
    assert "Weggelaten variabele `min_denominator`" in (folder / "LEESMIJ.md").read_text(encoding="utf-8")
    assert scan_output_folder(folder).passed


def test_xlsx_reads_back_in_openpyxl_as_the_csv(published, tmp_path):
    folder = tmp_path / "out"
    write_output_check(published, folder, DisclosurePolicy())
    sheet = openpyxl.load_workbook(folder / WORKBOOK, read_only=False)["indicator_values"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("indicator_id", "period", "area_code", "numerator", "value", "suppressed",
                       "suppression_reason")
    # ORDER BY ALL: 2022 before 2023; NULL is an empty cell, a boolean a boolean, 9 decimals kept
    assert rows[1] == ("x", 2022, "GM0399", None, None, True, "primary")
    assert rows[2] == ("x", 2023, "GM0399", 15, 0.123456789, False, None)


def test_xlsx_escapes_text_and_continues_a_long_table_on_a_second_sheet(tmp_path, monkeypatch):
    import indicators.output_check as output_check

    monkeypatch.setattr(output_check, "XLSX_ROWS", 2)
    frame = pl.DataFrame({"a": ["<b> & c", "d", "e"], "n": [1.5, None, 3.0]})
    write_xlsx(tmp_path / "t.xlsx", {"t": frame})
    book = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=False)
    assert book.sheetnames == ["t", "t_2"]
    assert list(book["t"].iter_rows(values_only=True)) == [("a", "n"), ("<b> & c", 1.5), ("d", None)]
    assert list(book["t_2"].iter_rows(values_only=True)) == [("a", "n"), ("e", 3)]


@pytest.mark.parametrize("name, comment, refused", [
    ("min_denominator", "Minimale noemer / Minimum denominator", True),
    ("max_contribution", "", True),
    ("pseudo_id", "", True),
    ("mde", "Kleinste effect dat te zien is / Minimum detectable effect", False),  # a design property
    ("q1_value", "Waarde in kwintiel 1 (laagste) / Value in the lowest quintile", False),
    ("top", "Grootste bijdrage van één persoon / Largest contribution", True),
])
def test_refusal_by_name_or_comment(name, comment, refused):
    assert (refusal(name, comment) is not None) is refused


def _folder(tmp_path: Path, frame: pl.DataFrame) -> Path:
    """A folder that passes but for `frame` (as t.csv, described, and as sheet t of an openpyxl workbook)."""
    folder = tmp_path / "attack"
    folder.mkdir()
    for name in ("LEESMIJ.md", "onthullingsregels.md"):
        (folder / name).write_text("x", encoding="utf-8")
    pl.DataFrame({"tabel": ["t"] * frame.width, "kolom": frame.columns, "omschrijving_nl": ["x"] * frame.width}
                 ).write_csv(folder / "beschrijving_tabellen.csv")
    frame.write_csv(folder / "t.csv")
    return folder


@pytest.mark.parametrize("frame, found", [
    (pl.DataFrame({"area": ["GM0399", "GM0400"], "n": [123456789, 1250]}), None),  # an amount among others
    (pl.DataFrame({"v": [0.123456789, 12.5]}), None),  # nine decimals are no key
    (pl.DataFrame({"id": ["a" * 64]}), "64-hex"),
    (pl.DataFrame({"note": ["person R012345678"]}), "RIN-like"),
    (pl.DataFrame({"k": ["012345678"]}), "leading zero"),
    (pl.DataFrame({"k": [100000001, 100000002]}), "every value is a 9-digit whole number"),
    (pl.DataFrame({"max_cost": [5]}), "minimum or maximum"),
    (pl.DataFrame({"rinpersoon": ["x"]}), "person key"),
])
def test_scan_finds_what_cbs_refuses_in_csv(tmp_path, frame, found):
    outcome = scan_output_folder(_folder(tmp_path, frame))
    assert outcome.passed is (found is None), outcome.message
    assert found is None or found in outcome.message


def test_scan_reads_an_xlsx_written_by_another_program(tmp_path):
    # openpyxl stores text as shared strings and a key as a text cell: the scan must see both
    folder = _folder(tmp_path, pl.DataFrame({"a": [1]}))
    book = openpyxl.Workbook()
    book.active.append(["area", "key"])
    book.active.append(["GM0399", "100000001"])
    book.save(folder / "extra.xlsx")
    outcome = scan_output_folder(folder)
    assert not outcome.passed and "extra.xlsx:sheet1.xml column key: 1 cell(s) with a RIN-like" in outcome.message


def test_scan_refuses_undescribed_columns_and_unreadable_files(tmp_path):
    folder = _folder(tmp_path, pl.DataFrame({"a": [1]}))
    pl.DataFrame({"b": [1]}).write_csv(folder / "u.csv")
    (folder / "t.parquet").write_bytes(b"PAR1")
    message = scan_output_folder(folder).message
    assert "u.csv column b: not described" in message and "t.parquet" in message
