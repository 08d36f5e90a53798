"""Each landing contract accepts a valid row and quarantines each kind of defect with its reason."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from quality.contracts import CONTRACTS
from transforms.ingest import LandingFileError, ingest_source

P1, P2 = "a" * 64, "b" * 64
BUURT = "BU03990101"
SURVEY = {"pseudo_id": P1, "survey_year": "2023", "weight": "1,2", "self_rated_health": "2",
          **{f"k10_{i:02d}": "2" for i in range(1, 11)}, **{f"djg_{i:02d}": "0" for i in range(1, 12)},
          "gali": "3", **{f"mastery_{i:02d}": "3" for i in range(1, 8)}, **{f"sbsq_{i:02d}": "3" for i in range(1, 4)},
          "height_cm": "180", "weight_kg": "80", "smoker": "false", "informal_carer": "false", "volunteer": "true",
          "difficulty_making_ends_meet": "false", "ph_lichaamsfuncties": "7", "ph_mentaal_welbevinden": "7",
          "ph_zingeving": "8", "ph_kwaliteit_van_leven": "7", "ph_meedoen": "7", "ph_dagelijks_functioneren": "8",
          "care_rating": "", "unmet_care_need": "false", "k10_moderate_or_high_reported": "1",
          "k10_high_reported": "0", "lonely_reported": "ja", "severely_lonely_reported": "nee",
          "good_health_reported": ""}
FLAGS = ("k10_moderate_or_high_reported", "k10_high_reported", "lonely_reported", "severely_lonely_reported",
         "good_health_reported")
VALID = {
    "population": {"pseudo_id": P1, "year": "2023", "birth_year": "1950", "sex": "V", "buurt_code": BUURT,
                   "household_type": "paar_zonder_kinderen", "income_quintile": "3", "death_date": ""},
    "gp_episodes": {"pseudo_id": P1, "practice_id": "HA01", "icpc_code": "T90.02", "start_date": "2015-03-01",
                    "end_date": ""},
    "hospital_events": {"pseudo_id": P1, "event_type": "opname", "start_date": "2023-02-01",
                        "end_date": "2023-02-05", "icd10_code": "I50.9", "acute": "true"},
    "zvw_costs": {"pseudo_id": P1, "year": "2023", "insured_days": "365", "cost_category": "farmacie",
                  "amount_eur": "-12,50"},
    "wmo": {"pseudo_id": P1, "provision_id": "W1", "provision_type": "begeleiding", "request_date": "2023-01-02",
            "start_date": "2023-02-01", "end_date": "", "cost_eur": "1500,00"},
    "jeugd": {"pseudo_id": P1, "provision_id": "J1", "provision_type": "ambulant", "referrer": "huisarts",
              "start_date": "2023-02-01", "end_date": "2023-06-01", "cost_eur": "800"},
    "participatie": {"pseudo_id": P1, "year": "2023", "regulation": "bijstand", "months": "12",
                     "benefit_eur": "15600"},
    "wlz": {"pseudo_id": P1, "care_profile": "VV6", "setting": "intramuraal", "start_date": "2021-05-01",
            "end_date": "", "cost_eur": "80000"},
    "medicines": {"pseudo_id": P1, "year": "2023", "atc4": "C10A"},
    "health_survey": SURVEY,
    "workforce": {"org_id": "ORG1", "org_type": "vvt", "gemeente_code": "GM0399", "year": "2023", "fte": "10,5",
                  "employees": "14", "sick_leave_days": "200", "contract_days": "3000", "leavers": "2",
                  "open_vacancies": "1", "survey_respondents": "10", "work_satisfaction_mean": "7,1",
                  "burnout_complaints_pct": "20"},
    "interventions": {"intervention_id": "welzijn_op_recept", "name": "Welzijn op Recept", "target_group": "x",
                      "buurt_code": BUURT, "start_date": "2023-01-01", "end_date": ""},
    "intervention_participants": {"pseudo_id": P1, "intervention_id": "welzijn_op_recept",
                                  "referral_date": "2023-03-01", "start_date": "2023-03-15", "completed": "true"},
}

# (source, column, bad value, fragment of the reason)
DEFECTS = [
    ("population", "buurt_code", "BU99999999", "not an area of the configured region"),
    ("population", "pseudo_id", "111222333", "looks like a BSN"),
    ("population", "pseudo_id", "XYZ", "64-character hex"),
    ("population", "sex", "X", "sex"),
    ("population", "income_quintile", "6", "income_quintile"),
    ("population", "year", "2022", "does not match the year 2023"),
    ("population", "death_date", "2023-02-30", "not a valid date"),
    ("population", "birth_year", "2030", "birth_year is after"),
    ("gp_episodes", "end_date", "2014-01-01", "end_date is before start_date"),
    ("gp_episodes", "icpc_code", "diabetes", "icpc_code"),
    ("hospital_events", "event_type", "onbekend", "event_type"),
    ("hospital_events", "acute", "misschien", "not a valid true/false"),
    ("zvw_costs", "insured_days", "400", "insured_days"),
    ("zvw_costs", "cost_category", "tandarts", "cost_category"),
    ("wmo", "end_date", "2023-01-01", "end_date is before start_date"),
    ("wmo", "cost_eur", "duur", "not a valid number"),
    ("jeugd", "provision_type", "onbekend", "provision_type"),
    ("participatie", "months", "13", "months"),
    ("wlz", "end_date", "2020-01-01", "end_date is before start_date"),
    ("health_survey", "k10_03", "7", "k10_03"),
    ("health_survey", "ph_meedoen", "11", "ph_meedoen"),
    ("health_survey", "weight", "0", "weight"),
    ("health_survey", "lonely_reported", "misschien", "not a valid true/false"),
    ("medicines", "atc4", "C10AA", "not a 4-character ATC code"),
    ("medicines", "year", "2022", "does not match the year 2023"),
    ("workforce", "burnout_complaints_pct", "140", "burnout_complaints_pct"),
    ("workforce", "gemeente_code", "GM0361", "not an area of the configured region"),
    ("interventions", "buurt_code", "BU03610000", "not an area of the configured region"),
    ("intervention_participants", "start_date", "2023-01-01", "start_date is before referral_date"),
]


def _write(landing: Path, source: str, rows: list[dict], year: int = 2023, delimiter: str = ";") -> Path:
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source}_{year}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _ingest(tmp_path: Path, source: str, rows: list[dict]):
    con = duckdb.connect()
    _write(tmp_path, source, rows)
    results = ingest_source(con, source, tmp_path, [2023], [BUURT, "WK039901", "GM0399"])
    return con, results


def test_every_source_has_a_valid_example():
    assert set(VALID) == set(CONTRACTS)
    for source, row in VALID.items():
        assert list(row) == list(CONTRACTS[source].columns), source


@pytest.mark.parametrize("source", sorted(VALID))
def test_valid_row_is_loaded(tmp_path, source):
    con, results = _ingest(tmp_path, source, [VALID[source]])
    assert (results[0].info.rows_read, results[0].rows_loaded, results[0].rows_quarantined) == (1, 1, 0)


@pytest.mark.parametrize(("source", "column", "bad", "reason"), DEFECTS,
                         ids=[f"{s}-{c}-{b}" for s, c, b, _ in DEFECTS])
def test_defect_goes_to_quarantine_with_reason(tmp_path, source, column, bad, reason):
    good = dict(VALID[source])
    other = dict(VALID[source]) | ({"pseudo_id": P2} if "pseudo_id" in good else {}) | {column: bad}
    for key in ("provision_id", "org_id"):
        if key in other and column != key:
            other[key] = other[key] + "b"
    con, results = _ingest(tmp_path, source, [good, other])
    r = results[0]
    # 2 rows read: the valid one loaded, the defective one (file row 2) quarantined
    assert (r.info.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    file, row, reasons = con.execute(f"SELECT file, row_number, reasons FROM quarantine.{source}").fetchone()
    assert file == f"{source}/{source}_2023.csv" and row == 2
    assert reason in reasons, reasons


def test_duplicate_key_quarantines_the_second_copy(tmp_path):
    row = VALID["population"]
    con, results = _ingest(tmp_path, "population", [row, dict(row)])
    assert (results[0].rows_loaded, results[0].rows_quarantined) == (1, 1)
    assert con.execute("SELECT reasons FROM quarantine.population").fetchone()[0] == \
        "duplicate key (pseudo_id, year) of row 1"


def test_bsn_never_stored_in_quarantine(tmp_path):
    row = dict(VALID["population"]) | {"pseudo_id": "111222333"}  # passes the elfproef
    con, _ = _ingest(tmp_path, "population", [row])
    record = con.execute("SELECT record FROM quarantine.population").fetchone()[0]
    assert "111222333" not in record and "<bsn verwijderd>" in record


def test_missing_required_column_fails_file_naming_it(tmp_path):
    row = {k: v for k, v in VALID["wmo"].items() if k != "cost_eur"}
    with pytest.raises(LandingFileError) as err:
        _ingest(tmp_path, "wmo", [row])
    assert "wmo_2023.csv" in str(err.value) and "cost_eur" in str(err.value)


def test_survey_without_the_reported_flags_loads_them_as_null(tmp_path):
    # a native survey file has the items and not GEMON's flags: the optional columns are filled with NULL,
    # and a quarantined row's record is the row as the file has it (no columns the ingest added)
    items = {k: v for k, v in SURVEY.items() if k not in FLAGS}
    bad = dict(items) | {"pseudo_id": P2, "k10_03": "7"}
    con, results = _ingest(tmp_path, "health_survey", [items, bad])
    assert (results[0].rows_loaded, results[0].rows_quarantined) == (1, 1)
    flags = con.execute(f"SELECT {', '.join(FLAGS)} FROM raw.health_survey").fetchall()
    assert flags == [(None,) * len(FLAGS)]
    record = con.execute("SELECT record FROM quarantine.health_survey").fetchone()[0]
    assert "k10_03" in record and not any(flag in record for flag in FLAGS)
    # with the flags, "1"/"0"/"ja"/"nee"/"" are true/false/true/false/NULL
    con, _ = _ingest(tmp_path / "with", "health_survey", [SURVEY])
    assert con.execute(f"SELECT {', '.join(FLAGS)} FROM raw.health_survey").fetchone() == \
        (True, False, True, False, None)


def test_participatie_without_amounts_loads_benefit_as_null(tmp_path):
    # CBS SECMBUS delivers months only: benefit_eur is optional and NULL; a negative amount is quarantined
    months_only = {k: v for k, v in VALID["participatie"].items() if k != "benefit_eur"}
    con, results = _ingest(tmp_path, "participatie", [months_only])
    assert results[0].rows_loaded == 1
    assert con.execute("SELECT benefit_eur FROM raw.participatie").fetchone() == (None,)
    con, results = _ingest(tmp_path / "amounts", "participatie", [
        VALID["participatie"], VALID["participatie"] | {"pseudo_id": P2, "benefit_eur": "-5"}])
    assert (results[0].rows_loaded, results[0].rows_quarantined) == (1, 1)
    assert con.execute("SELECT benefit_eur FROM raw.participatie").fetchone() == (15600.0,)


def test_a_missing_item_is_still_an_error_and_an_optional_column_must_be_nullable(tmp_path):
    import polars as pl

    from quality.contracts import Col

    row = {k: v for k, v in SURVEY.items() if k != "k10_03"}
    with pytest.raises(LandingFileError, match="k10_03"):
        _ingest(tmp_path, "health_survey", [row])
    with pytest.raises(ValueError, match="nullable"):
        Col(pl.Boolean, optional=True)


def test_extra_column_with_bsn_values_fails_the_file(tmp_path):
    row = dict(VALID["wmo"]) | {"bsn": "111222333"}
    with pytest.raises(LandingFileError, match="column bsn holds 1 BSN-like"):
        _ingest(tmp_path, "wmo", [row])


def test_extra_column_is_reported_and_ignored(tmp_path):
    row = dict(VALID["wmo"]) | {"opmerking": "vrije tekst"}
    con, results = _ingest(tmp_path, "wmo", [row])
    assert results[0].extra_columns == ("opmerking",) and results[0].rows_loaded == 1


def test_raw_keeps_the_file_row_order(tmp_path):
    # several row groups read by two threads, a true/false column, a defect and (2023) a malformed line:
    # raw still lists the rows in file order with their own row numbers
    folder = tmp_path / "hospital_events"
    folder.mkdir()
    n, malformed, defect = 250_000, 150_000, 200_000
    expected = {}
    for year in (2023, 2024):
        lines = ["pseudo_id;event_type;start_date;end_date;icd10_code;acute"]
        for i in range(1, n + 1):
            acute = "misschien" if i == defect else ("true" if i % 3 else "nee")
            extra = ";x" if year == 2023 and i == malformed else ""
            lines.append(f"{i:064x};opname;{year}-02-01;;I50.9;{acute}{extra}")
        (folder / f"hospital_events_{year}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        skipped = {defect, malformed} if year == 2023 else {defect}
        expected[year] = [(i, f"{i:064x}") for i in range(1, n + 1) if i not in skipped]
    con = duckdb.connect(config={"threads": 2})
    results = ingest_source(con, "hospital_events", tmp_path, [2023, 2024], None)
    assert [(r.rows_loaded, r.rows_quarantined) for r in results] == [(n - 2, 2), (n - 1, 1)]
    for year in (2023, 2024):
        rows = con.execute("SELECT _row, pseudo_id FROM raw.hospital_events WHERE _file = ?",
                           [f"hospital_events/hospital_events_{year}.csv"]).fetchall()
        assert rows == expected[year]
