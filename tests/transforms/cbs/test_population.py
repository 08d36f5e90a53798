"""The CBS population adapter on hand-made files (tests/transforms/cbs/builders.py): every row checked by hand."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.transforms.cbs.builders import BUURTEN, GEMEENTEN, SALT, YEARS, pid, population_files, write_sav
from transforms.cbs.ingest import ingest_cbs_source
from transforms.readers import LandingFileError

REFERENCE = Path(__file__).parents[3] / "sample_data" / "reference"


def _ingest(root: Path, source: str = "population", con=None):
    con = con or duckdb.connect()
    result = ingest_cbs_source(con, source, root, YEARS, SALT, REFERENCE, GEMEENTEN, BUURTEN)
    return con, result


def test_residents_on_1_january_by_hand(tmp_path):
    population_files(tmp_path / "cbs")
    con, result = _ingest(tmp_path / "cbs")
    rows = con.execute("SELECT pseudo_id, year, birth_year, sex, buurt_code, household_type, income_quintile, "
                       "death_date FROM raw.population ORDER BY year, birth_year").fetchall()
    assert rows == [
        (pid("C"), 2023, 1940, "M", "BU03610101", "institutioneel", None, date(2023, 6, 15)),
        (pid("A"), 2023, 1950, "M", "BU03610101", "eenpersoons", 3, None),        # ceil(45 / 20) = 3
        (pid("B"), 2023, 1980, "V", "BU03610102", "paar_met_kinderen", None, None),  # later spell wins; -1 -> NULL
        (pid("D"), 2023, 1990, "V", "BU03610201", "paar_zonder_kinderen", None, None),
        (pid("A"), 2024, 1950, "M", "BU03610101", "eenpersoons", 3, None),  # INPA 2024: numeric RINPERSOON padded
        (pid("B"), 2024, 1980, "V", "BU03610102", "paar_met_kinderen", None, None),
    ]
    # D in 2024: bc2024 is ---- -> not placed, in quarantine with the pseudonym only
    quarantined = con.execute("SELECT file, reasons, record FROM quarantine.population").fetchall()
    assert len(quarantined) == 1
    file, reasons, record = quarantined[0]
    assert file == "adapter:population" and "bc2024 is ----" in reasons and pid("D") in record
    # every CBS file balances; the superseded V1 of GBAPERSOONTAB is reported, not read
    assert all(f.rows_read == f.rows_loaded + f.rows_quarantined for f in result.files)
    assert [p.name for p in result.superseded] == ["GBAPERSOON2024TABV1.sav"]
    log = con.execute("SELECT path, year, rows_read, rows_loaded, rows_quarantined FROM meta.ingest_files "
                      "WHERE path = 'adapter:population' ORDER BY year").fetchall()
    assert log == [("adapter:population", 2023, 4, 4, 0), ("adapter:population", 2024, 3, 2, 1)]


def test_no_raw_key_reaches_the_warehouse(tmp_path):
    population_files(tmp_path / "cbs")
    con, _ = _ingest(tmp_path / "cbs")
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()
    for schema, table in tables:
        text = con.execute(f"SELECT string_agg(CAST(t AS VARCHAR), '|') FROM {schema}.{table} t").fetchone()[0] or ""
        assert "000000001" not in text and "RINPERSOON" not in text, (schema, table)
    temp = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name LIKE 'cbs_gba%'")
    assert temp.fetchone()[0] == 0  # the staging is dropped after the adapter


def test_a_missing_year_of_vslgwb_names_the_year_and_the_file(tmp_path):
    population_files(tmp_path / "cbs", vslgwb_years=(2023,))
    # the file of 2023 cannot cover 2024
    with pytest.raises(LandingFileError, match=r"VSLGWB2023TABV1\.sav: VSLGWBTAB covers years up to 2023, the run "
                                                r"needs 2024"):
        _ingest(tmp_path / "cbs")


def test_a_vslgwb_without_a_year_column_names_the_year_and_variables(tmp_path):
    population_files(tmp_path / "cbs", vslgwb_years=(2024,))
    (tmp_path / "cbs" / "VSLGWBTAB" / "VSLGWB2024TABV1.sav").rename(tmp_path / "cbs" / "VSLGWBTAB" / "x")
    population_files(tmp_path / "other", vslgwb_years=(2024,))
    path = tmp_path / "cbs" / "VSLGWBTAB" / "VSLGWB2024TABV1.sav"
    (tmp_path / "other" / "VSLGWBTAB" / "VSLGWB2024TABV1.sav").rename(path)
    (tmp_path / "cbs" / "VSLGWBTAB" / "x").unlink()
    with pytest.raises(LandingFileError, match=r"VSLGWB2024TABV1\.sav: year 2023 missing: no variable\(s\) GEM2023, "
                                                r"WC2023, BC2023"):
        _ingest(tmp_path / "cbs")


def test_a_date_stored_as_a_number_is_an_error_naming_file_and_variable(tmp_path):
    root = tmp_path / "cbs"
    population_files(root)
    write_sav(root, "GBAOVERLIJDENTAB", "GBAOVERLIJDEN2024TABV2.sav",
              {"RINPERSOONS": ["R"], "RINPERSOON": ["000000003"], "GBADatumOverlijden": [20230615.0]})
    with pytest.raises(LandingFileError, match=r"GBAOVERLIJDEN2024TABV2\.sav: variable GBADATUMOVERLIJDEN is numeric"):
        _ingest(root)


def test_duplicate_keys_and_bad_codes_go_to_quarantine_without_the_raw_key(tmp_path):
    root = tmp_path / "cbs"
    population_files(root)
    # row 1 A (kept), row 2 A again (duplicate key), row 3 B with sex 3 and an impossible month
    write_sav(root, "GBAPERSOONTAB", "GBAPERSOON2024TABV3.sav", {
        "RINPERSOONS": ["R", "R", "R", "R", "R", "R"],
        "RINPERSOON": ["000000001", "000000001", "000000002", "000000003", "000000004", "000000005"],
        "GBAGESLACHT": ["1", "1", "3", "1", "2", "1"], "GBAGEBOORTEJAAR": ["1950", "1950", "1980", "1940", "1990", "1970"],
        "GBAGEBOORTEMAAND": ["03", "03", "13", "03", "03", "03"], "GBAGEBOORTEDAG": ["01"] * 6})
    con, result = _ingest(root)
    q = con.execute("SELECT file, row_number, reasons, record FROM quarantine.population "
                    "WHERE file LIKE '%GBAPERSOON%' ORDER BY row_number").fetchall()
    assert [(r[0], r[1]) for r in q] == [("cbs/GBAPERSOONTAB/GBAPERSOON2024TABV3.sav", 2),
                                         ("cbs/GBAPERSOONTAB/GBAPERSOON2024TABV3.sav", 3)]
    assert "duplicate key (RINPERSOONS, RINPERSOON) of row 1" in q[0][2]
    assert "GBAGESLACHT" in q[1][2] and "GBAGEBOORTEMAAND" in q[1][2]
    assert pid("B") in q[1][3] and "000000002" not in q[1][3]
    account = [f for f in result.files if f.file.path.name == "GBAPERSOON2024TABV3.sav"][0]
    assert (account.rows_read, account.rows_loaded, account.rows_quarantined) == (6, 4, 2)
    # B has no GBAPERSOONTAB row left: not placed, with that reason
    reasons = con.execute("SELECT reasons FROM quarantine.population WHERE file = 'adapter:population'").fetchall()
    assert sum("not in GBAPERSOONTAB" in r[0] for r in reasons) == 2  # 2023 and 2024
