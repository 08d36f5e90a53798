"""What an outsider gets back from a published value and its interval: the counts they were computed from.

A value and its confidence limits are deterministic functions of the counts. An attacker tries every integer
count pair within half a rounding base of the published rounded counts and keeps those that reproduce the
value and both limits (to the precision the file is published in). When the matching set leaves out the
published pair, the value was not computed from the rounded counts and gives the real ones back.

Methods, recomputed with the published method functions (statistics, not disclosure rules):
  proportion           value = m x / N, Wilson limits on (x, N)
  rate                 value = m E / D; limits / value = Poisson limits(E) / E depend on E alone; D = m E / value
  direct_standardised  (high - value) / (value - low) = (O_U - O) / (O - O_L) depends on the observed O alone
Survey values are weighted (not a function of the counts); means, costs and business cells publish no
interval that depends on a count, and top_share publishes a share only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from indicators.methods.poisson import poisson_interval
from indicators.methods.wilson import wilson_interval

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Values are compared to the decimals they are published in; beyond that, to this relative precision.
RELATIVE_TOLERANCE = 1e-9
MAX_DECIMALS = 12


@dataclass(frozen=True)
class PublishedCells:
    """Published (not suppressed) cells with a value, as numpy columns of equal length."""

    indicator: npt.NDArray[np.int64]  # indicator code, to infer one precision and one method per indicator
    method: npt.NDArray[np.str_]
    multiplier: FloatArray
    numerator: FloatArray  # published rounded counts (NaN when not published)
    denominator: FloatArray
    value: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray


@dataclass(frozen=True)
class RecoveredCounts:
    """Per cell: whether the value gives back counts other than the published ones, and what it pins.

    Bounds are NaN where the attacker learns nothing from the value. Where one cell of an indicator leaks,
    the attacker trusts the matching set of every cell of that indicator (one code path computes them all),
    so `numerator_lo/hi` can be set for cells that do not leak themselves.
    """

    leaks: BoolArray
    numerator_lo: FloatArray
    numerator_hi: FloatArray
    denominator_lo: FloatArray
    denominator_hi: FloatArray
    value_tolerance: FloatArray


def rounding_offsets(base: float) -> npt.NDArray[np.float64]:
    """Integer offsets from a count r rounded half-up to base back to the counts it can stand for."""
    return np.arange(math.ceil(-base / 2), math.ceil(base / 2), dtype=np.float64)


def published_decimals(x: FloatArray) -> npt.NDArray[np.int64]:
    """The fewest decimals that reproduce each number (MAX_DECIMALS for an unrounded float, -1 for NaN)."""
    decimals = np.full(x.shape, MAX_DECIMALS, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        for k in range(MAX_DECIMALS - 1, -1, -1):
            exact = np.abs(np.round(x, k) - x) <= 1e-12 * np.maximum(1.0, np.abs(x))
            decimals = np.where(exact, k, decimals)
    return np.where(np.isnan(x), -1, decimals)


def value_tolerance(cells: PublishedCells) -> FloatArray:
    """Half a unit in the last decimal an indicator publishes its values and limits in (per cell)."""
    digits = np.maximum.reduce([published_decimals(c) for c in (cells.value, cells.ci_low, cells.ci_high)])
    per_indicator = np.full(int(cells.indicator.max(initial=-1)) + 1, -1, dtype=np.int64)
    np.maximum.at(per_indicator, cells.indicator, digits)
    decimals = np.clip(per_indicator[cells.indicator], 0, MAX_DECIMALS)
    return 0.5 * 10.0 ** -decimals.astype(np.float64)


def _close(computed: FloatArray, published: FloatArray, tolerance: FloatArray) -> BoolArray:
    return np.abs(computed - published) <= tolerance + RELATIVE_TOLERANCE * np.abs(published) + 1e-12


def _proportion_matches(c: PublishedCells, rows: npt.NDArray[np.int64], offsets: FloatArray,
                        tol: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """(x, N, match) grids of shape (cells, k, k) for value = m x / N with Wilson limits."""
    x = c.numerator[rows, None, None] + offsets[None, :, None]
    n = c.denominator[rows, None, None] + offsets[None, None, :]
    x, n = np.broadcast_arrays(x, n)
    m = c.multiplier[rows, None, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        match = (x >= 0) & (n >= 1) & (x <= n) & _close(m * x / n, c.value[rows, None, None], tol[rows, None, None])
    hit = np.nonzero(match)
    cell = rows[hit[0]]
    low, high = wilson_interval(x[hit], n[hit])
    match[hit] = (_close(c.multiplier[cell] * low, c.ci_low[cell], tol[cell])
                  & _close(c.multiplier[cell] * high, c.ci_high[cell], tol[cell]))
    return x, n, match


def _ratio_close(computed: FloatArray, top: FloatArray, bottom: FloatArray, tolerance: FloatArray) -> BoolArray:
    """computed == top / bottom, where top and bottom are each published to within `tolerance`."""
    with np.errstate(invalid="ignore", divide="ignore"):
        seen = top / bottom
        slack = (tolerance + 1e-12) / np.abs(bottom) * (1 + np.abs(seen)) + RELATIVE_TOLERANCE * np.abs(seen)
        return np.abs(computed - seen) <= slack


def _poisson_limits(observed: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Poisson limits as the publication computes them, evaluated once per distinct count."""
    distinct, where = np.unique(np.where(observed >= 0, observed, 0.0), return_inverse=True)
    low, high = poisson_interval(distinct)
    return low[where].reshape(observed.shape), high[where].reshape(observed.shape)


def _rate_matches(c: PublishedCells, rows: npt.NDArray[np.int64], offsets: FloatArray, tol: FloatArray,
                  half_base: float) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray, BoolArray]:
    """(E, D low, D high, match, same_d) grids (cells, k): E events reproduce limits / value, D = m E / value
    (within the published precision) lies within rounding of the published D, same_d: D is the published D."""
    e = c.numerator[rows, None] + offsets[None, :]
    low_e, high_e = _poisson_limits(e)
    value, low, high = c.value[rows, None], c.ci_low[rows, None], c.ci_high[rows, None]
    m, t = c.multiplier[rows, None], tol[rows, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        positive = ((e > 0) & (value > 0) & _ratio_close(high_e / e, high, value, t)
                    & _ratio_close(low_e / e, low, value, t))
        zero = (e == 0) & _close(value, 0.0 * value, t) & _close(low, 0.0 * low, t) & (high > 0)
        # The denominator follows from the value (or, for no events, from the upper limit).
        d = np.where(e > 0, m * e / value, m * high_e / high)
        d_slack = d * (t + 1e-12) / np.where(e > 0, value, high) + RELATIVE_TOLERANCE * d
        published_d = c.denominator[rows, None]
        near = np.isnan(published_d) | (np.abs(d - published_d) <= half_base + d_slack)
        match = (e >= 0) & (positive | zero) & near
        same_d = np.isnan(published_d) | (np.abs(d - published_d) <= d_slack + 1e-9 * np.abs(published_d))
        return e, d - d_slack, d + d_slack, match, same_d


def _dobson_matches(c: PublishedCells, rows: npt.NDArray[np.int64], offsets: FloatArray,
                    tol: FloatArray) -> tuple[FloatArray, BoolArray]:
    """(O, match) grids (cells, k): the asymmetry of the Dobson limits gives the observed count O."""
    o = c.numerator[rows, None] + offsets[None, :]
    low_o, high_o = _poisson_limits(o)
    value, low, high, t = c.value[rows, None], c.ci_low[rows, None], c.ci_high[rows, None], tol[rows, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        match = (o >= 1) & _ratio_close((high_o - o) / (o - low_o), high - value, value - low, 2 * t)
    return o, match


def _spread(grid: FloatArray, match: BoolArray, axes: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
    with np.errstate(invalid="ignore"):
        lo = np.where(match, grid, np.inf).min(axis=axes)
        hi = np.where(match, grid, -np.inf).max(axis=axes)
    found = match.any(axis=axes)
    return np.where(found, lo, np.nan), np.where(found, hi, np.nan)


@dataclass(frozen=True)
class _Matches:
    """For some cells: the range of counts that reproduce the value, and whether the published counts do."""

    num_lo: FloatArray
    num_hi: FloatArray
    den_lo: FloatArray
    den_hi: FloatArray
    found: BoolArray
    published_fits: BoolArray


def _proportion(c: PublishedCells, rows: npt.NDArray[np.int64], offsets: FloatArray, tol: FloatArray,
                half_base: float) -> _Matches:
    x, n, match = _proportion_matches(c, rows, offsets, tol)
    centre = int(np.flatnonzero(offsets == 0)[0])
    return _Matches(*_spread(x, match, (1, 2)), *_spread(n, match, (1, 2)), match.any(axis=(1, 2)),
                    match[:, centre, centre])


def _rate(c: PublishedCells, rows: npt.NDArray[np.int64], offsets: FloatArray, tol: FloatArray,
          half_base: float) -> _Matches:
    e, d_low, d_high, match, same_d = _rate_matches(c, rows, offsets, tol, half_base)
    centre = int(np.flatnonzero(offsets == 0)[0])
    return _Matches(*_spread(e, match, (1,)), _spread(d_low, match, (1,))[0], _spread(d_high, match, (1,))[1],
                    match.any(axis=1), match[:, centre] & same_d[:, centre])


def _standardised(c: PublishedCells, rows: npt.NDArray[np.int64], offsets: FloatArray, tol: FloatArray,
                  half_base: float) -> _Matches:
    o, match = _dobson_matches(c, rows, offsets, tol)
    nothing = np.full(rows.size, np.nan)
    centre = int(np.flatnonzero(offsets == 0)[0])
    return _Matches(*_spread(o, match, (1,)), nothing, nothing, match.any(axis=1), match[:, centre])


ATTACKS = {"proportion": _proportion, "rate": _rate, "direct_standardised": _standardised}


def recover_counts(cells: PublishedCells, rounding_base: float) -> RecoveredCounts:
    """Try every count pair the rounded counts can stand for against each value and interval (vectorised).

    First only the published counts: where they reproduce the value, the value says nothing more (the common
    case, one evaluation per cell). The full grid is tried where they do not, and on every cell of an indicator
    that leaks somewhere, whose matches the attacker then trusts.
    """
    size = cells.value.size
    offsets = rounding_offsets(rounding_base)
    tol = value_tolerance(cells)
    out = {name: np.full(size, np.nan) for name in ("num_lo", "num_hi", "den_lo", "den_hi")}
    leaks, found = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
    usable = ~np.isnan(cells.value) & ~np.isnan(cells.ci_low) & ~np.isnan(cells.ci_high) & ~np.isnan(cells.numerator)
    usable &= ~np.isnan(cells.denominator) | (cells.method != "proportion")

    def full_grid(rows: npt.NDArray[np.int64], attack) -> None:
        got = attack(cells, rows, offsets, tol, rounding_base / 2)
        for name, values in zip(out, (got.num_lo, got.num_hi, got.den_lo, got.den_hi), strict=True):
            out[name][rows] = values
        found[rows] = got.found
        leaks[rows] = got.found & ~got.published_fits

    candidates = {}
    for method, attack in ATTACKS.items():
        rows = np.flatnonzero(usable & (cells.method == method))
        fits = attack(cells, rows, np.zeros(1), tol, rounding_base / 2).published_fits
        full_grid(rows[~fits], attack)
        candidates[method] = rows[fits]
    # One leaking cell shows how an indicator computes its values: the attacker then trusts every match of it.
    leaky_indicator = np.zeros(int(cells.indicator.max(initial=-1)) + 1, dtype=bool)
    leaky_indicator[cells.indicator[leaks]] = True
    for method, rows in candidates.items():
        full_grid(rows[leaky_indicator[cells.indicator[rows]]], ATTACKS[method])
    trusted = found & leaky_indicator[cells.indicator]
    for name in out:
        out[name] = np.where(trusted, out[name], np.nan)
    return RecoveredCounts(leaks, out["num_lo"], out["num_hi"], out["den_lo"], out["den_hi"], tol)
