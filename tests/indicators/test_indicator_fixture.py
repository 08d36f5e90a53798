"""Indicator values on a hand-made region of four residents, checked against numbers worked out by hand.

Residents on 1 January 2023 (Heiloo, GM0399):
  A  V  born 1940 (83, 75+)    BU03990201  Q1  diabetes (T90.02, open since 2010), hartfalen (K77 from 2023-05-01);
                                               hypertensie K86 ended 2022-12-31, so not active in 2023
  B  M  born 1980 (43, 18-64)  BU03990201  Q3  diabetes (T90)
  C  V  born 2010 (13, 0-17)   BU03990202  Q5  no episodes
  D  M  born 1930 (93, 75+)    BU03990202  Q2  dementie (P70) and hypertensie (K87), died on 1 January 2023
Conditions in 2023: A 2, B 1, C 0, D 2  ->  multimorbid A and D: 2 of 4 = 50 %.
Zvw 2023: A 3000 + 1000 (365 days), B 500 (365), C 100 (365), D 730 (1 day)
  -> cost per insured year = 5330 / (3 + 1/365) = 1775.0593...
Deaths: 1 of 4 residents -> 250 per 1,000.
Survey 2023: A weight 2.0, K10 = 40 (>= 30); B weight 1.0, K10 = 20 -> weighted share 2 / 3 = 66.67 %.
"""

from __future__ import annotations

import math
from datetime import date

import pytest
from statsmodels.stats.proportion import proportion_confint

from indicators.aggregation import build_cells, build_standardisation_cells, build_top_share_cells
from indicators.estimates import estimate_cells
from tests.builders import catalogue_for, insert, new_warehouse, run_transforms, survey_row

A, B, C, D = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)


@pytest.fixture(scope="module")
def values():
    con = new_warehouse()
    insert(con, "population", [
        {"pseudo_id": A, "year": 2023, "birth_year": 1940, "sex": "V", "buurt_code": "BU03990201",
         "household_type": "eenpersoons", "income_quintile": 1},
        {"pseudo_id": B, "year": 2023, "birth_year": 1980, "sex": "M", "buurt_code": "BU03990201",
         "household_type": "paar_met_kinderen", "income_quintile": 3},
        {"pseudo_id": C, "year": 2023, "birth_year": 2010, "sex": "V", "buurt_code": "BU03990202",
         "household_type": "paar_met_kinderen", "income_quintile": 5},
        {"pseudo_id": D, "year": 2023, "birth_year": 1930, "sex": "M", "buurt_code": "BU03990202",
         "household_type": "institutioneel", "income_quintile": 2, "death_date": date(2023, 1, 1)},
    ])
    insert(con, "gp_episodes", [
        {"pseudo_id": A, "practice_id": "H1", "icpc_code": "T90.02", "start_date": date(2010, 1, 1)},
        {"pseudo_id": A, "practice_id": "H1", "icpc_code": "K86", "start_date": date(2015, 1, 1),
         "end_date": date(2022, 12, 31)},
        {"pseudo_id": A, "practice_id": "H1", "icpc_code": "K77", "start_date": date(2023, 5, 1)},
        {"pseudo_id": B, "practice_id": "H1", "icpc_code": "T90", "start_date": date(2020, 1, 1)},
        {"pseudo_id": D, "practice_id": "H2", "icpc_code": "P70", "start_date": date(2019, 1, 1)},
        {"pseudo_id": D, "practice_id": "H2", "icpc_code": "K87", "start_date": date(2012, 1, 1)},
    ])
    insert(con, "zvw_costs", [
        {"pseudo_id": A, "year": 2023, "insured_days": 365, "cost_category": "medisch_specialistisch",
         "amount_eur": 3000.0},
        {"pseudo_id": A, "year": 2023, "insured_days": 365, "cost_category": "farmacie", "amount_eur": 1000.0},
        {"pseudo_id": B, "year": 2023, "insured_days": 365, "cost_category": "huisartsenzorg", "amount_eur": 500.0},
        {"pseudo_id": C, "year": 2023, "insured_days": 365, "cost_category": "huisartsenzorg", "amount_eur": 100.0},
        {"pseudo_id": D, "year": 2023, "insured_days": 1, "cost_category": "overig", "amount_eur": 730.0},
    ])
    k10 = {f"k10_{i:02d}": 4 for i in range(1, 11)}
    insert(con, "health_survey", [survey_row(A, 2023, 2.0, **k10),
                                  survey_row(B, 2023, 1.0, **{k: 2 for k in k10})])
    run_transforms(con, [2023])
    catalogue = catalogue_for(con)
    build_cells(con, catalogue, [2023])
    build_standardisation_cells(con, catalogue, [2023])
    build_top_share_cells(con, catalogue, [2023])
    return estimate_cells(con.execute("SELECT * FROM indicators.cells").pl(), catalogue,
                          con.execute("SELECT * FROM indicators.std_cells").pl(),
                          con.execute("SELECT * FROM indicators.top_share_cells").pl())


def _cell(values, indicator, area="RG_T", stratum="totaal") -> dict:
    rows = values.filter((values["indicator_id"] == indicator) & (values["area_code"] == area)
                         & (values["stratum"] == stratum)).to_dicts()
    assert len(rows) == 1, (indicator, area, stratum, rows)
    return rows[0]


def test_multimorbidity_counts_conditions_active_in_the_year(values):
    cell = _cell(values, "ph_multimorbiditeit")
    assert (cell["numerator"], cell["denominator"], cell["n"]) == (2, 4, 4)
    assert cell["value"] == pytest.approx(50.0)
    low, high = proportion_confint(2, 4, method="wilson")
    assert (cell["ci_low"], cell["ci_high"]) == pytest.approx((100 * low, 100 * high), abs=1e-9)


def test_multimorbidity_per_buurt_wijk_and_stratum(values):
    assert _cell(values, "ph_multimorbiditeit", "BU03990201")["value"] == pytest.approx(50.0)  # A yes, B no
    assert _cell(values, "ph_multimorbiditeit", "WK039902")["value"] == pytest.approx(50.0)   # A, B, C, D
    assert _cell(values, "ph_multimorbiditeit", stratum="leeftijd:75+")["value"] == pytest.approx(100.0)
    assert _cell(values, "ph_multimorbiditeit", stratum="geslacht:V")["value"] == pytest.approx(50.0)  # A of A, C
    assert _cell(values, "ph_diabetes")["value"] == pytest.approx(50.0)  # A (T90.02 rolls up) and B


def test_cost_per_insured_year(values):
    cell = _cell(values, "co_zvw_per_verzekerdejaar")
    # every row is summed as a decimal of 10 places (exact sums, the same in every run): 1/365 to 1e-10
    assert cell["value"] == pytest.approx(5330 / (3 + 1 / 365), rel=1e-10)
    assert cell["max_contribution"] == pytest.approx(4000.0) and cell["total"] == pytest.approx(5330.0)


def test_mortality_with_death_on_first_of_january(values):
    cell = _cell(values, "ph_sterfte_per_1000")
    assert cell["value"] == pytest.approx(250.0)
    # Garwood exact interval for 1 event (O < 10), per 4 residents x 1000
    from scipy.stats import chi2
    assert cell["ci_low"] == pytest.approx(chi2.ppf(0.025, 2) / 2 / 4 * 1000, rel=1e-9)
    assert cell["ci_high"] == pytest.approx(chi2.ppf(0.975, 4) / 2 / 4 * 1000, rel=1e-9)


def test_weighted_survey_proportion(values):
    cell = _cell(values, "ph_k10_hoog_risico")
    assert cell["value"] == pytest.approx(200 / 3)
    n_eff = (2 + 1) ** 2 / (4 + 1)  # Kish: (sum w)^2 / sum w^2 = 9 / 5
    p = 2 / 3
    z = 1.959963984540054
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / (1 + z * z / n_eff)
    assert (cell["ci_low"], cell["ci_high"]) == pytest.approx((100 * (centre - half), 100 * (centre + half)),
                                                              abs=1e-6)
    assert (cell["numerator"], cell["denominator"]) == (1, 2)


def test_comparison_with_region(values):
    # a buurt whose interval contains the region value compares as geen_verschil
    assert _cell(values, "ph_multimorbiditeit", "BU03990201")["comparison"] == "geen_verschil"
    assert _cell(values, "ph_multimorbiditeit")["comparison"] is None


def test_top_five_percent_share(values):
    # total cost 2023 per person: A 4000, B 500, C 100, D 730 (Zvw only); top 5 % of 4 persons = ceil(0.2) = 1
    # person (A) -> 4000 / 5330 = 75.05 %
    cell = _cell(values, "co_aandeel_top5pct")
    assert cell["value"] == pytest.approx(100 * 4000 / 5330)
    assert cell["max_contribution"] == pytest.approx(4000.0)


def test_standardised_rate_needs_ten_events(values):
    # a standardised rate needs O >= 10 (docs/architecture.md, "Statistical methods"); here O = 2 multimorbid
    # persons, so the cell keeps its counts (2 observed of 4) but has no value or interval
    cell = _cell(values, "ph_multimorbiditeit_gestand")
    assert (cell["numerator"], cell["denominator"]) == (2, 4)
    assert cell["value"] is None and cell["ci_low"] is None and cell["ci_high"] is None


def test_zvw_cost_per_category_is_a_stratum_of_the_same_indicator(values):
    # farmacie 2023: only A claimed 1000; every insured year counts in the denominator: 3 + 1/365
    cell = _cell(values, "co_zvw_per_verzekerdejaar", stratum="categorie:farmacie")
    assert cell["value"] == pytest.approx(1000 / (3 + 1 / 365), rel=1e-10)
    assert cell["n"] == 4
