"""Confidence intervals for counts and rates: exact Poisson (Garwood) below 10 events, Byar from 10."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

from indicators.methods.intervals import Z95, Estimate, Interval, as_float

# PHE/APHO guidance: exact limits below this many events, Byar's from it.
BYAR_MIN_OBSERVED = 10


def garwood_interval(observed: npt.ArrayLike, alpha: float = 0.05) -> Interval:
    """Exact Poisson limits for an observed count from chi-square quantiles (Garwood 1936).

    low = chi2(alpha/2; 2 O) / 2 (0 when O = 0), high = chi2(1 - alpha/2; 2 O + 2) / 2.
    Exact, so preferred for small counts; NaN for negative or missing O.
    """
    o = as_float(observed)
    valid = o >= 0
    with np.errstate(invalid="ignore"):
        low = np.where(o > 0, stats.chi2.ppf(alpha / 2, 2 * np.where(o > 0, o, 1.0)) / 2, 0.0)
        high = stats.chi2.ppf(1 - alpha / 2, 2 * np.where(valid, o, 0.0) + 2) / 2
    return Interval(np.where(valid, low, np.nan), np.where(valid, high, np.nan))


def byar_interval(observed: npt.ArrayLike, z: float = Z95) -> Interval:
    """Byar's approximation to the exact Poisson limits (Breslow & Day 1987, vol. II, p. 69).

    low = O (1 - 1/(9 O) - z / (3 sqrt O))^3, high = (O + 1) (1 - 1/(9 (O + 1)) + z / (3 sqrt(O + 1)))^3.
    Within 0.2 % of the exact limits from O = 10 at 95 % (PHE Technical Guide: Confidence
    Intervals, 2018). Low is 0 for O = 0 and NaN where the cube goes negative (tiny O at high
    confidence), as in PHEindicatormethods, since the approximation has broken down there.
    """
    o = as_float(observed)
    valid = o >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        low = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        o1 = o + 1
        high = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    low = np.where(o == 0, 0.0, np.where(low >= 0, low, np.nan))
    return Interval(np.where(valid, low, np.nan), np.where(valid, high, np.nan))


def poisson_interval(observed: npt.ArrayLike, alpha: float = 0.05) -> Interval:
    """Limits for a count: Garwood (exact) for O < 10, Byar for O >= 10.

    Follows the PHE/APHO practice (APHO Technical Briefing 3, 2008; PHEindicatormethods
    phe_rate): Byar is near-exact from 10 events and cheaper; below 10 only exact limits are used.
    """
    o = as_float(observed)
    exact = garwood_interval(o, alpha)
    byar = byar_interval(o, float(stats.norm.isf(alpha / 2)))
    use_byar = o >= BYAR_MIN_OBSERVED
    return Interval(np.where(use_byar, byar.low, exact.low), np.where(use_byar, byar.high, exact.high))


def rate_interval(
    observed: npt.ArrayLike, exposure: npt.ArrayLike, multiplier: float = 1000.0, alpha: float = 0.05
) -> Estimate:
    """Rate O / exposure x multiplier with the count's Poisson limits (poisson_interval) scaled alike.

    The exposure (persons or person-years) is treated as fixed, the usual assumption for
    population-based rates (APHO Technical Briefing 3). NaN where exposure <= 0.
    """
    o, e = np.broadcast_arrays(as_float(observed), as_float(exposure))
    low, high = poisson_interval(o, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        # (count / exposure) x multiplier, in this order: the published values were first computed so, and a
        # last-bit difference could flip their rounding
        return Estimate(*(np.where(e > 0, c / e, np.nan) * multiplier for c in (o, low, high)))
