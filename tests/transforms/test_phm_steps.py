"""PHM steps 1-4 on hand-made persons: segment, frailty count, domain count and target groups by hand.

Residents of Heiloo (GM0399), year 2023 unless stated, all in BU03990201 unless stated:
  E  75  died 2023-01-01 (death on 1 January) and Wlz   -> levenseinde (beats langdurige_zorg: priority 1 < 2)
  F  70  Wlz VV6 since 2021, diabetes + COPD             -> langdurige_zorg; domains health + long-term care = 2
  G  80  diabetes, hartfalen, hypertensie (3 chronic), fracture L73 in 2023, Wmo; costliest person
         frailty: >=3 chronic, fall/fracture, Wmo = 3    -> kwetsbaar_complex;
         domains health (>= 2 chronic) + social support (Wmo) = 2; target groups kwetsbare_ouderen and
         hart_en_vaatziekten (diabetes/hartfalen/hypertensie)
  H  40  dementia (P70)                                  -> kwetsbaar_complex (dementia at any age); frailty NULL (< 75)
  I  50  COPD + depression (episode ended 2023-03-01: still active in 2023) -> multimorbide, psychische_klachten
  J  30  asthma episode spanning 2021-2024 (open)        -> chronisch
  K  30  bijstand (and debt help) -> risico; domains: income = 1; target beperkte_gezondheidsvaardigheden (Q1 adult)
  L  20  nothing                                          -> gezond
  M  45  moves from BU03990201 (2022) to BU03990301 (2023): counted in each buurt in its own year
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.builders import SETTINGS, insert, new_warehouse, run_transforms
from transforms import stratification

P = {name: name.lower() * 64 for name in "EFGHIJKLM"}
BU1, BU2 = "BU03990201", "BU03990301"


def _person(name: str, age: int, year: int = 2023, buurt: str = BU1, quintile: int = 3, **extra) -> dict:
    return {"pseudo_id": P[name], "year": year, "birth_year": year - age, "sex": "V", "buurt_code": buurt,
            "household_type": "eenpersoons", "income_quintile": quintile} | extra


def _episode(name: str, code: str, start: date, end: date | None = None) -> dict:
    return {"pseudo_id": P[name], "practice_id": "H1", "icpc_code": code, "start_date": start, "end_date": end}


@pytest.fixture(scope="module")
def warehouse():
    con = new_warehouse()
    insert(con, "population", [
        _person("E", 75, death_date=date(2023, 1, 1)), _person("F", 70), _person("G", 80), _person("H", 40),
        _person("I", 50), _person("J", 30), _person("K", 30, quintile=1), _person("L", 20),
        _person("M", 45, year=2022, buurt=BU1), _person("M", 46, year=2023, buurt=BU2),
    ])
    insert(con, "gp_episodes", [
        _episode("F", "T90", date(2015, 1, 1)), _episode("F", "R95", date(2016, 1, 1)),
        _episode("G", "T90.01", date(2010, 1, 1)), _episode("G", "K77", date(2018, 1, 1)),
        _episode("G", "K86", date(2012, 1, 1)), _episode("G", "L73", date(2023, 6, 1), date(2023, 8, 1)),
        _episode("H", "P70", date(2022, 1, 1)),
        _episode("I", "R95", date(2019, 1, 1)), _episode("I", "P76", date(2022, 5, 1), date(2023, 3, 1)),
        _episode("J", "R96", date(2021, 6, 1), date(2024, 6, 1)),
    ])
    insert(con, "wlz", [
        {"pseudo_id": P["E"], "care_profile": "VV8", "setting": "intramuraal", "start_date": date(2022, 1, 1),
         "cost_eur": 70000.0},
        {"pseudo_id": P["F"], "care_profile": "VV6", "setting": "thuis", "start_date": date(2021, 1, 1),
         "cost_eur": 90000.0},
    ])
    insert(con, "wmo", [{"pseudo_id": P["G"], "provision_id": "W1", "provision_type": "huishoudelijke_hulp",
                         "request_date": date(2022, 11, 1), "start_date": date(2023, 1, 1), "cost_eur": 3000.0}])
    insert(con, "participatie", [
        {"pseudo_id": P["K"], "year": 2023, "regulation": "bijstand", "months": 12},
        {"pseudo_id": P["K"], "year": 2023, "regulation": "schuldhulpverlening", "months": 6},
    ])
    insert(con, "hospital_events", [
        {"pseudo_id": P["I"], "event_type": "opname", "start_date": date(2023, 3, 1), "end_date": date(2023, 3, 4),
         "icd10_code": "J44.1", "acute": True},
        {"pseudo_id": P["I"], "event_type": "opname", "start_date": date(2023, 9, 1), "end_date": date(2023, 9, 2),
         "icd10_code": "J44.1", "acute": True},
    ])
    insert(con, "zvw_costs", [{"pseudo_id": P["G"], "year": 2023, "insured_days": 365,
                               "cost_category": "medisch_specialistisch", "amount_eur": 250000.0}])
    run_transforms(con, [2023])
    stratification.build_impact_scenarios(con)
    return con


def _row(con, name: str, columns: str, year: int = 2023):
    return con.execute(f"SELECT {columns} FROM marts.person_year_indicators WHERE pseudo_id = ? AND year = ?",
                       [P[name], year]).fetchone()


@pytest.mark.parametrize(("name", "segment"), [
    ("E", "levenseinde"), ("F", "langdurige_zorg"), ("G", "kwetsbaar_complex"), ("H", "kwetsbaar_complex"),
    ("I", "multimorbide"), ("J", "chronisch"), ("K", "risico"), ("L", "gezond"), ("M", "gezond"),
])
def test_segment_by_priority_cascade(warehouse, name, segment):
    assert _row(warehouse, name, "segment")[0] == segment


def test_every_person_year_has_exactly_one_segment(warehouse):
    spine, segmented, distinct = warehouse.execute(
        "SELECT (SELECT count(*) FROM staging.person_year), (SELECT count(*) FROM marts.person_stratification), "
        "(SELECT count(DISTINCT (pseudo_id, year)) FROM marts.person_stratification)").fetchone()
    assert spine == segmented == distinct == 10  # nine persons in 2023, plus M in 2022


@pytest.mark.parametrize(("name", "frailty", "domains"), [
    ("E", 0, 1),     # 75, no deficits; domain long-term care (Wlz) only
    ("F", None, 2),  # 70: frailty is only counted from 75; health + long-term care
    ("G", 3, 2),     # >=3 chronic, fracture, Wmo; health + social support
    ("H", None, 0),  # 40
    ("K", None, 1),  # income (bijstand / debt help)
    ("L", None, 0),
])
def test_frailty_and_opstapeling(warehouse, name, frailty, domains):
    assert _row(warehouse, name, "frailty_deficits, n_domains") == (frailty, domains)


def test_target_groups(warehouse):
    g = _row(warehouse, "G", "doelgroep_kwetsbare_ouderen, doelgroep_hart_en_vaatziekten, doelgroep_kanker")
    assert g == (True, True, False)
    assert _row(warehouse, "I", "doelgroep_psychische_klachten")[0] is True  # depression active until March
    assert _row(warehouse, "K", "doelgroep_beperkte_gezondheidsvaardigheden")[0] is True  # adult in Q1
    assert _row(warehouse, "L", "doelgroep_psychische_klachten, doelgroep_kwetsbare_ouderen") == (False, False)


def test_costliest_tenth_is_a_health_domain_problem(warehouse):
    # 9 residents in 2023: G's 250,000 (Zvw) + 3,000 (Wmo) ranks highest -> percent_rank 1.0 > 0.9;
    # F's Wlz (90,000 for 2023 of a provision running 2021-2023) ranks second -> 7/8 = 0.875, not top 10 %
    assert _row(warehouse, "G", "cost_top10")[0] is True
    assert _row(warehouse, "F", "cost_top10")[0] is False


def test_person_moving_buurt_counts_in_each_year_where_they_lived(warehouse):
    rows = warehouse.execute("SELECT year, buurt_code FROM staging.person_year WHERE pseudo_id = ? ORDER BY year",
                             [P["M"]]).fetchall()
    assert rows == [(2022, BU1), (2023, BU2)]
    denominators = dict(warehouse.execute(
        "SELECT area_code, sum(residents) FROM marts.population_denominators WHERE year = 2023 "
        "AND area_level = 'buurt' GROUP BY 1").fetchall())
    assert denominators == {BU1: 8, BU2: 1}


def test_death_on_first_of_january_is_one_alive_day(warehouse):
    assert warehouse.execute("SELECT alive_days, died FROM staging.person_year WHERE pseudo_id = ?",
                             [P["E"]]).fetchone() == (1, True)


def test_changing_a_rule_file_changes_the_result_without_code(warehouse):
    # Demote dementia: H no longer meets kwetsbaar_complex and falls through to chronisch (1 condition).
    from transforms import stratification, targeting
    con = warehouse
    con.execute("UPDATE ref.segment_rules SET rule = 'coalesce(frailty_deficits >= 3, false)' "
                "WHERE segment = 'kwetsbaar_complex'")
    try:
        stratification.build_stratification(con, SETTINGS.cutoffs)
        targeting.build_targeting(con)
        assert _row(con, "H", "segment")[0] == "chronisch"
        assert _row(con, "G", "segment")[0] == "kwetsbaar_complex"
    finally:
        con.execute("UPDATE ref.segment_rules SET rule = 'coalesce(frailty_deficits >= 3 OR has_dementie,false)' "
                    "WHERE segment = 'kwetsbaar_complex'")


def test_impact_scenario_is_people_reached_times_assumed_effect(warehouse):
    # multimorbide in 2023: only I, with 2 acute admissions (both COPD). Scenario ketenzorg_multimorbide assumes
    # reach 0.5 and effect -0.10 on acute admissions: 1 person x 0.5 reached, 2 x 0.5 x -0.10 = -0.1 admissions
    row = warehouse.execute(
        "SELECT persons, baseline_events, persons_reached, expected_change_in_events FROM marts.impact_scenarios "
        "WHERE scenario = 'ketenzorg_multimorbide' AND area_level = 'regio' AND period = 2023").fetchone()
    assert row[:3] == (1, 2, 0.5) and row[3] == pytest.approx(-0.1)
