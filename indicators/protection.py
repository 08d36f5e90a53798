"""Does an outsider who solves every published sum still lack each sensitive count? An exact LP answer (HiGHS).

Secondary suppression (`indicators/disclosure.py`) chooses cover with a set-based heuristic; a heuristic cannot
prove that a cell is protected, so this module does, the way τ-ARGUS and sdcTable audit a pattern: for every
sensitive hidden quantity it asks the linear programme "how low and how high can this quantity be, given every
published number and every additive relation between them?" (Fischetti & Salazar-González 1999, the attacker
problem of cell suppression). Published numbers are taken as exact, which gives the attacker more than rounding
to 5 leaves them, so a pattern protected here is protected against the real publication too.

Quantities are numbered 0..n-1 with their exact value and whether anything published shows them; relations are
sparse rows `sum(coef * x) = 0` (or `<= 0`). Only hidden quantities are variables; they fall apart into
connected components, and each component with a sensitive quantity is one small LP. A sensitive quantity is
protected when some solution puts it at or below `lower_required` and some (other) solution at or above
`upper_required`. Instead of two LPs per quantity, each solution is harvested: one LP maximising the sum of all
still-unproven quantities often proves most of them at once; the rest get their own LP. Solving is warm-started
(only the objective changes), so a component costs a few simplex pivots per quantity.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

EQ, LE = 0, 1  # row kinds: sum(coef * x) = 0, sum(coef * x) <= 0
_BATCH_ROUNDS = 8
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Relations:
    """Sparse linear relations between quantities: entry k puts `coef[k]` on quantity `quantity[k]` in row `row[k]`."""

    row: npt.NDArray[np.int64]
    quantity: npt.NDArray[np.int64]
    coef: npt.NDArray[np.float64]
    kind: npt.NDArray[np.int8]  # per row: EQ or LE
    cover: npt.NDArray[np.bool_] | None = None  # per row: a sum that cover can be added to (not a mere bound)


@dataclass(frozen=True)
class Verdict:
    """Per sensitive quantity: the bounds an attacker can prove (as far as needed to decide) and whether it holds."""

    quantity: npt.NDArray[np.int64]
    lower: npt.NDArray[np.float64]   # <= lower_required when protected below, else the exact minimum
    upper: npt.NDArray[np.float64]   # >= upper_required when protected above, else the exact maximum
    protected: npt.NDArray[np.bool_]
    solves: int                      # LPs solved, for the run's metadata
    # Where an unprotected quantity's optimum is held: the relation rows with a non-zero dual and the hidden
    # quantities at a bound, as pairs (index into `quantity`, row id) and (index, quantity id). Cover added to
    # those sums is what can widen the interval.
    blocking_rows: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    blocking_quantities: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))


_CONSTRUCTING = threading.Lock()


def _highs() -> highspy.Highs:
    """A silent solver. HiGHS prints its banner from C++ on the first construction in a process, before any
    option can be set, so standard output is pointed at /dev/null while it is built -- one construction at a
    time: two threads swapping file descriptor 1 at once could leave it pointing at /dev/null."""
    with _CONSTRUCTING:
        sys.stdout.flush()
        saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # warm starts between objectives need the model as it is
    return h


def _component_lp(h: highspy.Highs, n_vars: int, rows: npt.NDArray, cols: npt.NDArray, coefs: npt.NDArray,
                  row_lower: npt.NDArray, row_upper: npt.NDArray, col_lower: npt.NDArray,
                  col_upper: npt.NDArray) -> None:
    lp = highspy.HighsLp()
    lp.num_col_ = n_vars
    lp.num_row_ = len(row_lower)
    lp.col_cost_ = np.zeros(n_vars)
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    order = np.lexsort((cols, rows))
    rows, cols, coefs = rows[order], cols[order], coefs[order]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.searchsorted(rows, np.arange(lp.num_row_ + 1)).astype(np.int32)
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = coefs.astype(np.float64)
    lp.a_matrix_.num_col_ = n_vars
    lp.a_matrix_.num_row_ = lp.num_row_
    h.passModel(lp)


_DUAL, _PRIMAL = 1, 4  # HiGHS simplex_strategy


def _solve(h: highspy.Highs, n_cols: int, cost: npt.NDArray, maximise: bool, primal: bool = False
           ) -> npt.NDArray | None:
    """Optimise `cost` from the current basis. Only the objective changes between solves, so the basis stays
    primal feasible and the primal simplex is several times faster for a single quantity; should it stop
    short of optimal, the dual simplex finishes the job."""
    h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize)
    for strategy, fresh in (((_PRIMAL, False), (_DUAL, False), (_DUAL, True)) if primal
                            else ((_DUAL, False), (_DUAL, True))):
        if fresh:  # a warm start that went astray: solve this objective from scratch
            h.clearSolver()
        h.setOptionValue("simplex_strategy", strategy)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            return np.asarray(h.getSolution().col_value)
    return None


@dataclass
class _Component:
    """One connected set of hidden quantities as an LP, with two capped helper columns per sensitive quantity.

    Columns 0..m-1 are the hidden quantities; then per sensitive quantity k an `up` column u_k <= x_k - v_k,
    u_k <= high_k - v_k and a `down` column d_k <= v_k - x_k, d_k <= v_k - low_k. Maximising the sum of the
    open u (or d) columns looks for one table that moves as many quantities as far as they need at once,
    without rewarding any quantity for moving further than its requirement.
    """

    h: highspy.Highs
    m: int                 # hidden quantities in the component
    cols: npt.NDArray      # column of each sensitive quantity of the component
    n_cols: int
    rows: npt.NDArray | None = None     # global row id of each of the component's relation rows
    members: npt.NDArray | None = None  # quantity id of each hidden column


def _build_component(h: highspy.Highs, m: int, rows: npt.NDArray, cols: npt.NDArray, coefs: npt.NDArray,
                     row_lower: npt.NDArray, row_upper: npt.NDArray, cap: float, sens_cols: npt.NDArray,
                     v: npt.NDArray, low: npt.NDArray, high: npt.NDArray) -> _Component:
    s = len(sens_cols)
    n_rows = len(row_lower)
    k = np.arange(s)
    # u_k - x_k <= -v_k  and  d_k + x_k <= v_k
    aux_rows = np.concatenate([n_rows + k, n_rows + k, n_rows + s + k, n_rows + s + k])
    aux_cols = np.concatenate([m + k, sens_cols, m + s + k, sens_cols])
    aux_coef = np.concatenate([np.ones(s), -np.ones(s), np.ones(s), np.ones(s)])
    n_cols = m + 2 * s
    _component_lp(
        h, n_cols, np.concatenate([rows, aux_rows]), np.concatenate([cols, aux_cols]),
        np.concatenate([coefs, aux_coef]),
        np.concatenate([row_lower, np.full(2 * s, -highspy.kHighsInf)]),
        np.concatenate([row_upper, -v, v]),
        np.concatenate([np.zeros(m), np.full(2 * s, -cap)]),
        np.concatenate([np.full(m, cap), np.maximum(high - v, 0.0), np.maximum(v - low, 0.0)]),
    )
    return _Component(h, m, sens_cols, n_cols)


def attacker_bounds(value: npt.ArrayLike, known: npt.ArrayLike, relations: Relations,
                    sensitive: npt.ArrayLike, lower_required: npt.ArrayLike,
                    upper_required: npt.ArrayLike, threads: int = 2) -> Verdict:
    """Which sensitive quantities keep the required interval against an attacker who solves every relation.

    `value` (exact) and `known` (shown by a published cell) per quantity; `sensitive` holds quantity ids with
    their required interval. A sensitive quantity that is itself published is unprotected. Every hidden
    quantity is >= 0 and at most a cap well above every value (counts and amounts are never negative, and a cap
    keeps each LP bounded). The cap is taken per component, from its own numbers, so that a component's LP
    -- and the cover picked from its duals -- does not change when an unrelated number (another year, another
    indicator) does.
    """
    value = np.asarray(value, dtype=np.float64)
    known = np.asarray(known, dtype=bool)
    sensitive = np.asarray(sensitive, dtype=np.int64)
    need_low = np.asarray(lower_required, dtype=np.float64)
    need_high = np.asarray(upper_required, dtype=np.float64)
    # The true table is one solution: every quantity can at least be its own value.
    lower = value[sensitive].copy()
    upper = value[sensitive].copy()
    solves = 0
    blocking_rows: list[npt.NDArray] = []
    blocking_quantities: list[npt.NDArray] = []
    hidden = ~known
    if hidden[sensitive].any():
        n_rows = len(relations.kind)
        entry_known = known[relations.quantity]
        # Known quantities move to the right-hand side: row constant = sum over known of coef * value.
        constant = np.bincount(relations.row[entry_known],
                               weights=relations.coef[entry_known] * value[relations.quantity[entry_known]],
                               minlength=n_rows)
        # Sums of floats (insured years, euros) hold to rounding error only: give every row that much room.
        scale = np.bincount(relations.row, weights=np.abs(relations.coef * value[relations.quantity]),
                            minlength=n_rows)
        slack = 1e-9 * scale + 1e-7
        # Components come from the sums alone. A bound between two hidden quantities (numerator <= denominator)
        # must not join components: it would tie every indicator that shares a hidden denominator into one large
        # LP. It is kept where both sides already share a component (a cell's numerator and denominator usually
        # do), and left out between components, where it only narrows from a side the sums already bound.
        hidden_per_row = np.bincount(relations.row[~entry_known], minlength=n_rows)
        bound_only = np.zeros(n_rows, dtype=bool) if relations.cover is None else ~relations.cover
        coupling = (hidden_per_row > 1) & bound_only
        hidden_ids = np.flatnonzero(hidden)
        var_index = np.full(len(value), -1, dtype=np.int64)
        var_index[hidden_ids] = np.arange(len(hidden_ids))
        sums = ~entry_known & ~coupling[relations.row]
        row, qty = relations.row[sums], relations.quantity[sums]
        # Hidden quantities that share a row belong together: star edges to the row's first hidden quantity.
        order = np.argsort(row, kind="stable")
        starts = np.searchsorted(row[order], row[order], side="left")
        graph = coo_matrix((np.ones(len(order)), (var_index[qty[order]], var_index[qty[order][starts]])),
                           shape=(len(hidden_ids), len(hidden_ids)))
        _, component = connected_components(graph, directed=False)
        bounds = ~entry_known & coupling[relations.row]
        bound_component = component[var_index[relations.quantity[bounds]]]
        lowest = np.full(n_rows, np.iinfo(np.int64).max)
        highest = np.full(n_rows, -1)
        np.minimum.at(lowest, relations.row[bounds], bound_component)
        np.maximum.at(highest, relations.row[bounds], bound_component)
        within = lowest == highest
        keep = sums | (bounds & within[relations.row])
        row, qty, coef = relations.row[keep], relations.quantity[keep], relations.coef[keep]
        sens_hidden = np.flatnonzero(hidden[sensitive])
        sens_component = component[var_index[sensitive[sens_hidden]]]
        wanted = np.unique(sens_component)
        # Slices per component: members, entries and sensitive quantities sorted by component.
        member_order = np.argsort(component, kind="stable")
        member_start = np.searchsorted(component[member_order], np.arange(component.max() + 2))
        entry_component = component[var_index[qty]]
        entry_order = np.argsort(entry_component, kind="stable")
        entry_start = np.searchsorted(entry_component[entry_order], np.arange(component.max() + 2))
        sens_order = np.argsort(sens_component, kind="stable")
        sens_start = np.searchsorted(sens_component[sens_order], np.arange(component.max() + 2))
        local_solver = threading.local()

        def attack(comp: int) -> int:
            if not hasattr(local_solver, "h"):
                local_solver.h = _highs()
            members = hidden_ids[member_order[member_start[comp]:member_start[comp + 1]]]  # ascending
            entries = entry_order[entry_start[comp]:entry_start[comp + 1]]
            mine = sens_hidden[sens_order[sens_start[comp]:sens_start[comp + 1]]]
            comp_rows, inverse = np.unique(row[entries], return_inverse=True)
            rhs = -constant[comp_rows]
            cap = 10.0 * max(1.0, float(np.abs(value[members]).max()), float(np.abs(rhs).max()) if rhs.size else 0.0)
            row_lower = np.where(relations.kind[comp_rows] == EQ, rhs - slack[comp_rows], -highspy.kHighsInf)
            lp = _build_component(local_solver.h, len(members), inverse, np.searchsorted(members, qty[entries]),
                                  coef[entries], row_lower, rhs + slack[comp_rows], cap,
                                  np.searchsorted(members, sensitive[mine]), value[sensitive[mine]],
                                  need_low[mine], need_high[mine])
            lp.rows, lp.members = comp_rows, members
            return _attack_component(lp, mine, need_low, need_high, lower, upper, blocking_rows,
                                     blocking_quantities)

        # Largest components first, over `threads` solvers: HiGHS releases the GIL while it solves. Each
        # component is solved start to finish by one solver, so the result does not depend on the schedule.
        sizes = member_start[wanted + 1] - member_start[wanted]
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            solves = sum(pool.map(attack, wanted[np.argsort(-sizes, kind="stable")]))
    protected = (lower <= need_low + _TOLERANCE) & (upper >= need_high - _TOLERANCE)
    empty = np.zeros((0, 2), dtype=np.int64)
    return Verdict(sensitive, lower, upper, protected, solves, np.concatenate([empty, *blocking_rows]),
                   np.concatenate([empty, *blocking_quantities]))


def _attack_component(lp: _Component, mine: npt.NDArray, need_low: npt.NDArray, need_high: npt.NDArray,
                      lower: npt.NDArray, upper: npt.NDArray, blocking_rows: list,
                      blocking_quantities: list) -> int:
    """Prove each sensitive quantity of one component protected, or find its exact bound; returns LPs solved.

    Every optimal solution is a table consistent with everything published, so every solution is harvested
    for all of the component's quantities, whatever the objective was."""
    s = len(mine)
    up_open = np.ones(s, dtype=bool)
    down_open = np.ones(s, dtype=bool)
    solves = 0

    def harvest(x: npt.NDArray) -> None:
        got = x[lp.cols]
        lower[mine] = np.minimum(lower[mine], got)
        upper[mine] = np.maximum(upper[mine], got)
        up_open[got >= need_high[mine] - _TOLERANCE] = False
        down_open[got <= need_low[mine] + _TOLERANCE] = False

    for helper, open_, maximise in ((lp.m, up_open, True), (lp.m + s, down_open, False)):
        for _ in range(_BATCH_ROUNDS):  # one table that moves many quantities as far as they need
            if not open_.any():
                break
            before = int(open_.sum())
            cost = np.zeros(lp.n_cols)
            cost[helper + np.flatnonzero(open_)] = 1.0
            x = _solve(lp.h, lp.n_cols, cost, True)
            solves += 1
            if x is None:
                break
            harvest(x)
            if int(open_.sum()) == before:
                break
        for j in np.flatnonzero(open_):  # the rest: the exact bound, one LP each
            if not open_[j]:
                continue
            cost = np.zeros(lp.n_cols)
            cost[lp.cols[j]] = 1.0
            x = _solve(lp.h, lp.n_cols, cost, maximise, primal=True)
            solves += 1
            if x is None:
                raise RuntimeError(f"the attacker's LP did not solve to optimality "
                                   f"({lp.h.modelStatusToString(lp.h.getModelStatus())})")
            harvest(x)  # the optimum is now the recorded bound, whether or not it suffices
            open_[j] = False
            short = (upper[mine[j]] < need_high[mine[j]] - _TOLERANCE) if maximise else (
                lower[mine[j]] > need_low[mine[j]] + _TOLERANCE)
            if short:
                solution = lp.h.getSolution()
                row_dual = np.asarray(solution.row_dual)[:len(lp.rows)]
                col_dual = np.asarray(solution.col_dual)[:lp.m]
                held = lp.rows[np.abs(row_dual) > _TOLERANCE]
                at_bound = lp.members[np.abs(col_dual) > _TOLERANCE]
                blocking_rows.append(np.column_stack([np.full(len(held), mine[j]), held]))
                blocking_quantities.append(np.column_stack([np.full(len(at_bound), mine[j]), at_bound]))
    return solves
