"""Trends between years: change, interval from the two years' intervals (paired for persons in both years),
significance, suppression."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import polars as pl
import pytest

from indicators.catalogue import Catalogue, Indicator, Mart
from indicators.methods import Z95
from indicators.trends import overlap_cells, trends


def _values(rows):
    return pl.DataFrame(rows, schema=["indicator_id", "area_code", "area_level", "stratum", "period", "value",
                                      "ci_low", "ci_high"], orient="row")


def test_change_interval_and_significance():
    # 2022: 10 +/- 1.96 (se 1); 2023: 14 +/- 1.96*2 (se 2); 2024: 10.5 +/- 1.96 (se 1)
    values = _values([("x", "A", "regio", "totaal", 2022, 10.0, 10 - Z95, 10 + Z95),
                      ("x", "A", "regio", "totaal", 2023, 14.0, 14 - 2 * Z95, 14 + 2 * Z95),
                      ("x", "A", "regio", "totaal", 2024, 10.5, 10.5 - Z95, 10.5 + Z95)])
    published = values.select("indicator_id", "area_code", "area_level", "stratum", "period").with_columns(
        suppressed=pl.lit(False))
    out = {(r["from_period"], r["to_period"]): r for r in trends(values, published).to_dicts()}
    assert set(out) == {(2022, 2023), (2023, 2024), (2022, 2024)}
    first = out[(2022, 2023)]
    se = math.sqrt(1 + 4)  # independent years: se of the change = sqrt(1^2 + 2^2)
    assert first["change"] == pytest.approx(4.0)
    assert (first["ci_low"], first["ci_high"]) == pytest.approx((4 - Z95 * se, 4 + Z95 * se))
    assert first["significant"] is False  # 4 / 2.236 = 1.79 < 1.96
    assert out[(2022, 2024)]["change"] == pytest.approx(0.5) and out[(2022, 2024)]["significant"] is False
    assert out[(2023, 2024)]["significant"] is False


def test_a_suppressed_year_suppresses_the_trend():
    values = _values([("x", "A", "buurt", "totaal", 2022, 10.0, 9.0, 11.0),
                      ("x", "A", "buurt", "totaal", 2023, 30.0, 29.0, 31.0)])
    published = values.select("indicator_id", "area_code", "area_level", "stratum", "period").with_columns(
        suppressed=pl.Series([False, True]))
    row = trends(values, published).to_dicts()[0]
    assert row["suppressed"] is True and row["change"] is None and row["significant"] is None


def test_a_single_year_has_no_trend_but_keeps_the_columns():
    values = _values([("x", "A", "regio", "totaal", 2024, 10.0, 9.0, 11.0)])
    published = values.select("indicator_id", "area_code", "area_level", "stratum", "period").with_columns(
        suppressed=pl.lit(False))
    two_years = _values([("x", "A", "regio", "totaal", 2023, 10.0, 9.0, 11.0),
                         ("x", "A", "regio", "totaal", 2024, 10.0, 9.0, 11.0)])
    both = two_years.select("indicator_id", "area_code", "area_level", "stratum", "period").with_columns(
        suppressed=pl.lit(False))
    out = trends(values, published)
    assert out.height == 0 and out.schema == trends(two_years, both).schema


# --- paired variance: persons present in both years ----------------------------------------------------------

def _panel_con(rows):
    """A warehouse with the person-year mart of `rows` (pseudo_id, year, buurt, x) and buurten B1, B2 in wijk W."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA marts")
    con.execute("CREATE TABLE staging.area_ancestors AS SELECT * FROM (VALUES ('B1', 'B1', 'buurt'), "
                "('B1', 'W', 'wijk'), ('B2', 'B2', 'buurt'), ('B2', 'W', 'wijk')) t(area_code, ancestor_code, "
                "ancestor_level)")
    con.execute("CREATE TABLE marts.person_year_indicators (pseudo_id VARCHAR, year INTEGER, buurt_code VARCHAR, "
                "sex VARCHAR, x BOOLEAN)")
    con.executemany("INSERT INTO marts.person_year_indicators VALUES (?, ?, ?, 'V', ?)", rows)
    return con


def _catalogue():
    mart = Mart(name="person_year", table="marts.person_year_indicators", area_column="buurt_code",
                persons="count(*)", strata={"geslacht": "sex"})
    ind = Indicator(id="p", name_nl="p", name_en="p", aim="phm", unit="%", direction="neutral", source="s",
                    mart=mart, method="proportion", numerator="x", multiplier=100.0, disclosure="proportion")
    return Catalogue(version="test", marts={"person_year": mart}, indicators=(ind,))


def _wald_values(area, level, p1, n1, p2, n2):
    """Two years of a proportion (in %) with Wald intervals, so that se = sqrt(p (1 - p) / n) exactly."""
    rows = []
    for period, p, n in ((2022, p1, n1), (2023, p2, n2)):
        half = Z95 * 100 * math.sqrt(p * (1 - p) / n)
        rows.append(("p", area, level, "totaal", period, 100 * p, 100 * p - half, 100 * p + half, float(n)))
    return pl.DataFrame(rows, schema=["indicator_id", "area_code", "area_level", "stratum", "period", "value",
                                      "ci_low", "ci_high", "denominator"], orient="row")


def _published(values):
    return values.select("indicator_id", "area_code", "area_level", "stratum", "period").with_columns(
        suppressed=pl.lit(False))


def test_paired_se_of_a_panel_is_the_se_of_the_personal_differences(monkeypatch):
    monkeypatch.setattr("indicators.trends.MIN_OVERLAP", 1)  # the formula on a panel small enough to check by hand
    # ten persons in buurt B1 in both years; 1 = in the numerator
    x1 = np.array([1, 1, 1, 0, 0, 0, 0, 0, 1, 0])
    x2 = np.array([1, 1, 1, 1, 1, 0, 0, 0, 1, 0])
    rows = [(f"id{i}", y, "B1", bool(x)) for i in range(10) for y, x in ((2022, x1[i]), (2023, x2[i]))]
    con = _panel_con(rows)
    overlap = overlap_cells(con, _catalogue(), [2022, 2023])
    values = _wald_values("B1", "buurt", x1.mean(), 10, x2.mean(), 10)
    row = trends(values, _published(values), overlap.filter(pl.col("area_level") == "buurt")).row(0, named=True)
    d = x2 - x1  # the paired difference per person: its mean is the change, var(d) / n its variance
    se_paired = 100 * math.sqrt(d.var() / 10)
    assert row["change"] == pytest.approx(100 * d.mean())
    assert (row["ci_high"] - row["ci_low"]) / (2 * Z95) == pytest.approx(se_paired, rel=1e-12)
    # independent samples would give sqrt(0.4 * 0.6 / 10 + 0.6 * 0.4 / 10) = 0.219, paired 0.141
    se_independent = 100 * math.sqrt(0.4 * 0.6 / 10 + 0.6 * 0.4 / 10)
    assert se_paired < se_independent
    # the wijk W holds the same ten persons: the same statistics
    wijk = overlap.filter(pl.col("area_level") == "wijk").row(0, named=True)
    assert (wijk["nb"], wijk["s1"], wijk["s2"], wijk["s12"]) == (10, 4, 6, 4)


def test_paired_se_with_persons_leaving_arriving_and_moving(monkeypatch):
    monkeypatch.setattr("indicators.trends.MIN_OVERLAP", 1)
    # 2022: persons 0-9 in B1; 2023: persons 0-6 still in B1, 7 moved to B2 (same wijk), 8-9 left, 10-12 arrived
    x1 = {i: v for i, v in enumerate([1, 0, 1, 0, 1, 1, 0, 0, 1, 0])}
    x2 = {0: 1, 1: 1, 2: 0, 3: 0, 4: 1, 5: 1, 6: 0, 7: 1, 10: 1, 11: 0, 12: 0}
    where2 = {i: ("B2" if i == 7 else "B1") for i in x2}
    rows = [(f"id{i}", 2022, "B1", bool(v)) for i, v in x1.items()]
    rows += [(f"id{i}", 2023, where2[i], bool(v)) for i, v in x2.items()]
    overlap = overlap_cells(_panel_con(rows), _catalogue(), [2022, 2023])
    # buurt B1: 2022 N1 = 10, 2023 N2 = 10 (0-6, 10-12); shared persons 0-6
    shared = list(range(7))
    a, b = np.array([x1[i] for i in shared]), np.array([x2[i] for i in shared])
    n1, n2 = 10, 10
    p1 = np.mean(list(x1.values()))
    p2 = np.mean([x2[i] for i in x2 if where2[i] == "B1"])
    cov = len(shared) * np.cov(a, b, ddof=0)[0, 1] / (n1 * n2)  # sum over shared persons of cov(x1, x2) / N1 N2
    values = _wald_values("B1", "buurt", p1, n1, p2, n2)
    row = trends(values, _published(values), overlap).row(0, named=True)
    var = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2 - 2 * cov
    assert (row["ci_high"] - row["ci_low"]) / (2 * Z95) == pytest.approx(100 * math.sqrt(var), rel=1e-12)
    # wijk W keeps person 7 (moved within it): shared persons 0-7
    wijk = overlap.filter(pl.col("area_level") == "wijk").row(0, named=True)
    assert wijk["nb"] == 8 and wijk["s12"] == sum(x1[i] * x2[i] for i in range(8))
    # stratum geslacht:V (everyone) equals totaal
    strata = overlap.filter(pl.col("area_code") == "B1").sort("stratum")
    assert strata["stratum"].to_list() == ["geslacht:V", "totaal"] and strata["nb"].n_unique() == 1


def test_a_small_overlap_keeps_the_independent_se():
    """Under MIN_OVERLAP shared persons the rounded overlap sums are too coarse: the wider independent SE stays."""
    x1 = np.array([1, 1, 1, 0, 0, 0, 0, 0, 1, 0])
    x2 = np.array([1, 1, 1, 1, 1, 0, 0, 0, 1, 0])
    rows = [(f"id{i}", y, "B1", bool(x)) for i in range(10) for y, x in ((2022, x1[i]), (2023, x2[i]))]
    overlap = overlap_cells(_panel_con(rows), _catalogue(), [2022, 2023])
    values = _wald_values("B1", "buurt", x1.mean(), 10, x2.mean(), 10)
    row = trends(values, _published(values), overlap.filter(pl.col("area_level") == "buurt")).row(0, named=True)
    assert (row["ci_high"] - row["ci_low"]) / (2 * Z95) == pytest.approx(
        100 * math.sqrt(0.4 * 0.6 / 10 + 0.6 * 0.4 / 10), rel=1e-12)


def test_overlap_statistics_of_the_21st_indicator_are_its_own(monkeypatch):
    """With 21+ proportion indicators, s1 of indicator 20 and s12 of indicator 0 once shared the column name
    `s120`: indicator 20 then read indicator 0's s12. Each indicator's sums must be those of its numerator."""
    import dataclasses

    monkeypatch.setattr("indicators.trends.MIN_OVERLAP", 1)
    x1 = np.array([1, 1, 1, 0, 0, 0, 0, 0, 1, 0])
    x2 = np.array([1, 1, 1, 1, 1, 0, 0, 0, 1, 0])
    rows = [(f"id{i}", y, "B1", bool(x)) for i in range(10) for y, x in ((2022, x1[i]), (2023, x2[i]))]
    one = _catalogue()
    base = one.indicators[0]
    # indicators 0-19 count everyone (x OR true), indicator 20 is x itself: by hand s1 = 4, s2 = 6, s12 = 4
    many = [dataclasses.replace(base, id=f"all{k}", numerator="x OR true") for k in range(20)]
    many.append(dataclasses.replace(base, id="p20"))
    overlap = overlap_cells(_panel_con(rows), dataclasses.replace(one, indicators=tuple(many)), [2022, 2023])
    row = overlap.filter((pl.col("indicator_id") == "p20") & (pl.col("area_level") == "buurt")).row(0, named=True)
    assert (row["nb"], row["s1"], row["s2"], row["s12"]) == (10, 4, 6, 4)
    everyone = overlap.filter((pl.col("indicator_id") == "all0") & (pl.col("area_level") == "buurt")).row(0, named=True)
    assert (everyone["nb"], everyone["s1"], everyone["s2"], everyone["s12"]) == (10, 10, 10, 10)
