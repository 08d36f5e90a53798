"""Mean intervals against scipy's t interval and statsmodels' weighted statistics."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from indicators.methods import (
    kish_effective_n,
    mean_interval,
    mean_sd_from_sums,
    ratio_interval,
    t_interval,
    weighted_mean_interval,
)

RNG = np.random.default_rng(20240601)


def test_mean_sd_from_sums_by_hand_and_numpy():
    # x = 2, 4, 9: n = 3, sum = 15, sum of squares = 101 -> mean 5, var (101 - 75) / 2 = 13
    mean, sd = mean_sd_from_sums(3, 15, 101)
    assert float(mean) == 5.0 and float(sd) == pytest.approx(np.sqrt(13))
    x = RNG.gamma(2.0, 900.0, size=500)  # skewed, like costs
    mean, sd = mean_sd_from_sums(x.size, x.sum(), (x * x).sum())
    assert float(mean) == pytest.approx(x.mean(), rel=1e-12)
    assert float(sd) == pytest.approx(x.std(ddof=1), rel=1e-9)


def test_t_interval_matches_scipy():
    mean = np.array([5.0, -2.0, 1_234.5, 7.0])
    sd = np.array([2.0, 0.5, 800.0, 3.0])
    n = np.array([2, 10, 37.5, 1_000])  # 37.5: a fractional Kish n_eff
    low, high = t_interval(mean, sd, n)
    exp_low, exp_high = stats.t.interval(0.95, n - 1, loc=mean, scale=sd / np.sqrt(n))
    assert_allclose(low, exp_low, rtol=1e-12)
    assert_allclose(high, exp_high, rtol=1e-12)


def test_mean_interval_from_sums_matches_scipy_on_data():
    x = RNG.normal(7.0, 1.5, size=40)
    est = mean_interval(x.size, x.sum(), (x * x).sum())
    sem = x.std(ddof=1) / np.sqrt(x.size)
    exp = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=sem)
    assert_allclose([est.low, est.high], exp, rtol=1e-9)


def test_mean_edges():
    est = mean_interval([0, 1, 2], [0, 5, 10], [0, 25, 50])
    assert np.isnan(est.value[0])  # n = 0
    assert est.value[1] == 5 and np.isnan([est.low[1], est.high[1]]).all()  # n = 1: no sd
    assert est.low[2] == est.high[2] == 5  # sd 0: the interval collapses
    assert np.isnan(t_interval(1.0, -1.0, 10).low)


def test_weighted_mean_matches_descrstatsw_with_weights_rescaled_to_n_eff():
    # Convention compared: DescrStatsW treats weights as frequencies (df = sum w - 1). With the
    # weights rescaled to sum to the Kish n_eff its t interval is ours:
    # mean -/+ t(n_eff - 1) sqrt(V / (n_eff - 1)), V = sum w (x - mean)^2 / sum w.
    x = RNG.normal(6.5, 2.0, size=120)
    w = RNG.uniform(0.2, 4.0, size=120)
    sw, sw2 = w.sum(), (w * w).sum()
    est = weighted_mean_interval(sw, (w * x).sum(), (w * x * x).sum(), sw2)
    n_eff = float(kish_effective_n(sw, sw2))
    reference = DescrStatsW(x, weights=w * n_eff / sw)
    assert float(est.value) == pytest.approx(reference.mean, rel=1e-12)
    assert_allclose([est.low, est.high], reference.tconfint_mean(alpha=0.05), rtol=1e-9)


def test_weighted_mean_with_equal_weights_is_the_plain_t_interval():
    x = RNG.normal(0.0, 1.0, size=25)
    w = np.full(25, 3.0)
    weighted = weighted_mean_interval(w.sum(), (w * x).sum(), (w * x * x).sum(), (w * w).sum())
    plain = mean_interval(x.size, x.sum(), (x * x).sum())
    assert_allclose(weighted, plain, rtol=1e-9)


def test_weighted_mean_edges():
    # n_eff < 2 (one respondent, or one weight dominating): mean only; no weights: nothing
    est = weighted_mean_interval([2.0, 10.0, 0.0], [10.0, 50.0, 0.0], [50.0, 260.0, 0.0], [4.0, 99.0, 0.0])
    assert est.value[0] == 5.0 and np.isnan([est.low[0], est.high[0]]).all()
    assert est.value[1] == 5.0 and np.isnan(est.low[1])  # n_eff = 100 / 99 < 2
    assert np.isnan([est.value[2], est.low[2], est.high[2]]).all()


def test_vectorised_over_many_cells():
    n = RNG.integers(0, 200, size=50_000).astype(float)
    sx = n * 3.0
    sx2 = n * 10.0
    est = mean_interval(n, sx, sx2)
    assert est.value.shape == (50_000,)
    assert np.isnan(est.low[n < 2]).all() and np.isfinite(est.low[n >= 2]).all()


def test_ratio_interval_is_the_weighted_mean_of_x_over_e_centred_on_the_published_ratio():
    # units x = 2, 6, 3 over e = 10, 20, 10: the ratio of sums 11 / 40 = 0.275 is the mean of x/e = 0.2, 0.3, 0.3
    # weighted by e: sw = 40, swx = 11, swx2 = sum x^2/e = 0.4 + 1.8 + 0.9 = 3.1, sw2 = 100 + 400 + 100 = 600
    # V = 3.1 / 40 - 0.275^2 = 0.001875; n_eff = 1,600 / 600 = 8/3; s^2 = V n_eff / (n_eff - 1) = 0.003
    # half width = t(0.975; 5/3) sqrt(0.003 / (8/3)) = t(0.975; 5/3) sqrt(0.001125)
    half = stats.t.ppf(0.975, 5 / 3) * np.sqrt(0.001125)
    est = ratio_interval(11, 40, 40, 11, 3.1, 600)
    assert_allclose(est, [0.275, 0.275 - half, 0.275 + half], rtol=1e-9)
    # published counts rounded to 10 / 40: the same width around 0.25
    est = ratio_interval(10, 40, 40, 11, 3.1, 600)
    assert_allclose(est, [0.25, 0.25 - half, 0.25 + half], rtol=1e-9)
    assert np.isnan(ratio_interval(0, 0, 40, 11, 3.1, 600)).all()  # no exposure
