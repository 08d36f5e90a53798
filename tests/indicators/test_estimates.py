"""estimate_cells and round_statistics on a few hand-made cells: the frame plumbing around the estimators."""

import dataclasses

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from indicators.catalogue import Catalogue, Indicator, Mart
from indicators.estimates import estimate_cells, round_statistics

MART = Mart(name="m", table="marts.m", area_column="buurt_code", persons="pseudo_id", strata={})


def indicator(id_: str, method: str, multiplier: float, disclosure: str) -> Indicator:
    return Indicator(id=id_, name_nl=id_, name_en=id_, aim="phm", unit="%", direction="neutral", source="s",
                     mart=MART, method=method, numerator="x", multiplier=multiplier, disclosure=disclosure)


CATALOGUE = Catalogue(version="test", marts={"m": MART}, indicators=(
    indicator("p", "proportion", 100.0, "proportion"), indicator("r", "rate", 1000.0, "rate"),
    # the worked means below rest on 3 or 4 persons: no minimum (the rule has its own test)
    dataclasses.replace(indicator("m", "mean", 1.0, "mean"), min_denominator=1)))


def cell(ind: str, area: str, level: str, *, cnt=0.0, sx=0.0, sx2=0.0, se=0.0, npos=0, mx=0.0) -> dict:
    return {"indicator_id": ind, "period": 2023, "area_code": area, "area_level": level, "stratum": "totaal",
            "n": int(cnt), "cnt": cnt, "sx": sx, "sx2": sx2, "sw": cnt, "sw2": cnt, "swx": sx, "swx2": sx2,
            "se": se, "mx": mx, "mxe": 0.0, "npos": npos}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows).with_columns(pl.col("period").cast(pl.Int32))


def row(values: pl.DataFrame, ind: str, area: str) -> dict:
    return values.filter((pl.col("indicator_id") == ind) & (pl.col("area_code") == area)).row(0, named=True)


def test_proportions_and_their_comparison_with_the_region():
    # region 100 / 1,000 = 10 %; A 40 / 200 = 20 %, Wilson (15.0 %, 26.0 %)
    # funnel limits around 10 % (Spiegelhalter 2005), 99.8 %: 10 -/+ 100 * 3.0902 sqrt(0.09 / n):
    # A 40 / 200 = 20 % > 16.56 % (n = 200) -> hoger; B 0 / 100 = 0 % < 0.73 % (n = 100) -> lager;
    # C 17 / 100 = 17 %: its Wilson interval (10.9 %, 25.6 %) excludes 10 % (the old flag), but 17 % is inside the
    # 99.8 % limit (19.27 %) -> geen_verschil
    values = estimate_cells(frame([cell("p", "R", "regio", cnt=1000, sx=100), cell("p", "A", "buurt", cnt=200, sx=40),
                                   cell("p", "B", "buurt", cnt=100, sx=0), cell("p", "C", "buurt", cnt=100, sx=17)]),
                            CATALOGUE)
    a = row(values, "p", "A")
    assert a["value"] == pytest.approx(20.0)
    assert [a["ci_low"], a["ci_high"]] == pytest.approx([100 * x for x in proportion_confint(40, 200, method="wilson")],
                                                        rel=1e-9)
    assert (a["numerator"], a["denominator"], a["n"], a["kind"]) == (40, 200, 200, "proportion")
    assert [row(values, "p", area)["comparison"] for area in "RABC"] == [None, "hoger", "lager", "geen_verschil"]


def test_rates_and_means_are_compared_on_their_own_funnels():
    # rate: region 30 / 1,500 = 0.02; area A 9 events in 100 person-years: expected 2, the 99.9 % Poisson
    # quantile of 2 is 8 (F(7) < 0.999 <= F(8)), upper limit 8 - (F(8) - 0.999) / (F(8) - F(7)) < 9 -> hoger.
    f = stats.poisson(2).cdf
    assert f(7) < 0.999 <= f(8) and 8 - (f(8) - 0.999) / (f(8) - f(7)) < 9
    # mean: region 3 values 2, 4, 9 (mean 5, s^2 13, se t-based); area B 1 value of 30 cannot be judged by its own
    # interval (n = 1), but against the region's spread: sigma0 = se_region sqrt(3), limit 5 + 3.09 sigma0 / 1
    values = estimate_cells(frame([cell("r", "R", "regio", cnt=1000, sx=30, se=1500, npos=25),
                                   cell("r", "A", "buurt", cnt=100, sx=9, se=100, npos=9),
                                   cell("m", "R", "regio", cnt=3, sx=15, sx2=101, mx=9),
                                   cell("m", "B", "buurt", cnt=2, sx=60, sx2=1800, mx=30)]), CATALOGUE)
    assert row(values, "r", "A")["comparison"] == "hoger"
    se_region = stats.t.ppf(0.975, 2) * np.sqrt(13 / 3) / stats.norm.ppf(0.975)
    limit = 5 + stats.norm.ppf(0.999) * se_region * np.sqrt(3) / np.sqrt(2)
    assert limit < 30 and row(values, "m", "B")["comparison"] == "hoger"


def test_rates_and_means_go_through_their_own_estimators():
    # rate: 30 events in 1,500 person-years per 1,000 = 20, Byar limits of 30 / 1.5
    # mean: x = 2, 4, 9 -> 15 / 3 = 5, s^2 = (101 - 75) / 2 = 13, limits 5 -/+ t(0.975; 2) sqrt(13 / 3)
    values = estimate_cells(frame([cell("r", "R", "regio", cnt=1000, sx=30, se=1500, npos=25),
                                   cell("m", "R", "regio", cnt=3, sx=15, sx2=101, mx=9)]), CATALOGUE)
    r, m = row(values, "r", "R"), row(values, "m", "R")
    z = stats.norm.isf(0.025)
    byar = (30 * (1 - 1 / 270 - z / (3 * np.sqrt(30))) ** 3, 31 * (1 - 1 / 279 + z / (3 * np.sqrt(31))) ** 3)
    assert [r["value"], r["ci_low"], r["ci_high"]] == pytest.approx([20.0, byar[0] / 1.5, byar[1] / 1.5], rel=1e-12)
    assert (r["numerator"], r["denominator"], r["persons_with_event"]) == (30, 1500, 25)
    half = stats.t.ppf(0.975, 2) * np.sqrt(13 / 3)
    assert [m["value"], m["ci_low"], m["ci_high"]] == pytest.approx([5.0, 5 - half, 5 + half], rel=1e-12)
    assert (m["numerator"], m["denominator"], m["max_contribution"], m["total"]) == (None, 3, 9, 15)


def test_the_published_estimate_is_computed_from_counts_rounded_per_method():
    # base 5: proportion 12 / 123 -> 10 / 125 = 8 %; rate 31 events in 1,502 -> 30 / 1,500 per 1,000 = 20;
    # mean: the count 4 -> 5, the sum 15 stays exact (never published) -> 15 / 5 = 3
    cells = frame([cell("p", "R", "regio", cnt=123, sx=12), cell("r", "R", "regio", cnt=1000, sx=31, se=1502, npos=30),
                   cell("m", "R", "regio", cnt=4, sx=15, sx2=101)])
    values = estimate_cells(round_statistics(cells, CATALOGUE, 5), CATALOGUE, rounding_base=5)
    p, r, m = row(values, "p", "R"), row(values, "r", "R"), row(values, "m", "R")
    assert (p["value"], p["numerator"], p["denominator"]) == (pytest.approx(8.0), 10, 125)
    assert (r["value"], r["numerator"], r["denominator"]) == (pytest.approx(20.0), 30, 1500)
    assert (m["value"], m["denominator"], m["total"]) == (pytest.approx(3.0), 5, 15)


def test_a_mean_gets_a_value_only_from_its_minimum_persons():
    # min_denominator 100: 99 waiting times give counts but no mean; 100 give mean 4,000 / 100 = 40
    wait = dataclasses.replace(indicator("w", "mean", 1.0, "mean"), min_denominator=100)
    catalogue = Catalogue(version="test", marts={"m": MART}, indicators=(wait,))
    values = estimate_cells(frame([cell("w", "R", "regio", cnt=100, sx=4_000, sx2=200_000),
                                   cell("w", "A", "buurt", cnt=99, sx=3_960, sx2=198_000)]), catalogue)
    region, small = row(values, "w", "R"), row(values, "w", "A")
    assert region["value"] == pytest.approx(40.0)
    assert (small["value"], small["ci_low"], small["ci_high"], small["denominator"]) == (None, None, None, 99)


def test_an_unknown_method_names_itself_and_the_known_ones():
    catalogue = Catalogue(version="test", marts={"m": MART}, indicators=(indicator("q", "median", 1.0, "mean"),))
    with pytest.raises(ValueError, match=r"'median'.*proportion.*ratio"):
        estimate_cells(frame([cell("q", "R", "regio", cnt=3, sx=15)]), catalogue)
