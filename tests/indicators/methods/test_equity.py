"""SII and RII against statsmodels WLS, a seeded Monte Carlo and a hand case."""

import numpy as np
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

from indicators.methods import Z95, ridits, sii_rii

VALUES = np.array([31.0, 24.5, 22.0, 18.0, 12.5])  # e.g. % smoking, Q1 = lowest income
SHARES = np.array([0.24, 0.21, 0.19, 0.19, 0.17])
SE = np.array([1.8, 1.5, 1.4, 1.2, 1.1])
EVENTS = np.array([120, 95, 80, 70, 40])


def test_hand_case_linear_values():
    # Equal shares: ridits 0.1, 0.3, 0.5, 0.7, 0.9; values 30, 25, 20, 15, 10 fall 5 per 0.2,
    # slope -25, so SII = 25 (poorest minus richest end); overall mean 20 -> RII = 25 / 20 = 1.25;
    # gap 30 - 10 = 20; ratio 30 / 10 = 3.
    # var(SII) = sum c_i^2 se_i^2 with c_i = -0.2 (x_i - 0.5) / 0.04 = 1, 0.5, 0, -0.5, -1 and se 1:
    # var = 2.5 -> SII 25 -/+ 1.959964 x 1.5811388 = (21.901025, 28.098975)
    r = sii_rii([30, 25, 20, 15, 10], [0.2] * 5, [1] * 5, [50] * 5)
    assert_allclose(ridits([0.2] * 5), [0.1, 0.3, 0.5, 0.7, 0.9])
    assert (float(r.gap), float(r.ratio)) == pytest.approx((20.0, 3.0))
    assert (float(r.sii), float(r.rii)) == pytest.approx((25.0, 1.25))
    assert (float(r.sii_low), float(r.sii_high)) == pytest.approx((21.901025, 28.098975), abs=1e-6)


def test_sii_matches_statsmodels_wls():
    x = ridits(SHARES)
    fit = sm.WLS(VALUES, sm.add_constant(x), weights=SHARES).fit()
    r = sii_rii(VALUES, SHARES, SE, EVENTS)
    assert float(r.sii) == pytest.approx(-fit.params[1], rel=1e-9)
    assert float(r.gap) == pytest.approx(31.0 - 12.5)
    assert float(r.rii) == pytest.approx(-fit.params[1] / (SHARES @ VALUES), rel=1e-9)


def test_sii_variance_matches_statsmodels_linear_weights():
    # The WLS slope is linear in the values: slope = sum c_j y_j, where c_j is the slope statsmodels
    # fits to the unit vector e_j. Then var(SII) = sum c_j^2 se_j^2.
    x = sm.add_constant(ridits(SHARES))
    c = np.array([sm.WLS(np.eye(5)[j], x, weights=SHARES).fit().params[1] for j in range(5)])
    se_sii = np.sqrt(np.sum(c * c * SE * SE))
    r = sii_rii(VALUES, SHARES, SE, EVENTS)
    assert float(r.sii_low) == pytest.approx(float(r.sii) - Z95 * se_sii, rel=1e-9)
    assert float(r.sii_high) == pytest.approx(float(r.sii) + Z95 * se_sii, rel=1e-9)


def test_analytic_limits_agree_with_seeded_monte_carlo():
    # PHE's phe_sii simulates the quintile values from N(y, se); the analytic limits should match
    # the simulated 2.5 / 97.5 percentiles to Monte Carlo error.
    rng = np.random.default_rng(2013)
    draws = rng.normal(VALUES, SE, size=(200_000, 5))
    x = ridits(SHARES)
    xc = x - SHARES @ x
    slopes = draws @ (SHARES * xc) / (SHARES @ xc**2)
    sii_sim, rii_sim = -slopes, -slopes / (draws @ SHARES)
    r = sii_rii(VALUES, SHARES, SE, EVENTS)
    assert_allclose([r.sii_low, r.sii_high], np.percentile(sii_sim, [2.5, 97.5]), rtol=0.01)
    assert_allclose([r.rii_low, r.rii_high], np.percentile(rii_sim, [2.5, 97.5]), rtol=0.02)


def test_fewer_than_10_events_in_a_quintile_gives_nothing():
    r = sii_rii(VALUES, SHARES, SE, [120, 95, 80, 70, 9])
    assert np.isnan(list(r)).all()


def test_vectorised_rows_equal_one_by_one():
    values = np.stack([VALUES, VALUES[::-1], VALUES * 2])
    events = np.stack([EVENTS, EVENTS, [5, 50, 50, 50, 50]])
    together = sii_rii(values, SHARES, SE, events)
    for i in range(3):
        alone = sii_rii(values[i], SHARES, SE, events[i])
        assert_allclose([f[i] for f in together], list(alone), rtol=1e-12)
    assert together.sii[1] < 0 < together.sii[0]  # reversed gradient: the richest fare higher
    assert np.isnan(together.sii[2])  # 5 events in Q1


def test_overall_value_passed_in_is_fixed():
    r = sii_rii(VALUES, SHARES, SE, EVENTS, overall_value=20.0)
    assert float(r.rii) == pytest.approx(float(r.sii) / 20.0)
    assert float(r.rii_high - r.rii_low) == pytest.approx(float(r.sii_high - r.sii_low) / 20.0)


def test_missing_standard_error_keeps_point_estimates():
    r = sii_rii(VALUES, SHARES, [1.8, np.nan, 1.4, 1.2, 1.1], EVENTS)
    assert np.isfinite(r.sii) and np.isnan(r.sii_low) and np.isnan(r.rii_high)
