"""Interval bounds on unknown quantities from linear relations between them, as an attacker computes them.

The relations are sums and differences: rows `sum_j s_ij x_j = 0` (equality) or `<= 0` (inequality) with
signs s = +1 or -1, over non-negative quantities x with known starting intervals [lo, hi]. Feasibility-based
bound tightening (FBBT; the "shuttle" algorithm of Buzzigoli & Giusti 1999 in the disclosure-control
literature, an outer approximation of the LP of Fischetti & Salazar-Gonzalez 2000) tightens every bound from
the others, row by row, until nothing moves:

    s_ij x_j = -(the other terms)  =>  s_ij x_j <= -(least the other terms can be)
                                       s_ij x_j >= -(most the other terms can be)   (equalities only)

A full pass is a few sparse matrix-vector products (the least and most every row can be) and a few vectorised
operations over the entries of the rows that changed; once few rows still change, a local pass gathers only
their entries. Every bound a row gives is widened by a billionth of the row's terms, so float noise in sums of
large magnitudes never cuts off the true value. The result is never narrower than the exact LP interval, so
`sharpen_with_lp` can tighten a few quantities further with HiGHS on their neighbourhood.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linprog

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_ITERATIONS = 200
# An integral bound is rounded only past this slack, so float noise in a sum of rounded counts never cuts off
# the true value.
INTEGRAL_SLACK = 1e-6


@dataclass(frozen=True)
class LinearRelations:
    """Rows of `sum_j coef * x_j (= or <=) 0` in coordinate form, coef +1 or -1; `equality[row]` gives the sense."""

    row: IntArray
    col: IntArray
    coef: FloatArray
    equality: BoolArray

    def __post_init__(self) -> None:
        if self.coef.size and not np.all(np.abs(self.coef) == 1):
            raise ValueError("relations are sums and differences: every coefficient must be +1 or -1")

    @property
    def n_rows(self) -> int:
        return int(self.equality.size)

    def matrix(self, n_vars: int) -> sp.csr_array:
        return sp.csr_array((self.coef, (self.row, self.col)), shape=(self.n_rows, n_vars))


@dataclass(frozen=True)
class Bounds:
    """Propagated bounds and how the propagation ended."""

    lo: FloatArray
    hi: FloatArray
    iterations: int
    converged: bool
    infeasible: BoolArray  # quantities whose bounds crossed: the relations contradict the starting intervals


def _tighten_integral(lo: FloatArray, hi: FloatArray, integral: BoolArray) -> None:
    lo[integral] = np.ceil(lo[integral] - INTEGRAL_SLACK)
    hi[integral] = np.floor(hi[integral] + INTEGRAL_SLACK)


def _reduce_sorted(col: IntArray, values: FloatArray, n_vars: int, ufunc: np.ufunc, fill: float) -> FloatArray:
    """ufunc-reduce `values` per variable; `col` is sorted, so each variable's entries are one run."""
    out = np.full(n_vars, fill)
    if col.size:
        starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
        out[col[starts]] = ufunc.reduceat(values, starts)
    return out


@dataclass(frozen=True)
class _Activity:
    """Per row, the least and the most its terms can add up to (finite parts), and per quantity its upper bound
    split into a finite part and whether it is infinite (quantities are >= 0: only an upper bound can be)."""

    least: FloatArray
    most: FloatArray
    slack: FloatArray            # float noise a bound from this row may carry (relative to its terms)
    least_finite: BoolArray      # no infinite term in `least`
    least_one_infinite: BoolArray
    most_finite: BoolArray       # equality rows only: no infinite term in `most`
    most_one_infinite: BoolArray
    hi_finite: FloatArray
    hi_infinite: BoolArray


# Bounds from a row are widened by this share of the row's terms, so that rounding errors in sums of large
# magnitudes never cut off the true value (integral quantities absorb it when they are rounded).
FLOAT_SLACK = 1e-9


def _activity(plus: sp.csr_array, minus: sp.csr_array, equality: BoolArray, lo: FloatArray,
              hi: FloatArray) -> _Activity:
    """The activity of every row, by sparse products (a full pass)."""
    hi_infinite = np.isinf(hi)
    hi_finite = np.where(hi_infinite, 0.0, hi)
    infinite = hi_infinite.astype(np.float64)
    least_infinite, most_infinite = minus @ infinite, plus @ infinite
    size = lo + hi_finite
    return _Activity(least=plus @ lo - minus @ hi_finite, most=plus @ hi_finite - minus @ lo,
                     slack=FLOAT_SLACK * (plus @ size + minus @ size) + 1e-12,
                     least_finite=least_infinite == 0, least_one_infinite=least_infinite == 1,
                     most_finite=equality & (most_infinite == 0), most_one_infinite=equality & (most_infinite == 1),
                     hi_finite=hi_finite, hi_infinite=hi_infinite)


def _entry_activity(row: IntArray, col: IntArray, plus: BoolArray, n_rows: int, equality: BoolArray,
                    lo: FloatArray, hi: FloatArray) -> _Activity:
    """The activity of a few rows from their entries (`row` numbers them 0..n_rows-1; a local pass)."""
    hi_infinite = np.isinf(hi)
    hi_finite = np.where(hi_infinite, 0.0, hi)
    own_infinite = hi_infinite[col]
    least = np.bincount(row, np.where(plus, lo[col], -hi_finite[col]), n_rows)
    most = np.bincount(row, np.where(plus, hi_finite[col], -lo[col]), n_rows)
    size = np.bincount(row, lo[col] + hi_finite[col], n_rows)
    least_infinite = np.bincount(row, (~plus & own_infinite).astype(np.float64), n_rows)
    most_infinite = np.bincount(row, (plus & own_infinite).astype(np.float64), n_rows)
    return _Activity(least=least, most=most, slack=FLOAT_SLACK * size + 1e-12, least_finite=least_infinite == 0,
                     least_one_infinite=least_infinite == 1, most_finite=equality & (most_infinite == 0),
                     most_one_infinite=equality & (most_infinite == 1), hi_finite=hi_finite, hi_infinite=hi_infinite)


def _bounds_from_rows(a: _Activity, row: IntArray, col: IntArray, plus: bool,
                      lo: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per entry, the (upper, lower) bound its row puts on its quantity; +-inf where the row says nothing.

    "The others" are the row's terms less the entry's own. For +x: x <= -(least of the others) = lo - least,
    and for equalities x >= -(most of the others) = hi - most. For -x: x >= least of the others = least + hi,
    and for equalities x <= most of the others = most + lo. A bound needs the others' part to be finite.
    """
    own_infinite = a.hi_infinite[col]
    slack = a.slack[row]
    if plus:
        upper = np.where(a.least_finite[row], lo[col] - a.least[row] + slack, np.inf)
        lower_ok = np.where(own_infinite, a.most_one_infinite[row], a.most_finite[row])
        lower = np.where(lower_ok, a.hi_finite[col] - a.most[row] - slack, -np.inf)
    else:
        lower_ok = np.where(own_infinite, a.least_one_infinite[row], a.least_finite[row])
        lower = np.where(lower_ok, a.least[row] + a.hi_finite[col] - slack, -np.inf)
        upper = np.where(a.most_finite[row], a.most[row] + lo[col] + slack, np.inf)
    return upper, lower


class _System:
    """The relations in both orientations: entries sorted by quantity (full passes, reduceat) and by row (local
    passes over the few rows that still change), plus sparse +1 / -1 parts for the row activities."""

    def __init__(self, relations: LinearRelations, n_vars: int) -> None:
        self.n_vars, self.n_rows, self.equality = n_vars, relations.n_rows, relations.equality
        self.by_row = relations.matrix(n_vars)
        self.by_row.sort_indices()
        self.by_var = sp.csr_array(self.by_row.T)
        self.plus, self.minus = (self.by_row > 0).astype(np.float64), (self.by_row < 0).astype(np.float64)
        order = np.argsort(relations.col)  # each quantity's entries one run, for reduceat
        self.row, self.col = relations.row[order], relations.col[order]
        sign = relations.coef[order] > 0
        self.groups = [(self.row[sign], self.col[sign], True), (self.row[~sign], self.col[~sign], False)]

    def full_pass(self, active: BoolArray | None, lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Every entry of the active rows (all rows when `active` is None), reduced per quantity in sorted runs."""
        a = _activity(self.plus, self.minus, self.equality, lo, hi)
        new_lo, new_hi = lo.copy(), hi.copy()
        for row, col, plus in self.groups:
            if active is not None:
                keep = active[row]
                row, col = row[keep], col[keep]
            upper, lower = _bounds_from_rows(a, row, col, plus, lo)
            new_hi = np.minimum(new_hi, _reduce_sorted(col, upper, self.n_vars, np.minimum, np.inf))
            new_lo = np.maximum(new_lo, _reduce_sorted(col, lower, self.n_vars, np.maximum, -np.inf))
        return new_lo, new_hi

    def local_pass(self, rows: IntArray, lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Only the entries of `rows`, gathered row by row; for the last passes, when few rows still change."""
        starts, counts = self.by_row.indptr[rows], np.diff(self.by_row.indptr)[rows]
        entry = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        local = np.repeat(np.arange(rows.size), counts)
        col, plus = self.by_row.indices[entry], self.by_row.data[entry] > 0
        a = _entry_activity(local, col, plus, rows.size, self.equality[rows], lo, hi)
        new_lo, new_hi = lo.copy(), hi.copy()
        for sign in (True, False):
            pick = plus == sign
            upper, lower = _bounds_from_rows(a, local[pick], col[pick], sign, lo)
            np.minimum.at(new_hi, col[pick], upper)
            np.maximum.at(new_lo, col[pick], lower)
        return new_lo, new_hi

    def rows_touching(self, moved: BoolArray) -> BoolArray:
        """Rows that contain a quantity whose bound moved."""
        active = np.zeros(self.n_rows, dtype=bool)
        variables = np.flatnonzero(moved)
        if variables.size < 0.05 * self.n_vars:
            active[self.by_var[variables].indices] = True
        else:
            active[self.row[moved[self.col]]] = True
        return active


# A pass over fewer than this share of all entries gathers the entries of the rows that still change.
LOCAL_PASS_SHARE = 0.1


def propagate_bounds(
    relations: LinearRelations, lo: FloatArray, hi: FloatArray, integral: BoolArray,
    max_iterations: int = MAX_ITERATIONS, tolerance: float = 1e-6,
) -> Bounds:
    """Tighten [lo, hi] through every relation until no bound moves by more than `tolerance` (relative).

    Only rows that contain a quantity whose bound moved in the previous pass are revisited. Stops after
    `max_iterations` passes and says so (`converged` False): the bounds are then still valid, only wider.
    A quantity whose bounds would cross (its starting interval contradicts the relations) keeps its last
    bounds and is reported `infeasible`, so the contradiction does not spread.
    """
    lo, hi = lo.astype(np.float64).copy(), hi.astype(np.float64).copy()
    _tighten_integral(lo, hi, integral)
    system = _System(relations, lo.size)
    infeasible = lo > hi
    active: BoolArray | None = None  # None: every row
    entries_per_row = np.diff(system.by_row.indptr)
    iterations, converged = 0, True
    while active is None or active.any():
        if iterations == max_iterations:
            converged = False
            break
        iterations += 1
        rows = None if active is None else np.flatnonzero(active)
        if rows is not None and entries_per_row[rows].sum() < LOCAL_PASS_SHARE * relations.row.size:
            new_lo, new_hi = system.local_pass(rows, lo, hi)
        else:
            new_lo, new_hi = system.full_pass(active, lo, hi)
        _tighten_integral(new_lo, new_hi, integral)
        scale = tolerance * np.maximum(1.0, np.where(np.isfinite(new_hi), np.abs(new_hi), np.abs(new_lo)))
        crossed = new_lo > new_hi + scale
        infeasible |= crossed
        new_lo, new_hi = np.where(crossed, lo, new_lo), np.where(crossed, hi, new_hi)
        moved = (new_lo > lo + scale) | (new_hi < hi - scale)
        lo, hi = new_lo, new_hi
        active = system.rows_touching(moved)
    return Bounds(lo, hi, iterations, converged, infeasible)


def _neighbourhood(by_row: sp.csr_array, by_var: sp.csr_array, target: int, hops: int,
                   limit: int) -> tuple[IntArray, IntArray]:
    """Rows and quantities reachable from `target` through at most `hops` shared relations (at most `limit`
    quantities: a hop that would pass it is not taken)."""
    variables, rows = np.array([target]), np.array([], dtype=np.int64)
    for _ in range(hops):
        more_rows = np.union1d(rows, by_var[variables].indices)
        more_vars = np.union1d(variables, by_row[more_rows].indices)
        if more_vars.size > limit and rows.size:
            break
        rows, variables = more_rows, more_vars
    return rows, variables


def sharpen_with_lp(
    relations: LinearRelations, lo: FloatArray, hi: FloatArray, targets: IntArray, hops: int = 2,
    limit: int = 2_000,
) -> tuple[FloatArray, FloatArray]:
    """Exact LP bounds (HiGHS) of each target over its neighbourhood, the propagated bounds boxing the rest.

    Leaving out relations beyond the neighbourhood only widens the LP, and the propagated bounds are implied
    by all relations, so the result is still a valid outer bound, at least as tight as propagation alone.
    Returns the new (lo, hi) of the targets.
    """
    by_row = relations.matrix(lo.size)
    by_var = sp.csr_array(by_row.T)
    new_lo, new_hi = lo[targets].copy(), hi[targets].copy()
    for i, target in enumerate(targets):  # a few dozen small LPs
        rows, _ = _neighbourhood(by_row, by_var, int(target), hops, limit)
        block = by_row[rows]
        cols = np.unique(block.indices)
        block = block[:, cols]
        eq = relations.equality[rows]
        box = list(zip(lo[cols], np.where(np.isfinite(hi[cols]), hi[cols], None), strict=True))
        where = int(np.searchsorted(cols, target))
        for sense in (1.0, -1.0):
            objective = np.zeros(cols.size)
            objective[where] = sense
            result = linprog(
                objective, A_ub=block[np.flatnonzero(~eq)] if (~eq).any() else None,
                b_ub=np.zeros(int((~eq).sum())) if (~eq).any() else None,
                A_eq=block[np.flatnonzero(eq)] if eq.any() else None, b_eq=np.zeros(int(eq.sum())) if eq.any() else None,
                bounds=box, method="highs")
            if result.status == 0 and sense > 0:
                new_lo[i] = max(new_lo[i], result.fun)
            elif result.status == 0:
                new_hi[i] = min(new_hi[i], -result.fun)
    return new_lo, new_hi
