"""Payment-model scenarios (indicators/payment_scenarios.py) on a fixture worked by hand."""

from __future__ import annotations

import polars as pl
import pytest

from indicators.payers import law
from indicators.payment_scenarios import (
    PaymentAssumptions,
    norm_amounts,
    payment_scenarios,
    shared_savings,
    what_if,
)
from quality.derived_disclosure import payment_findings

ZVW, WMO = law("zvw"), law("wmo")
# gemeente A and B, 2 age bands x 2 sexes: (band, sex, persons, zvw euros) per gemeente; Wmo is 10 euro per resident
FIXTURE = {
    "GM_A": [("0-4", "M", 10, 1000), ("0-4", "V", 20, 3000), ("5-9", "M", 30, 6000), ("5-9", "V", 40, 4000)],
    "GM_B": [("0-4", "M", 30, 6000), ("0-4", "V", 10, 1000), ("5-9", "M", 10, 1000), ("5-9", "V", 20, 4000)],
}


def cells(fixture=FIXTURE, year: int = 2023, in_group: bool = False, users: dict | None = None) -> pl.DataFrame:
    """Cells as transforms/sql/marts/payment_cells.sql returns them: every gemeente cell again under the region."""
    rows = []
    for gemeente, strata in fixture.items():
        for band, sex, persons, zvw in strata:
            cell = {"year": year, "age_band": band, "sex": sex, "segment": "gezond", "in_group": in_group,
                    "persons": persons, "cost_zvw": float(zvw), "users_zvw": (users or {}).get(gemeente, persons),
                    "max_zvw": 2.0 * zvw / persons, "cost_wmo": 10.0 * persons, "users_wmo": persons,
                    "max_wmo": 20.0}
            rows += [{**cell, "area_code": gemeente, "area_level": "gemeente"},
                     {**cell, "area_code": "RG", "area_level": "regio"}]
    return pl.DataFrame(rows)


def test_norm_amount_by_indirect_standardisation():
    # region rates: 0-4 M (1000+6000)/40 = 175, 0-4 V 4000/30 = 133.33, 5-9 M 7000/40 = 175, 5-9 V 8000/60 = 133.33
    # norm A = 10*175 + 20*133.33 + 30*175 + 40*133.33 = 15,000 (actual 14,000)
    # norm B = 30*175 + 10*133.33 + 10*175 + 20*133.33 = 11,000 (actual 12,000); region: norm = actual = 26,000
    norms = norm_amounts(cells(), [ZVW]).filter(pl.col("law") == "zvw")
    got = {r["area_code"]: (r["norm"], r["actual"]) for r in norms.iter_rows(named=True)}
    assert got["GM_A"] == pytest.approx((15_000, 14_000))
    assert got["GM_B"] == pytest.approx((11_000, 12_000))
    assert got["RG"] == pytest.approx((26_000, 26_000))


@pytest.mark.parametrize(("norm", "actual", "expected"), [
    (1000, 990, 0.0),      # 1 % saved, below the 2 % minimum savings rate: nothing shared
    (1000, 980, 20.0),     # exactly 2 %: shared from the first euro
    (1000, 950, 50.0),     # within the corridor
    (1000, 800, 100.0),    # 200 saved, capped at the 10 % corridor
    (1000, 1010, 0.0),     # 1 % loss: below the minimum, not shared
    (1000, 1300, -100.0),  # 300 lost, the loss capped at the corridor too
])
def test_shared_savings_minimum_rate_and_corridor(norm, actual, expected):
    assert shared_savings(norm, actual, minimum_savings_rate=0.02, corridor=0.10) == pytest.approx(expected)


def _figure(rows: pl.DataFrame, area: str, scenario: str, measure: str, payer: str) -> float:
    return rows.filter((pl.col("area_code") == area) & (pl.col("scenario") == scenario)
                       & (pl.col("measure") == measure) & (pl.col("payer") == payer))["amount"].item()


def test_shared_savings_split_and_regiobudget_on_the_fixture():
    a = PaymentAssumptions(corridor=0.05, regiobudget_share={"zvw": 0.02, "wmo": 0.05})
    rows = payment_scenarios(cells(), [ZVW, WMO], pl.DataFrame(), pl.DataFrame(), a)
    # Wmo is 10 euro everywhere: norm = actual. A: norm 15,000 + 1,000, actual 14,000 + 1,000: 1,000 saved
    # (6.25 % of 16,000), capped at 5 % = 800: zorgverzekeraar 400, gemeente 240, zorgkantoor 160.
    assert _figure(rows, "GM_A", "shared_savings", "savings", "alle") == pytest.approx(1000)
    assert _figure(rows, "GM_A", "shared_savings", "shared", "alle") == pytest.approx(800)
    for payer, part in (("zorgverzekeraar", 400), ("gemeente", 240), ("zorgkantoor", 160)):
        assert _figure(rows, "GM_A", "shared_savings", "share", payer) == pytest.approx(part)
    # B: norm 11,700, actual 12,700: a 1,000 loss, capped at 5 % of 11,700 = 585, borne 292.5 / 175.5 / 117
    assert _figure(rows, "GM_B", "shared_savings", "shared", "alle") == pytest.approx(-585)
    assert _figure(rows, "GM_B", "shared_savings", "share", "gemeente") == pytest.approx(-175.5)
    # regiobudget: A 0.02 x 14,000 + 0.05 x 1,000 = 330; B 0.02 x 12,000 + 0.05 x 700 = 275; region 605
    assert _figure(rows, "GM_A", "regiobudget", "contribution", "zorgverzekeraar") == pytest.approx(280)
    assert _figure(rows, "GM_A", "regiobudget", "contribution", "alle") == pytest.approx(330)
    assert _figure(rows, "GM_B", "regiobudget", "contribution", "alle") == pytest.approx(275)
    assert _figure(rows, "RG", "regiobudget", "contribution", "alle") == pytest.approx(605)
    assert "5 % van wmo" in rows.filter(pl.col("scenario") == "regiobudget")["assumptions"][0]
    assert payment_findings(rows, 5, 10) == []


def test_a_small_cost_cell_is_hidden_with_the_region_and_the_total():
    # 1 person per cell, 4 in all, in B has Zvw cost: B's zorgverzekeraar rows are hidden, so are the region's (region - A = B) and
    # B's all-payer totals (total - gemeente = zorgverzekeraar)
    rows = payment_scenarios(cells(users={"GM_B": 1}), [ZVW, WMO], pl.DataFrame(), pl.DataFrame(),
                             PaymentAssumptions())
    budget = rows.filter(pl.col("scenario") == "regiobudget")
    hidden = {(r["area_code"], r["payer"]) for r in budget.filter("suppressed").iter_rows(named=True)}
    assert hidden == {("GM_B", "zorgverzekeraar"), ("RG", "zorgverzekeraar"), ("GM_B", "alle"), ("RG", "alle")}
    assert budget.filter("suppressed")["amount"].null_count() == 4
    assert payment_findings(rows, 5, 10) == []
    # the audit catches a suppressed row that still shows euros, and a region row beside a hidden gemeente row
    leaked = rows.with_columns(amount=pl.when(pl.col("suppressed")).then(1.0).otherwise(pl.col("amount")))
    assert "derived_reveals" in {f[4] for f in payment_findings(leaked, 5, 10)}
    region_shown = rows.with_columns(suppressed=pl.col("suppressed") & (pl.col("area_level") != "regio"))
    assert any("region payment row" in f[5] for f in payment_findings(region_shown, 5, 10))


def test_pooled_budget_puts_in_the_first_year_per_member():
    # group: 2022 20 members costing Zvw 4,000 (200 each); 2023 30 members costing 7,500
    # -> in 2023 the insurer puts in 200 x 30 = 6,000 against a group cost of 7,500
    first = cells({"GM_A": [("75-79", "V", 20, 4000)]}, 2022, in_group=True)
    second = cells({"GM_A": [("75-79", "V", 30, 7500)]}, 2023, in_group=True)
    rows = payment_scenarios(pl.concat([first, second]), [ZVW], pl.DataFrame(), pl.DataFrame(),
                             PaymentAssumptions(pooled_laws=("zvw",)))
    pooled = rows.filter((pl.col("scenario") == "pooled_budget") & (pl.col("period") == 2023)
                         & (pl.col("area_code") == "GM_A") & (pl.col("payer") == "zorgverzekeraar"))
    got = dict(zip(pooled["measure"], pooled["amount"], strict=True))
    assert got == pytest.approx({"contribution": 6000, "group_cost": 7500})


def test_what_if_carries_the_interval_through_the_horizon():
    # effect -100 euro per participant (95 % -300 .. +50), 20 reached x reach_scale 1.5 = 30, persistence 0.5:
    # year 1: 30 x -100 = -3,000 (-9,000 .. 1,500); year 2: x 0.5 = -1,500 (-4,500 .. 750); year 3: -750
    evaluation = pl.DataFrame({"intervention_id": ["wor"], "indicator_id": ["co_zvw_per_verzekerdejaar"],
                               "estimand": ["effect_on_participants"], "status": ["estimated"],
                               "estimate": [-100.0], "ci_low": [-300.0], "ci_high": [50.0]})
    reach = pl.DataFrame({"intervention_id": ["wor"], "reached": [20]})
    a = PaymentAssumptions(horizon_years=3, persistence=0.5, reach_scale=1.5)
    effects = what_if(evaluation, reach, a)
    assert effects["law"].to_list() == ["zvw"] * 3
    assert effects["amount"].to_list() == pytest.approx([-3000, -1500, -750])
    assert effects["amount_low"].to_list() == pytest.approx([-9000, -4500, -2250])
    assert effects["amount_high"].to_list() == pytest.approx([1500, 750, 375])
    rows = payment_scenarios(cells(), [ZVW], evaluation, reach, a)
    total = rows.filter(pl.col("measure") == "budget_effect_horizon").row(0, named=True)
    assert (total["amount"], total["amount_low"], total["amount_high"]) == pytest.approx((-5250, -15750, 2625))
    assert total["payer"] == "zorgverzekeraar" and total["persons"] == 30


def test_unknown_or_inconsistent_payment_settings_are_refused():
    with pytest.raises(ValueError, match="did you mean corridor"):
        PaymentAssumptions.from_mapping({"coridor": 0.1})
    with pytest.raises(ValueError, match="add up to 1"):
        PaymentAssumptions.from_mapping({"split_key": {"gemeente": 0.5, "zorgverzekeraar": 0.6}})
    with pytest.raises(ValueError, match="payment.pooled_laws"):
        PaymentAssumptions.from_mapping({"pooled_laws": ["zwv"]})


def test_report_section_shows_norm_and_assumptions_in_dutch_and_hides_suppressed_rows():
    from indicators.report.payment import payment_section

    rows = payment_scenarios(cells(users={"GM_B": 1}), [ZVW, WMO], pl.DataFrame(), pl.DataFrame(),
                             PaymentAssumptions())
    text = payment_section(rows, {"GM_A": "Alfa", "GM_B": "Beta", "RG": "Regio"})
    # A's Zvw norm 15,000 against 14,000 actual: 93.3 % of the norm, written the Dutch way
    assert "€ 15.000" in text and "€ 14.000" in text and "93,3 %" in text
    assert "onderdrukt" in text and "verdeelsleutel: zorgverzekeraar 50 %" in text
