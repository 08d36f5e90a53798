"""The method registry: each catalogue method reaches its estimator with the right sums, by hand."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from indicators.catalogue import METHODS
from indicators.methods import ESTIMATORS, estimate


def sums(**given: float) -> dict[str, np.ndarray]:
    keys = ("cnt", "sx", "sx2", "sw", "sw2", "swx", "swx2", "se")
    return {k: np.array([float(given.get(k, np.nan))]) for k in keys}


def flat(est) -> list[float]:
    return [float(x[0]) for x in est]


def test_proportion_and_the_crude_cells_of_a_standardised_indicator():
    # 3 of 10 persons = 30 %, Wilson limits times 100; the counts are published as they are
    low, high = proportion_confint(3, 10, method="wilson")
    for method in ("proportion", "direct_standardised"):
        assert_allclose(flat(estimate(method, sums(sx=3, cnt=10), 100)), [30, 100 * low, 100 * high, 3, 10],
                        rtol=1e-12)


def test_weighted_proportion_uses_the_weights_and_publishes_the_respondents():
    # 10 respondents of weight 2.5, 3 with x = 1: p = 7.5 / 25 = 30 %, n_eff = 625 / 62.5 = 10 -> Wilson(3, 10)
    low, high = proportion_confint(3, 10, method="wilson")
    est = estimate("weighted_proportion", sums(sx=3, cnt=10, sw=25, swx=7.5, sw2=62.5), 100)
    assert_allclose(flat(est), [30, 100 * low, 100 * high, 3, 10], rtol=1e-9)


def test_rate_is_events_over_exposure_times_the_multiplier():
    # 5 events in 1,000 person-years per 1,000 = 5, exact (Garwood) limits chi2(0.025; 10) / 2 and chi2(0.975; 12) / 2
    est = estimate("rate", sums(sx=5, se=1000, cnt=800), 1000)
    assert_allclose(flat(est), [5, stats.chi2.ppf(0.025, 10) / 2, stats.chi2.ppf(0.975, 12) / 2, 5, 1000],
                    rtol=1e-12)


def test_means_publish_only_their_count():
    # x = 2, 4, 9: mean 5, s^2 = (101 - 75) / 2 = 13, limits 5 -/+ t(0.975; 2) sqrt(13 / 3); with weights 1
    # the weighted mean is the same (n_eff = 3)
    half = stats.t.ppf(0.975, 2) * np.sqrt(13 / 3)
    plain = estimate("mean", sums(cnt=3, sx=15, sx2=101))
    weighted = estimate("weighted_mean", sums(cnt=3, sw=3, sw2=3, swx=15, swx2=101))
    for est in (plain, weighted):
        value, low, high, numerator, denominator = flat(est)
        assert_allclose([value, low, high, denominator], [5, 5 - half, 5 + half, 3], rtol=1e-12)
        assert np.isnan(numerator)


def test_ratio_is_the_published_numerator_over_the_published_denominator():
    # sx / se = 10 / 40 = 0.25 with the width of the e-weighted mean of x/e (tests/methods/test_means.py)
    half = stats.t.ppf(0.975, 5 / 3) * np.sqrt(0.001125)
    est = estimate("ratio", sums(sx=10, se=40, sw=40, swx=11, swx2=3.1, sw2=600), 2)
    assert_allclose(flat(est), [0.5, 0.5 - 2 * half, 0.5 + 2 * half, 10, 40], rtol=1e-9)


def test_every_catalogue_method_has_an_estimator():
    # top_share cells carry two amounts, not sufficient statistics: estimates.top_share_values handles them
    assert set(ESTIMATORS) == METHODS - {"top_share"}


def test_an_unknown_method_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"no estimator for method 'median'; known methods: proportion, .*ratio"):
        estimate("median", sums(cnt=3, sx=15))
