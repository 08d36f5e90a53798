"""Constant prices (indicators/prices.py): the chained CPI index, deflators, the real change of a trend with its
interval, and the constant-price columns of the candidate, each against numbers worked out by hand."""

import math

import duckdb
import polars as pl
import pytest

from indicators.catalogue import load_catalogue
from indicators.methods import Z95
from indicators.prices import CPI_FILE, PriceSeriesError, chained_index, deflator_frame, deflators, read_cpi
from indicators.report.sections import money_change
from indicators.trends import trends
from pipelines.config import REPO_ROOT, load_settings
from transforms.sql import load_sql

REFERENCE = REPO_ROOT / "sample_data" / "reference"
# CBS jaarmutatie CPI (alle bestedingen): 2022 10.0 %, 2023 3.8 %, 2024 3.3 %
CHANGES = {2021: 2.7, 2022: 10.0, 2023: 3.8, 2024: 3.3}


def test_the_shipped_series_holds_the_cbs_figures_without_gaps():
    cpi = read_cpi(REFERENCE)
    # CBS, "Inflatie 3,8 procent in 2023" (table 1965-2023) and "Inflatie 3,3 procent in 2024"
    assert {y: cpi[y] for y in (2010, 2015, 2019, 2022, 2023, 2024)} == {
        2010: 1.3, 2015: 0.6, 2019: 2.6, 2022: 10.0, 2023: 3.8, 2024: 3.3}
    assert sorted(cpi) == list(range(1996, 2025))


def test_chained_index_and_deflators_by_hand():
    index = chained_index(CHANGES)
    assert index[2021] == 100.0  # the first year of the series is the reference level
    assert index[2022] == pytest.approx(110.0)
    assert index[2024] == pytest.approx(100 * 1.100 * 1.038 * 1.033)
    # base 2024: a euro of 2022 is worth 1.038 x 1.033 euro of 2024, a euro of 2023 1.033
    assert deflators(CHANGES, [2022, 2023, 2024], 2024) == pytest.approx(
        {2022: 1.038 * 1.033, 2023: 1.033, 2024: 1.0}, rel=1e-12)
    # base 2022: a euro of 2024 is worth 1 / (1.038 x 1.033) euro of 2022
    assert deflators(CHANGES, [2024], 2022)[2024] == pytest.approx(1 / 1.072254, rel=1e-12)


def test_a_year_beyond_the_series_is_an_error_naming_the_file_and_the_year():
    with pytest.raises(PriceSeriesError, match=rf"{CPI_FILE}: no CPI change for 2025; add the line '2025,"):
        deflators(CHANGES, [2024, 2025], 2024)
    with pytest.raises(PriceSeriesError, match="no CPI change for 2019; the series starts in 2021"):
        deflators(CHANGES, [2022, 2023], 2019)  # a base year before the series


def test_a_gap_in_the_series_is_refused(tmp_path):
    (tmp_path / CPI_FILE).write_text("year,cpi_change_pct\n2022,10.0\n2024,3.3\n", encoding="utf-8")
    with pytest.raises(PriceSeriesError, match="consecutive"):
        read_cpi(tmp_path)


def _cells(rows):
    """Published cells from (indicator, period, value, se, suppressed): intervals value +- Z95 se."""
    return pl.DataFrame([
        {"indicator_id": i, "area_code": "GM0001", "area_level": "gemeente", "stratum": "totaal", "period": p,
         "value": v, "ci_low": None if v is None else v - Z95 * se, "ci_high": None if v is None else v + Z95 * se,
         "suppressed": s} for i, p, v, se, s in rows])


def test_real_change_and_its_interval_by_hand():
    # Cost per resident 1,000 euro in 2022 (SE 10), 1,100 euro in 2024 (SE 20): nominal +100 euro.
    # In prices of 2024: 1,100 - 1,000 x 1.038 x 1.033 = 1,100 - 1,072.254 = +27.746 euro.
    # SE: sqrt((1.072254 x 10)^2 + (1 x 20)^2) = sqrt(114.97286 + 400) = 22.6930 (independent years).
    cells = _cells([("co_kosten", 2022, 1000.0, 10.0, False), ("co_kosten", 2024, 1100.0, 20.0, False),
                    ("ph_aandeel", 2022, 40.0, 1.0, False), ("ph_aandeel", 2024, 42.0, 1.0, False)])
    factors = deflator_frame(["co_kosten"], deflators(CHANGES, [2022, 2024], 2024), 2024)
    row = trends(cells, cells, deflators=factors).filter(pl.col("indicator_id") == "co_kosten").row(0, named=True)
    assert row["change"] == pytest.approx(100.0)  # the nominal change stays
    assert row["change_real"] == pytest.approx(27.746, abs=1e-9)
    se = math.sqrt(114.972863 + 400.0)
    assert (row["ci_low_real"], row["ci_high_real"]) == pytest.approx((27.746 - 1.959964 * se,
                                                                       27.746 + 1.959964 * se), abs=1e-4)
    other = trends(cells, cells, deflators=factors).filter(pl.col("indicator_id") == "ph_aandeel").row(0, named=True)
    assert other["change"] == pytest.approx(2.0) and other["change_real"] is None  # not money


def test_real_change_is_hidden_where_a_year_is_suppressed():
    cells = _cells([("co_kosten", 2022, None, None, True), ("co_kosten", 2024, 1100.0, 20.0, False)])
    factors = deflator_frame(["co_kosten"], deflators(CHANGES, [2022, 2024], 2024), 2024)
    row = trends(cells, cells, deflators=factors).row(0, named=True)
    assert row["suppressed"] and row["change_real"] is None and row["ci_low_real"] is None


def test_candidate_publishes_constant_prices_of_the_rounded_values_and_null_where_suppressed():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA indicators")
    values = pl.DataFrame({
        "indicator_id": ["co_kosten", "co_kosten", "co_kosten", "ph_aandeel"], "period": [2022, 2024, 2023, 2022],
        "area_code": ["GM0001"] * 4, "area_level": ["gemeente"] * 4, "stratum": ["totaal"] * 4,
        "numerator": [None, None, None, 20.0], "denominator": [100.0, 100.0, None, 50.0], "n": [100, 100, 5, 50],
        "value": [1000.00004, 1100.0, None, 40.0], "ci_low": [980.0, 1060.0, None, 27.0],
        "ci_high": [1020.0, 1140.0, None, 54.0], "suppressed": [False, False, True, False],
        "suppression_reason": [None, None, "primary", None], "comparison": [None] * 4})
    con.register("v", values.to_arrow())
    con.execute("CREATE TABLE indicators.published_values AS SELECT * FROM v")
    con.register("d", deflator_frame(["co_kosten"], deflators(CHANGES, [2022, 2023, 2024], 2024), 2024).to_arrow())
    con.execute("CREATE TABLE indicators.price_deflators AS SELECT * FROM d")
    out = con.execute(load_sql("candidate.indicator_values", d=4)).pl()
    real = dict(zip(zip(out["indicator_id"], out["period"], strict=True), out["value_real"], strict=True))
    # 1000.00004 is published as 1000.0; x 1.072254 = 1072.254; the CI limits scale with it
    assert real[("co_kosten", 2022)] == pytest.approx(1072.254, abs=1e-9)
    assert real[("co_kosten", 2024)] == 1100.0
    assert real[("co_kosten", 2023)] is None  # suppressed
    assert real[("ph_aandeel", 2022)] is None  # not money
    low = out.filter((pl.col("indicator_id") == "co_kosten") & (pl.col("period") == 2022))["ci_low_real"].item()
    assert low == pytest.approx(980.0 * 1.072254, abs=1e-4)


def test_the_catalogue_names_the_money_indicators_and_their_base_year():
    catalogue = load_catalogue(load_settings(REPO_ROOT / "phm.toml").cutoffs)
    euro = {i.id for i in catalogue.indicators if i.unit == "euro"}
    assert set(catalogue.money_ids()) == euro and "co_totaal_domeinen_per_inwoner" in euro
    rows = {r["indicator_id"]: r["price_base_year"] for r in catalogue.rows(2024)}
    assert rows["co_wmo_per_inwoner"] == 2024 and rows["co_aandeel_top5pct"] is None  # a share is not money


def test_the_report_shows_nominal_and_real_change_apart():
    rows = pl.DataFrame({"indicator_id": ["co_kosten"], "area_code": ["GM0001"], "from_period": [2022],
                         "to_period": [2024], "change": [100.0], "ci_low": [56.0], "ci_high": [144.0],
                         "change_real": [27.746], "ci_low_real": [-16.7], "ci_high_real": [72.2],
                         "price_base_year": [2024]})
    text = money_change(rows, {"GM0001": "Heiloo"})
    assert "Verandering 2022-2024" in text and "Heiloo: nominaal +100 euro (95%: 56 tot 144)" in text
    assert "in prijzen van 2024 (reëel) +28 euro (95%: -17 tot 72)" in text
    assert money_change(None, {"GM0001": "Heiloo"}) == ""


def test_an_attack_finds_a_constant_price_value_left_on_a_suppressed_cell():
    from quality.derived_disclosure import trend_findings
    from quality.privacy import privacy_violations

    con = duckdb.connect()
    con.execute("CREATE SCHEMA candidate")
    con.execute("CREATE TABLE candidate.indicator_values (indicator_id VARCHAR, n BIGINT, value DOUBLE, "
                "numerator DOUBLE, denominator DOUBLE, suppressed BOOLEAN, value_real DOUBLE)")
    con.execute("INSERT INTO candidate.indicator_values VALUES ('co_kosten', NULL, NULL, NULL, NULL, true, 1072.25)")
    assert any("1 suppressed cell(s) still carry a value" in f for f in privacy_violations(con, "candidate"))
    # a trend row that shows only its real change while a cell it uses is suppressed
    trend = pl.DataFrame({"indicator_id": ["co_kosten"], "area_code": ["GM0001"], "stratum": ["totaal"],
                          "from_period": [2022], "to_period": [2024], "from_value": [None], "to_value": [None],
                          "change": [None], "change_real": [27.7]},
                         schema_overrides={"from_value": pl.Float64, "to_value": pl.Float64, "change": pl.Float64})
    cells = pl.DataFrame({"indicator_id": ["co_kosten"] * 2, "period": [2022, 2024], "area_code": ["GM0001"] * 2,
                          "stratum": ["totaal"] * 2, "suppressed": [True, False], "p_value": [None, 1100.0]})
    assert [f[4] for f in trend_findings(trend, cells)] == ["derived_reveals"]
