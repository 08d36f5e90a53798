"""The attacker's audit (quality/disclosure_audit.py): every test attacks a small hand-made publication.

Each attack seeds one pattern of issue 13 in a tiny region and shows the audit finds it; a variant protected
the way disclosure control should protect it passes. Publications are made here by `publish`: counts rounded
half-up to 5 and values and intervals computed from the rounded counts (or, `from_exact=True`, from the exact
counts, as the first version of the pipeline did). Suppression is chosen by hand in each test.
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.methods.poisson import poisson_interval
from indicators.methods.wilson import wilson_interval
from pipelines.config import REPO_ROOT
from quality.bound_propagation import LinearRelations, propagate_bounds, sharpen_with_lp
from quality.counts_from_values import PublishedCells, recover_counts
from quality.disclosure_audit import (
    POLICY_DEFAULTS,
    AuditReport,
    Violation,
    attack_publication,
    audit_disclosure,
    policy_from_mapping,
)

CANDIDATE_SCHEMA = {
    "indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "area_level": pl.String,
    "stratum": pl.String, "kind": pl.String, "numerator": pl.Float64, "denominator": pl.Float64, "n": pl.Int64,
    "persons_with_event": pl.Int64, "units": pl.Int64, "max_contribution": pl.Float64, "total": pl.Float64,
    "max_exposure": pl.Float64, "exposure_total": pl.Float64,
}
PUBLISHED_SCHEMA = {
    "indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "area_level": pl.String,
    "stratum": pl.String, "numerator": pl.Float64, "denominator": pl.Float64, "n": pl.Int64, "value": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "suppressed": pl.Boolean, "suppression_reason": pl.String,
    "comparison": pl.String,
}
RESIDENTS = "person_year|true|rows"
PERIOD = 2024


# ---------------------------------------------------------------- building publications


def areas(tree: dict[str, tuple[str, str | None]]) -> pl.DataFrame:
    """areas from {code: (level, parent_code)}."""
    return pl.DataFrame({"area_code": list(tree), "area_level": [lv for lv, _ in tree.values()],
                         "parent_code": [p for _, p in tree.values()]},
                        schema={"area_code": pl.String, "area_level": pl.String, "parent_code": pl.String})


def link(indicator: str, method: str = "proportion", *, numerator_key: str | None = None,
         denominator_key: str = RESIDENTS, n_key: str | None = None, multiplier: float = 100.0,
         **extra: Any) -> dict[str, Any]:
    """One entry of Catalogue.disclosure_links(); by default a proportion of residents."""
    return {"indicator_id": indicator, "method": method, "multiplier": multiplier,
            "numerator_key": numerator_key or f"{indicator}|numerator", "denominator_key": denominator_key,
            "n_key": n_key or denominator_key, "magnitude_key": extra.pop("magnitude_key", None),
            "partition": extra.pop("partition", None), "numerator_is_stratum": extra.pop("numerator_is_stratum", None),
            "top_fraction": extra.pop("top_fraction", None), **extra}


def exact(indicator: str, area: str, level: str, numerator: float | None, denominator: float | None,
          stratum: str = "totaal", *, kind: str = "proportion", n: int | None = None, **extra: Any) -> dict[str, Any]:
    """One candidate cell (exact counts); n defaults to the denominator (persons)."""
    return {"indicator_id": indicator, "period": PERIOD, "area_code": area, "area_level": level, "stratum": stratum,
            "kind": kind, "numerator": numerator, "denominator": denominator,
            "n": n if n is not None else (int(denominator) if denominator is not None else None), **extra}


def rounded(x: float | None, base: int = 5) -> float | None:
    return None if x is None else float(base * math.floor(x / base + 0.5))


def _value(method: str, multiplier: float, x: float | None, d: float | None, total: float | None) -> tuple:
    """value, ci_low, ci_high as the publication computes them from counts x / d (or a magnitude total)."""
    if method == "proportion":
        low, high = wilson_interval(x, d)
        return multiplier * x / d, multiplier * float(low), multiplier * float(high)
    if method == "rate":
        low, high = poisson_interval(x)
        return multiplier * x / d, multiplier * float(low) / d, multiplier * float(high) / d
    if method == "ratio":
        return multiplier * x / d, None, None
    return multiplier * total / d, None, None  # mean: the summed magnitude over the rounded denominator


def publish(rows: list[dict[str, Any]], links: list[dict[str, Any]], hidden: dict[tuple, str] | None = None,
            *, from_exact: bool = False) -> pl.DataFrame:
    """What readers see: rounded counts, values from them (or from the exact counts), hidden cells masked."""
    hidden = hidden or {}
    methods = {entry["indicator_id"]: entry for entry in links}
    out = []
    for r in rows:  # a handful of cells per test
        row = {k: r[k] for k in ("indicator_id", "period", "area_code", "area_level", "stratum")}
        reason = hidden.get((r["indicator_id"], r["area_code"], r["stratum"]))
        if reason:
            out.append({**row, "suppressed": True, "suppression_reason": reason})
            continue
        entry = methods[r["indicator_id"]]
        num, den, n = rounded(r["numerator"]), rounded(r["denominator"]), rounded(r["n"])
        x, d = (r["numerator"], r["denominator"]) if from_exact else (num, den)
        value, low, high = _value(entry["method"], entry["multiplier"], x, d, r.get("total"))
        out.append({**row, "numerator": num, "denominator": den, "n": None if n is None else int(n), "value": value,
                    "ci_low": low, "ci_high": high, "suppressed": False})
    return pl.DataFrame(out, schema=PUBLISHED_SCHEMA)


def candidate(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CANDIDATE_SCHEMA)


def attack(rows, links, tree, hidden=None, *, from_exact=False, use_links=True, **policy) -> AuditReport:
    return attack_publication(candidate(rows), publish(rows, links, hidden, from_exact=from_exact), areas(tree),
                              policy, links if use_links else None)


def found(report: AuditReport, rule: str) -> list[Violation]:
    return [v for v in report.violations if v.rule == rule]


def at(report: AuditReport, rule: str, indicator: str, area: str, stratum: str = "totaal") -> list[Violation]:
    return [v for v in found(report, rule) if (v.indicator_id, v.area_code, v.stratum) == (indicator, area, stratum)]


# ---------------------------------------------------------------- (a) a published zero used as cover

DEMENTIA = [link("ph_dementie")]
# Dementia by age in two wijken of one gemeente; every cell adds up exactly (G = W1 + W2, totaal = sum of ages).
#              totaal  0-17  18-64  65-74  75+
DEMENTIA_NUM = {"W1": (41, 0, 11, 5, 25), "W2": (62, 0, 16, 13, 33), "G": (103, 0, 27, 18, 58)}
DEMENTIA_DEN = {"W1": (1152, 301, 602, 151, 98), "W2": (1452, 398, 703, 204, 147), "G": (2604, 699, 1305, 355, 245)}
AGES = ("totaal", "leeftijd:0-17", "leeftijd:18-64", "leeftijd:65-74", "leeftijd:75+")
GEMEENTE = {"G": ("gemeente", None), "W1": ("wijk", "G"), "W2": ("wijk", "G")}


def dementia_cells() -> list[dict[str, Any]]:
    return [exact("ph_dementie", area, GEMEENTE[area][0], num, den, stratum)
            for area in DEMENTIA_NUM
            for stratum, num, den in zip(AGES, DEMENTIA_NUM[area], DEMENTIA_DEN[area], strict=True)]


def hide(cells: list[tuple[str, str]], primary: tuple[str, str]) -> dict[tuple, str]:
    return {("ph_dementie", area, stratum): "primary" if (area, stratum) == primary else "secondary"
            for area, stratum in cells}


def test_a_zero_published_as_cover_gives_the_hidden_age_group_back():
    # The pattern: W1 65-74 (5 persons) is primary and covered by W1 0-17, which is 0; the 65-74 column is
    # hidden in W2 and G too, W2's again with a zero 0-17 as cover. With values computed from exact counts every
    # published count is exact, so W1 0-17 + W2 0-17 = G 0-17 = 0 makes both zeros exact, and
    # W1 65-74 = 41 - 11 - 25 - 0 = 5.
    hidden = hide([("W1", "leeftijd:65-74"), ("W1", "leeftijd:0-17"), ("W2", "leeftijd:65-74"),
                   ("W2", "leeftijd:0-17"), ("G", "leeftijd:65-74")], primary=("W1", "leeftijd:65-74"))
    report = attack(dementia_cells(), DEMENTIA, GEMEENTE, hidden, from_exact=True)
    pinned = at(report, "recoverable", "ph_dementie", "W1", "leeftijd:65-74")
    assert pinned and "numerator 5 " in pinned[0].message and pinned[0].shortfall == 1.0
    assert found(report, "value_reveals_counts")  # the root cause is reported too


def test_a_protected_variant_passes():
    # Values from rounded counts, and W1 65-74 covered by a real cover, W1 18-64, and in the gemeente's columns by
    # W2 65-74 and W2 18-64 (a 2x2 rectangle). Integers behind the rounded counts: W1 totaal 41 -> 40: 38..42,
    # 0-17 0: 0..2, 75+ 25: 23..27, so W1 18-64 + 65-74 lies in [38 - 2 - 27, 42 - 0 - 23] = [9, 19];
    # G 65-74 18 -> 20: 18..22. W1 65-74 stays in [0, 19], wider than the required [5 - 5, 5 + 5] = [0, 10].
    hidden = hide([("W1", "leeftijd:65-74"), ("W1", "leeftijd:18-64"), ("W2", "leeftijd:65-74"),
                   ("W2", "leeftijd:18-64")], primary=("W1", "leeftijd:65-74"))
    report = attack(dementia_cells(), DEMENTIA, GEMEENTE, hidden)
    assert report.violations == ()
    assert report.closest is not None and report.closest_margin >= 0


def test_empty_cells_published_as_geen_waarnemingen_are_checked_to_be_empty():
    # The protected variant above plus a 65+ row of 0 persons in a third wijk W3 (counts 0, shown as
    # "geen waarnemingen"), as the published grid adds it: a zero is no cover and needs none, so it still passes.
    tree = {**GEMEENTE, "W3": ("wijk", "G")}
    hidden = hide([("W1", "leeftijd:65-74"), ("W1", "leeftijd:18-64"), ("W2", "leeftijd:65-74"),
                   ("W2", "leeftijd:18-64")], primary=("W1", "leeftijd:65-74"))
    empty = exact("ph_dementie", "W3", "wijk", 0, 0, "leeftijd:65-74")
    report = attack([*dementia_cells(), empty], DEMENTIA, tree,
                    {**hidden, ("ph_dementie", "W3", "leeftijd:65-74"): "geen waarnemingen"})
    assert report.violations == ()
    # A cell with 4 persons published as "geen waarnemingen" tells readers 0: wrong, and the audit says so.
    wrong = exact("ph_dementie", "W3", "wijk", 4, 60, "leeftijd:65-74")
    report = attack([*dementia_cells(), wrong], DEMENTIA, tree,
                    {**hidden, ("ph_dementie", "W3", "leeftijd:65-74"): "geen waarnemingen"})
    assert at(report, "not_empty", "ph_dementie", "W3", "leeftijd:65-74")

# ---------------------------------------------------------------- (b) segments add up to the residents

SEGMENTS = {"gezond": 130, "chronisch": 70, "multimorbide": 40, "kwetsbaar": 20, "ggz": 13, "sociaal": 12,
            "levenseinde": 9}  # 294 residents in buurt B
SEGMENT_LINKS = [link(f"phm_segment_{s}", numerator_key=f"segment:{s}", partition="segments") for s in SEGMENTS]
BUURT = {"B": ("buurt", None)}


def segment_cells() -> list[dict[str, Any]]:
    return [exact(f"phm_segment_{s}", "B", "buurt", count, 294) for s, count in SEGMENTS.items()]


def test_b_segment_recovered_as_residents_minus_the_other_segments():
    # Values from exact counts give each published count exactly: 294 - (130 + 70 + 40 + 20 + 13 + 12) = 9.
    hidden = {("phm_segment_levenseinde", "B", "totaal"): "primary"}
    report = attack(segment_cells(), SEGMENT_LINKS, BUURT, hidden, from_exact=True)
    pinned = at(report, "recoverable", "phm_segment_levenseinde", "B")
    assert pinned and "numerator 9" in pinned[0].message


def test_b_segment_behind_rounded_counts_passes():
    # Rounded: residents 295 -> [293, 297]; the six segments 130, 70, 40, 20, 15, 10 each +-2 -> sum in [273, 297];
    # levenseinde in [293 - 297, 297 - 273] = [0, 24] covers the required [4, 14].
    hidden = {("phm_segment_levenseinde", "B", "totaal"): "primary"}
    assert attack(segment_cells(), SEGMENT_LINKS, BUURT, hidden).violations == ()


# ---------------------------------------------------------------- (c) deaths are persons

DEATHS = [link("ph_sterfte_per_1000", "rate", numerator_key="segment:levenseinde", multiplier=1000.0),
          link("phm_segment_levenseinde", numerator_key="segment:levenseinde", partition="segments")]


def death_cells() -> list[dict[str, Any]]:
    # 2 deaths among 301 residents of buurt B (the BU03990802): a rate and the segment count them both.
    return [exact("ph_sterfte_per_1000", "B", "buurt", 2, 301, kind="rate", persons_with_event=2),
            exact("phm_segment_levenseinde", "B", "buurt", 2, 301)]


def test_c_two_deaths_published_through_a_rate():
    # The old way: published numerator 0, denominator 300, value 1000 x 2 / 301 = 6.6445 from exact counts.
    hidden = {("phm_segment_levenseinde", "B", "totaal"): "primary"}
    report = attack(death_cells(), DEATHS, BUURT, hidden, from_exact=True)
    assert [v.message for v in at(report, "primary", "ph_sterfte_per_1000", "B")] == [
        "ph_sterfte_per_1000 2024 B totaal: 2 events come from 2 persons, below 10"]
    assert at(report, "zero_beside_value", "ph_sterfte_per_1000", "B")  # 0 beside 6.6445
    leak = at(report, "value_reveals_counts", "ph_sterfte_per_1000", "B")
    assert leak and leak[0].message.endswith("it gives back numerator 2 and denominator 301")
    # The segment hides the same 2 deaths, which the rate gives back exactly.
    assert at(report, "recoverable", "phm_segment_levenseinde", "B")


def test_c_deaths_hidden_in_the_segment_but_published_via_the_rate():
    # Values from rounded counts: the rate shows 0 deaths (1000 x 0 / 300 = 0) yet is primary (2 persons), and the
    # segment's 2 deaths are the same quantity: bounded to the rounding interval [0, 2], short of [0, 7].
    hidden = {("phm_segment_levenseinde", "B", "totaal"): "primary"}
    report = attack(death_cells(), DEATHS, BUURT, hidden)
    assert at(report, "primary", "ph_sterfte_per_1000", "B")
    narrow = at(report, "narrow_interval", "phm_segment_levenseinde", "B")
    # required upper bound 2 + 5 = 7, attacker's upper bound 2: shortfall (7 - 2) / 5 = 1.0 on that side
    assert narrow and "[0, 2]" in narrow[0].message and narrow[0].shortfall == 1.0


def test_c_both_death_cells_hidden_passes():
    hidden = {("phm_segment_levenseinde", "B", "totaal"): "primary", ("ph_sterfte_per_1000", "B", "totaal"): "primary"}
    assert attack(death_cells(), DEATHS, BUURT, hidden).violations == ()


# ---------------------------------------------------------------- (d) organisations

SICK_LEAVE = [link("pw_ziekteverzuim", "ratio", numerator_key="workforce|sick", denominator_key="workforce|contract",
                   n_key="workforce|employees", magnitude_key="workforce|sick")]
MUNICIPALITY = {"GM0373": ("gemeente", None)}
#            units  sick days  largest  contract days  largest  employees
ORGANISATIONS = {
    "org_type:ziekenhuis": (1, 1200, 1200, 20000, 20000, 300),
    "org_type:ggz": (4, 1500, 500, 24000, 8000, 350),
    "org_type:vvt": (5, 2000, 600, 30000, 9000, 400),
    "totaal": (10, 4700, 1200, 74000, 20000, 1050),
}


def workforce_cells() -> list[dict[str, Any]]:
    return [exact("pw_ziekteverzuim", "GM0373", "gemeente", sick, contract, stratum, kind="business", n=staff,
                  units=units, max_contribution=largest, total=sick, max_exposure=largest_exposure,
                  exposure_total=contract)
            for stratum, (units, sick, largest, contract, largest_exposure, staff) in ORGANISATIONS.items()]


def test_d_one_organisation_published():
    report = attack(workforce_cells(), SICK_LEAVE, MUNICIPALITY)
    assert [v.message.split(": ", 1)[1] for v in at(report, "primary", "pw_ziekteverzuim", "GM0373",
                                                    "org_type:ziekenhuis")] == [
        "1 organisation(s) behind the cell, below 3"]
    # The one hospital is all of its cell: 1200 > 0.5 x 1200 sick days and 20000 > 0.5 x 20000 contract days.
    assert len(at(report, "dominance", "pw_ziekteverzuim", "GM0373", "org_type:ziekenhuis")) == 2


def test_d_one_organisation_hidden_but_left_as_totaal_minus_the_others():
    # Sick days: totaal 4700 - ggz 1500 - vvt 2000 = 1200, each published to +-2.5: the hospital lies within
    # [1192.5, 1207.5], far inside the required [1200 x 0.75, max(1200 x 1.25, 1200 / 0.5)] = [900, 2400]; the
    # upper side lacks (2400 - 1207.5) / (2400 - 1200) = 0.99375 of its margin. Contract days likewise:
    # [19992.5, 20007.5] against [15000, 40000]: (40000 - 20007.5) / 20000 = 0.999625.
    hidden = {("pw_ziekteverzuim", "GM0373", "org_type:ziekenhuis"): "primary"}
    report = attack(workforce_cells(), SICK_LEAVE, MUNICIPALITY, hidden)
    narrow = at(report, "narrow_interval", "pw_ziekteverzuim", "GM0373", "org_type:ziekenhuis")
    assert [(v.message.split("suppressed ")[1].split(" (")[0], v.shortfall) for v in narrow] == [
        ("denominator 20,000", 0.999625), ("magnitude 1,200", 0.99375)]
    assert "bounded to [1,192.50, 1,207.50]" in narrow[1].message


def test_d_two_organisation_types_hidden_passes():
    # ziekenhuis + ggz = 4700 - 2000 = 2700 sick days (+-5): the hospital lies in [0, 2705], covering [900, 2400];
    # contract days in [0, 44005], covering [15000, 40000]. ggz (4 units, no dominance) needs no protection.
    hidden = {("pw_ziekteverzuim", "GM0373", "org_type:ziekenhuis"): "primary",
              ("pw_ziekteverzuim", "GM0373", "org_type:ggz"): "secondary"}
    assert attack(workforce_cells(), SICK_LEAVE, MUNICIPALITY, hidden).violations == ()


# ---------------------------------------------------------------- (e) a value that gives its counts back


def test_e_wilson_limits_give_back_the_exact_counts():
    # 23 of 187 persons, published as 25 / 185 with value 100 x 23 / 187 = 12.2995 and Wilson limits of (23, 187):
    # of the 5 x 5 pairs (23..27, 183..187) only (23, 187) reproduces value and limits.
    rows = [exact("ph_obesitas", "B", "buurt", 23, 187)]
    report = attack(rows, [link("ph_obesitas")], BUURT, from_exact=True)
    leak = at(report, "value_reveals_counts", "ph_obesitas", "B")
    assert leak and leak[0].message.endswith("published counts 25 / 185; it gives back numerator 23 and denominator 187")
    assert attack(rows, [link("ph_obesitas")], BUURT).violations == ()


def test_counts_from_values_reads_a_rate_and_a_standardised_rate():
    # Rate: 2 deaths / 301 residents x 1000 published with rounded counts 0 / 300; the limits over the value depend
    # on E alone (Garwood), and D = 1000 E / value = 301.
    low, high = poisson_interval(2.0)
    cells = PublishedCells(
        indicator=np.array([0]), method=np.array(["rate"]), multiplier=np.array([1000.0]),
        numerator=np.array([0.0]), denominator=np.array([300.0]), value=np.array([1000 * 2 / 301]),
        ci_low=np.array([1000 * float(low) / 301]), ci_high=np.array([1000 * float(high) / 301]))
    got = recover_counts(cells, 5)
    assert got.leaks.tolist() == [True]
    assert (got.numerator_lo[0], got.numerator_hi[0]) == (2.0, 2.0)
    assert got.denominator_lo[0] == pytest.approx(301) and got.denominator_hi[0] == pytest.approx(301)


# ---------------------------------------------------------------- (f) hierarchy with rounding intervals

WIJK = {"W": ("wijk", None), "B1": ("buurt", "W"), "B2": ("buurt", "W")}


def smokers() -> list[dict[str, Any]]:
    return [exact("ph_roken", "W", "wijk", 21, 750), exact("ph_roken", "B1", "buurt", 14, 400),
            exact("ph_roken", "B2", "buurt", 7, 350)]


def test_f_hierarchy_difference_within_rounding_is_too_narrow():
    # W 21 is published as 20: its integers are 18..22; B1 14 as 15: 13..17. B2 = W - B1 lies in
    # [18 - 17, 22 - 13] = [1, 9]. Required: [7 - 5, 7 + 5] = [2, 12]. The lower side holds (1 <= 2), the upper
    # falls short by 12 - 9 = 3 of the 5 required: shortfall 0.6.
    report = attack(smokers(), [link("ph_roken")], WIJK, {("ph_roken", "B2", "totaal"): "primary"})
    assert [(v.rule, v.area_code, v.shortfall) for v in report.violations] == [("narrow_interval", "B2", 0.6)]
    assert "bounded to [1, 9]" in report.violations[0].message
    assert "needs [2 or below, 12 or above]" in report.violations[0].message


def test_f_second_hidden_buurt_protects():
    # With B1 hidden too, B2 lies in [0, 22].
    hidden = {("ph_roken", "B2", "totaal"): "primary", ("ph_roken", "B1", "totaal"): "secondary"}
    assert attack(smokers(), [link("ph_roken")], WIJK, hidden).violations == ()


# ---------------------------------------------------------------- (g) he_laag_inkomen and income strata

LOW_INCOME = [link("ph_diabetes"),
              link("he_laag_inkomen", numerator_key="person_year|true|count:q1", numerator_is_stratum="inkomen:q1")]
#            stratum         diabetes  residents   (18 residents have no known income: quintiles add to 282 of 300)
DIABETES = {"totaal": (60, 300), "inkomen:q1": (3, 12), "inkomen:q2": (15, 70), "inkomen:q3": (14, 70),
            "inkomen:q4": (13, 70), "inkomen:q5": (12, 60)}
WIJK_ALONE = {"W": ("wijk", None)}


def low_income_cells() -> list[dict[str, Any]]:
    return [*(exact("ph_diabetes", "W", "wijk", num, den, stratum) for stratum, (num, den) in DIABETES.items()),
            exact("he_laag_inkomen", "W", "wijk", 12, 300)]


def test_g_low_income_totaal_gives_the_q1_denominator_back():
    # Diabetes in Q1 is hidden: 3 of 12, complement 12 - 3 = 9 persons without diabetes (primary). he_laag_inkomen
    # totaal publishes the 12 Q1 residents as 10, integers 8..12: the complement is at most 12 - 0 = 12, short of the
    # required 9 + 5 = 14 by 2 of 5: shortfall 0.4. (The numerator 3 keeps [0, 12], covering [0, 8].)
    hidden = {("ph_diabetes", "W", "inkomen:q1"): "primary"}
    report = attack(low_income_cells(), LOW_INCOME, WIJK_ALONE, hidden)
    assert [(v.rule, v.stratum, v.shortfall) for v in report.violations] == [("narrow_interval", "inkomen:q1", 0.4)]
    assert "complement 9" in report.violations[0].message
    # Without the catalogue's link the attacker does not know the two counts are one: no violation.
    assert attack(low_income_cells(), LOW_INCOME, WIJK_ALONE, hidden, use_links=False).violations == ()
    # Hiding he_laag_inkomen totaal as well protects the complement.
    hidden[("he_laag_inkomen", "W", "totaal")] = "secondary"
    assert attack(low_income_cells(), LOW_INCOME, WIJK_ALONE, hidden).violations == ()


# ---------------------------------------------------------------- (h) the known-income denominator

QUINTILES = [f"inkomen:q{q}" for q in range(1, 6)]
KNOWN_INCOME = [
    link("ph_diabetes"),
    link("he_laag_inkomen", numerator_key="person_year|income_quintile IS NOT NULL|count:q1",
         denominator_key="person_year|income_quintile IS NOT NULL|rows", stratum_key=RESIDENTS,
         numerator_is_stratum="inkomen:q1", denominator_is_stratum="inkomen:bekend",
         stratum_groups=[{"stratum": "inkomen:bekend", "member": q} for q in QUINTILES]),
    link("he_inkomen_onbekend", numerator_key="person_year|true|count:onbekend", stratum_key=RESIDENTS,
         numerator_is_stratum="inkomen:onbekend"),
]
#        stratum      diabetes  residents   (6 residents have no known income: quintiles add to 294 of 300, and
#                                           10 of the 70 diabetics are among them or in Q5)
KNOWN = {"totaal": (70, 300), "inkomen:q1": (20, 60), "inkomen:q2": (15, 70), "inkomen:q3": (14, 80),
         "inkomen:q4": (10, 80), "inkomen:q5": (1, 4)}


def known_income_cells() -> list[dict[str, Any]]:
    return [*(exact("ph_diabetes", "W", "wijk", num, den, stratum) for stratum, (num, den) in KNOWN.items()),
            exact("he_laag_inkomen", "W", "wijk", 60, 294), exact("he_inkomen_onbekend", "W", "wijk", 6, 300)]


def derived(report: AuditReport) -> set[tuple[str, str]]:
    """(indicator, stratum) of the hidden cells an attacker narrows (not the values that give counts back)."""
    return {(v.indicator_id, v.stratum) for v in report.violations if v.rule != "value_reveals_counts"}


def test_h_the_known_income_denominator_minus_four_quintiles_gives_the_fifth_back():
    # Q5 has 4 residents (primary); he_inkomen_onbekend's numerator, 6, is primary too. Values computed from the
    # exact counts give every published count back exactly (20/60 is the only ratio 1/3 with a numerator in 18..22
    # and a denominator in 58..62, and so on), so an attacker who knows that the known-income denominator is the
    # five quintiles gets Q5 = 294 - (60 + 70 + 80 + 80) = 4, and then onbekend = 300 - 294 = 6.
    hidden = {("ph_diabetes", "W", "inkomen:q5"): "primary", ("he_inkomen_onbekend", "W", "totaal"): "primary"}
    with_links = attack(known_income_cells(), KNOWN_INCOME, WIJK_ALONE, hidden, from_exact=True)
    assert derived(with_links) == {("ph_diabetes", "inkomen:q5"), ("he_inkomen_onbekend", "totaal")}
    assert "suppressed n 4" in " ".join(v.message for v in with_links.violations)
    # Without the catalogue's links the attacker knows only that the quintiles stay below the residents: Q5 and
    # onbekend then share 300 - 290 = 10, which covers [0, 9] and [1, 11].
    assert derived(attack(known_income_cells(), KNOWN_INCOME, WIJK_ALONE, hidden, from_exact=True,
                          use_links=False)) == set()
    # Hiding the known-income denominator (he_laag_inkomen totaal) is not enough: Q5 and onbekend still share
    # 300 - 290 = 10, which covers Q5's [0, 9] but not onbekend's [1, 11]. Hiding Q4 as well gives them 90.
    hidden[("he_laag_inkomen", "W", "totaal")] = "secondary"
    assert derived(attack(known_income_cells(), KNOWN_INCOME, WIJK_ALONE, hidden, from_exact=True)) == {
        ("he_inkomen_onbekend", "totaal")}
    hidden[("ph_diabetes", "W", "inkomen:q4")] = "secondary"
    assert derived(attack(known_income_cells(), KNOWN_INCOME, WIJK_ALONE, hidden, from_exact=True)) == set()


# ---------------------------------------------------------------- the other rules


def test_primary_rules_for_new_kinds():
    top = link("co_aandeel_top5pct", "top_share", top_fraction=0.05)
    rows = [
        # top 5 % of 150 persons is ceil(7.5) = 8 persons < 10 -> primary; of 200 it is 10 -> published
        exact("co_aandeel_top5pct", "B1", "buurt", None, None, kind="cost", n=150, max_contribution=10.0, total=100.0),
        exact("co_aandeel_top5pct", "B2", "buurt", None, None, kind="cost", n=200, max_contribution=10.0, total=100.0),
    ]
    published = pl.DataFrame([{"indicator_id": r["indicator_id"], "period": PERIOD, "area_code": r["area_code"],
                               "area_level": "buurt", "stratum": "totaal", "n": int(rounded(r["n"])), "value": 30.0,
                               "suppressed": False} for r in rows], schema=PUBLISHED_SCHEMA)
    tree = {"B1": ("buurt", None), "B2": ("buurt", None)}
    report = attack_publication(candidate(rows), published, areas(tree), {}, [top])
    assert [(v.rule, v.area_code) for v in report.violations] == [("primary", "B1")]
    assert "top group of 8 persons (top_fraction 0.05 of 150) is below 10" in report.violations[0].message


def test_structural_rules_masking_reasons_rows_and_rounding():
    links = [link("ind")]
    rows = [exact("ind", "A", "buurt", 40, 400), exact("ind", "B", "buurt", 40, 400), exact("ind", "C", "buurt", 40, 400)]
    tree = {code: ("buurt", None) for code in "ABC"}
    good = publish(rows, links)
    bad = pl.concat([
        good.filter(pl.col("area_code") == "A").with_columns(suppressed=pl.lit(True),
                                                              suppression_reason=pl.lit("primary")),  # not masked
        good.filter(pl.col("area_code") == "B").with_columns(numerator=pl.lit(42.0)),  # not rounded
    ])  # and C is missing
    rules = {(v.rule, v.area_code) for v in audit_disclosure(candidate(rows), bad, areas(tree), {}, links)}
    # B's value still comes from 40 / 400, not from its published counts 42 / 400: the attacker notices that too.
    assert rules == {("not_masked", "A"), ("not_rounded", "B"), ("value_reveals_counts", "B"), ("missing_row", "C")}
    off = good.with_columns(numerator=pl.when(pl.col("area_code") == "C").then(50.0).otherwise(pl.col("numerator")))
    # 50 is a multiple of 5 but 10 away from the exact 40: the attacker's rounding interval would exclude the truth.
    assert {v.rule for v in audit_disclosure(candidate(rows), off, areas(tree), {}, links)} >= {"count_mismatch"}


def test_links_that_the_exact_counts_contradict_are_reported():
    # Both indicators claim to count segment:levenseinde, but the candidate has 12 deaths and 13 in the segment.
    rows = [exact("ph_sterfte_per_1000", "B", "buurt", 12, 301, kind="rate", persons_with_event=12),
            exact("phm_segment_levenseinde", "B", "buurt", 13, 301)]
    report = attack(rows, DEATHS, BUURT)
    broken = found(report, "inconsistent_link")
    assert len(broken) == 1 and "segment:levenseinde B totaal disagree on its exact value (spread 1)" in broken[0].message
    # The relations built on the wrong link then contradict the truth; the audit says why.
    assert all("links are inconsistent" in v.message for v in found(report, "audit_inconsistent"))


def test_derived_tables_repeat_no_hidden_cell():
    # 2023 has 3 persons (hidden), 2024 has 40: a trend 2023-2024 must stay empty, and so must an equity gap over a
    # hidden quintile (q1 has 4 persons).
    rows = [exact("ind", "B", "buurt", 40, 400), {**exact("ind", "B", "buurt", 3, 400), "period": 2023},
            *(exact("ind", "B", "buurt", num, 80, f"inkomen:q{q}") for q, num in ((1, 4), (2, 9), (3, 9), (4, 9),
                                                                                   (5, 9)))]
    links = [link("ind")]
    hidden = {("ind", "B", "inkomen:q1"): "primary"}
    published = publish(rows, links, hidden).with_columns(  # 2023 hidden as well
        **{c: pl.when(pl.col("period") == 2023).then(None).otherwise(pl.col(c))
           for c in ("numerator", "denominator", "n", "value", "ci_low", "ci_high")},
        suppressed=pl.col("suppressed") | (pl.col("period") == 2023),
        suppression_reason=pl.when(pl.col("period") == 2023).then(pl.lit("primary"))
        .otherwise(pl.col("suppression_reason")))
    trends = pl.DataFrame([{"indicator_id": "ind", "area_code": "B", "area_level": "buurt", "stratum": "totaal",
                            "from_period": 2023, "to_period": 2024, "from_value": 0.75, "to_value": 10.0,
                            "change": 9.25, "suppressed": False}])
    gaps = pl.DataFrame([{"indicator_id": "ind", "period": PERIOD, "area_code": "B", "area_level": "buurt",
                          "q1_value": 5.0, "q5_value": 11.25, "gap": -6.25, "suppressed": False}])
    report = attack_publication(candidate(rows), published, areas(BUURT), {}, links, trends=trends,
                                equity_gaps=gaps)
    messages = sorted(v.message for v in found(report, "derived_reveals"))
    assert messages == [
        "ind 2024 B inkomen: equity gap shows q1_value, q5_value, gap although a quintile or totaal cell it uses is "
        "suppressed or missing",
        "ind 2024 B totaal: trend 2023-2024 shows from_value, to_value, change although a cell it uses is suppressed "
        "or missing"]


def test_impact_scenario_from_exact_persons_is_caught():
    # 293 residents in segment gezond, published rounded as 295; persons reached at a reach of 0.8 is 234 =
    # round(293 x 0.8 = 234.4), from the exact count, instead of 236 = 295 x 0.8: 234 / 0.8 gives 292..293 back.
    rows = [exact("phm_segment_gezond", "G", "gemeente", 293, 1000)]
    links = [link("phm_segment_gezond", numerator_key="segment:gezond", partition="segments")]
    scenarios = pl.DataFrame([{"period": PERIOD, "area_code": "G", "area_level": "gemeente", "scenario": "s1",
                               "segment": "gezond", "outcome": "seh_visits", "persons": 295, "baseline_events": 40,
                               "reach_share": 0.8, "assumed_effect": -0.1, "persons_reached": 234.0,
                               "expected_change_in_events": -3.2, "suppressed": False}])
    report = attack_publication(candidate(rows), publish(rows, links), areas({"G": ("gemeente", None)}), {}, links,
                                impact_scenarios=scenarios)
    assert [v.rule for v in report.violations] == ["derived_reveals_counts"]


# ---------------------------------------------------------------- policy, ordering, report


def test_policy_defaults_and_unknown_keys():
    assert POLICY_DEFAULTS == {
        "min_count": 10, "min_denominator": 50, "min_respondents": 30, "min_cost_persons": 10, "dominance_share": 0.5,
        "rounding_base": 5, "protection_width": 5, "magnitude_protection": 0.25, "min_units": 3,
        "unit_dominance_share": 0.5,
    }
    assert policy_from_mapping(None) == POLICY_DEFAULTS
    assert policy_from_mapping({"min_count": 5})["min_count"] == 5
    with pytest.raises(ValueError, match="disclosure.min_cnt is not a disclosure setting"):
        policy_from_mapping({"min_cnt": 5})
    with pytest.raises(ValueError, match="dominance_share = 1.5 must lie in"):
        policy_from_mapping({"dominance_share": 1.5})
    with pytest.raises(ValueError, match="rounding_base = 0 must be >= 1"):
        policy_from_mapping({"rounding_base": 0})
    with pytest.raises(ValueError, match="disclosure.min_cnt"):
        audit_disclosure(candidate([]), publish([], []), areas({}), {"min_cnt": 5})


def test_an_empty_publication_and_one_without_links_pass():
    assert attack_publication(candidate([]), publish([], []), areas({}), {}, []).violations == ()
    report = attack_publication(candidate([]), publish([], []), areas({}), {}, None)
    assert report.passed and report.notes == (
        "no catalogue links given: indicators are attacked one by one, not through shared counts",)


def test_policy_of_phm_toml_is_known_to_the_audit_with_the_same_defaults():
    with open(REPO_ROOT / "phm.toml", "rb") as fh:
        configured = tomllib.load(fh)["disclosure"]
    assert {k: POLICY_DEFAULTS[k] for k in configured} == configured


def test_violations_come_worst_first_and_the_report_names_the_worst():
    # Three wijken of the smokers pattern. W as in test (f): B2 in [1, 9], shortfall 0.6. V: hidden C2 has 3
    # smokers, C1 12 (published 10: 8..12), V 15 (published 15: 13..17): C2 in [1, 9] needs [0, 8]; the lower
    # side misses by 1 of 5: shortfall 0.2. U: hidden D2 has 2, D1 8 is published although primary (a rule break
    # ranks first); U 10 (8..12) - D1 (published 10: 8..12) puts D2 in [0, 4], needs [0, 7]: shortfall 0.6.
    rows = [*smokers(),
            exact("ph_roken", "V", "wijk", 15, 750), exact("ph_roken", "C1", "buurt", 12, 400),
            exact("ph_roken", "C2", "buurt", 3, 350),
            exact("ph_roken", "U", "wijk", 10, 750), exact("ph_roken", "D1", "buurt", 8, 400),
            exact("ph_roken", "D2", "buurt", 2, 350)]
    tree = {**WIJK, "V": ("wijk", None), "C1": ("buurt", "V"), "C2": ("buurt", "V"),
            "U": ("wijk", None), "D1": ("buurt", "U"), "D2": ("buurt", "U")}
    hidden = {("ph_roken", "B2", "totaal"): "primary", ("ph_roken", "C2", "totaal"): "primary",
              ("ph_roken", "D2", "totaal"): "primary"}
    report = attack(rows, [link("ph_roken")], tree, hidden)
    assert [(v.rule, v.area_code, v.shortfall) for v in report.violations] == [
        ("primary", "D1", None), ("narrow_interval", "B2", 0.6), ("narrow_interval", "D2", 0.6),
        ("narrow_interval", "C2", 0.2)]
    assert report.summary().startswith("4 violation(s), worst primary ph_roken 2024 D1 totaal")
    assert report.metadata()["violations"] == 4


# ---------------------------------------------------------------- the attacker's tools


def test_propagation_is_an_outer_bound_and_the_lp_sharpens_it():
    # x + y = 10, x + z = 10, y + z = 10 (each as sum - total = 0 with a known total t = 10): propagation alone
    # keeps x in [0, 10]; the LP finds x = y = z = 5.
    relations = LinearRelations(row=np.array([0, 0, 0, 1, 1, 1, 2, 2, 2]), col=np.array([0, 1, 3, 0, 2, 3, 1, 2, 3]),
                                coef=np.array([1.0, 1, -1, 1, 1, -1, 1, 1, -1]), equality=np.ones(3, dtype=bool))
    lo, hi = np.array([0.0, 0, 0, 10]), np.array([np.inf, np.inf, np.inf, 10])
    bounds = propagate_bounds(relations, lo, hi, np.zeros(4, dtype=bool))
    assert (bounds.lo[0], bounds.hi[0]) == pytest.approx((0.0, 10.0)) and bounds.converged
    sharp_lo, sharp_hi = sharpen_with_lp(relations, bounds.lo, bounds.hi, np.array([0]))
    assert (sharp_lo[0], sharp_hi[0]) == pytest.approx((5.0, 5.0))


@settings(max_examples=25)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=4),
       st.lists(st.booleans(), min_size=6, max_size=6))
def test_attackers_bounds_always_contain_the_truth(buurten, hide):
    # Soundness: on a random wijk (2-4 buurten, sexes M and V) published from rounded counts with random cells
    # hidden, the propagated interval of every quantity contains its exact value (else audit_inconsistent).
    rows, tree = [], {"W": ("wijk", None)}
    for i, (men, women) in enumerate(buurten):
        tree[f"B{i}"] = ("buurt", "W")
        rows += [exact("ind", f"B{i}", "buurt", men // 2, men + 60, "geslacht:M"),
                 exact("ind", f"B{i}", "buurt", women // 3, women + 70, "geslacht:V"),
                 exact("ind", f"B{i}", "buurt", men // 2 + women // 3, men + women + 130)]
    for stratum in ("geslacht:M", "geslacht:V", "totaal"):
        same = [r for r in rows if r["stratum"] == stratum]
        rows.append(exact("ind", "W", "wijk", sum(r["numerator"] for r in same), sum(r["denominator"] for r in same),
                          stratum))
    hidden = {(r["indicator_id"], r["area_code"], r["stratum"]): "primary" for r, h in zip(rows, hide * 3,
                                                                                            strict=False) if h}
    report = attack(rows, [link("ind")], tree, hidden)
    assert not found(report, "audit_inconsistent") and not found(report, "inconsistent_link")


def test_model_estimate_over_a_hidden_direct_cell_is_caught():
    # buurt B: 2024 published (40 of 400, 10 %), 2023 hidden (3 persons). A model row for 2023 mixes the hidden
    # direct value in; a model row for 2024 that repeats 12 % instead of the published 10 % is no published cell.
    rows = [exact("ind", "B", "buurt", 40, 400), {**exact("ind", "B", "buurt", 3, 400), "period": 2023}]
    links = [link("ind")]
    published = publish(rows, links).with_columns(
        **{c: pl.when(pl.col("period") == 2023).then(None).otherwise(pl.col(c))
           for c in ("numerator", "denominator", "n", "value", "ci_low", "ci_high")},
        suppressed=pl.col("suppressed") | (pl.col("period") == 2023))
    model = pl.DataFrame([{"indicator_id": "ind", "period": 2023, "area_code": "B", "area_level": "buurt",
                           "direct_value": 0.75, "value": 6.0},
                          {"indicator_id": "ind", "period": PERIOD, "area_code": "B", "area_level": "buurt",
                           "direct_value": 12.0, "value": 11.0}])
    report = attack_publication(candidate(rows), published, areas(BUURT), {}, links, small_area_estimates=model)
    assert [v.message for v in found(report, "derived_reveals")] == [
        "ind 2023 B totaal: model estimate published although the direct cell is suppressed or missing"]
    assert [v.message for v in found(report, "derived_mismatch")] == [
        "ind 2024 B totaal: model row repeats direct value 12.0, the published cell shows 10.0"]
    # the model row over the published cell, repeating its value, is allowed
    fine = model.filter(pl.col("period") == PERIOD).with_columns(direct_value=pl.lit(10.0))
    report = attack_publication(candidate(rows), published, areas(BUURT), {}, links, small_area_estimates=fine)
    assert not found(report, "derived_reveals") and not found(report, "derived_mismatch")
