"""Equity gaps: a survey indicator's SII places its quintiles by population shares, not by respondents."""

import duckdb
import numpy as np
import polars as pl
import pytest

from indicators.equity_gaps import equity_gaps, survey_population

VALUES = [30.0, 26.0, 21.0, 17.0, 12.0]  # % per quintile, Q1 (lowest income) first
RESPONDENTS = [40, 60, 80, 100, 120]      # the well-off answer more often
ADULTS = [300, 250, 200, 150, 100]        # but the area's adults lean the other way


def frames(indicator: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    strata = [f"inkomen:q{i}" for i in range(1, 6)]
    values = pl.DataFrame({
        "indicator_id": indicator, "period": 2023, "area_code": "WK1", "area_level": "wijk",
        "stratum": [*strata, "totaal"], "value": [*VALUES, 20.0],
        "ci_low": [v - 4 for v in [*VALUES, 20.0]], "ci_high": [v + 4 for v in [*VALUES, 20.0]],
        "numerator": [20.0] * 6, "n": [*RESPONDENTS, sum(RESPONDENTS)],
    })
    return values, values.select("indicator_id", "period", "area_code", "area_level", "stratum",
                                 suppressed=pl.lit(False))


def adults() -> pl.DataFrame:
    return pl.DataFrame({"period": 2023, "area_code": "WK1", "area_level": "wijk",
                         "stratum": [f"inkomen:q{i}" for i in range(1, 6)], "persons": ADULTS})


def wls_sii(values: list[float], sizes: list[int]) -> float:
    # Low & Low (2004) by hand: ridit = mid-point of the cumulative share, weighted least squares by numpy
    share = np.array(sizes) / sum(sizes)
    ridit = np.cumsum(share) - share / 2
    root = np.sqrt(share)
    (_, slope), *_ = np.linalg.lstsq(np.column_stack([root, root * ridit]), root * np.array(values), rcond=None)
    return -slope


def test_survey_sii_uses_the_population_shares_of_the_quintiles():
    values, published = frames("ph_roken")
    gaps = equity_gaps(values, published, {"ph_roken": "weighted_proportion"}, adults())
    row = gaps.row(0, named=True)
    assert row["sii"] == pytest.approx(wls_sii(VALUES, ADULTS), rel=1e-9)
    assert row["sii"] != pytest.approx(wls_sii(VALUES, RESPONDENTS), rel=1e-3)
    # RII = SII / the overall (totaal) value
    assert row["rii"] == pytest.approx(row["sii"] / 20.0, rel=1e-12)
    assert (row["gap"], row["ratio"]) == (pytest.approx(18.0), pytest.approx(2.5))


def test_a_register_sii_keeps_its_own_persons_as_the_population():
    values, published = frames("ph_diabetes")
    gaps = equity_gaps(values, published, {"ph_diabetes": "proportion"}, adults())
    assert gaps["sii"].item() == pytest.approx(wls_sii(VALUES, RESPONDENTS), rel=1e-9)


def test_survey_population_counts_adults_with_a_known_income_per_area_and_quintile():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.area_ancestors AS SELECT * FROM (VALUES ('BU1', 'BU1', 'buurt'), "
                "('BU1', 'WK1', 'wijk'), ('BU2', 'BU2', 'buurt'), ('BU2', 'WK1', 'wijk')) "
                "t(area_code, ancestor_code, ancestor_level)")
    # BU1: two adults in Q1 and a child in Q1; BU2: an adult in Q1, an adult of unknown income
    con.execute("CREATE TABLE staging.person_year AS SELECT * FROM (VALUES (2023, 'BU1', 40, 1), (2023, 'BU1', 70, 1), "
                "(2023, 'BU1', 8, 1), (2023, 'BU2', 30, 1), (2023, 'BU2', 85, NULL)) "
                "t(year, buurt_code, age, income_quintile)")
    got = {(r["area_code"], r["stratum"]): r["persons"] for r in survey_population(con).iter_rows(named=True)}
    assert got == {("BU1", "inkomen:q1"): 2, ("BU2", "inkomen:q1"): 1, ("WK1", "inkomen:q1"): 3}
