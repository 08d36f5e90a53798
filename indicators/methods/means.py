"""Confidence intervals for means: Student t, and t on the Kish effective sample size for weighted means."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import stats

from indicators.methods.intervals import Estimate, FloatArray, Interval, as_float
from indicators.methods.wilson import kish_effective_n


class MeanSd(NamedTuple):
    """Sample mean and standard deviation."""

    mean: FloatArray
    sd: FloatArray


def mean_sd_from_sums(n: npt.ArrayLike, sum_x: npt.ArrayLike, sum_x2: npt.ArrayLike) -> MeanSd:
    """Mean and sample SD (divisor n - 1) from the sufficient statistics n, sum x, sum x^2.

    Lets every area level be computed from additive sums. Mean is NaN for
    n <= 0, SD NaN for n < 2; a variance that rounding pushes below 0 is taken as 0.
    """
    n, sx, sx2 = np.broadcast_arrays(as_float(n), as_float(sum_x), as_float(sum_x2))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, sx / n, np.nan)
        var = np.maximum((sx2 - n * mean**2) / (n - 1), 0.0)  # n mean^2, not sx mean: same bits as published
    return MeanSd(mean, np.where(n >= 2, np.sqrt(var), np.nan))


def t_interval(mean: npt.ArrayLike, sd: npt.ArrayLike, n: npt.ArrayLike, alpha: float = 0.05) -> Interval:
    """Student t interval mean -/+ t(1 - alpha/2; n - 1) sd / sqrt(n) (Student 1908; APHO Technical Briefing 3).

    n may be fractional (a Kish n_eff); NaN where n < 2 or sd < 0.
    """
    m, s, n = np.broadcast_arrays(as_float(mean), as_float(sd), as_float(n))
    valid = (n >= 2) & (s >= 0)
    df = np.where(valid, n - 1, 1.0)
    with np.errstate(invalid="ignore"):
        half = stats.t.ppf(1 - alpha / 2, df) * s / np.sqrt(np.where(valid, n, 1.0))
    return Interval(np.where(valid, m - half, np.nan), np.where(valid, m + half, np.nan))


def mean_interval(
    n: npt.ArrayLike, sum_x: npt.ArrayLike, sum_x2: npt.ArrayLike, alpha: float = 0.05
) -> Estimate:
    """Unweighted mean with its t interval, from the sufficient statistics n, sum x, sum x^2."""
    mean, sd = mean_sd_from_sums(n, sum_x, sum_x2)
    low, high = t_interval(mean, sd, n, alpha)
    return Estimate(mean, low, high)


def weighted_mean_interval(
    sum_w: npt.ArrayLike,
    sum_wx: npt.ArrayLike,
    sum_wx2: npt.ArrayLike,
    sum_w2: npt.ArrayLike,
    alpha: float = 0.05,
) -> Estimate:
    """Weighted mean with a t interval on the Kish effective sample size (Kish 1965).

    mean = sum wx / sum w; V = sum wx^2 / sum w - mean^2 (weighted population variance);
    n_eff = (sum w)^2 / sum w^2; s^2 = V n_eff / (n_eff - 1); limits mean -/+ t(n_eff - 1) s / sqrt(n_eff).
    This equals statsmodels DescrStatsW.tconfint_mean with the weights rescaled to sum to n_eff.
    It ignores any correlation between weights and values (Kish's approximation), the price of
    working from additive sums only. Mean NaN for sum w <= 0; limits NaN for n_eff < 2.
    """
    sw, swx, swx2 = np.broadcast_arrays(as_float(sum_w), as_float(sum_wx), as_float(sum_wx2))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(sw > 0, swx / sw, np.nan)
        var_pop = np.maximum(swx2 / sw - mean * mean, 0.0)
        n_eff = kish_effective_n(sw, sum_w2)
        sd = np.sqrt(var_pop * n_eff / (n_eff - 1))
    low, high = t_interval(mean, sd, n_eff, alpha)
    return Estimate(mean, low, high)


def ratio_interval(
    numerator: npt.ArrayLike,
    exposure: npt.ArrayLike,
    sum_w: npt.ArrayLike,
    sum_wx: npt.ArrayLike,
    sum_wx2: npt.ArrayLike,
    sum_w2: npt.ArrayLike,
    alpha: float = 0.05,
) -> Estimate:
    """Ratio of sums sum x / sum e, with the interval of the mean of x/e weighted by e (weighted_mean_interval).

    A ratio of sums is the e-weighted mean of x/e, so its spread is that of the weighted mean (Kish 1965;
    Cochran 1977, ch. 6 treats it as a ratio estimator). The width comes from the exact weighted sums
    (w = e, wx = x, wx^2 = x^2/e); the centre is numerator / exposure, which may be counts rounded for
    publication, so that the value is the published numerator over the published denominator. NaN where
    exposure <= 0; limits NaN where the weighted mean has none (n_eff < 2).
    """
    x, e = np.broadcast_arrays(as_float(numerator), as_float(exposure))
    exact, low, high = weighted_mean_interval(sum_w, sum_wx, sum_wx2, sum_w2, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(e > 0, x / e, np.nan)
    return Estimate(value, value - (exact - low), value + (high - exact))
