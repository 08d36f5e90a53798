"""Health equity across income quintiles: Q1-Q5 gap and ratio, slope index (SII) and RII = SII / overall value."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from indicators.methods.intervals import Z95, FloatArray, as_float

# Equity measures only when every quintile has at least this many events (too unstable below).
EQUITY_MIN_EVENTS = 10


class EquityResult(NamedTuple):
    """Inequality measures of one indicator across ordered income groups (Q1 = lowest income first)."""

    gap: FloatArray
    ratio: FloatArray
    sii: FloatArray
    sii_low: FloatArray
    sii_high: FloatArray
    rii: FloatArray
    rii_low: FloatArray
    rii_high: FloatArray


def ridits(population_shares: npt.ArrayLike) -> FloatArray:
    """Mid-point of each group's cumulative population share, Q1 first (the x of the SII regression)."""
    s = as_float(population_shares)
    s = s / s.sum(axis=-1, keepdims=True)
    return np.cumsum(s, axis=-1) - s / 2


def sii_rii(
    values_q1_to_q5: npt.ArrayLike,
    population_shares_q1_to_q5: npt.ArrayLike,
    standard_errors_q1_to_q5: npt.ArrayLike,
    events_q1_to_q5: npt.ArrayLike,
    overall_value: npt.ArrayLike | None = None,
    z: float = Z95,
    min_events: float = EQUITY_MIN_EVENTS,
) -> EquityResult:
    """Q1-Q5 gap and ratio, slope index (SII) and relative index of inequality (RII) with analytic CIs.

    Groups run along the last axis, lowest income first (any number >= 2; the pipeline uses quintiles).
    SII: weighted least squares of the group values on the ridit (mid-point of the cumulative
    population share), weights = population shares (Low & Low 2004, J Public Health 26:388; the
    PHE SII method). Sign as the gap: SII = fitted value at the low-income end (x = 0) minus the
    high-income end (x = 1), i.e. minus the slope; positive when the poorest fare higher.
    RII = SII / overall value (the PHE definition, Low & Low 2004), which is a share of the overall level,
    not the fitted-ratio RII (fitted value at x = 0 over x = 1, Mackenbach & Kunst 1997) that the Q1/Q5
    `ratio` resembles; the overall value defaults to the population-weighted mean of the group values.
    `population_shares_q1_to_q5` are the groups' shares of the population (for a survey: of the residents,
    not of the respondents).

    CIs are analytic, not Monte Carlo: the SII is linear in the group values, SII = sum c_i y_i,
    so with independent group estimates var(SII) = sum c_i^2 se_i^2 exactly (a simulation, as
    PHEindicatormethods phe_sii uses, converges to the same normal interval). RII limits use the
    delta method; an `overall_value` passed in is treated as fixed. Limits are SII -/+ z se.

    gap = y_Q1 - y_Q5, ratio = y_Q1 / y_Q5. Everything is NaN for a row where any group has
    fewer than `min_events` events, a share <= 0 or a missing value; the limits also where a
    standard error is missing.
    """
    y, s, se, ev = np.broadcast_arrays(
        as_float(values_q1_to_q5),
        as_float(population_shares_q1_to_q5),
        as_float(standard_errors_q1_to_q5),
        as_float(events_q1_to_q5),
    )
    ok = ((ev >= min_events) & (s > 0) & np.isfinite(y)).all(axis=-1)
    ok_ci = ok & ((se >= 0) & np.isfinite(se)).all(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = s / s.sum(axis=-1, keepdims=True)
        x = ridits(s)
        x_bar = (s * x).sum(axis=-1, keepdims=True)
        sxx = (s * (x - x_bar) ** 2).sum(axis=-1, keepdims=True)
        c = -s * (x - x_bar) / sxx  # SII = sum c_i y_i (minus the WLS slope)
        sii = (c * y).sum(axis=-1)
        se_sii = np.sqrt((c * c * se * se).sum(axis=-1))
        m = (s * y).sum(axis=-1) if overall_value is None else as_float(overall_value) + 0 * sii
        m = np.where(m != 0, m, np.nan)
        rii = sii / m
        grad = c / m[..., None]
        if overall_value is None:  # the overall value moves with the group values
            grad = grad - (sii / (m * m))[..., None] * s
        se_rii = np.sqrt((grad * grad * se * se).sum(axis=-1))
        gap = y[..., 0] - y[..., -1]
        ratio = np.where(y[..., -1] != 0, y[..., 0] / y[..., -1], np.nan)

    def keep(a: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
        return np.where(mask, a, np.nan)

    return EquityResult(
        gap=keep(gap, ok),
        ratio=keep(ratio, ok),
        sii=keep(sii, ok),
        sii_low=keep(sii - z * se_sii, ok_ci),
        sii_high=keep(sii + z * se_sii, ok_ci),
        rii=keep(rii, ok),
        rii_low=keep(rii - z * se_rii, ok_ci),
        rii_high=keep(rii + z * se_rii, ok_ci),
    )
