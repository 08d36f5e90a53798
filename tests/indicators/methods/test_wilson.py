"""Wilson intervals against statsmodels, Newcombe's published examples and hand cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from indicators.methods import (
    kish_effective_n,
    proportion_interval,
    weighted_proportion_interval,
    weighted_wilson_interval,
    wilson_interval,
)

# statsmodels uses the exact quantile norm.isf(0.025) = 1.95996398..., as our default Z95 does.
Z = float(norm.isf(0.025))


def test_wilson_matches_statsmodels_on_a_grid():
    n = np.repeat([1, 2, 7, 20, 263, 10_000], 6).astype(float)
    x = np.round(n * np.tile([0, 0.01, 0.3, 0.5, 0.99, 1], 6))
    low, high = wilson_interval(x, n, z=Z)
    sm_low, sm_high = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert_allclose(low, sm_low, rtol=0, atol=1e-9)
    assert_allclose(high, sm_high, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        # Worked examples of Newcombe (1998), Stat Med 17:857-872, method 3 (Wilson score), 4 decimals.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_reproduces_newcombe_1998(x, n, low, high):
    result = wilson_interval(x, n)
    assert result.low == pytest.approx(low, abs=5e-5)
    assert result.high == pytest.approx(high, abs=5e-5)


def test_wilson_edges():
    low, high = wilson_interval([0, 20, 5, 21, -1, 0, np.nan], [20, 20, 0, 20, 20, 0, 20])
    # 0 successes: lower bound exactly 0; n successes: upper bound exactly 1
    assert low[0] == 0.0 and 0 < high[0] < 1
    assert high[1] == 1.0 and 0 < low[1] < 1
    # n = 0, successes > n, negative or missing successes: not computable
    assert np.isnan(low[2:]).all() and np.isnan(high[2:]).all()


def test_wilson_scalar_in_scalar_out():
    low, high = wilson_interval(1, 2)
    assert np.ndim(low) == 0 and float(low) < 0.5 < float(high)


def test_proportion_interval_is_x_over_n_with_its_wilson_limits():
    # 3 of 10: p = 0.3 with statsmodels' Wilson limits; no persons -> NaN
    est = proportion_interval([3, 0], [10, 0])
    assert_allclose([est.value[0], est.low[0], est.high[0]], [0.3, *proportion_confint(3, 10, method="wilson")],
                    rtol=1e-12)
    assert np.isnan([est.value[1], est.low[1], est.high[1]]).all()


def test_kish_effective_n_by_hand():
    # weights 1, 1, 2, 2: (sum w)^2 / sum w^2 = 6^2 / 10 = 3.6; no weights -> NaN
    assert_allclose(kish_effective_n([6.0, 0.0], [10.0, 0.0]), [3.6, np.nan])


def test_weighted_wilson_with_equal_weights_is_plain_wilson():
    # 10 respondents of weight 2.5, 3 with x = 1: p = 7.5 / 25 = 0.3, n_eff = 25^2 / 62.5 = 10
    est = weighted_proportion_interval(sum_w=25.0, sum_wx=7.5, sum_w2=62.5, z=Z)
    plain = proportion_confint(3, 10, method="wilson")
    assert float(est.value) == pytest.approx(0.3)
    assert_allclose([est.low, est.high], plain, atol=1e-9)


def test_weighted_wilson_uses_n_eff():
    # p = 0.4 on n_eff = 37.5 is Wilson with x = 15, n = 37.5 (fractional counts are allowed)
    low, high = weighted_wilson_interval(0.4, 37.5, z=Z)
    assert_allclose([low, high], proportion_confint(15, 37.5, method="wilson"), atol=1e-9)
    assert np.isnan(weighted_wilson_interval([0.5, 1.2, np.nan], [0, 10, 10]).low).all()


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 1_000_000), frac=st.floats(0, 1))
def test_wilson_bounds_inside_unit_interval_and_contain_p(n, frac):
    x = np.floor(frac * n)
    low, high = wilson_interval(x, n)
    assert 0.0 <= low <= x / n <= high <= 1.0
