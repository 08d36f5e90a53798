"""Poisson limits: Garwood against scipy/statsmodels and published values, Byar against its formula."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.stats import chi2, norm
from statsmodels.stats.rates import confint_poisson

from indicators.methods import byar_interval, garwood_interval, poisson_interval, rate_interval

Z = float(norm.isf(0.025))
COUNTS = np.array([0, 1, 2, 5, 9, 10, 11, 30, 100, 196, 1_045, 25_000], dtype=float)


def test_garwood_matches_chi_square_quantiles():
    low, high = garwood_interval(COUNTS)
    expected_low = [0.0] + [chi2.ppf(0.025, 2 * o) / 2 for o in COUNTS[1:]]
    expected_high = [chi2.ppf(0.975, 2 * o + 2) / 2 for o in COUNTS]
    assert_allclose(low, expected_low, rtol=1e-12)
    assert_allclose(high, expected_high, rtol=1e-12)


def test_garwood_matches_statsmodels_exact_central():
    for alpha in (0.05, 0.002):
        sm_low, sm_high = confint_poisson(COUNTS, 1.0, method="exact-c", alpha=alpha)
        low, high = garwood_interval(COUNTS, alpha)
        assert_allclose(low, sm_low, rtol=1e-9, atol=1e-12)
        assert_allclose(high, sm_high, rtol=1e-9)


def test_garwood_published_values():
    # DescTools::PoissonCI documentation, Bortkiewicz horse-kick data: x = 196 deaths in n = 280
    # corps-years, exact 95 % limits of the rate 0.6054271 and 0.8051570.
    low, high = garwood_interval(196)
    assert float(low) / 280 == pytest.approx(0.6054271, abs=5e-8)
    assert float(high) / 280 == pytest.approx(0.8051570, abs=5e-8)
    # Tabulated exact limits: O = 0 -> (0, 3.689) (epitools pois.exact documentation);
    # O = 10 -> (4.795, 18.390) (standard exact Poisson tables).
    low, high = garwood_interval([0, 10])
    assert_allclose(low, [0, 4.795], atol=5e-4)
    assert_allclose(high, [3.689, 18.390], atol=5e-4)


def _byar_by_hand(o: float, z: float) -> tuple[float, float]:
    # Breslow & Day (1987) vol. II p. 69, written out independently of the implementation.
    low = 0.0 if o == 0 else o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    high = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return low, high


def test_byar_matches_hand_formula():
    for z in (Z, 1.959964, float(norm.isf(0.001))):
        counts = COUNTS[COUNTS >= 10]
        low, high = byar_interval(counts, z)
        expected = np.array([_byar_by_hand(o, z) for o in counts])
        assert_allclose(low, expected[:, 0], rtol=1e-12)
        assert_allclose(high, expected[:, 1], rtol=1e-12)


def test_byar_worked_example_30_events():
    # O = 30, z = 1.959964:
    #   low  = 30 (1 - 1/270 - 1.959964 / (3 sqrt 30))^3 = 30 (1 - 0.0037037 - 0.1192796)^3
    #        = 30 x 0.8770167^3 = 30 x 0.6745646 = 20.23694
    #   high = 31 (1 - 1/279 + 1.959964 / (3 sqrt 31))^3 = 31 (1 - 0.0035842 + 0.1173400)^3
    #        = 31 x 1.1137557^3 = 31 x 1.3815604 = 42.82837
    low, high = byar_interval(30)
    assert float(low) == pytest.approx(20.23694, abs=1e-5)
    assert float(high) == pytest.approx(42.82837, abs=1e-5)


def test_byar_within_published_accuracy_of_exact_from_10_events():
    # PHE Technical Guide "Confidence Intervals" (2018): at 95 % Byar's limits are within 0.2 % of
    # the exact limits for numerators of 10 or more.
    counts = np.arange(10, 5_001, dtype=float)
    byar, exact = byar_interval(counts, Z), garwood_interval(counts)
    assert np.max(np.abs(byar.low / exact.low - 1)) < 0.002
    assert np.max(np.abs(byar.high / exact.high - 1)) < 0.002


def test_byar_edges():
    low, high = byar_interval([0, -1, np.nan])
    assert low[0] == 0.0 and high[0] == pytest.approx(_byar_by_hand(0, 1.959964)[1])
    assert np.isnan(low[1:]).all() and np.isnan(high[1:]).all()
    # O = 1 at 99.8 %: the cube goes negative, so the approximation gives no lower limit
    assert np.isnan(byar_interval(1, float(norm.isf(0.001))).low)


def test_poisson_interval_switches_from_garwood_to_byar_at_10():
    counts = np.array([0, 9, 10, 11])
    low, high = poisson_interval(counts)
    exact, byar = garwood_interval(counts), byar_interval(counts, Z)
    assert_allclose(low, [exact.low[0], exact.low[1], byar.low[2], byar.low[3]], rtol=1e-12)
    assert_allclose(high, [exact.high[0], exact.high[1], byar.high[2], byar.high[3]], rtol=1e-12)


def test_rate_interval_scales_count_limits():
    # 30 events in 1,500 person-years per 1,000: 20.0 (13.49, 28.55) = Byar(30) / 1,500 x 1,000
    est = rate_interval([30, 3, 5], [1_500, 0, 1_000], multiplier=1_000)
    assert est.value[0] == pytest.approx(20.0)
    assert est.low[0] == pytest.approx(_byar_by_hand(30, Z)[0] / 1.5, rel=1e-12)
    assert est.high[0] == pytest.approx(_byar_by_hand(30, Z)[1] / 1.5, rel=1e-12)
    assert np.isnan([est.value[1], est.low[1], est.high[1]]).all()  # no exposure
    assert est.low[2] == pytest.approx(chi2.ppf(0.025, 10) / 2, rel=1e-12)  # 5 events: exact


@settings(max_examples=200, deadline=None)
@given(o=st.integers(0, 100_000))
def test_garwood_bounds_monotone_in_observed_and_contain_it(o):
    low, high = garwood_interval(np.array([o, o + 1], dtype=float))
    assert low[0] < low[1] and high[0] < high[1]
    assert low[0] <= o <= high[0]
