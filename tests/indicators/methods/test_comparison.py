"""Funnel-plot comparison with the region (Spiegelhalter 2005) against hand computations."""

import math

import numpy as np
import pytest
from scipy import stats

from indicators.methods import (
    Z998,
    compare_to_limits,
    compare_to_reference,
    funnel_normal,
    funnel_poisson,
    funnel_proportion,
)


def test_proportion_limits_are_the_papers_normal_approximation():
    # p0 = 10 %, n = 100: se = sqrt(0.1 * 0.9 / 100) = 0.03
    # 95 %:   0.1 -/+ 1.959964 * 0.03 = 0.041201, 0.158799
    # 99.8 %: 0.1 -/+ 3.090232 * 0.03 = 0.007293, 0.192707
    limits = funnel_proportion(0.10, 100)
    assert [limits.low95, limits.high95] == pytest.approx([0.041201, 0.158799], abs=1e-6)
    assert [limits.low998, limits.high998] == pytest.approx([0.007293, 0.192707], abs=1e-6)
    assert pytest.approx(stats.norm.ppf(0.999), rel=1e-12) == Z998
    # the funnel narrows with the square root of n: at n = 400 half the width of n = 100
    wide, narrow = funnel_proportion([0.1, 0.1], [100, 400]).high998 - 0.1
    assert narrow == pytest.approx(wide / 2)
    # no denominator, no limits
    assert math.isnan(funnel_proportion(0.1, 0).high95)


def test_poisson_limits_interpolate_between_integer_quantiles():
    # expected 20 events (rate 0.01 on 2,000 person-years). Upper 97.5 %: r = 29 is the smallest count with
    # F(r) >= 0.975; limit = r - (F(29) - 0.975) / (F(29) - F(28)) events, per 2,000 person-years.
    f = stats.poisson(20).cdf
    r = 29
    assert f(r - 1) < 0.975 <= f(r)
    upper95 = (r - (f(r) - 0.975) / (f(r) - f(r - 1))) / 2000
    # lower 0.1 %: the smallest r with F(r) >= 0.001
    r_low = next(k for k in range(40) if f(k) >= 0.001)
    lower998 = (r_low - (f(r_low) - 0.001) / (f(r_low) - f(r_low - 1))) / 2000
    limits = funnel_poisson(0.01, 2000)
    assert limits.high95 == pytest.approx(upper95, rel=1e-12)
    assert limits.low998 == pytest.approx(lower998, rel=1e-12)
    # for a large expected count the exact limits approach the normal ones, E +/- z sqrt(E)
    big = funnel_poisson(0.01, 1e7)
    assert big.high998 == pytest.approx((1e5 + Z998 * math.sqrt(1e5)) / 1e7, rel=1e-4)


def test_normal_limits_and_labels():
    limits = funnel_normal(50.0, 2.0)
    assert [limits.low998, limits.high998] == pytest.approx([50 - 2 * Z998, 50 + 2 * Z998])
    # 57 is outside 99.8 % (56.18), 55 only outside 95 % (53.92): flagged only at 99.8 %
    labels = compare_to_limits([57.0, 55.0, 42.0, 50.0, np.nan], limits.low998, limits.high998)
    assert labels.tolist() == ["hoger", "geen_verschil", "lager", "geen_verschil", None]
    assert compare_to_reference(57.0, limits.low998, limits.high998) == "hoger"
    assert compare_to_reference(None, 1.0, 2.0) is None
    # a value on a limit is inside it
    assert compare_to_reference(2.0, 1.0, 2.0) == "geen_verschil"
