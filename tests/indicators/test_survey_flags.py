"""Survey indicators from either the items (native) or GEMON's derived 0/1 flags (CBS), worked out by hand.

Six adult respondents of 2023 (cut-offs of phm.toml: K10 >= 16 moderate, >= 30 high; De Jong Gierveld >= 3
lonely, >= 9 severely lonely; self-rated health <= 2 good). Three answered the items, three arrive as flags:

  R  weight  K10 (items)   DJG (items)   self-rated   | K10 mod+ / high   lonely / severe   good health
  1  1       10 x 4 = 40   11 x 1 = 11   1            | yes / yes         yes / yes         yes
  2  2       10 x 2 = 20   2 x 1 = 2     3            | yes / no          no / no           no
  3  1       10 x 1 = 10   0             2            | no / no           no / no           yes
  4  3       flags                                    | yes / yes         yes / no          no
  5  1       flags                                    | no / no           no / no           yes
  6  2       flags (good health not delivered)        | yes / no          yes / yes         (missing)

Weighted (total weight 10; good health 8 without respondent 6):
  K10 high          1 + 3         = 4 / 10 = 40 %       K10 moderate or high  1 + 2 + 3 + 2 = 8 / 10 = 80 %
  lonely            1 + 3 + 2     = 6 / 10 = 60 %       severely lonely       1 + 2         = 3 / 10 = 30 %
  good health       1 + 1 + 1     = 3 / 8  = 37.5 %     (unweighted: 3 of 5 respondents)
"""

from __future__ import annotations

import pytest

from tests.builders import estimated_values, insert, new_warehouse, run_transforms, survey_row

PEOPLE = [f"{k}" * 64 for k in "123456"]


def _items(k10: int, djg_ones: int, self_rated: int) -> dict:
    return ({f"k10_{i:02d}": k10 for i in range(1, 11)}
            | {f"djg_{i:02d}": int(i <= djg_ones) for i in range(1, 12)} | {"self_rated_health": self_rated})


def _flags(moderate: bool, high: bool, lonely: bool, severe: bool, good: bool | None) -> dict:
    return {"k10_moderate_or_high_reported": moderate, "k10_high_reported": high, "lonely_reported": lonely,
            "severely_lonely_reported": severe, "good_health_reported": good}


@pytest.fixture(scope="module")
def warehouse():
    con = new_warehouse()
    insert(con, "population", [
        {"pseudo_id": pid, "year": 2023, "birth_year": 1960, "sex": "V", "buurt_code": "BU03990201",
         "household_type": "eenpersoons", "income_quintile": 3} for pid in PEOPLE])
    answers = [(1, _items(4, 11, 1)), (2, _items(2, 2, 3)), (1, _items(1, 0, 2)),
               (3, _flags(True, True, True, False, False)), (1, _flags(False, False, False, False, True)),
               (2, _flags(True, False, True, True, None))]
    insert(con, "health_survey", [survey_row(pid, 2023, weight, **row)
                                  for pid, (weight, row) in zip(PEOPLE, answers, strict=True)])
    run_transforms(con, [2023])
    return con


@pytest.fixture(scope="module")
def values(warehouse):
    return estimated_values(warehouse, [2023])


@pytest.mark.parametrize(("indicator", "share", "respondents"), [
    ("ph_k10_hoog_risico", 4 / 10, (2, 6)),
    ("ph_k10_matig_hoog_risico", 8 / 10, (4, 6)),
    ("ph_eenzaam", 6 / 10, (3, 6)),
    ("ph_ernstig_eenzaam", 3 / 10, (2, 6)),
    ("ph_ervaren_gezondheid_goed", 3 / 8, (3, 5)),
])
def test_survey_share_uses_the_flag_where_delivered_and_the_items_otherwise(values, indicator, share, respondents):
    cell = values.filter((values["indicator_id"] == indicator) & (values["area_code"] == "RG_T")
                         & (values["stratum"] == "totaal")).to_dicts()
    assert len(cell) == 1
    assert cell[0]["value"] == pytest.approx(100 * share)
    assert (cell[0]["numerator"], cell[0]["denominator"]) == respondents


def test_survey_risk_of_the_stratification_reads_the_flags_too(warehouse):
    # risk = K10 moderate+ or lonely or self-rated poor (>= 4): R1 and R2 by items, R4 and R6 by flags; R3 none
    risk = dict(warehouse.execute("SELECT pseudo_id, survey_risk FROM staging.phm_base").fetchall())
    assert [risk[p] for p in PEOPLE[:4]] + [risk[PEOPLE[5]]] == [True, True, False, True, True]
