"""Disclosure control (indicators/disclosure.py, quantities.py, protection.py), attacked from outside.

Each protection test seeds one pattern of issue 13 into a tiny region, runs the suppression, and attacks what
it would publish twice: with the suppression's own exact LP (`indicators.protection.attacker_bounds`), and with
the independent audit (`quality.disclosure_audit`), which shares no code with the suppression. Publications
are made the way the pipeline makes them: counts rounded half up to 5, values computed from the rounded counts
(`tests.quality.test_disclosure_audit.publish`).
"""

from __future__ import annotations

import random
import tomllib
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.disclosure import (
    DisclosurePolicy,
    apply_disclosure,
    flag_disclosure,
    publish_cells,
)
from indicators.protection import EQ, LE, Relations, attacker_bounds
from indicators.quantities import build_model, links_frame, requirements
from pipelines.config import REPO_ROOT
from quality.disclosure_audit import POLICY_DEFAULTS, attack_publication
from tests.quality.test_disclosure_audit import KNOWN, KNOWN_INCOME, candidate, derived, link, publish
from tests.quality.test_disclosure_audit import areas as area_frame

POLICY = DisclosurePolicy()
SCHEMA = {
    "indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "area_level": pl.String,
    "stratum": pl.String, "kind": pl.String, "numerator": pl.Float64, "denominator": pl.Float64,
    "n": pl.Int64, "max_contribution": pl.Float64, "total": pl.Float64, "value": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "persons_with_event": pl.Int64, "units": pl.Int64,
    "max_exposure": pl.Float64, "exposure_total": pl.Float64,
}
PERIOD = 2024


def cell(area: str, level: str, numerator: float | None, denominator: float | None, *, n: int | None = None,
         stratum: str = "totaal", kind: str = "proportion", indicator: str = "ind", **extra: Any) -> dict[str, Any]:
    """One exact input cell; n defaults to the denominator (persons) as for a crude proportion."""
    if n is None and denominator is not None:
        n = int(denominator)
    value = numerator / denominator if numerator is not None and denominator else None
    if kind == "count":
        value = numerator
    return {"indicator_id": indicator, "period": PERIOD, "area_code": area, "area_level": level,
            "stratum": stratum, "kind": kind, "numerator": numerator, "denominator": denominator, "n": n,
            "value": value, "ci_low": None if value is None else value * 0.9,
            "ci_high": None if value is None else value * 1.1, **extra}


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


def reasons(flagged: pl.DataFrame, indicator: str | None = None) -> dict[tuple[str, str], str | None]:
    """{(area_code, stratum): suppression_reason} for one indicator."""
    rows = flagged.filter(pl.col("indicator_id") == indicator) if indicator else flagged
    return {(r["area_code"], r["stratum"]): r["suppression_reason"] for r in rows.iter_rows(named=True)}


def attacked(rows: list[dict[str, Any]], links: list[dict[str, Any]], tree: pl.DataFrame, flagged: pl.DataFrame):
    """The independent audit of what the pipeline would publish from `flagged`."""
    hidden = {(r["indicator_id"], r["area_code"], r["stratum"]): r["suppression_reason"]
              for r in flagged.iter_rows(named=True) if r["suppressed"]}
    return attack_publication(flagged, publish(rows, links, hidden), tree, {}, links)


# A lone region without children: cells there meet no sum, so only the primary rules act.
LONE = area_frame({"R": ("regio", None)})


def primary_outcomes(rows: list[dict[str, Any]]) -> list[str | None]:
    rows = [{**r, "indicator_id": f"i{i}"} for i, r in enumerate(rows)]  # no two rows share a quantity
    return flag_disclosure(frame(rows), LONE, POLICY)["suppression_reason"].to_list()


# ---------------------------------------------------------------- policy


def test_policy_defaults_follow_cbs_practice_and_the_audit_agrees():
    assert DisclosurePolicy() == DisclosurePolicy(10, 50, 30, 10, 0.5, 5, 5, 0.25, 3, 0.5)
    # The audit reads the same policy object; its dict form must name every threshold with its default.
    assert {f: getattr(POLICY, f) for f in POLICY.__dataclass_fields__} == POLICY_DEFAULTS


def test_policy_reads_the_disclosure_table_of_phm_toml():
    with open(REPO_ROOT / "phm.toml", "rb") as fh:
        assert DisclosurePolicy.from_mapping(tomllib.load(fh)["disclosure"]) == DisclosurePolicy()


def test_policy_from_mapping_keeps_defaults_and_rejects_unknown_keys():
    assert DisclosurePolicy.from_mapping({"min_count": 5}) == DisclosurePolicy(min_count=5)
    assert DisclosurePolicy.from_mapping(None) == DisclosurePolicy()
    with pytest.raises(ValueError, match="disclosure.min_cnt"):
        DisclosurePolicy.from_mapping({"min_cnt": 5})
    for key, bad in (("dominance_share", 1.5), ("rounding_base", 0), ("magnitude_protection", 0),
                     ("protection_width", 2.5), ("min_units", True)):
        with pytest.raises(ValueError, match=key):
            DisclosurePolicy.from_mapping({key: bad})


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


def test_primary_rates_count_the_persons_behind_the_events():
    assert primary_outcomes([
        cell("R", "regio", 3, 44.5, n=49, kind="rate", persons_with_event=3),    # 49 persons -> primary
        cell("R", "regio", 2, 300, n=301, kind="rate", persons_with_event=2),    # 2 deaths are 2 persons -> primary
        cell("R", "regio", 14, 480.0, n=500, kind="rate", persons_with_event=6),  # 14 ED visits of 6 persons -> primary
        cell("R", "regio", 14, 480.0, n=500, kind="rate", persons_with_event=10),  # of 10 persons -> published
        cell("R", "regio", 0, 480.0, n=500, kind="rate", persons_with_event=0),   # nobody -> published
        cell("R", "regio", 30, 49.5, n=52, kind="rate", persons_with_event=20),   # 49.5 person-years -> primary
        cell("R", "regio", None, None, n=9, kind="mean"),   # mean of 9 persons -> primary
        cell("R", "regio", None, None, n=10, kind="mean"),  # mean of 10 persons -> published
    ]) == ["primary", "primary", "primary", None, None, "primary", "primary", None]


def cost(persons: int, largest: float | None, total: float, **extra: Any) -> dict[str, Any]:
    return cell("R", "regio", total, persons, kind="cost", max_contribution=largest, total=total, **extra)


def test_primary_costs_dominance_and_the_top_group():
    assert primary_outcomes([
        cost(9, 1000, 9000),    # 9 persons -> primary
        cost(50, 600, 1000),    # largest 600 > 0.5 x 1000 -> dominance
        cost(50, 500, 1000),    # 500 is not more than half -> published
        cost(5, 900, 1000),     # too few persons and dominated -> primary (checked first)
        cost(50, None, 1000),   # dominance cannot be checked -> dominance
        cost(0, None, 0),       # no persons -> published
        cost(180, 300, 50000, persons_with_event=9),   # top 5 % of 180 = 9 persons -> primary
        cost(200, 300, 50000, persons_with_event=10),  # top group of 10 -> published
    ]) == ["primary", "dominance", None, "primary", "dominance", None, "primary", None]


def org(units: int | None, largest: float, total: float, largest_exposure: float, exposure: float) -> dict:
    return cell("R", "regio", total, exposure, n=400, kind="business", units=units, max_contribution=largest,
                total=total, max_exposure=largest_exposure, exposure_total=exposure)


def test_primary_organisations_need_three_and_no_dominant_one():
    assert primary_outcomes([
        org(1, 1200, 1200, 20000, 20000),   # one hospital -> primary
        org(2, 700, 1200, 11000, 20000),    # two organisations -> primary
        org(3, 500, 1200, 8000, 20000),     # three, none above half -> published
        org(3, 700, 1200, 8000, 20000),     # one carries 700 of 1200 sick days -> dominance
        org(4, 300, 1200, 11000, 20000),    # one carries 11000 of 20000 contract days -> dominance
        org(None, 300, 1200, 1000, 20000),  # the organisations cannot be counted -> primary
    ]) == ["primary", "primary", None, "dominance", "dominance", "primary"]


def test_input_contract_is_enforced():
    with pytest.raises(ValueError, match="unknown cell kind"):
        flag_disclosure(frame([cell("R", "regio", 10, 100, kind="ratio")]), LONE, POLICY)
    with pytest.raises(ValueError, match="twice"):
        flag_disclosure(frame([cell("R", "regio", 10, 100), cell("R", "regio", 20, 100)]), LONE, POLICY)
    with pytest.raises(ValueError, match="max_contribution"):
        flag_disclosure(frame([cell("R", "regio", 10, 100)]).drop("max_contribution"), LONE, POLICY)
    with pytest.raises(ValueError, match="'R' twice"):
        flag_disclosure(frame([cell("R", "regio", 10, 100)]), pl.concat([LONE, LONE]), POLICY)


# ---------------------------------------------------------------- the outsider's LP


def relations(rows: list[tuple[list[tuple[int, float]], int]]) -> Relations:
    entries = [(r, q, c) for r, (members, _) in enumerate(rows) for q, c in members]
    return Relations(np.array([e[0] for e in entries]), np.array([e[1] for e in entries]),
                     np.array([e[2] for e in entries], dtype=float), np.array([k for _, k in rows], dtype=np.int8))


def test_the_lp_finds_what_a_single_sum_and_a_cycle_allow():
    # W = B1 + B2 + B3 with values 55 = 3 + 12 + 40 (quantities 0..3), required for B1: [0, 8].
    w = relations([([(1, 1), (2, 1), (3, 1), (0, -1)], EQ)])
    alone = attacker_bounds([55, 3, 12, 40], [True, False, True, True], w, [1], [0], [8])
    assert alone.lower[0] == pytest.approx(3) and alone.upper[0] == pytest.approx(3) and not alone.protected[0]
    # B2 hidden too: B1 + B2 = 15, so B1 in [0, 15]; B2 (required [7, 17]) reaches only 15.
    both = attacker_bounds([55, 3, 12, 40], [True, False, False, True], w, [1, 2], [0, 7], [8, 17])
    assert both.protected.tolist() == [True, False] and both.upper[1] == pytest.approx(15)
    # A <= sum leaves room above: B1 + B2 + B3 <= W with B2, B3 known gives B1 in [0, 3 + 0] only when the
    # sum is tight; with W = 60 the slack of 5 lets B1 reach 8.
    loose = relations([([(1, 1), (2, 1), (3, 1), (0, -1)], LE)])
    assert attacker_bounds([60, 3, 12, 40], [True, False, True, True], loose, [1], [0], [8]).protected[0]


def test_the_lp_sees_through_three_sums_that_propagation_alone_cannot():
    # x + y = 10, x + z = 10, y + z = 10 (three hidden quantities, constants known): x = y = z = 5 exactly,
    # which bound propagation alone (each sum on its own) cannot pin: it leaves x in [0, 10].
    rows = relations([([(0, 1), (1, 1), (3, -1)], EQ), ([(0, 1), (2, 1), (3, -1)], EQ),
                      ([(1, 1), (2, 1), (3, -1)], EQ)])
    verdict = attacker_bounds([5, 5, 5, 10], [False, False, False, True], rows, [0], [0], [10])
    assert verdict.lower[0] == pytest.approx(5) and verdict.upper[0] == pytest.approx(5)
    assert not verdict.protected[0]


# ---------------------------------------------------------------- secondary suppression, attacked

HIERARCHY = area_frame({
    "R": ("regio", None), "G": ("gemeente", "R"),
    "W1": ("wijk", "G"), "W2": ("wijk", "G"),
    "B11": ("buurt", "W1"), "B12": ("buurt", "W1"), "B13": ("buurt", "W1"),
    "B21": ("buurt", "W2"), "B22": ("buurt", "W2"),
})
PROPORTION = [link("ind", denominator_key="ind|denominator", n_key="ind|n", numerator_key="ind|numerator")]


def test_a_sibling_covers_a_small_buurt():
    # B11 has 5 persons with the condition: W1 - B12 - B13 would give it. The cover is the sibling whose count
    # covers the required room (5 more) at the least cost: B12 (30 < 40). B11 then lies in [0, 35].
    rows = [
        cell("B11", "buurt", 5, 100), cell("B12", "buurt", 30, 120), cell("B13", "buurt", 40, 200),
        cell("B21", "buurt", 20, 80), cell("B22", "buurt", 25, 90), cell("W1", "wijk", 75, 420),
        cell("W2", "wijk", 45, 170), cell("G", "gemeente", 120, 590), cell("R", "regio", 120, 590),
    ]
    flagged = flag_disclosure(frame(rows), HIERARCHY, POLICY)
    assert {k: v for k, v in reasons(flagged).items() if v} == {("B11", "totaal"): "primary",
                                                                  ("B12", "totaal"): "secondary"}
    assert attacked(rows, PROPORTION, HIERARCHY, flagged).passed


def test_a_zero_is_never_cover():
    # B12 has nobody in it: hiding it hides nothing an outsider could not guess, so B13 goes.
    rows = [cell("B11", "buurt", 5, 100), cell("B12", "buurt", 0, 0), cell("B13", "buurt", 40, 200),
            cell("W1", "wijk", 45, 300)]
    flagged = flag_disclosure(frame(rows), HIERARCHY, POLICY)
    assert reasons(flagged) == {("B11", "totaal"): "primary", ("B12", "totaal"): None,
                                ("B13", "totaal"): "secondary", ("W1", "totaal"): None}


def test_two_small_buurten_do_not_cover_each_other():
    # B11 (5) and B12 (3) are both primary; hidden together they sum to 48 - 40 = 8, so B11 could be at most 8,
    # short of the required 5 + 5 = 10. The old rule (two suppressed members suffice) stopped here; now B13
    # (40) is hidden too and B11 lies in [0, 48].
    rows = [cell("B11", "buurt", 5, 100), cell("B12", "buurt", 3, 100), cell("B13", "buurt", 40, 200),
            cell("W1", "wijk", 48, 400)]
    flagged = flag_disclosure(frame(rows), HIERARCHY, POLICY)
    assert reasons(flagged) == {("B11", "totaal"): "primary", ("B12", "totaal"): "primary",
                                ("B13", "totaal"): "secondary", ("W1", "totaal"): None}
    assert attacked(rows, PROPORTION, HIERARCHY, flagged).passed


def test_residents_outside_any_buurt_are_room_enough_or_not():
    areas = area_frame({"R": ("regio", None), "G": ("gemeente", "R"), "W": ("wijk", "G"), "B": ("buurt", "W")})
    # B (5) is W's only buurt, but 7 of W's 12 live in no known buurt: B <= 12 leaves it in [0, 12], which
    # covers [0, 10]; nothing else is hidden.
    roomy = [cell("B", "buurt", 5, 100), cell("W", "wijk", 12, 103), cell("G", "gemeente", 12, 103),
             cell("R", "regio", 12, 103)]
    assert reasons(flag_disclosure(frame(roomy), areas, POLICY)) == {
        ("B", "totaal"): "primary", ("W", "totaal"): None, ("G", "totaal"): None, ("R", "totaal"): None}
    # With one resident outside (B <= 6) the wijk must go, and with it every level above, each the only
    # member of its parent.
    tight = [cell("B", "buurt", 5, 100), cell("W", "wijk", 6, 101), cell("G", "gemeente", 6, 101),
             cell("R", "regio", 6, 101)]
    flagged = flag_disclosure(frame(tight), areas, POLICY)
    assert reasons(flagged) == {("B", "totaal"): "primary", ("W", "totaal"): "primary",
                                ("G", "totaal"): "primary", ("R", "totaal"): "primary"}  # 6 is small itself
    assert attacked(tight, PROPORTION, areas, flagged).passed


def test_strata_cover_and_cells_hidden_only_for_precision():
    # geslacht:M has 5 persons -> V (55) covers it. The leeftijd cells under 50 persons are hidden for precision
    # only: their numerators (0, 10, 10) are not small, so they need no cover and 18-64 stays published.
    strata = [("totaal", 60, 300), ("geslacht:M", 5, 140), ("geslacht:V", 55, 160), ("inkomen:q1", 10, 60),
              ("inkomen:q2", 20, 80), ("inkomen:q3", 30, 160), ("leeftijd:0-17", 0, 40),
              ("leeftijd:18-64", 40, 180), ("leeftijd:65-74", 10, 35), ("leeftijd:75+", 10, 45)]
    rows = [cell("R", "regio", a, b, stratum=s) for s, a, b in strata]
    flagged = flag_disclosure(frame(rows), LONE, POLICY)
    assert reasons(flagged) == {
        ("R", "totaal"): None, ("R", "geslacht:M"): "primary", ("R", "geslacht:V"): "secondary",
        ("R", "inkomen:q1"): None, ("R", "inkomen:q2"): None, ("R", "inkomen:q3"): None,
        ("R", "leeftijd:0-17"): "primary", ("R", "leeftijd:18-64"): None, ("R", "leeftijd:65-74"): "primary",
        ("R", "leeftijd:75+"): "primary",
    }
    assert attacked(rows, PROPORTION, LONE, flagged).passed


def test_the_zero_cover_pattern_of_the_issue_is_protected():
    # ph_dementie, wijk W1: totaal 41 = 0-17 0 + 18-64 11 + 65-74 5 + 75+ 25. The 65-74 cell (5) must not be
    # covered by 0-17 (0, guessable); its cover is 18-64 (11), and the gemeente's 65-74 column is closed too.
    tree = area_frame({"G": ("gemeente", None), "W1": ("wijk", "G"), "W2": ("wijk", "G")})
    num = {"W1": (41, 0, 11, 5, 25), "W2": (62, 0, 16, 13, 33), "G": (103, 0, 27, 18, 58)}
    den = {"W1": (1152, 301, 602, 151, 98), "W2": (1452, 398, 703, 204, 147), "G": (2604, 699, 1305, 355, 245)}
    ages = ("totaal", "leeftijd:0-17", "leeftijd:18-64", "leeftijd:65-74", "leeftijd:75+")
    rows = [cell(a, "gemeente" if a == "G" else "wijk", x, d, stratum=s, indicator="ph_dementie")
            for a in num for s, x, d in zip(ages, num[a], den[a], strict=True)]
    flagged = flag_disclosure(frame(rows), tree, POLICY)
    hidden = {k for k, v in reasons(flagged).items() if v}
    assert ("W1", "leeftijd:65-74") in hidden and ("W1", "leeftijd:0-17") not in hidden
    assert ("W1", "leeftijd:18-64") in hidden
    assert attacked(rows, [link("ph_dementie")], tree, flagged).passed


# 65+ is published beside the age groups and is their sum: 65+ = 65-74 + 75+ (catalogue stratum_groups).
GROUPED = [{"stratum": "leeftijd:65+", "member": "leeftijd:65-74"}, {"stratum": "leeftijd:65+", "member": "leeftijd:75+"}]
AGES_65 = ("totaal", "leeftijd:0-17", "leeftijd:18-64", "leeftijd:65-74", "leeftijd:75+", "leeftijd:65+")


@pytest.mark.parametrize(("numerators", "primary"), [
    # 65-74 holds 6 persons (primary). Published 65+ (60 -> 60, so 58..62) and 75+ (54 -> 55, so 53..57) give
    # 65-74 = 65+ - 75+ in [1, 9]: 11 (= 6 + 5) is excluded, the protection fails.
    ((200, 40, 100, 6, 54, 60), {"leeftijd:65-74"}),
    # 0-17 holds 7 and 65-74 holds 6 (both primary). totaal 200 (198..202), 18-64 120 (118..122), 65+ 73 -> 75
    # (73..77): 0-17 = totaal - 18-64 - 65+ in [198 - 122 - 77, 202 - 118 - 73] = [0, 11], 12 excluded; 75+ 67 -> 65
    # (63..67): 65-74 = 65+ - 75+ in [73 - 67, 77 - 63] = [6, 14], 1 excluded.
    ((200, 7, 120, 6, 67, 73), {"leeftijd:0-17", "leeftijd:65-74"}),
])
def test_65_plus_is_a_sum_of_age_groups_that_no_difference_gives_back(numerators, primary):
    # One region, residents 2000 = 500 + 1000 + 250 + 250 (65+ = 500). Unaware of the group, 65+ looks like a
    # fifth member of leeftijd: the members (numerators 260 > 200) exceed totaal, the sum is dropped and only the
    # primary cells are hidden. The audit, told that 65+ = 65-74 + 75+, differences 65+ - 75+ and flags that naive
    # publication; the protection, told the same, hides more, and the audit passes it.
    denominators = (2000, 500, 1000, 250, 250, 500)
    rows = [cell("R", "regio", x, d, stratum=s) for s, x, d in zip(AGES_65, numerators, denominators, strict=True)]
    naive_links, grouped_links = [link("ind")], [link("ind", stratum_groups=GROUPED)]
    naive = flag_disclosure(frame(rows), LONE, POLICY, links_frame(naive_links))
    assert {s for (_, s), reason in reasons(naive).items() if reason} == primary
    report = attacked(rows, grouped_links, LONE, naive)
    assert {v.stratum for v in report.violations if v.rule in ("narrow_interval", "recoverable")} == primary
    assert attacked(rows, naive_links, LONE, naive).passed  # an audit unaware of the group is blind to it
    protected = flag_disclosure(frame(rows), LONE, POLICY, links_frame(grouped_links))
    hidden = {s for (_, s), reason in reasons(protected).items() if reason}
    assert hidden > primary and hidden & {"leeftijd:75+", "leeftijd:65+"}
    assert attacked(rows, grouped_links, LONE, protected).passed
    # the protection's own LP agrees: every protected count keeps its interval given what is published
    model_links = links_frame(grouped_links)
    work = frame(rows).with_row_index("_rid").with_columns(
        pl.when(pl.col("stratum").is_in(list(primary))).then(pl.lit("primary")).alias("_primary"))
    model = build_model(work, LONE, model_links)
    need = requirements(work, model, POLICY)
    known = ~np.isin(model.quantities["stratum"].to_numpy(), list(hidden))
    verdict = attacker_bounds(model.quantities["value"].to_numpy(), known, model.relations,
                              need["qid"].cast(pl.Int64).to_numpy(), need["low"].to_numpy(), need["high"].to_numpy())
    assert verdict.protected.all()


SEGMENT_COUNTS = {"gezond": 130, "chronisch": 70, "multimorbide": 40, "kwetsbaar": 20, "ggz": 13, "sociaal": 12,
                  "levenseinde": 9}  # 294 residents in buurt B


def segment_rows() -> list[dict[str, Any]]:
    return [cell("B", "buurt", count, 294, indicator=f"phm_segment_{s}") for s, count in SEGMENT_COUNTS.items()]


SEGMENT_LINKS = [link(f"phm_segment_{s}", numerator_key=f"segment:{s}", partition="segments") for s in SEGMENT_COUNTS]


def test_a_segment_is_not_left_as_the_residents_minus_the_others():
    # levenseinde (9) is primary; the residents (294) are published as every segment's denominator, so the six
    # other segments would give it back: the partition needs a cover, the cheapest that covers 5 more: sociaal
    # (12; 13 and up are larger). Without the catalogue's partition the link is unknown and nothing else goes
    # (then only rounding protects it: 294 - the six others, each +-2, leaves it in [0, 24]).
    buurt = area_frame({"B": ("buurt", None)})
    flagged = flag_disclosure(frame(segment_rows()), buurt, POLICY, links_frame(SEGMENT_LINKS))
    assert {k: v for k, v in reasons(flagged, "phm_segment_sociaal").items()} == {("B", "totaal"): "secondary"}
    assert flagged.filter(pl.col("suppressed"))["indicator_id"].sort().to_list() == [
        "phm_segment_levenseinde", "phm_segment_sociaal"]
    assert attacked(segment_rows(), SEGMENT_LINKS, buurt, flagged).passed
    assert flag_disclosure(frame(segment_rows()), buurt, POLICY)["suppressed"].sum() == 1


def test_two_deaths_are_hidden_in_every_indicator_that_counts_them():
    # 2 deaths among 301 residents, counted by the mortality rate and by segment levenseinde: one quantity.
    buurt = area_frame({"B": ("buurt", None)})
    links = [link("ph_sterfte_per_1000", "rate", numerator_key="segment:levenseinde", multiplier=1000.0),
             link("phm_segment_levenseinde", numerator_key="segment:levenseinde"),
             link("phm_segment_gezond", numerator_key="segment:gezond")]
    rows = [cell("B", "buurt", 2, 301, kind="rate", persons_with_event=2, indicator="ph_sterfte_per_1000"),
            cell("B", "buurt", 2, 301, indicator="phm_segment_levenseinde"),
            cell("B", "buurt", 299, 301, indicator="phm_segment_gezond")]
    flagged = flag_disclosure(frame(rows), buurt, POLICY, links_frame(links))
    # gezond has complement 2 (the two who died): primary on its own rule
    assert reasons(flagged, "ph_sterfte_per_1000") == {("B", "totaal"): "primary"}
    assert reasons(flagged, "phm_segment_levenseinde") == {("B", "totaal"): "primary"}
    assert reasons(flagged, "phm_segment_gezond") == {("B", "totaal"): "primary"}
    assert attacked(rows, links, buurt, flagged).passed


def test_a_dominated_cost_cell_gets_cover_large_enough():
    # B11 costs 1000 euro, 600 of it one person's: dominance. Its total must stay unknown between
    # 1000 x 0.75 = 750 and max(1000 x 1.25, 600 / 0.5) = 1200, so a cover must add at least 200 euro of room:
    # B12 (900) does, at the lowest cost; B13 (5000) stays published. B11 then lies in [0, 1900].
    rows = [cost_cell("B11", 1000, 600, 40), cost_cell("B12", 900, 100, 50), cost_cell("B13", 5000, 300, 200),
            cost_cell("W1", 6900, 600, 290, level="wijk")]
    flagged = flag_disclosure(frame(rows), HIERARCHY, POLICY)
    assert reasons(flagged) == {("B11", "totaal"): "dominance", ("B12", "totaal"): "secondary",
                                ("B13", "totaal"): None, ("W1", "totaal"): None}
    links = [link("ind", "mean", numerator_key=None, denominator_key="ind|denominator", n_key="ind|n",
                  magnitude_key="ind|total", multiplier=1.0)]
    assert attacked(rows, links, HIERARCHY, flagged).passed


def cost_cell(area: str, total: float, largest: float, persons: int, level: str = "buurt") -> dict[str, Any]:
    return cell(area, level, None, persons, n=persons, kind="cost", max_contribution=largest, total=total)


def test_the_lowest_income_group_is_not_given_away_by_he_laag_inkomen():
    # Wijk W: 200 residents, 195 of them in income quintile 1, so he_laag_inkomen totaal (195 of 200) has a
    # complement of 5: primary. ph_x publishes the residents per quintile as its denominators, and Q1's
    # denominator is he_laag_inkomen's numerator: it must go too (secondary), with Q2 (5 residents, small).
    wijk = area_frame({"W": ("wijk", None)})
    links = [link("he_laag_inkomen", numerator_is_stratum="inkomen:q1"), link("ph_x")]
    quintiles = {"inkomen:q1": (20, 195), "inkomen:q2": (1, 5)}  # q3..q5 have nobody: no cell
    rows = [cell("W", "wijk", 195, 200, indicator="he_laag_inkomen"),
            cell("W", "wijk", 21, 200, indicator="ph_x")]
    rows += [cell("W", "wijk", x, d, stratum=s, indicator="ph_x") for s, (x, d) in quintiles.items()]
    flagged = flag_disclosure(frame(rows), wijk, POLICY, links_frame(links))
    assert reasons(flagged, "he_laag_inkomen") == {("W", "totaal"): "primary"}
    hidden = {k: v for k, v in reasons(flagged, "ph_x").items() if v}
    assert hidden == {("W", "inkomen:q1"): "secondary", ("W", "inkomen:q2"): "primary"}
    assert attacked(rows, links, wijk, flagged).passed


def test_no_income_quintile_is_differenced_out_of_the_known_income_denominator():
    # Wijk W (tests/quality/test_disclosure_audit.py, case h): 300 residents, 294 of known income, Q5 has 4 (primary).
    # he_laag_inkomen's denominator is the five quintiles, so publishing it and Q1-Q4 gives Q5 back: 294 - 290 = 4.
    # Disclosure control must hide more, so that even an attacker who reads every published count exactly (values
    # from exact counts) narrows no protected count; without the relation it hides too little.
    wijk = area_frame({"W": ("wijk", None)})
    diabetes = [cell("W", "wijk", x, d, stratum=s, indicator="ph_diabetes") for s, (x, d) in KNOWN.items()]
    low_income = cell("W", "wijk", 60, 294, indicator="he_laag_inkomen")
    unknown = cell("W", "wijk", 6, 300, indicator="he_inkomen_onbekend")  # 6 residents: primary

    def hidden_by(rows: list[dict], links: list[dict]) -> dict[tuple, str]:
        flagged = flag_disclosure(frame(rows), wijk, POLICY, links_frame(links))
        return {(r["indicator_id"], r["area_code"], r["stratum"]): r["suppression_reason"]
                for r in flagged.iter_rows(named=True) if r["suppressed"]}

    def narrowed(rows: list[dict], hidden: dict[tuple, str]) -> set[tuple[str, str]]:
        exact_rows = [{k: v for k, v in r.items() if k not in ("value", "ci_low", "ci_high")} for r in rows]
        return derived(attack_publication(candidate(exact_rows), publish(exact_rows, KNOWN_INCOME, hidden,
                                                                         from_exact=True), wijk, {}, KNOWN_INCOME))

    rows = [*diabetes, low_income]
    aware = hidden_by(rows, KNOWN_INCOME)
    assert aware[("ph_diabetes", "W", "inkomen:q5")] == "primary" and "secondary" in aware.values()
    assert narrowed(rows, aware) == set()
    unaware = hidden_by(rows, [{k: v for k, v in entry.items() if k not in ("denominator_is_stratum",
                                                                           "stratum_groups")}
                               for entry in KNOWN_INCOME])
    assert unaware == {("ph_diabetes", "W", "inkomen:q5"): "primary"}
    assert narrowed(rows, unaware) == {("ph_diabetes", "inkomen:q5")}
    # With the onbekend count published beside it (primary), totaal - known gives onbekend back too: still covered.
    rows = [*diabetes, low_income, unknown]
    both = hidden_by(rows, KNOWN_INCOME)
    assert both[("he_inkomen_onbekend", "W", "totaal")] == "primary"
    assert both[("he_laag_inkomen", "W", "totaal")] == "secondary"
    assert narrowed(rows, both) == set()


# ---------------------------------------------------------------- what readers see


def test_published_counts_are_rounded_and_suppressed_cells_emptied():
    rows = [
        cell("R", "regio", 12, 123, indicator="a"),               # -> 10 / 125, n 125
        cell("R", "regio", 12.5, 122, n=122, indicator="b"),       # half up: 12.5 -> 15; 122 -> 120
        cell("R", "regio", 5, 100, indicator="c"),                 # primary -> all nulls
        cell("R", "regio", 17, None, n=17, kind="count", indicator="d"),  # a count's value is rounded too: 15
    ]
    out = apply_disclosure(frame(rows), LONE, POLICY)
    assert out.columns == [*SCHEMA, "suppressed", "suppression_reason"]
    a, b, c, d = out.iter_rows(named=True)
    assert (a["numerator"], a["denominator"], a["n"]) == (10, 125, 125)
    assert (b["numerator"], b["denominator"], b["n"]) == (15, 120, 120)
    assert c["suppressed"] and c["suppression_reason"] == "primary"
    assert [c[k] for k in ("value", "ci_low", "ci_high", "numerator", "denominator", "n")] == [None] * 6
    assert (d["numerator"], d["n"], d["value"]) == (15, 15, 15)
    assert not a["suppressed"] and a["suppression_reason"] is None


def test_publish_cells_shows_the_estimates_of_rounded_counts_with_the_exact_flags():
    exact = frame([cell("R", "regio", 12, 123, indicator="a"), cell("R", "regio", 5, 100, indicator="c")])
    flagged = flag_disclosure(exact, LONE, POLICY)
    # the estimate from rounded counts: 10 / 125 = 0.08 (what the pipeline computes with round_statistics)
    protected = frame([cell("R", "regio", 10, 125, indicator="a"), cell("R", "regio", 5, 100, indicator="c")]) \
        .with_columns(comparison=pl.Series(["hoger", "lager"]))
    out = publish_cells(flagged, protected, POLICY)
    a, c = out.iter_rows(named=True)
    assert a["value"] == pytest.approx(0.08) and (a["numerator"], a["denominator"]) == (10, 125)
    assert a["comparison"] == "hoger"
    assert c["suppressed"] and c["value"] is None and c["comparison"] is None
    with pytest.raises(ValueError, match="disclosure flags do not"):
        publish_cells(flagged.filter(pl.col("indicator_id") == "a"), protected, POLICY)


def test_rows_keep_their_order_and_the_result_does_not_depend_on_it():
    cells = frame([cell(a, "wijk" if a.startswith("W") else "buurt", x, d, stratum=s) for a, s, x, d in [
        ("B11", "geslacht:M", 5, 90), ("B11", "geslacht:V", 35, 110), ("B11", "totaal", 40, 200),
        ("B12", "geslacht:M", 30, 100), ("B12", "geslacht:V", 30, 100), ("B12", "totaal", 60, 200),
        ("B13", "geslacht:M", 40, 150), ("B13", "geslacht:V", 45, 160), ("B13", "totaal", 85, 310),
        ("W1", "geslacht:M", 75, 340), ("W1", "geslacht:V", 110, 370), ("W1", "totaal", 185, 710)]])
    out = apply_disclosure(cells, HIERARCHY, POLICY)
    assert out.select("area_code", "stratum").rows() == cells.select("area_code", "stratum").rows()
    shuffled = cells.sample(fraction=1.0, shuffle=True, seed=7)
    assert reasons(flag_disclosure(shuffled, HIERARCHY, POLICY)) == reasons(out)
    assert reasons(out)[("B11", "geslacht:M")] == "primary"


def test_empty_input_gives_empty_output():
    out = apply_disclosure(frame([]), LONE, POLICY)
    assert out.height == 0 and out.columns[-2:] == ["suppressed", "suppression_reason"]


# ---------------------------------------------------------------- random regions: the audit finds nothing

SEXES = ("geslacht:M", "geslacht:V")
AGES = ("leeftijd:jong", "leeftijd:oud")


@st.composite
def regions(draw: st.DrawFn) -> tuple[list[dict[str, Any]], pl.DataFrame, list[dict[str, Any]]]:
    """A random buurt -> wijk -> gemeente -> regio tree: per sex x age band residents, with a condition and
    with deaths (a proportion, a rate and the segments of the residents), summed upwards; buurten carry
    `totaal` only, as in the pipeline. Sometimes a wijk has residents without a known buurt."""
    additive = draw(st.booleans())
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    tree: dict[str, tuple[str, str | None]] = {"R": ("regio", None)}
    ancestors: dict[str, list[str]] = {}
    base: dict[tuple[str, str, str], tuple[int, int, int]] = {}
    for g in range(draw(st.integers(1, 2))):
        tree[f"G{g}"] = ("gemeente", "R")
        for w in range(draw(st.integers(1, 3))):
            wijk = f"G{g}W{w}"
            tree[wijk] = ("wijk", f"G{g}")
            units = [f"{wijk}B{b}" for b in range(draw(st.integers(1, 3)))]
            for b in units:
                tree[b] = ("buurt", wijk)
                ancestors[b] = [b, wijk, f"G{g}", "R"]
            if not additive:
                units.append(f"{wijk}?")
                ancestors[f"{wijk}?"] = [wijk, f"G{g}", "R"]
            scale = rng.choice([10, 40, 120, 300])
            for unit in units:
                for sex in SEXES:
                    for age in AGES:
                        persons = rng.randint(0, scale)
                        ill = rng.randint(0, persons)
                        base[(unit, sex, age)] = (persons, ill, rng.randint(0, min(persons, 3)))
    sums: dict[tuple[str, str], list[int]] = {}
    for (unit, sex, age), counts in base.items():
        for area in ancestors[unit]:
            level = tree[area][0]
            for stratum in ("totaal",) if level == "buurt" else ("totaal", sex, age):
                acc = sums.setdefault((area, stratum), [0, 0, 0])
                for i, c in enumerate(counts):
                    acc[i] += c
    rows = []
    for (area, stratum), (persons, ill, died) in sorted(sums.items()):
        level = tree[area][0]
        rows.append(cell(area, level, ill, persons, stratum=stratum, indicator="ph_ziek"))
        rows.append(cell(area, level, died, persons, stratum=stratum, kind="rate", persons_with_event=died,
                         indicator="ph_sterfte"))
        rows.append(cell(area, level, died, persons, stratum=stratum, indicator="phm_segment_levenseinde"))
        rows.append(cell(area, level, persons - died, persons, stratum=stratum, indicator="phm_segment_rest"))
    links = [link("ph_ziek"), link("ph_sterfte", "rate", numerator_key="segment:levenseinde", multiplier=1000.0),
             link("phm_segment_levenseinde", numerator_key="segment:levenseinde", partition="segments"),
             link("phm_segment_rest", numerator_key="segment:rest", partition="segments")]
    return rows, area_frame(tree), links


@pytest.mark.slow  # 40 random regions, each suppressed and attacked by LP: 10-25 s, a third of the fast run
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regions())
def test_random_regions_leave_the_attacker_nothing(region):
    rows, tree, links = region
    flagged = flag_disclosure(frame(rows), tree, POLICY, links_frame(links))
    # no published cell breaks a primary rule, every suppressed cell has a reason
    for c in flagged.iter_rows(named=True):
        assert (c["suppression_reason"] is not None) == c["suppressed"]
        small = [x for x in (c["numerator"], c["n"]) if x is not None and 0 < x < POLICY.min_count]
        assert c["suppressed"] or not small, c
    # and the independent audit, attacking with every sum and rounding interval, finds nothing
    report = attacked(rows, links, tree, flagged)
    assert report.passed, [v.message for v in report.violations[:3]]
