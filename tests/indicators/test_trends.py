"""Trends between years: change, interval from the two years' intervals, significance, suppression."""

from __future__ import annotations

import math

import polars as pl
import pytest

from indicators.methods import Z95
from indicators.trends import trends


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
