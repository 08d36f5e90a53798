"""The CBS adapters of the care and social sources on hand-made files; expected rows worked out by hand."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.transforms.cbs.builders import (
    BUURTEN,
    GEMEENTEN,
    SALT,
    YEARS,
    keys,
    pid,
    population_files,
    write_sav,
)
from transforms.cbs.ingest import ingest_cbs_source
from transforms.readers import LandingFileError

REFERENCE = Path(__file__).parents[3] / "sample_data" / "reference"


def _ingest(root: Path, *sources: str):
    con = duckdb.connect()
    results = [ingest_cbs_source(con, s, root, YEARS, SALT, REFERENCE, GEMEENTEN, BUURTEN) for s in sources]
    return con, results


def _zvw(root: Path) -> None:
    # 2023 without ZVWKGENBASGGZ (the set differs by year); 2024 without ZVWKMULTIDISC
    write_sav(root, "ZVWZORGKOSTENTAB", "ZVWZORGKOSTEN2023TABV1.sav", {
        **keys("A", "C"), "ZVWKHUISARTS": [100.5, 0.0], "ZVWKMULTIDISC": [20.0, 0.0], "ZVWKFARMACIE": [0.0, 0.0],
        "ZVWKSPECGGZ": [-12.25, 0.0], "ZVWKZIEKENHUIS": [0.0, 4000.0], "ZVWKGERIATRISCH": [0.0, 1000.1]}, year=2023)
    write_sav(root, "ZVWZORGKOSTENTAB", "ZVWZORGKOSTEN2024TABV1.sav", {
        **keys("A"), "ZVWKHUISARTS": [80.0], "ZVWKGENBASGGZ": [30.0], "ZVWKFARMACIE": [15.0]}, year=2024)


def test_zvw_categories_summed_negatives_kept_zero_categories_dropped(tmp_path):
    root = tmp_path / "cbs"
    population_files(root)
    _zvw(root)
    con, _ = _ingest(root, "population", "zvw_costs")
    rows = con.execute("SELECT pseudo_id, year, insured_days, cost_category, amount_eur FROM raw.zvw_costs "
                       "ORDER BY year, pseudo_id = ?, cost_category", [pid("C")]).fetchall()
    assert rows == [
        (pid("A"), 2023, 365, "ggz", -12.25),                       # SPECGGZ: a correction, kept negative
        (pid("A"), 2023, 365, "huisartsenzorg", 120.5),              # HUISARTS 100.5 + MULTIDISC 20
        (pid("C"), 2023, 166, "medisch_specialistisch", 5000.1),     # 4000 + 1000.1; 1 Jan - 15 Jun = 166 days
        (pid("A"), 2024, 366, "farmacie", 15.0),
        (pid("A"), 2024, 366, "ggz", 30.0),
        (pid("A"), 2024, 366, "huisartsenzorg", 80.0),
    ]


def test_an_unknown_zvw_column_names_file_and_variable(tmp_path):
    root = tmp_path / "cbs"
    population_files(root)
    _zvw(root)
    write_sav(root, "ZVWZORGKOSTENTAB", "ZVWZORGKOSTEN2024TABV2.sav",
              {**keys("A"), "ZVWKHUISARTS": [80.0], "ZVWKNIEUW": [1.0]}, year=2024)
    with pytest.raises(LandingFileError, match=r"ZVWZORGKOSTEN2024TABV2\.sav: variable ZVWKNIEUW is not a Zvw cost "
                                                r"category"):
        _ingest(root, "population", "zvw_costs")


def test_an_amount_stored_as_text_is_quarantined_naming_the_variable(tmp_path):
    root = tmp_path / "cbs"
    population_files(root)
    _zvw(root)
    write_sav(root, "ZVWZORGKOSTENTAB", "ZVWZORGKOSTEN2024TABV2.sav",
              {**keys("A", "B"), "ZVWKHUISARTS": ["80.0", "veel"]}, year=2024)
    con, _ = _ingest(root, "population", "zvw_costs")
    assert con.execute("SELECT row_number, reasons FROM quarantine.zvw_costs").fetchall() == [
        (2, "ZVWKHUISARTS: 'veel' is not a valid number")]
    assert con.execute("SELECT amount_eur FROM raw.zvw_costs WHERE year = 2024").fetchall() == [(80.0,)]


def test_hospital_gp_wmo_jeugd(tmp_path):
    root = tmp_path / "cbs"
    for y in YEARS:
        lbz = root / "LBZBASISTAB" / str(y)
        lbz.mkdir(parents=True)
        rows = ["A;000000001;X1;20230105;20230110;I219;1;1", "R;000000002;X2;20230301;;J189;2;0"] if y == 2023 else \
            ["R;000000001;X1;20230105;20230110;I219;1;1"]  # X1 again in 2024's file: counted once
        (lbz / f"LBZBASIS{y}TABV1.csv").write_text(
            "RINPERSOONS;RINPERSOON;LBZIdopname;LBZOpnamedatum;LBZOntslagdatum;LBZIcd10hoofddiagnose;LBZOpnametype;"
            "LBZSpoed\n" + "\n".join(r if not r.startswith("A") else "R" + r[1:] for r in rows) + "\n")
        gp = root / "HUISARTS" / str(y)
        gp.mkdir(parents=True)
        (gp / f"EPISODE{y}V1.csv").write_text(
            "RINPERSOONS;RINPERSOON;EPISODEID;ICPC;BEGINDATUM;EINDDATUM\n"
            + (f"R;000000001;E{y};T90;{y}0201;\n"))
    write_sav(root, "WMOBUS", "WMO2024BUSV1.sav", {
        **keys("A", "B"), "WMOIDARRANGEMENT": ["W1", "W2"], "TypeArrangementWmo": [1.0, 7.0],
        "BegindatumWmo": ["20230201", "20240101"], "EinddatumWmo": ["20231231", ""],
        "FinancieringsvormWmo": ["1", "2"]})
    write_sav(root, "JGDHULPBUS", "JGDHULP2024BUSV1.sav", {
        **keys("D", "D"), "JGDHIDHULP": ["J1", "J2"], "JGDHHULPVORM": ["2", "5"],
        "JGDHBEGINDATUM": ["20230101", "20240301"], "JGDHEINDDATUM": ["20230630", ""],
        "JGDHVERWIJZER": ["3", "-1"], "JGDHREDENEINDE": ["", ""]})
    con, _ = _ingest(root, "hospital_events", "gp_episodes", "wmo", "jeugd")
    assert con.execute("SELECT pseudo_id, event_type, start_date, end_date, icd10_code, acute FROM raw.hospital_events "
                       "ORDER BY start_date").fetchall() == [
        (pid("A"), "opname", date(2023, 1, 5), date(2023, 1, 10), "I21.9", True),
        (pid("B"), "opname", date(2023, 3, 1), None, "J18.9", False)]
    assert con.execute("SELECT pseudo_id, practice_id, icpc_code, start_date, end_date FROM raw.gp_episodes "
                       "ORDER BY start_date").fetchall() == [
        (pid("A"), "onbekend", "T90", date(2023, 2, 1), None), (pid("A"), "onbekend", "T90", date(2024, 2, 1), None)]
    assert con.execute("SELECT pseudo_id, provision_id, provision_type, request_date, start_date, end_date, cost_eur "
                       "FROM raw.wmo ORDER BY provision_id").fetchall() == [
        (pid("A"), "W1", "huishoudelijke_hulp", None, date(2023, 2, 1), date(2023, 12, 31), None),
        (pid("B"), "W2", "beschermd_wonen", None, date(2024, 1, 1), None, None)]
    assert con.execute("SELECT provision_id, provision_type, referrer, end_date FROM raw.jeugd "
                       "ORDER BY provision_id").fetchall() == [
        ("J1", "verblijf", "gecertificeerde_instelling", date(2023, 6, 30)), ("J2", "pgb", None, None)]
    # a BUS file is one file of 2024, but the adapter's account gives the completeness gate both years
    assert con.execute("SELECT year, rows_loaded FROM meta.ingest_files WHERE path = 'adapter:wmo' "
                       "ORDER BY year").fetchall() == [(2023, 1), (2024, 1)]


def test_participatie_months_wlz_spells_and_survey_flags(tmp_path):
    root = tmp_path / "cbs"
    write_sav(root, "SECMBUS", "SECM2024BUSV1.sav", {
        # A: bijstand 15 Oct 2022 - 10 Mar 2023 (Jan-Mar 2023 = 3 months) and 31 May - 1 Jun 2023 (May, Jun: 2)
        # B: employed (11) all along: no row
        **keys("A", "A", "A", "B"), "AANVSECM": ["20221015", "20230311", "20230531", "20200101"],
        "EINDSECM": ["20230310", "20230530", "20230601", "88888888"], "SECM": ["22", "11", "22", "11"]})
    for y in YEARS:
        # one spell (A, VV5) in both years' files, cost split 1000.10 + 2000.20; B's spell only in 2024
        persons = ("A",) if y == 2023 else ("A", "B")
        write_sav(root, "GEBWLZTAB", f"GEBWLZ{y}TABV1.sav", {
            **keys(*persons), "BEGINWLZGEB": ["20230401", "20240201"][:len(persons)],
            "EINDEWLZGEB": ["", "20240901"][:len(persons)] if y == 2024 else [""],
            "WLZLEVERINGSVORM": ["1", "2"][:len(persons)], "WLZGZZP": ["VV5", "LG4"][:len(persons)]}, year=y)
        write_sav(root, "WLZZINTAB", f"WLZZIN{y}TABV1.sav", {
            **keys(*persons), "BEGINWLZGEB": ["20230401", "20240201"][:len(persons)],
            "BEDRAGWLZZIN": ([1000.10] if y == 2023 else [2000.20, 500.0])}, year=y)
        write_sav(root, "GEMON", f"GEMON{y}TABV1.sav", {
            **keys("A", "B"), "GGADA202": [1.0, 2.0], "GGADA203": [2.0, float("nan")], "GGEES217": [1.0, 1.0],
            "GGEES209": [2.0, 2.0], "KLGGA208": [1.0, 2.0], "LFRKA205": [2.0, 1.0], "MCMZGS203": [1.0, 2.0],
            "MMIKA201": [2.0, 2.0], "ewGGD": [1.5, 0.75]},
            labels={v: {1: "ja", 2: "nee"} for v in ("GGADA202", "GGADA203")}, year=y)
    con, _ = _ingest(root, "participatie", "wlz", "health_survey")
    assert con.execute("SELECT pseudo_id, year, regulation, months FROM raw.participatie ORDER BY year").fetchall() == [
        (pid("A"), 2023, "bijstand", 5)]
    assert con.execute("SELECT pseudo_id, care_profile, setting, start_date, end_date, cost_eur FROM raw.wlz "
                       "ORDER BY start_date").fetchall() == [
        (pid("A"), "VV5", "intramuraal", date(2023, 4, 1), None, 3000.3),
        (pid("B"), "LG4", "thuis", date(2024, 2, 1), date(2024, 9, 1), 500.0)]
    survey = con.execute("SELECT survey_year, weight, smoker, informal_carer, difficulty_making_ends_meet, k10_01 "
                         "FROM raw.health_survey WHERE pseudo_id = ? ORDER BY survey_year", [pid("B")]).fetchall()
    assert survey == [(2023, 0.75, True, False, False, None), (2024, 0.75, True, False, False, None)]
