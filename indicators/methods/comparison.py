"""Comparison of an area with the region by funnel-plot control limits: hoger, lager or geen_verschil.

Spiegelhalter DJ (2005), "Funnel plots for comparing institutional performance", Stat Med 24:1185-1202.
An area is compared with the region's value (the target, theta0) using the spread that the area's own size
would give if it were like the region: the control limits depend on the region's value and the area's
denominator, not on the area's own interval. A wijk page makes some 64 comparisons, so the flag uses the
99.8 % limits (the paper's "alarm" level, about 3 standard errors): by chance one comparison in 500 is
flagged, against one in 20 at 95 %. The published `comparison` is `hoger` / `lager` beyond the 99.8 % limit
(the report: "opvallend hoger/lager") and `geen_verschil` inside it; the 95 % limits are computed alongside
for a funnel plot but flag nothing.

Limits by method (the paper's section 3 and appendix A.1):
- proportions (and survey shares, on the Kish effective n): the normal approximation
  p0 +/- z sqrt(p0 (1 - p0) / n);
- rates: exact Poisson limits of the count expected at the region's rate, interpolated between integers
  (appendix A.1.1), divided by the area's exposure;
- means, ratios (on the Kish effective n): theta0 +/- z sigma0 / sqrt(n), sigma0 the region's standard
  deviation (its standard error times sqrt of its n);
- directly standardised rates: theta0 +/- z se, with the area's own (Dobson) standard error, because the
  variance of a standardised rate depends on the area's age structure.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import stats

from indicators.methods.intervals import Z95, FloatArray, as_float

Comparison = Literal["hoger", "lager", "geen_verschil"]
HOGER: Comparison = "hoger"
LAGER: Comparison = "lager"
GEEN_VERSCHIL: Comparison = "geen_verschil"

# Two-sided 99.8 % normal quantile (qnorm(0.999)): Spiegelhalter's 3-sigma-like "alarm" limit.
Z998 = 3.090232306167813
# The two coverages of a funnel plot and their normal quantiles.
P95, P998 = 0.95, 0.998


class FunnelLimits(NamedTuple):
    """Lower and upper control limits at 95 % and 99.8 % around the reference value."""

    low95: FloatArray
    high95: FloatArray
    low998: FloatArray
    high998: FloatArray


def _missing(x: float | None) -> bool:
    return x is None or math.isnan(x)


def funnel_normal(reference: npt.ArrayLike, se0: npt.ArrayLike) -> FunnelLimits:
    """theta0 +/- z se0 at 95 % and 99.8 % (Spiegelhalter 2005, eq. 3): se0 is the spread at the area's size."""
    ref, se = np.broadcast_arrays(as_float(reference), as_float(se0))
    return FunnelLimits(ref - Z95 * se, ref + Z95 * se, ref - Z998 * se, ref + Z998 * se)


def funnel_proportion(p0: npt.ArrayLike, n: npt.ArrayLike) -> FunnelLimits:
    """Limits of a proportion (0-1) around p0 for a denominator n: p0 +/- z sqrt(p0 (1 - p0) / n)."""
    p, size = np.broadcast_arrays(as_float(p0), as_float(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(p * (1 - p) / np.where(size > 0, size, np.nan))
    return funnel_normal(p, se)


def _poisson_limit(expected: FloatArray, prob: float) -> FloatArray:
    """The interpolated `prob` quantile of a Poisson count with mean `expected` (Spiegelhalter 2005, A.1.1):
    r_p the smallest r with F(r) >= p, minus (F(r_p) - p) / (F(r_p) - F(r_p - 1))."""
    with np.errstate(invalid="ignore"):
        r = stats.poisson.ppf(prob, expected)
        f_r, f_below = stats.poisson.cdf(r, expected), stats.poisson.cdf(r - 1, expected)
        alpha = np.where(f_r > f_below, (f_r - prob) / np.where(f_r > f_below, f_r - f_below, 1.0), 0.0)
    return np.where(np.isfinite(r), np.maximum(r - alpha, 0.0), np.nan)


def funnel_poisson(rate0: npt.ArrayLike, exposure: npt.ArrayLike) -> FunnelLimits:
    """Limits of a rate (events per unit exposure) around rate0: exact Poisson limits of the expected count
    rate0 x exposure, interpolated (Spiegelhalter 2005, appendix A.1.1), per unit exposure."""
    rate, expo = np.broadcast_arrays(as_float(rate0), as_float(exposure))
    valid = (expo > 0) & (rate >= 0)
    expected = np.where(valid, rate * expo, np.nan)
    per = np.where(valid, expo, np.nan)
    return FunnelLimits(*(_poisson_limit(expected, p) / per
                          for p in ((1 - P95) / 2, (1 + P95) / 2, (1 - P998) / 2, (1 + P998) / 2)))


def compare_to_limits(
    value: npt.ArrayLike, low: npt.ArrayLike, high: npt.ArrayLike
) -> npt.NDArray[np.object_]:
    """`hoger` above `high`, `lager` below `low`, else `geen_verschil`; None where any input is missing.

    A value on a limit counts as inside it (no flag)."""
    v, lo, hi = np.broadcast_arrays(as_float(value), as_float(low), as_float(high))
    out = np.full(v.shape, GEEN_VERSCHIL, dtype=object)
    out[v > hi] = HOGER
    out[v < lo] = LAGER
    out[np.isnan(v) | np.isnan(lo) | np.isnan(hi)] = None
    return out


def compare_to_reference(value: float | None, low: float | None, high: float | None) -> Comparison | None:
    """Scalar `compare_to_limits`: the label of one area for its control limits."""
    if _missing(value) or _missing(low) or _missing(high):
        return None
    return compare_to_limits(value, low, high).item()
