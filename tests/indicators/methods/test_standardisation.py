"""Direct standardisation and Dobson limits on a hand-worked example; the ESP 2013 table."""

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from indicators.methods import (
    dobson_interval,
    load_esp2013,
    population_as_standard,
    standardise_frame,
)

# Hand-worked example: two age bands (one sex, "V"), a standard of 60,000 + 40,000 = 100,000,
# rates per 100,000.
#
# Area A: 0-64: O = 10, n = 1,000 (rate 0.01); 65+: O = 20, n = 500 (rate 0.04); O = 30
#   DSR    = (60,000 x 0.01 + 40,000 x 0.04) / 100,000 = (600 + 1,600) / 100,000 = 0.022 -> 2,200
#   var    = (60,000^2 x 10 / 1,000^2 + 40,000^2 x 20 / 500^2) / 100,000^2
#          = (36,000 + 128,000) / 10^10 = 1.64e-5
#   sqrt(var / O) = sqrt(1.64e-5 / 30) = 7.393691e-4 -> 73.93691 per 100,000
#   Byar(30), z = 1.95996398: O_L = 30 (1 - 1/270 - 0.1192796)^3 = 20.236939
#                             O_U = 31 (1 - 1/279 + 0.1173400)^3 = 42.828372
#   low  = 2,200 + 73.93691 x (20.236939 - 30) = 2,200 - 721.8506 = 1,478.1494
#   high = 2,200 + 73.93691 x (42.828372 - 30) = 2,200 + 948.4902 = 3,148.4902
#
# Area B: 0-64: O = 4, n = 2,000 (rate 0.002); 65+: O = 6, n = 200 (rate 0.03); O = 10
#   DSR    = (60,000 x 0.002 + 40,000 x 0.03) / 100,000 = (120 + 1,200) / 100,000 = 0.0132 -> 1,320
#   var    = (60,000^2 x 4 / 2,000^2 + 40,000^2 x 6 / 200^2) / 10^10 = (3,600 + 240,000) / 10^10 = 2.436e-5
#   sqrt(var / O) = sqrt(2.436e-6) = 1.5607690e-3 -> 156.07690 per 100,000
#   Byar(10): O_L = 10 (1 - 1/90 - 0.2065983)^3 = 4.787450; O_U = 11 (1 - 1/99 + 0.1969838)^3 = 18.391459
#   low  = 1,320 + 156.07690 x (4.787450 - 10) = 1,320 - 813.5587 = 506.4413
#   high = 1,320 + 156.07690 x (18.391459 - 10) = 1,320 + 1,309.7129 = 2,629.7129
#
# Area C: O = 4 + 5 = 9 < 10 -> not standardised (too few events to publish).
A = {"value": 2_200.0, "low": 1_478.1494, "high": 3_148.4902}
B = {"value": 1_320.0, "low": 506.4413, "high": 2_629.7129}
STANDARD = np.array([60_000.0, 40_000.0])
OBSERVED = np.array([[10, 20], [4, 6], [4, 5]], dtype=float)
POPULATION = np.array([[1_000, 500], [2_000, 200], [2_000, 200]], dtype=float)


def long_frame() -> pl.DataFrame:
    rows = [
        (area, band, obs, pop)
        for area, obs_row, pop_row in zip("ABC", OBSERVED, POPULATION, strict=True)
        for band, obs, pop in zip(("0-64", "65+"), obs_row, pop_row, strict=True)
    ]
    return pl.DataFrame(
        rows, schema=["area", "age_band", "observed", "population"], orient="row"
    ).with_columns(sex=pl.lit("V"))


def test_dobson_interval_is_the_formula_to_1e9():
    # The exact form of the hand computation above for area A, with Byar written out.
    z = 1.959963984540054
    o_low = 30 * (1 - 1 / 270 - z / (3 * np.sqrt(30))) ** 3
    o_high = 31 * (1 - 1 / 279 + z / (3 * np.sqrt(31))) ** 3
    k = np.sqrt(1.64e-5 / 30)
    low, high = dobson_interval(0.022, 1.64e-5, 30)
    assert_allclose([low, high], [0.022 + k * (o_low - 30), 0.022 + k * (o_high - 30)], rtol=1e-9)


def test_standardise_frame_hand_worked_example():
    standard = pl.DataFrame({"age_band": ["0-64", "65+"], "sex": ["V", "V"], "standard": STANDARD})
    out = standardise_frame(long_frame(), standard, ["area"])
    assert out.columns == ["area", "observed", "population", "value", "low", "high"]
    a, b, c = out.rows(named=True)
    assert (a["observed"], a["population"]) == (30, 1_500)
    assert (a["value"], b["value"]) == (pytest.approx(A["value"], rel=1e-12), pytest.approx(B["value"], rel=1e-12))
    for row, expected in ((a, A), (b, B)):
        for key, value in expected.items():
            assert row[key] == pytest.approx(value, abs=1e-4)
    assert (c["observed"], c["value"], c["low"], c["high"]) == (9, None, None, None)


def test_standardise_frame_to_the_regions_own_population():
    # Standard = A + B: 0-64: 3,000, 65+: 700 (total 3,700)
    #   A: (3,000 x 0.01 + 700 x 0.04) / 3,700 = 58 / 3,700 -> 1,567.5676 per 100,000
    #   B: (3,000 x 0.002 + 700 x 0.03) / 3,700 = 27 / 3,700 ->   729.7297 per 100,000
    #   region A+B standardised to itself is its crude rate 40 / 3,700 -> 1,081.0811
    frame = long_frame().filter(pl.col("area") != "C")
    standard = population_as_standard(frame)
    areas = standardise_frame(frame, standard, ["area"])
    assert_allclose(areas["value"].to_numpy(), [58 / 3_700 * 1e5, 27 / 3_700 * 1e5], rtol=1e-12)
    region = standardise_frame(frame.with_columns(region=pl.lit("R")), standard, ["region"])
    assert region["value"].item() == pytest.approx(40 / 3_700 * 1e5, rel=1e-12)


def test_standardise_frame_standard_per_period_and_missing_strata():
    # Period 2 uses a standard of 50,000 + 50,000; area D has no 65+ row, so its 65+ rate is 0:
    #   D, period 2: (50,000 x 12 / 1,000 + 50,000 x 0) / 100,000 = 0.006 -> 600 per 100,000
    frame = pl.concat(
        [
            long_frame().with_columns(period=pl.lit(1)),
            long_frame().with_columns(period=pl.lit(2)),
            pl.DataFrame(
                {
                    "area": ["D"],
                    "age_band": ["0-64"],
                    "observed": [12.0],
                    "population": [1_000.0],
                    "sex": ["V"],
                    "period": [2],
                }
            ).with_columns(pl.col("period").cast(pl.Int32)),
        ]
    )
    standard = pl.DataFrame(
        {
            "period": [1, 1, 2, 2],
            "age_band": ["0-64", "65+"] * 2,
            "sex": ["V"] * 4,
            "standard": [60_000.0, 40_000.0, 50_000.0, 50_000.0],
        }
    ).with_columns(pl.col("period").cast(pl.Int32))
    out = standardise_frame(frame, standard, ["period", "area"])
    value = {(r["period"], r["area"]): r["value"] for r in out.iter_rows(named=True)}
    assert value[(1, "A")] == pytest.approx(2_200.0)
    assert value[(2, "A")] == pytest.approx((50_000 * 0.01 + 50_000 * 0.04) / 1e5 * 1e5)
    assert value[(2, "D")] == pytest.approx(600.0)


def test_standardise_frame_is_the_dobson_formula_on_esp2013():
    # 40 areas x 38 ESP 2013 strata; the expected DSR and Dobson limits are the formulas written out on dense
    # (area x stratum) arrays, with the Poisson limits of the total count from scipy (exact below 10, Byar above)
    rng = np.random.default_rng(7)
    esp = load_esp2013(sexes=("M", "V"))
    areas = [f"BU{i:03d}" for i in range(40)]
    frame = (
        pl.DataFrame({"area": np.repeat(areas, esp.height)})
        .with_columns(
            age_band=pl.Series(np.tile(esp["age_band"].to_numpy(), len(areas))),
            sex=pl.Series(np.tile(esp["sex"].to_numpy(), len(areas))),
            population=pl.Series(rng.integers(1, 400, size=len(areas) * esp.height)),
        )
        .with_columns(observed=(pl.col("population") * rng.uniform(0, 0.05)).round().cast(pl.Int64))
    )
    out = standardise_frame(frame, esp, ["area"], multiplier=1_000)
    o = frame["observed"].to_numpy().reshape(len(areas), -1).astype(float)
    n = frame["population"].to_numpy().reshape(len(areas), -1).astype(float)
    w = esp["standard"].to_numpy()
    dsr = (w * o / n).sum(axis=1) / w.sum()
    var = (w * w * o / (n * n)).sum(axis=1) / w.sum() ** 2
    total = o.sum(axis=1)
    z = stats.norm.isf(0.025)
    byar_low = total * (1 - 1 / (9 * total) - z / (3 * np.sqrt(total))) ** 3
    byar_high = (total + 1) * (1 - 1 / (9 * (total + 1)) + z / (3 * np.sqrt(total + 1))) ** 3
    o_low = np.where(total < 10, stats.chi2.ppf(0.025, 2 * total) / 2, byar_low)
    o_high = np.where(total < 10, stats.chi2.ppf(0.975, 2 * total + 2) / 2, byar_high)
    k = np.sqrt(var / total)
    published = total >= 10
    assert published.sum() > 30  # the check below is about published values
    expected = {"value": dsr, "low": dsr + k * (o_low - total), "high": dsr + k * (o_high - total)}
    for column, values in expected.items():
        got = out[column].fill_null(np.nan).to_numpy()
        assert_allclose(got[published], values[published] * 1_000, rtol=1e-9)
        assert np.isnan(got[~published]).all()


def test_unusable_input():
    # events in a stratum without population -> null; negative counts -> null (both areas have >= 10 events)
    frame = pl.DataFrame({"area": ["A", "A", "B", "B"], "age_band": ["0-64", "65+"] * 2, "sex": ["V"] * 4,
                          "observed": [12, 3, -1, 20], "population": [100, 0, 100, 100]})
    standard = pl.DataFrame({"age_band": ["0-64", "65+"], "sex": ["V", "V"], "standard": [1.0, 1.0]})
    out = standardise_frame(frame, standard, ["area"])
    assert out["value"].to_list() == [None, None] and out["observed"].to_list() == [15, 19]
    with pytest.raises(ValueError, match="without a standard weight"):
        standardise_frame(
            long_frame(), pl.DataFrame({"age_band": ["0-64"], "sex": ["V"], "standard": [1.0]}), ["area"]
        )


def test_esp2013_reference_table():
    esp = load_esp2013()
    assert esp.height == 19 and esp["standard"].sum() == 100_000
    weights = dict(esp.iter_rows())
    assert (weights["0-4"], weights["85-89"], weights["90+"]) == (5_000, 1_500, 1_000)
    both = load_esp2013(sexes=("M", "V"))
    assert both.height == 38 and both.columns == ["age_band", "sex", "standard"]


def test_standardised_proportion_has_a_binomial_variance_and_a_wilson_interval():
    # Area A of the example above read as a prevalence (10 of 1,000 and 20 of 500 persons have the condition):
    #   DSR = 0.022 as before
    #   var = 0.6^2 x 0.01 x 0.99 / 1,000 + 0.4^2 x 0.04 x 0.96 / 500 = 3.564e-6 + 1.2288e-5 = 1.5852e-5
    #         (the Poisson variance above, 1.64e-5, lacks the factors 1 - p_i)
    #   n_eff = 0.022 x 0.978 / 1.5852e-5 = 1,357.3050...
    #   Wilson on n_eff, checked against statsmodels' Wilson interval for 0.022 n_eff successes in n_eff trials
    from statsmodels.stats.proportion import proportion_confint

    var = 0.6**2 * 0.01 * 0.99 / 1_000 + 0.4**2 * 0.04 * 0.96 / 500
    assert var == pytest.approx(1.5852e-5, rel=1e-12)
    n_eff = 0.022 * 0.978 / var
    low, high = proportion_confint(0.022 * n_eff, n_eff, alpha=0.05, method="wilson")
    standard = pl.DataFrame({"age_band": ["0-64", "65+"], "sex": ["V", "V"], "standard": STANDARD})
    out = standardise_frame(long_frame(), standard, ["area"], multiplier=100.0, variance="binomial")
    a = out.row(0, named=True)
    assert a["value"] == pytest.approx(2.2, rel=1e-12)
    assert (a["low"], a["high"]) == (pytest.approx(100 * low, rel=1e-9), pytest.approx(100 * high, rel=1e-9))
    # narrower than the Poisson (Dobson) interval of the same counts, which is also skewed
    dobson = standardise_frame(long_frame(), standard, ["area"], multiplier=100.0).row(0, named=True)
    assert dobson["high"] - dobson["low"] > a["high"] - a["low"]
    with pytest.raises(ValueError, match="variance"):
        standardise_frame(long_frame(), standard, ["area"], variance="normal")
