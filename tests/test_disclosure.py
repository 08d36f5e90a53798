"""Disclosure control (indicators/disclosure.py) and its independent audit (quality/disclosure_audit.py)."""

from __future__ import annotations

import random
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.disclosure import (
    DisclosureNotConverged,
    DisclosurePolicy,
    apply_disclosure,
    flag_disclosure,
    mask_and_round,
)
from quality.disclosure_audit import POLICY_DEFAULTS, audit_disclosure

POLICY = DisclosurePolicy()
SCHEMA = {
    "indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "area_level": pl.String,
    "stratum": pl.String, "kind": pl.String, "numerator": pl.Float64, "denominator": pl.Float64,
    "n": pl.Int64, "max_contribution": pl.Float64, "total": pl.Float64, "value": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64,
}
LEVELS = {"buurt": 0, "wijk": 1, "gemeente": 2, "regio": 3}


def cell(area: str, level: str, numerator: float | None, denominator: float | None, *, n: int | None = None,
         stratum: str = "totaal", kind: str = "proportion", indicator: str = "ind",
         max_contribution: float | None = None, total: float | None = None) -> dict[str, Any]:
    """One input cell; n defaults to the denominator (persons) as for a crude proportion."""
    if n is None and denominator is not None:
        n = int(denominator)
    value = numerator / denominator if numerator is not None and denominator else None
    if kind == "count":
        value = numerator
    return {"indicator_id": indicator, "period": 2023, "area_code": area, "area_level": level,
            "stratum": stratum, "kind": kind, "numerator": numerator, "denominator": denominator, "n": n,
            "max_contribution": max_contribution, "total": total, "value": value,
            "ci_low": None if value is None else value * 0.9,
            "ci_high": None if value is None else value * 1.1}


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


def area_frame(parents: dict[str, tuple[str, str | None]]) -> pl.DataFrame:
    """areas from {code: (level, parent_code)}."""
    return pl.DataFrame(
        {"area_code": list(parents), "area_level": [lv for lv, _ in parents.values()],
         "parent_code": [p for _, p in parents.values()]},
        schema={"area_code": pl.String, "area_level": pl.String, "parent_code": pl.String},
    )


def reasons(flagged: pl.DataFrame) -> dict[tuple[str, str], str | None]:
    """{(area_code, stratum): suppression_reason} for one indicator and period."""
    return {(r["area_code"], r["stratum"]): r["suppression_reason"] for r in flagged.iter_rows(named=True)}


# A lone region without children: cells there meet no group, so only the primary rules act.
LONE = area_frame({"R": ("regio", None)})


def primary_outcomes(rows: list[dict[str, Any]]) -> list[str | None]:
    # Each row its own indicator so that no two rows share a group.
    rows = [{**r, "indicator_id": f"i{i}"} for i, r in enumerate(rows)]
    return flag_disclosure(frame(rows), LONE, POLICY)["suppression_reason"].to_list()


# ---------------------------------------------------------------- policy


def test_policy_defaults_follow_cbs_practice_and_the_audit_agrees():
    assert DisclosurePolicy() == DisclosurePolicy(10, 50, 30, 10, 0.5, 5)
    # The audit keeps its own copy of the defaults (independence); they must not drift apart.
    assert POLICY_DEFAULTS == {
        "min_count": 10, "min_denominator": 50, "min_respondents": 30, "min_cost_persons": 10,
        "dominance_share": 0.5, "rounding_base": 5,
    }


def test_policy_reads_the_disclosure_table_of_phm_toml():
    with open(Path(__file__).resolve().parent.parent / "phm.toml", "rb") as fh:
        assert DisclosurePolicy.from_mapping(tomllib.load(fh)["disclosure"]) == DisclosurePolicy()


def test_policy_from_mapping_keeps_defaults_and_rejects_unknown_keys():
    assert DisclosurePolicy.from_mapping({"min_count": 5}) == DisclosurePolicy(min_count=5)
    assert DisclosurePolicy.from_mapping(None) == DisclosurePolicy()
    with pytest.raises(ValueError, match="disclosure.min_cnt"):
        DisclosurePolicy.from_mapping({"min_cnt": 5})
    with pytest.raises(ValueError, match="dominance_share"):
        DisclosurePolicy.from_mapping({"dominance_share": 1.5})
    with pytest.raises(ValueError, match="rounding_base"):
        DisclosurePolicy.from_mapping({"rounding_base": 0})
    with pytest.raises(ValueError, match="disclosure.min_cnt"):
        audit_disclosure(frame([]), frame([]), LONE, {"min_cnt": 5})


# ---------------------------------------------------------------- primary rules


def test_primary_counts():
    assert primary_outcomes([
        cell("R", "regio", 0, None, n=0, kind="count"),     # 0 persons: not sensitive -> published
        cell("R", "regio", 9, None, n=9, kind="count"),     # 9 persons -> primary
        cell("R", "regio", 10, None, n=10, kind="count"),   # 10 persons -> published
        cell("R", "regio", 3, None, n=12, kind="count"),    # numerator 3 -> primary
        cell("R", "regio", None, None, n=None, kind="count"),  # nothing to check -> primary
    ]) == [None, "primary", None, "primary", "primary"]


def test_primary_proportions():
    assert primary_outcomes([
        cell("R", "regio", 9, 100),     # numerator 9 -> primary
        cell("R", "regio", 10, 100),    # published
        cell("R", "regio", 91, 100),    # complement 9 -> primary
        cell("R", "regio", 90, 100),    # complement 10 -> published
        cell("R", "regio", 0, 100),     # 0 of 100: zero is not sensitive -> published
        cell("R", "regio", 100, 100),   # complement 0 -> published
        cell("R", "regio", 20, 49),     # denominator 49 < 50 -> primary
        cell("R", "regio", 20, 50),     # denominator 50 -> published
        cell("R", "regio", 0, 0),       # empty cell -> published
        cell("R", "regio", None, 100),  # numerator missing -> primary
        cell("R", "regio", 30, 60, n=8),  # 30 of 60 admissions, but of only 8 persons -> primary
    ]) == ["primary", None, "primary", None, None, None, "primary", None, None, "primary", "primary"]


def test_primary_survey_values():
    assert primary_outcomes([
        cell("R", "regio", None, 29.0, n=29, kind="survey"),   # 29 respondents -> primary
        cell("R", "regio", None, 30.0, n=30, kind="survey"),   # 30 respondents, weighted mean -> published
        cell("R", "regio", 5, 80.0, n=40, kind="survey"),      # 5 respondents with the trait -> primary
        cell("R", "regio", 35, 80.0, n=40, kind="survey"),     # 40 - 35 = 5 without it -> primary
        cell("R", "regio", 20, 80.0, n=40, kind="survey"),     # 20 and 20 -> published
        cell("R", "regio", None, 0.0, n=0, kind="survey"),     # no respondents -> published
    ]) == ["primary", None, "primary", "primary", None, None]


def test_primary_rates_and_means():
    assert primary_outcomes([
        cell("R", "regio", 3, 44.5, n=49, kind="rate"),     # 49 persons -> primary
        cell("R", "regio", 3, 480.0, n=500, kind="rate"),   # 3 events among 500 persons -> published
        cell("R", "regio", 30, 50.0, n=52, kind="rate"),    # 52 persons, 50 person-years -> published
        cell("R", "regio", 30, 49.5, n=52, kind="rate"),    # 49.5 person-years -> primary
        cell("R", "regio", None, None, n=9, kind="mean"),   # mean of 9 persons -> primary
        cell("R", "regio", None, None, n=10, kind="mean"),  # mean of 10 persons -> published
    ]) == ["primary", None, None, "primary", "primary", None]


def cost(persons: int, largest: float | None, total: float) -> dict[str, Any]:
    return cell("R", "regio", total, persons, kind="cost", max_contribution=largest, total=total)


def test_primary_costs_and_dominance():
    assert primary_outcomes([
        cost(9, 1000, 9000),    # 9 persons -> primary
        cost(50, 600, 1000),    # largest 600 > 0.5 × 1000 -> dominance
        cost(50, 500, 1000),    # 500 is not more than half -> published
        cost(5, 900, 1000),     # too few persons and dominated -> primary (checked first)
        cost(50, None, 1000),   # dominance cannot be checked -> dominance
        cost(0, None, 0),       # no persons -> published
    ]) == ["primary", "dominance", None, "primary", "dominance", None]


def test_input_contract_is_enforced():
    with pytest.raises(ValueError, match="unknown cell kind"):
        flag_disclosure(frame([cell("R", "regio", 10, 100, kind="ratio")]), LONE, POLICY)
    with pytest.raises(ValueError, match="twice"):
        flag_disclosure(frame([cell("R", "regio", 10, 100), cell("R", "regio", 20, 100)]), LONE, POLICY)
    with pytest.raises(ValueError, match="max_contribution"):
        flag_disclosure(frame([cell("R", "regio", 10, 100)]).drop("max_contribution"), LONE, POLICY)
    with pytest.raises(ValueError, match="'R' twice"):
        flag_disclosure(frame([cell("R", "regio", 10, 100)]), pl.concat([LONE, LONE]), POLICY)


# ---------------------------------------------------------------- secondary suppression

HIERARCHY = area_frame({
    "R": ("regio", None), "G": ("gemeente", "R"),
    "W1": ("wijk", "G"), "W2": ("wijk", "G"),
    "B11": ("buurt", "W1"), "B12": ("buurt", "W1"), "B13": ("buurt", "W1"),
    "B21": ("buurt", "W2"), "B22": ("buurt", "W2"),
})


def test_secondary_in_the_hierarchy_takes_the_smallest_sibling():
    flagged = flag_disclosure(frame([
        cell("B11", "buurt", 5, 100),    # numerator 5 -> primary
        cell("B12", "buurt", 30, 120),   # W1 - B12 - B13 would give B11 -> secondary (120 < 200)
        cell("B13", "buurt", 40, 200),   # published
        cell("B21", "buurt", 20, 80),    # published
        cell("B22", "buurt", 25, 90),    # published
        cell("W1", "wijk", 75, 420),     # published
        cell("W2", "wijk", 45, 170),     # published
        cell("G", "gemeente", 120, 590),  # published
        cell("R", "regio", 120, 590),    # published
    ]), HIERARCHY, POLICY)
    assert reasons(flagged) == {
        ("B11", "totaal"): "primary", ("B12", "totaal"): "secondary", ("B13", "totaal"): None,
        ("B21", "totaal"): None, ("B22", "totaal"): None, ("W1", "totaal"): None, ("W2", "totaal"): None,
        ("G", "totaal"): None, ("R", "totaal"): None,
    }


def test_secondary_tie_breaks_on_n_then_area_code():
    flagged = flag_disclosure(frame([
        cell("B11", "buurt", 5, 100),           # primary
        cell("B13", "buurt", 40, 100, n=100),   # same denominator and n as B12, later code -> published
        cell("B12", "buurt", 40, 100, n=100),   # -> secondary
        cell("W1", "wijk", 85, 300),
    ]), HIERARCHY, POLICY)
    assert reasons(flagged)[("B12", "totaal")] == "secondary"
    assert reasons(flagged)[("B13", "totaal")] is None


def test_empty_sibling_is_no_cover():
    # B12 has nobody in it; suppressing it would hide nothing, so the larger B13 goes.
    flagged = flag_disclosure(frame([
        cell("B11", "buurt", 5, 100),    # primary
        cell("B12", "buurt", 0, 0),      # empty -> stays published
        cell("B13", "buurt", 40, 200),   # -> secondary
        cell("W1", "wijk", 45, 300),
    ]), HIERARCHY, POLICY)
    assert reasons(flagged) == {("B11", "totaal"): "primary", ("B12", "totaal"): None,
                                ("B13", "totaal"): "secondary", ("W1", "totaal"): None}


def test_a_lone_suppressed_child_takes_its_parents_with_it():
    areas = area_frame({"R": ("regio", None), "G": ("gemeente", "R"), "W": ("wijk", "G"),
                        "B": ("buurt", "W")})
    # Three residents of W have no known buurt, so W (12/103) passes the primary rules, but with a single
    # buurt it is still (nearly) the suppressed buurt; no sibling can cover it, so the parent goes, and so up.
    flagged = flag_disclosure(frame([
        cell("B", "buurt", 5, 100),       # numerator 5 -> primary
        cell("W", "wijk", 12, 103),       # only child suppressed, no sibling -> secondary
        cell("G", "gemeente", 12, 103),   # its only wijk now suppressed -> secondary
        cell("R", "regio", 12, 103),      # its only gemeente now suppressed -> secondary
    ]), areas, POLICY)
    assert reasons(flagged) == {("B", "totaal"): "primary", ("W", "totaal"): "secondary",
                                ("G", "totaal"): "secondary", ("R", "totaal"): "secondary"}


def test_secondary_across_strata():
    strata = [
        ("totaal", 60, 300),          # published (the group's total)
        ("geslacht:M", 5, 140),       # numerator 5 -> primary
        ("geslacht:V", 55, 160),      # totaal - V would give M -> secondary
        ("inkomen:q1", 10, 60),       # inkomen: no suppression, all published
        ("inkomen:q2", 20, 80),
        ("inkomen:q3", 30, 160),
        ("leeftijd:0-17", 0, 40),     # denominator 40 -> primary (0 of 40 is still too few persons)
        ("leeftijd:18-64", 40, 180),  # published: the leeftijd group already has 3 suppressed members
        ("leeftijd:65-74", 10, 35),   # denominator 35 -> primary
        ("leeftijd:75+", 10, 45),     # denominator 45 -> primary
    ]
    cells = frame([cell("R", "regio", a, b, stratum=s) for s, a, b in strata])
    flagged = flag_disclosure(cells, LONE, POLICY)
    assert reasons(flagged) == {
        ("R", "totaal"): None, ("R", "geslacht:M"): "primary", ("R", "geslacht:V"): "secondary",
        ("R", "inkomen:q1"): None, ("R", "inkomen:q2"): None, ("R", "inkomen:q3"): None,
        ("R", "leeftijd:0-17"): "primary", ("R", "leeftijd:18-64"): None, ("R", "leeftijd:65-74"): "primary",
        ("R", "leeftijd:75+"): "primary",
    }


def test_secondary_applies_to_means_too():
    # Means are not additive, but weighted by their published n they still reveal each other: same rule.
    flagged = flag_disclosure(frame([
        cell("R", "regio", None, None, n=58, kind="mean", stratum="totaal"),
        cell("R", "regio", None, None, n=8, kind="mean", stratum="geslacht:M"),    # 8 persons -> primary
        cell("R", "regio", None, None, n=50, kind="mean", stratum="geslacht:V"),   # -> secondary
    ]), LONE, POLICY)
    assert reasons(flagged) == {("R", "totaal"): None, ("R", "geslacht:M"): "primary",
                                ("R", "geslacht:V"): "secondary"}


CASCADE_AREAS = area_frame({"W": ("wijk", None), "B1": ("buurt", "W"), "B2": ("buurt", "W"),
                            "B3": ("buurt", "W")})
CASCADE = [
    # buurt, stratum, numerator, denominator
    ("B1", "geslacht:M", 5, 90), ("B1", "geslacht:V", 35, 110), ("B1", "totaal", 40, 200),
    ("B2", "geslacht:M", 30, 100), ("B2", "geslacht:V", 30, 100), ("B2", "totaal", 60, 200),
    ("B3", "geslacht:M", 40, 150), ("B3", "geslacht:V", 45, 160), ("B3", "totaal", 85, 310),
    ("W", "geslacht:M", 75, 340), ("W", "geslacht:V", 110, 370), ("W", "totaal", 185, 710),
]


def cascade_cells() -> pl.DataFrame:
    return frame([cell(a, "wijk" if a == "W" else "buurt", x, y, stratum=s) for a, s, x, y in CASCADE])


def test_cascade_between_strata_and_hierarchy_needs_two_passes():
    # Pass 1: B1 M is primary. In B1's geslacht group V is the only cover -> B1 V secondary.
    #         Among the buurten of W (stratum M) the smallest other M is B2 (100 < 150) -> B2 M secondary.
    # Pass 2: B2 M is now alone in B2's geslacht group -> B2 V; B1 V is alone among W's V buurten, where
    #         B2 V (100 < 160) is the smallest too -> one cell, B2 V, secondary.
    # Pass 3: every group has 0 or 2 suppressed members -> fixpoint. B3 and all totals stay published.
    expected = {(a, s): None for a, s, _, _ in CASCADE} | {
        ("B1", "geslacht:M"): "primary", ("B1", "geslacht:V"): "secondary",
        ("B2", "geslacht:M"): "secondary", ("B2", "geslacht:V"): "secondary",
    }
    assert reasons(flag_disclosure(cascade_cells(), CASCADE_AREAS, POLICY)) == expected
    assert reasons(flag_disclosure(cascade_cells(), CASCADE_AREAS, POLICY, max_iterations=3)) == expected
    with pytest.raises(DisclosureNotConverged):
        flag_disclosure(cascade_cells(), CASCADE_AREAS, POLICY, max_iterations=2)


TWO_GEMEENTEN = area_frame({
    "R": ("regio", None), "G1": ("gemeente", "R"), "G2": ("gemeente", "R"),
    "W11": ("wijk", "G1"), "W12": ("wijk", "G1"), "W21": ("wijk", "G2"), "W22": ("wijk", "G2"),
})


def test_a_suppressed_total_is_not_left_as_the_sum_of_published_members():
    flagged = flag_disclosure(frame([
        cell("W21", "wijk", 10, 20),       # denominator 20 -> primary
        cell("W22", "wijk", 10, 25),       # denominator 25 -> primary
        cell("G2", "gemeente", 20, 45),    # denominator 45 -> primary
        cell("W11", "wijk", 100, 400),     # published
        cell("W12", "wijk", 50, 200),      # pass 2: G1 = W11 + W12 would be revealed -> secondary (200 < 400)
        cell("G1", "gemeente", 150, 600),  # pass 1: R - G1 would give G2 -> secondary
        cell("R", "regio", 170, 645),      # published
    ]), TWO_GEMEENTEN, POLICY)
    assert reasons(flagged) == {
        ("W21", "totaal"): "primary", ("W22", "totaal"): "primary", ("G2", "totaal"): "primary",
        ("W11", "totaal"): None, ("W12", "totaal"): "secondary", ("G1", "totaal"): "secondary",
        ("R", "totaal"): None,
    }


# ---------------------------------------------------------------- masking and rounding


def test_published_counts_are_rounded_and_suppressed_cells_emptied():
    rows = [
        cell("R", "regio", 12, 123, indicator="a"),               # -> 10 / 125, n 125; value stays 12/123
        cell("R", "regio", 12.5, 122, n=122, indicator="b"),       # half up: 12.5 -> 15; 122 -> 120
        cell("R", "regio", 5, 100, indicator="c"),                 # primary -> all nulls
        cell("R", "regio", 17, None, n=17, kind="count", indicator="d"),  # a count's value is rounded too: 15
    ]
    out = apply_disclosure(frame(rows), LONE, POLICY)
    assert out.columns == [*SCHEMA, "suppressed", "suppression_reason"]
    a, b, c, d = out.iter_rows(named=True)
    assert (a["numerator"], a["denominator"], a["n"]) == (10, 125, 125)
    assert a["value"] == pytest.approx(12 / 123) and a["ci_low"] == pytest.approx(12 / 123 * 0.9)
    assert (b["numerator"], b["denominator"], b["n"]) == (15, 120, 120)
    assert c["suppressed"] and c["suppression_reason"] == "primary"
    assert [c[k] for k in ("value", "ci_low", "ci_high", "numerator", "denominator", "n")] == [None] * 6
    assert (d["numerator"], d["n"], d["value"]) == (15, 15, 15)
    assert not a["suppressed"] and a["suppression_reason"] is None


def test_the_comparison_with_the_region_goes_with_the_interval():
    rows = [cell("R", "regio", 5, 100, indicator="a"), cell("R", "regio", 40, 100, indicator="b")]
    cells = frame(rows).with_columns(comparison=pl.Series(["hoger", "lager"]))
    out = apply_disclosure(cells, LONE, POLICY)
    assert out["comparison"].to_list() == [None, "lager"]  # a: primary (numerator 5); b: published
    leaky = out.with_columns(comparison=pl.Series(["hoger", "lager"]))
    violations = audit_disclosure(cells, leaky, LONE, {})
    assert [(v.rule, v.indicator_id) for v in violations] == [("not_masked", "a")]
    assert violations[0].message.endswith("still shows comparison")


def test_rows_keep_their_order_and_the_result_does_not_depend_on_it():
    cells = cascade_cells()
    out = apply_disclosure(cells, CASCADE_AREAS, POLICY)
    assert out.select("area_code", "stratum").rows() == cells.select("area_code", "stratum").rows()
    shuffled = cells.sample(fraction=1.0, shuffle=True, seed=7)
    assert reasons(flag_disclosure(shuffled, CASCADE_AREAS, POLICY)) == reasons(out)


def test_empty_input_gives_empty_output():
    out = apply_disclosure(frame([]), LONE, POLICY)
    assert out.height == 0 and out.columns[-2:] == ["suppressed", "suppression_reason"]


# ---------------------------------------------------------------- the audit flags bad publications


def good_publication() -> tuple[pl.DataFrame, pl.DataFrame]:
    candidate = flag_disclosure(cascade_cells(), CASCADE_AREAS, POLICY)
    return candidate, mask_and_round(candidate, POLICY)


def republish(published: pl.DataFrame, candidate: pl.DataFrame, area: str, stratum: str) -> pl.DataFrame:
    """Publish one suppressed cell again, rounded, as a faulty pipeline might."""
    target = (pl.col("area_code") == area) & (pl.col("stratum") == stratum)
    restored = mask_and_round(candidate.with_columns(suppressed=pl.lit(False)), POLICY)
    return pl.concat([published.filter(~target),
                      restored.filter(target).with_columns(suppression_reason=pl.lit(None, pl.String))])


def rules_for(violations: list, area: str, stratum: str) -> set[str]:
    return {v.rule for v in violations if (v.area_code, v.stratum) == (area, stratum)}


def test_audit_passes_a_good_publication():
    candidate, published = good_publication()
    assert audit_disclosure(candidate, published, CASCADE_AREAS, {}) == []


def test_audit_flags_a_small_cell_left_published():
    candidate, published = good_publication()
    violations = audit_disclosure(candidate, republish(published, candidate, "B1", "geslacht:M"),
                                  CASCADE_AREAS, {})
    assert rules_for(violations, "B1", "geslacht:M") == {"primary"}
    message = next(v.message for v in violations if v.rule == "primary")
    assert message == "ind 2023 B1 geslacht:M: numerator 5.0 is below 10"


def test_audit_flags_a_single_recoverable_suppressed_cell():
    # Publishing B1 V again leaves B1 M the only suppressed stratum of B1's geslacht group.
    candidate, published = good_publication()
    violations = audit_disclosure(candidate, republish(published, candidate, "B1", "geslacht:V"),
                                  CASCADE_AREAS, {})
    assert rules_for(violations, "B1", "geslacht:M") == {"recoverable"}
    # ... and B2 V becomes the only suppressed V buurt of wijk W.
    assert rules_for(violations, "B2", "geslacht:V") == {"recoverable"}
    assert len(violations) == 2


def test_audit_flags_a_total_revealed_by_its_members():
    candidate = flag_disclosure(frame([
        cell("W21", "wijk", 10, 20), cell("W22", "wijk", 10, 25), cell("G2", "gemeente", 20, 45),
        cell("W11", "wijk", 100, 400), cell("W12", "wijk", 50, 200), cell("G1", "gemeente", 150, 600),
        cell("R", "regio", 170, 645),
    ]), TWO_GEMEENTEN, POLICY)
    published = republish(mask_and_round(candidate, POLICY), candidate, "W12", "totaal")
    violations = audit_disclosure(candidate, published, TWO_GEMEENTEN, {})
    assert [(v.rule, v.area_code) for v in violations] == [("recoverable_total", "G1")]


def test_audit_flags_an_unrounded_count_and_an_unmasked_cell():
    candidate, published = good_publication()
    b3m = (pl.col("area_code") == "B3") & (pl.col("stratum") == "geslacht:M")
    b1m = (pl.col("area_code") == "B1") & (pl.col("stratum") == "geslacht:M")
    bad = published.with_columns(
        pl.when(b3m).then(pl.lit(42.0)).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(b1m).then(pl.lit(0.055)).otherwise(pl.col("value")).alias("value"),
    )
    violations = audit_disclosure(candidate, bad, CASCADE_AREAS, {})
    assert [(v.rule, v.area_code, v.stratum) for v in violations] == [
        ("not_masked", "B1", "geslacht:M"), ("not_rounded", "B3", "geslacht:M")]
    assert "numerator 42.0 not a multiple of 5" in violations[1].message
    assert "still shows value" in violations[0].message


def test_audit_flags_dominance_a_missing_row_and_a_bad_reason():
    rows = [cell("R", "regio", 1000, 50, kind="cost", max_contribution=600, total=1000, indicator="c"),
            cell("R", "regio", 40, 200, indicator="p")]
    candidate = flag_disclosure(frame(rows), LONE, POLICY)
    published = mask_and_round(candidate.with_columns(suppressed=pl.lit(False),
                                                      suppression_reason=pl.lit(None, pl.String)), POLICY)
    violations = audit_disclosure(candidate, published, LONE, {})
    assert [(v.rule, v.indicator_id) for v in violations] == [("dominance", "c")]
    violations = audit_disclosure(candidate, published.filter(pl.col("indicator_id") == "c"), LONE, {})
    assert ("missing_row", "p") in [(v.rule, v.indicator_id) for v in violations]
    odd = mask_and_round(candidate, POLICY).with_columns(suppression_reason=pl.lit("secret"))
    assert {v.rule for v in audit_disclosure(candidate, odd, LONE, {})} == {"reason"}


def test_audit_uses_the_configured_policy():
    candidate, published = good_publication()
    # Under min_count 50 the published B3 geslacht:M (40 of 150) becomes too small: the audit reads the
    # mapping it is given, not its defaults.
    violations = audit_disclosure(candidate, published, CASCADE_AREAS, {"min_count": 50})
    assert ("primary", "B3", "geslacht:M") in [(v.rule, v.area_code, v.stratum) for v in violations]


# ---------------------------------------------------------------- properties on random regions

AGE_BANDS = ("leeftijd:jong", "leeftijd:oud")
SEXES = ("geslacht:M", "geslacht:V")
GENERATED_KINDS = ("proportion", "count", "survey", "cost", "rate", "mean")


@st.composite
def regions(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A random buurt -> wijk -> gemeente -> regio tree with counts per sex × age band, summed upwards.

    When not additive, each wijk also has residents without a known buurt (counted from the wijk up).
    """
    additive = draw(st.booleans())
    kinds = draw(st.lists(st.sampled_from(GENERATED_KINDS), min_size=1, max_size=2, unique=True))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    parents: dict[str, tuple[str, str | None]] = {"R": ("regio", None)}
    base: dict[tuple[str, str, str], tuple[int, int]] = {}  # (unit, sex, age) -> (persons, with trait)
    ancestors: dict[str, list[str]] = {}
    for g in range(draw(st.integers(1, 3))):
        gem = f"G{g}"
        parents[gem] = ("gemeente", "R")
        for w in range(draw(st.integers(1, 3))):
            wijk = f"{gem}W{w}"
            parents[wijk] = ("wijk", gem)
            units = [f"{wijk}B{b}" for b in range(draw(st.integers(1, 4)))]
            for b in units:
                parents[b] = ("buurt", wijk)
                ancestors[b] = [b, wijk, gem, "R"]
            if not additive:
                units.append(f"{wijk}?")
                ancestors[f"{wijk}?"] = [wijk, gem, "R"]
            scale = rng.choice([5, 20, 60, 150])
            for unit in units:
                for sex in SEXES:
                    for age in AGE_BANDS:
                        persons = rng.randint(0, scale)
                        base[(unit, sex, age)] = (persons, rng.randint(0, persons))
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for (unit, sex, age), (persons, trait) in base.items():
        top = 50.0 * trait  # the costliest person in this unit
        for area in ancestors[unit]:
            for stratum in ("totaal", sex, age):
                acc = sums[(area, stratum)]
                acc[0] += persons
                acc[1] += trait
                acc[2] = max(acc[2], top)
    rows = []
    for kind in kinds:
        for (area, stratum), (persons, trait, top) in sums.items():
            at = {"area": area, "level": parents[area][0], "stratum": stratum, "kind": kind,
                  "indicator": f"ind_{kind}"}
            cost = 50.0 * trait + 20.0 * persons
            numerator, denominator, extra = {
                "proportion": (trait, persons, {}),
                "count": (trait, None, {"n": trait}),
                "survey": (trait, 1.7 * persons, {"n": persons}),  # weighted denominator, n respondents
                "rate": (trait, 0.9 * persons, {"n": persons}),    # events over person-years, n persons
                "mean": (None, None, {"n": persons}),
                "cost": (cost, persons, {"n": persons, "max_contribution": top, "total": cost}),
            }[kind]
            rows.append(cell(at.pop("area"), at.pop("level"), numerator, denominator, **at, **extra))
    return frame(rows), area_frame(parents)


def breaks_primary(c: dict[str, Any], p: DisclosurePolicy) -> bool:
    """A third, plain rendering of the primary rules, for the property test."""
    num, den, n, kind = c["numerator"], c["denominator"], c["n"], c["kind"]

    def small(x: float | None, limit: float) -> bool:
        return x is not None and 0 < x < limit

    if small(n, p.min_count):
        return True
    if kind == "count":
        return small(num, p.min_count)
    if kind == "proportion":
        return small(num, p.min_count) or small(den - num, p.min_count) or small(den, p.min_denominator)
    if kind == "survey":
        return small(n, p.min_respondents) or small(num, p.min_count) or small(n - num, p.min_count)
    if kind == "rate":
        return small(n, p.min_denominator) or small(den, p.min_denominator)
    if kind == "mean":
        return small(n, p.min_count)
    return small(n, p.min_cost_persons) or (n > 0 and c["max_contribution"] > p.dominance_share * c["total"])


def groups_of(candidate: pl.DataFrame, areas: pl.DataFrame) -> list[tuple[dict, list[dict]]]:
    """(total cell, member cells) for every hierarchy and strata group, built with plain Python."""
    parent = {r["area_code"]: r["parent_code"] for r in areas.iter_rows(named=True)}
    level = {r["area_code"]: r["area_level"] for r in areas.iter_rows(named=True)}
    cells = {(r["indicator_id"], r["area_code"], r["stratum"]): r for r in candidate.iter_rows(named=True)}
    members: dict[tuple, list[dict]] = defaultdict(list)
    for (ind, area, stratum), r in cells.items():
        up = parent.get(area)
        if up is not None and LEVELS[level[up]] == LEVELS[level[area]] + 1:
            members[(ind, up, stratum)].append(r)
        if ":" in stratum:
            members[(ind, area, "totaal", stratum.split(":")[0])].append(r)
    return [(cells[key[:3]], ms) for key, ms in members.items() if key[:3] in cells]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regions())
def test_random_regions_leave_nothing_recoverable(region: tuple[pl.DataFrame, pl.DataFrame]):
    cells, areas = region
    candidate = flag_disclosure(cells, areas, POLICY)
    published = mask_and_round(candidate, POLICY)

    # (1) No suppressed cell equals a published total minus its published siblings (unrounded values):
    #     every group with a published total has 0 or >= 2 suppressed members.
    for total, members in groups_of(candidate, areas):
        if total["suppressed"]:
            continue
        hidden = [m for m in members if m["suppressed"]]
        shown = [m for m in members if not m["suppressed"]]
        assert len(hidden) != 1, (total, hidden)
        for m in hidden:
            others = [h for h in hidden if h is not m]
            for q in ("numerator", "denominator"):
                known = [total, *shown, *others]
                if any(x[q] is None for x in known) or all(h[q] == 0 for h in others):
                    continue  # nothing to subtract, or the rest is 0 and the difference is a sum of unknowns
                assert total[q] - sum(s[q] for s in shown) != pytest.approx(m[q]), (total, m, q)

    # (2) No published cell breaks a primary rule; suppressed cells carry a reason.
    for c in candidate.iter_rows(named=True):
        assert c["suppressed"] or not breaks_primary(c, POLICY), c
        assert (c["suppression_reason"] is not None) == c["suppressed"]

    # (3) The independent audit agrees.
    assert audit_disclosure(candidate, published, areas, {}) == []
