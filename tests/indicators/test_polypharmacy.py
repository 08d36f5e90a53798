"""Polypharmacy (5+ and 10+ distinct ATC4 codes in a year) on four residents, worked out by hand.

Residents on 1 January 2023 (Heiloo, BU03990201):
  A  born 1943 (80, 75+)    12 rows in 2023: 10 distinct codes (C10A and B01A delivered twice) -> 5+ and 10+
  B  born 1953 (70, 65-74)   5 distinct codes in 2023                                          -> 5+
  C  born 1973 (50)          4 codes in 2023, 3 others in 2022 (another year does not count)   -> neither
  D  born 1993 (30)          no medicines (distinct_atc4 = 0)                                  -> neither
5+: 2 of 4 = 50 % (65+: 2 of 2 = 100 %); 10+: 1 of 4 = 25 % (65+: 1 of 2 = 50 %).
"""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from tests.builders import estimated_values, insert, new_warehouse, run_transforms

A, B, C, D = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)
TEN = ["A02B", "A10B", "B01A", "C03C", "C07A", "C09A", "C10A", "N02B", "N05C", "R03A"]


@pytest.fixture(scope="module")
def warehouse():
    con = new_warehouse()
    insert(con, "population", [
        {"pseudo_id": pid, "year": 2023, "birth_year": born, "sex": "M", "buurt_code": "BU03990201",
         "household_type": "eenpersoons", "income_quintile": 2}
        for pid, born in ((A, 1943), (B, 1953), (C, 1973), (D, 1993))])
    rows = ([(A, 2023, code) for code in TEN + ["C10A", "B01A"]] + [(B, 2023, code) for code in TEN[:5]]
            + [(C, 2023, code) for code in TEN[5:9]] + [(C, 2022, code) for code in TEN[:3]])
    insert(con, "medicines", [{"pseudo_id": p, "year": y, "atc4": code} for p, y, code in rows])
    run_transforms(con, [2023])
    return con


@pytest.fixture(scope="module")
def values(warehouse):
    return estimated_values(warehouse, [2023])


def test_distinct_codes_per_person_year_with_zero_for_none(warehouse):
    found = dict(warehouse.execute("SELECT pseudo_id, distinct_atc4 FROM marts.person_year WHERE year = 2023")
                 .fetchall())
    assert found == {A: 10, B: 5, C: 4, D: 0}


@pytest.mark.parametrize(("indicator", "stratum", "numerator", "denominator"), [
    ("ph_polyfarmacie_5plus", "totaal", 2, 4), ("ph_polyfarmacie_10plus", "totaal", 1, 4),
    ("ph_polyfarmacie_5plus", "leeftijd:65+", 2, 2), ("ph_polyfarmacie_10plus", "leeftijd:65+", 1, 2),
])
def test_polypharmacy_share_of_residents(values, indicator, stratum, numerator, denominator):
    cell = values.filter((values["indicator_id"] == indicator) & (values["area_code"] == "RG_T")
                         & (values["stratum"] == stratum)).to_dicts()
    assert len(cell) == 1
    assert (cell[0]["numerator"], cell[0]["denominator"]) == (numerator, denominator)
    assert cell[0]["value"] == pytest.approx(100 * numerator / denominator)
    low, high = proportion_confint(numerator, denominator, method="wilson")
    assert (cell[0]["ci_low"], cell[0]["ci_high"]) == pytest.approx((100 * low, 100 * high), abs=1e-9)
