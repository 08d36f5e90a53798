"""Confidence intervals for proportions: Wilson score interval, also on a Kish effective sample size."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from indicators.methods.intervals import Z95, Estimate, FloatArray, Interval, as_float


def _wilson(p: FloatArray, n: FloatArray, z: float, valid: npt.NDArray[np.bool_]) -> Interval:
    with np.errstate(divide="ignore", invalid="ignore"):
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n + z2n / (4 * n))
        low = np.where(p == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(p == 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    return Interval(np.where(valid, low, np.nan), np.where(valid, high, np.nan))


def wilson_interval(successes: npt.ArrayLike, n: npt.ArrayLike, z: float = Z95) -> Interval:
    """Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3).

    Chosen over the Wald interval because it stays inside [0, 1] and keeps its coverage for
    small n and for 0 or n successes. NaN where n <= 0 or successes is outside [0, n].
    """
    x, n = np.broadcast_arrays(as_float(successes), as_float(n))
    valid = (n > 0) & (x >= 0) & (x <= n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
    return _wilson(p, n, z, valid)


def proportion_interval(successes: npt.ArrayLike, n: npt.ArrayLike, z: float = Z95) -> Estimate:
    """Proportion successes / n with its Wilson interval (wilson_interval); value NaN where n <= 0."""
    x, n = np.broadcast_arrays(as_float(successes), as_float(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, x / n, np.nan)
    low, high = wilson_interval(x, n, z)
    return Estimate(p, low, high)


def weighted_wilson_interval(p: npt.ArrayLike, n_eff: npt.ArrayLike, z: float = Z95) -> Interval:
    """Wilson interval for a weighted survey proportion on the Kish effective sample size.

    Wilson (1927) / Newcombe (1998, method 3) with n replaced by n_eff = (sum w)^2 / sum w^2
    (Kish 1965), so unequal weights widen the interval by the design effect of weighting.
    NaN where n_eff <= 0 or p is outside [0, 1].
    """
    p, n = np.broadcast_arrays(as_float(p), as_float(n_eff))
    valid = (n > 0) & (p >= 0) & (p <= 1)
    return _wilson(p, n, z, valid)


def kish_effective_n(sum_w: npt.ArrayLike, sum_w2: npt.ArrayLike) -> FloatArray:
    """Kish (1965) effective sample size (sum w)^2 / sum w^2 of a weighted sample; NaN when sum w^2 <= 0."""
    sw, sw2 = np.broadcast_arrays(as_float(sum_w), as_float(sum_w2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sw2 > 0, sw * sw / sw2, np.nan)


def weighted_proportion_interval(
    sum_w: npt.ArrayLike, sum_wx: npt.ArrayLike, sum_w2: npt.ArrayLike, z: float = Z95
) -> Estimate:
    """Weighted proportion sum(w x) / sum(w) of a 0/1 x with its Wilson interval on the Kish n_eff.

    Takes the sufficient statistics the aggregation stores (sw, swx, sw2), so a cell at any area
    level is computed from sums alone.
    """
    sw, swx = np.broadcast_arrays(as_float(sum_w), as_float(sum_wx))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(sw > 0, swx / sw, np.nan)
    low, high = weighted_wilson_interval(p, kish_effective_n(sw, sum_w2), z)
    return Estimate(p, low, high)
