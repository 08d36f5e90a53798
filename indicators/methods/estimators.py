"""The estimator behind every catalogue `method`: a cell's sufficient statistics in, value and interval out.

`ESTIMATORS` is the one place where a method name meets its statistics; each entry only picks the sums
(the columns of `indicators.cells`: cnt, sx, sx2, sw, sw2, swx, swx2, se) that the tested method function
needs and names what is published as numerator and denominator. All cells of an indicator go through at
once as numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np

from indicators.methods.intervals import FloatArray
from indicators.methods.means import mean_interval, ratio_interval, weighted_mean_interval
from indicators.methods.poisson import rate_interval
from indicators.methods.wilson import proportion_interval, weighted_proportion_interval

Stats = Mapping[str, FloatArray]


class CellEstimate(NamedTuple):
    """Value and limits of a cell with the counts it publishes as numerator and denominator (NaN: none)."""

    value: FloatArray
    low: FloatArray
    high: FloatArray
    numerator: FloatArray
    denominator: FloatArray


def _no_count(like: FloatArray) -> FloatArray:
    return np.full_like(like, np.nan)


def proportion(s: Stats) -> CellEstimate:
    """sx of cnt persons, Wilson interval."""
    return CellEstimate(*proportion_interval(s["sx"], s["cnt"]), s["sx"], s["cnt"])


def weighted_proportion(s: Stats) -> CellEstimate:
    """Survey share swx / sw, Wilson on the Kish n_eff; publishes the unweighted respondents (sx of cnt)."""
    return CellEstimate(*weighted_proportion_interval(s["sw"], s["swx"], s["sw2"]), s["sx"], s["cnt"])


def rate(s: Stats) -> CellEstimate:
    """sx events over se exposure, Poisson limits of the count (per unit: the multiplier comes later)."""
    return CellEstimate(*rate_interval(s["sx"], s["se"], multiplier=1.0), s["sx"], s["se"])


def mean(s: Stats) -> CellEstimate:
    """Mean sx / cnt with a t interval; the summed magnitude is never published, only the count."""
    return CellEstimate(*mean_interval(s["cnt"], s["sx"], s["sx2"]), _no_count(s["cnt"]), s["cnt"])


def weighted_mean(s: Stats) -> CellEstimate:
    """Survey mean swx / sw, t interval on the Kish n_eff; publishes the respondents (cnt)."""
    est = weighted_mean_interval(s["sw"], s["swx"], s["swx2"], s["sw2"])
    return CellEstimate(*est, _no_count(s["cnt"]), s["cnt"])


def ratio(s: Stats) -> CellEstimate:
    """Ratio of sums sx / se, interval of the e-weighted mean of x/e."""
    return CellEstimate(*ratio_interval(s["sx"], s["se"], s["sw"], s["swx"], s["swx2"], s["sw2"]), s["sx"], s["se"])


ESTIMATORS: dict[str, Callable[[Stats], CellEstimate]] = {
    "proportion": proportion,
    "weighted_proportion": weighted_proportion,
    "rate": rate,
    "mean": mean,
    "weighted_mean": weighted_mean,
    "ratio": ratio,
    # the crude cells (every stratum) of a standardised indicator; the `totaal` cells are replaced by the
    # directly standardised rate (standardisation.standardise_frame)
    "direct_standardised": proportion,
}


def estimate(method: str, stats: Stats, multiplier: float = 1.0) -> CellEstimate:
    """The catalogue method's estimate of every cell, value and limits times `multiplier` (100 for %, ...)."""
    try:
        estimator = ESTIMATORS[method]
    except KeyError:
        raise ValueError(f"no estimator for method {method!r}; known methods: {', '.join(ESTIMATORS)}") from None
    with np.errstate(divide="ignore", invalid="ignore"):
        value, low, high, numerator, denominator = estimator(stats)
        return CellEstimate(value * multiplier, low * multiplier, high * multiplier, numerator, denominator)
