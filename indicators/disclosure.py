"""Disclosure control of published cells (README, "Disclosure control"): primary rules, secondary suppression, rounding.

`flag_disclosure` decides, on exact counts, which cells are suppressed and why; `mask_and_round` gives what
readers see. Published values and intervals are computed from the rounded counts (`indicators.estimates`), so
value and interval give back nothing the rounded counts do not.

Primary rules (a cell whose rule input is missing is suppressed: what cannot be checked is not published; a
zero is never sensitive, so empty cells are published). Every kind: n is 1..min_count-1 persons. Per `kind`:

- `count`: n or numerator is 1..min_count-1 persons.
- `proportion`: numerator or complement (denominator − numerator) is 1..min_count-1, or the denominator
  is 1..min_denominator-1 persons.
- `survey`: n is 1..min_respondents-1 respondents; if the numerator (unweighted respondents) is given,
  it or n − numerator is 1..min_count-1.
- `rate`: the persons with the event (a death, an admission, a visit: a person, however many events) are
  1..min_count-1; or n (the persons behind the person-years) or the denominator is 1..min_denominator-1.
- `mean`: n is 1..min_count-1 persons (a mean of a few persons nearly reveals each of them).
- `cost`: n is 1..min_cost_persons-1 persons, or the persons behind the numerator (the top group of a
  top-share cell) are 1..min_count-1 (`primary`); otherwise `dominance` when the largest single person's
  max_contribution > dominance_share × total.
- `business` (organisations): fewer than min_units organisations (`primary`); `dominance` when the largest
  organisation carries more than unit_dominance_share of the numerator or of the denominator.

Secondary suppression works on quantities (`indicators.quantities`): a number is hidden only when every cell
that shows it is suppressed, and it is protected only when no sum a reader can form from published numbers
narrows it. A set-based heuristic adds cover where a sum would leave a sensitive quantity with too little
hidden room around it (never a zero, preferring numbers few cells show); an exact LP (`indicators.protection`,
HiGHS) then proves every sensitive quantity keeps its protection interval, and the cells it cannot prove get
more cover, until it can.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from indicators.disclosure_policy import DisclosurePolicy
from indicators.protection import Relations, attacker_bounds
from indicators.quantities import build_model, default_links, requirements

KEY = ("indicator_id", "period", "area_code", "stratum")
AREA_LEVELS = ("buurt", "wijk", "gemeente", "regio")
TOTAL_STRATUM = "totaal"
KINDS = ("proportion", "survey", "rate", "mean", "cost", "count", "business")
INCOMPLETE = "bron onvolledig"  # a source of the year is missing or incomplete (quality/completeness.py)
EMPTY = "geen waarnemingen"  # nobody falls in the cell: a row of the published grid (indicators/grid.py)
# the region's input layout does not deliver what the indicator needs (catalogue `not_in_layouts`): CBS microdata
# have no ED visits, no Wmo or Jeugd cost, GEMON no raw survey items; the value would be 0 or empty, not true
NOT_DELIVERED = "niet geleverd"
REASONS = ("primary", "dominance", "secondary", INCOMPLETE, EMPTY, NOT_DELIVERED)
MAX_ITERATIONS = 50
MAX_REPAIRS = 100  # LP rounds; each later round checks only the few quantities still open
REQUIRED_COLUMNS = {
    "indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "area_level": pl.String,
    "stratum": pl.String, "kind": pl.String, "numerator": pl.Float64, "denominator": pl.Float64,
    "n": pl.Int64, "max_contribution": pl.Float64, "total": pl.Float64, "value": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64,
}
# Columns a cell may carry for the rules of rates, top shares and organisations; missing ones are null.
OPTIONAL_COLUMNS = {"persons_with_event": pl.Int64, "units": pl.Int64, "max_exposure": pl.Float64,
                    "exposure_total": pl.Float64}
# Counts that readers see rounded; `value` only for kind `count`, where the value is the count itself.
ROUNDED_COLUMNS = ("numerator", "denominator", "n")


class DisclosureNotConverged(RuntimeError):
    """Secondary suppression did not reach a protected pattern within the iteration bound."""


def _between_zero_and(column: str | pl.Expr, limit: float) -> pl.Expr:
    """True for 0 < x < limit: small but not zero (zero is not sensitive); null stays null."""
    x = pl.col(column) if isinstance(column, str) else column
    return (x > 0) & (x < limit)


def primary_reason(policy: DisclosurePolicy) -> pl.Expr:
    """Expression giving 'primary', 'dominance' or null per cell, by the rule of its `kind` (module table)."""
    num, den, n = pl.col("numerator"), pl.col("denominator"), pl.col("n")
    kind = pl.col("kind")
    small_count = policy.min_count

    count_primary = (n.is_null() & num.is_null()) | _between_zero_and(n, small_count).fill_null(False) | (
        _between_zero_and(num, small_count).fill_null(False))
    proportion_primary = (
        num.is_null() | den.is_null()
        | _between_zero_and(num, small_count) | _between_zero_and(den - num, small_count)
        | _between_zero_and(den, policy.min_denominator)
    ).fill_null(True)
    survey_primary = n.is_null() | _between_zero_and(n, policy.min_respondents).fill_null(False) | (
        num.is_not_null() & (_between_zero_and(num, small_count) | _between_zero_and(n - num, small_count))
    ).fill_null(False)
    persons_with_event = pl.col("persons_with_event")
    rate_primary = n.is_null() | _between_zero_and(n, policy.min_denominator).fill_null(False) | (
        _between_zero_and(den, policy.min_denominator).fill_null(False)) | (
        _between_zero_and(persons_with_event, small_count).fill_null(False))
    mean_primary = n.is_null() | _between_zero_and(n, small_count).fill_null(False)
    cost_primary = n.is_null() | _between_zero_and(n, policy.min_cost_persons).fill_null(False) | (
        _between_zero_and(persons_with_event, small_count).fill_null(False))
    # A dominance check needs both inputs; an empty cost cell (n = 0) has no one to dominate.
    cost_dominance = (n > 0) & (
        pl.col("max_contribution").is_null() | pl.col("total").is_null()
        | (pl.col("max_contribution") > policy.dominance_share * pl.col("total"))
    ).fill_null(True)

    units = pl.col("units")
    business_primary = units.is_null() | (units < policy.min_units)
    business_dominance = (
        (pl.col("max_contribution") > policy.unit_dominance_share * pl.col("total"))
        | (pl.col("max_exposure") > policy.unit_dominance_share * pl.col("exposure_total"))
    ).fill_null(False)

    return (
        pl.when(_between_zero_and(n, small_count).fill_null(False)).then(pl.lit("primary"))
        .when((kind == "count") & count_primary).then(pl.lit("primary"))
        .when((kind == "proportion") & proportion_primary).then(pl.lit("primary"))
        .when((kind == "survey") & survey_primary).then(pl.lit("primary"))
        .when((kind == "rate") & rate_primary).then(pl.lit("primary"))
        .when((kind == "mean") & mean_primary).then(pl.lit("primary"))
        .when((kind == "cost") & cost_primary).then(pl.lit("primary"))
        .when((kind == "cost") & cost_dominance.fill_null(False)).then(pl.lit("dominance"))
        .when((kind == "business") & business_primary).then(pl.lit("primary"))
        .when((kind == "business") & business_dominance).then(pl.lit("dominance"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _normalise(cells: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Check the input contract and cast to the working dtypes; a broken contract fails loudly."""
    missing = [c for c in REQUIRED_COLUMNS if c not in cells.columns]
    if missing:
        raise ValueError(f"cells lack column(s) {missing}")
    for column in ("area_code", "area_level", "parent_code"):
        if column not in areas.columns:
            raise ValueError(f"areas lacks column {column!r}")
    cells = cells.with_columns(
        *(pl.col(c).cast(t) for c, t in REQUIRED_COLUMNS.items()),
        *(pl.col(c).cast(t) if c in cells.columns else pl.lit(None, t).alias(c) for c, t in OPTIONAL_COLUMNS.items()),
    )
    unknown = cells.filter(~pl.col("kind").is_in(KINDS) | pl.col("kind").is_null())["kind"].unique().to_list()
    if unknown:
        raise ValueError(f"unknown cell kind(s) {unknown}; expected one of {list(KINDS)}")
    dupes = cells.filter(pl.struct(KEY).is_duplicated()).select(KEY).head(1)
    if dupes.height:
        raise ValueError(f"cells hold the same {KEY} twice: {dupes.row(0)}")
    twice = areas.filter(pl.col("area_code").is_duplicated())["area_code"].head(1).to_list()
    if twice:
        raise ValueError(f"areas list area_code {twice[0]!r} twice, so its parent is ambiguous")
    return cells


@dataclass
class _Pattern:
    """The suppression state during secondary suppression, on numpy arrays indexed by cell row and quantity."""

    suppressed: np.ndarray  # per cell
    show_rid: np.ndarray    # exposures sorted by quantity: cell row ...
    show_qid: np.ndarray    # ... and quantity
    shows: np.ndarray       # per quantity: how many cells show it

    def known(self) -> np.ndarray:
        """Per quantity: does some published cell show it?"""
        shown = np.bincount(self.show_qid, weights=~self.suppressed[self.show_rid], minlength=len(self.shows))
        return shown > 0

    def hide(self, qids: np.ndarray) -> int:
        """Suppress every cell that shows one of `qids`; returns how many cells that newly suppressed."""
        cells = np.unique(self.show_rid[np.isin(self.show_qid, qids)])
        new = int((~self.suppressed[cells]).sum())
        self.suppressed[cells] = True
        return new


def _best_cover(candidate_row: np.ndarray, candidate_q: np.ndarray, deficit: np.ndarray, value: np.ndarray,
                shows: np.ndarray, is_total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct `candidate_row`, the quantity to hide: a member rather than the total, one whose value covers
    the deficit, shown by the fewest cells (hiding it costs least), the smallest such value; ties by id.
    Returns the quantities, per quantity the largest deficit it was picked for, and a row it was picked for."""
    order = np.lexsort((candidate_q, value[candidate_q], shows[candidate_q], value[candidate_q] < deficit,
                        is_total, candidate_row))
    rows = candidate_row[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    picks, needs, for_rows = candidate_q[order][first], deficit[order][first], rows[first]
    need = np.zeros(len(value))
    np.maximum.at(need, picks, needs)
    unique, at = np.unique(picks, return_index=True)
    return unique, need[unique], for_rows[at]


def _cover_round(pattern: _Pattern, relations: Relations, value: np.ndarray, need: np.ndarray,
                 sensitive: np.ndarray, picked_for: np.ndarray) -> int:
    """One set-based pass: every sum that leaves a sensitive hidden quantity too little hidden room gets cover.

    Room to move a hidden member up: the other hidden members of the same sign (they can give way down to
    zero), the slack of a `<=` sum, or unlimited when a hidden quantity of the other sign can move along. A
    sensitive quantity needs room for its protection (`need`). A cover quantity moves against the quantity it
    covers, which is its room in the sum it was picked for (`picked_for`); in its other sums it needs room as
    far as it must move, so that the hidden numbers close into cycles an outsider cannot pin down. Other
    hidden quantities need nothing: they are free room.
    """
    known = pattern.known()
    usable = relations.cover[relations.row]
    row, qty, coef = relations.row[usable], relations.quantity[usable], relations.coef[usable]
    hidden = ~known[qty]
    n_rows = len(relations.kind)
    v = value[qty]
    slack = np.where(relations.kind == 1, -np.bincount(row, weights=coef * v, minlength=n_rows), 0.0)
    plus, minus = hidden & (coef > 0), hidden & (coef < 0)
    sum_plus = np.bincount(row, weights=np.where(plus, v, 0.0), minlength=n_rows)
    sum_minus = np.bincount(row, weights=np.where(minus, v, 0.0), minlength=n_rows)
    any_plus = np.bincount(row, weights=plus, minlength=n_rows) > 0
    any_minus = np.bincount(row, weights=minus, minlength=n_rows) > 0
    le_total = (relations.kind[row] == 1) & (coef < 0)
    room = np.where(coef > 0, sum_plus[row] + slack[row], sum_minus[row]) - v
    room = np.where(np.where(coef > 0, any_minus[row], any_plus[row]) | le_total, np.inf, room)
    room = np.where(~sensitive[qty] & (picked_for[qty] == row), np.inf, room)
    short = hidden & (need[qty] > 0) & (room + 1e-9 < need[qty])
    if not short.any():
        return 0
    deficit = np.zeros(n_rows)
    np.maximum.at(deficit, row[short], need[qty[short]] - room[short])
    candidates = known[qty] & (v > 0) & (deficit[row] > 0)
    picks, deficits, rows = _best_cover(row[candidates], qty[candidates], deficit[row[candidates]], value,
                                        pattern.shows, coef[candidates] < 0)
    need[picks] = np.maximum(need[picks], np.minimum(deficits, value[picks]))
    picked_for[picks] = np.where(picked_for[picks] < 0, rows, picked_for[picks])
    return pattern.hide(picks)


def _entries_of(relations: Relations, pairs: np.ndarray) -> np.ndarray:
    """(failing index, quantity id) for every quantity of the rows in `pairs` (failing index, row id)."""
    if not len(pairs):
        return np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(relations.row, kind="stable")
    first = np.searchsorted(relations.row[order], pairs[:, 1], side="left")
    counts = np.searchsorted(relations.row[order], pairs[:, 1], side="right") - first
    idx = np.repeat(np.arange(len(pairs)), counts)
    entry = order[np.repeat(first, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)]
    return np.column_stack([pairs[idx, 0], relations.quantity[entry]]).astype(np.int64)


def _repair(pattern: _Pattern, relations: Relations, value: np.ndarray, need: np.ndarray, picked_for: np.ndarray,
            failing: np.ndarray, shortfall: np.ndarray, verdict) -> int:
    """Cover where the LP says an unprotected quantity is held: in the sums whose constraint is binding at the
    outsider's optimum, or that hold a hidden quantity stuck at its bound. One published number per failing
    quantity is hidden: a member rather than a total, one that covers the shortfall, shown by few cells."""
    known = pattern.known()
    cover = np.ones(len(relations.kind), dtype=bool) if relations.cover is None else relations.cover
    usable = cover[relations.row]
    row, qty, coef = relations.row[usable], relations.quantity[usable], relations.coef[usable]
    # (failing index, row) pairs: the binding rows, and the cover rows of quantities held at a bound
    blocking = verdict.blocking_rows
    binding_bound = ~cover[blocking[:, 1]]
    pairs = [blocking[~binding_bound]]
    # A binding bound (numerator <= denominator) is widened through the sums of the quantities it bounds:
    # those quantities count as held at a bound.
    stuck = np.concatenate([verdict.blocking_quantities, _entries_of(relations, blocking[binding_bound])])
    if len(stuck):
        order = np.argsort(qty, kind="stable")
        first = np.searchsorted(qty[order], stuck[:, 1], side="left")
        last = np.searchsorted(qty[order], stuck[:, 1], side="right")
        counts = last - first
        idx = np.repeat(np.arange(len(stuck)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        pairs.append(np.column_stack([stuck[idx, 0], row[order][np.repeat(first, counts) + offsets]]))
    pairs = np.unique(np.concatenate(pairs), axis=0)
    if not len(pairs):
        return 0
    # every known, non-zero entry of those rows is a candidate for its failing quantity
    by_row = np.argsort(row, kind="stable")
    first = np.searchsorted(row[by_row], pairs[:, 1], side="left")
    counts = np.searchsorted(row[by_row], pairs[:, 1], side="right") - first
    idx = np.repeat(np.arange(len(pairs)), counts)
    entry = by_row[np.repeat(first, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)]
    f, q, r, is_total = pairs[idx, 0], qty[entry], row[entry], coef[entry] < 0
    ok = known[q] & (value[q] > 0)
    if not ok.any():
        return 0
    f, q, r, is_total = f[ok], q[ok], r[ok], is_total[ok]
    gap = np.zeros(len(verdict.quantity))
    gap[failing] = shortfall
    order = np.lexsort((q, value[q], pattern.shows[q], value[q] < gap[f], is_total, f))
    firsts = np.ones(len(order), dtype=bool)
    firsts[1:] = f[order][1:] != f[order][:-1]
    picks, rows, gaps = q[order][firsts], r[order][firsts], gap[f[order][firsts]]
    np.maximum.at(need, picks, np.minimum(gaps, value[picks]))
    picked_for[picks] = np.where(picked_for[picks] < 0, rows, picked_for[picks])
    return pattern.hide(np.unique(picks))


@dataclass
class _Needs:
    """How far each quantity must be able to move (`need`), which are sensitive, and the sum each cover was
    picked for (`picked_for`, -1 for none)."""

    need: np.ndarray
    sensitive: np.ndarray
    picked_for: np.ndarray


def _needs(model, sensitive: pl.DataFrame, policy: DisclosurePolicy) -> _Needs:
    value = model.quantities["value"].to_numpy()
    s_qid = sensitive["qid"].cast(pl.Int64).to_numpy()
    need = np.zeros(len(value))
    need[s_qid] = sensitive["high"].to_numpy() - value[s_qid]
    # A small complement moves only as far as its numerator can: the numerator needs room of its own.
    comp = model.quantities.filter(pl.col("key").str.starts_with("complement|"))["qid"].cast(pl.Int64).to_numpy()
    rel = model.relations
    in_comp_rows = np.isin(rel.row, np.unique(rel.row[np.isin(rel.quantity, comp)])) & (rel.coef > 0)
    movers = np.setdiff1d(rel.quantity[in_comp_rows], comp)
    need[movers] = np.maximum(need[movers], np.minimum(value[movers], policy.protection_width))
    is_sensitive = np.zeros(len(value), dtype=bool)
    is_sensitive[s_qid] = True
    return _Needs(need, is_sensitive, np.full(len(value), -1, dtype=np.int64))


def _protect(pattern: _Pattern, model, sensitive: pl.DataFrame, needs: _Needs, max_iterations: int) -> None:
    """Cover, prove, repair, until the LP proves every sensitive quantity protected.

    Hiding more only widens what an outsider can prove, so a quantity once proven protected stays so: after the
    first check of every sensitive quantity, only those still failing are checked again."""
    value = model.quantities["value"].to_numpy()
    s_qid = sensitive["qid"].cast(pl.Int64).to_numpy()
    s_low, s_high = sensitive["low"].to_numpy(), sensitive["high"].to_numpy()
    failing = np.ones(len(s_qid), dtype=bool)
    for _ in range(MAX_REPAIRS):
        for _ in range(max_iterations):
            if _cover_round(pattern, model.relations, value, needs.need, needs.sensitive, needs.picked_for) == 0:
                break
        else:
            raise DisclosureNotConverged(
                f"secondary suppression still added cells after {max_iterations} passes; "
                "the cascade is unusually long: inspect the suppressed cells or raise max_iterations")
        open_ = np.flatnonzero(failing)
        verdict = attacker_bounds(value, pattern.known(), model.relations, s_qid[open_], s_low[open_],
                                  s_high[open_])
        failing[open_[verdict.protected]] = False
        if not failing.any():
            return
        still = np.flatnonzero(~verdict.protected)
        shortfall = np.maximum(s_high[open_][still] - verdict.upper[still],
                               verdict.lower[still] - s_low[open_][still])
        if _repair(pattern, model.relations, value, needs.need, needs.picked_for, still, shortfall, verdict) == 0:
            break
    q = model.quantities.filter(pl.col("qid").is_in(s_qid[failing][:3].tolist()))
    raise DisclosureNotConverged(
        f"{int(failing.sum())} sensitive quantities are still not proven protected after {MAX_REPAIRS} rounds of "
        f"cover, or no more cover can be found, e.g. {q.select('key', 'period', 'area_code', 'stratum').rows()}")


def flag_disclosure(
    cells: pl.DataFrame,
    areas: pl.DataFrame,
    policy: DisclosurePolicy,
    links: pl.DataFrame | None = None,
    *,
    max_iterations: int = MAX_ITERATIONS,
) -> pl.DataFrame:
    """The publication candidate: every input row, exact, plus `suppressed` and `suppression_reason`.

    `links` (`quantities.links_frame(catalogue.disclosure_links())`) says which published numbers are the same
    quantity and which add up; without it every indicator stands alone. Cover is added set-based until no sum
    leaves a sensitive quantity too little room, then the LP proves each sensitive quantity's interval and cover
    is added where it cannot; `DisclosureNotConverged` when that does not settle within the bounds.
    """
    work = _normalise(cells, areas).with_row_index("_rid")
    work = work.with_columns(primary_reason(policy).alias("_primary"))
    suppressed = work["_primary"].is_not_null().to_numpy().copy()
    if work.height:
        model = build_model(work, areas, links if links is not None else default_links(work), policy.min_count)
        sensitive = requirements(work, model, policy)
        exposures = model.exposures.sort("qid")
        show_qid = exposures["qid"].cast(pl.Int64).to_numpy()
        pattern = _Pattern(suppressed, exposures["_rid"].cast(pl.Int64).to_numpy(), show_qid,
                           np.bincount(show_qid, minlength=model.quantities.height))
        pattern.hide(sensitive["qid"].cast(pl.Int64).to_numpy())  # a sensitive number is hidden wherever shown
        _protect(pattern, model, sensitive, _needs(model, sensitive, policy), max_iterations)
        suppressed = pattern.suppressed
    return (
        work.with_columns(pl.Series("suppressed", suppressed))
        .with_columns(
            pl.coalesce(pl.col("_primary"), pl.when(pl.col("suppressed")).then(pl.lit("secondary")))
            .alias("suppression_reason"),
        )
        .drop("_rid", "_primary")
    )


def _round_to_base(column: str, base: int) -> pl.Expr:
    """Round half up to a multiple of `base`, keeping the column's dtype."""
    x = pl.col(column)
    if column == "n":
        return ((x * 2 + base) // (2 * base)) * base
    return (x.round(6) / base + 0.5).floor() * base  # float noise must not decide a tie at .5


def mask_and_round(flagged: pl.DataFrame, policy: DisclosurePolicy) -> pl.DataFrame:
    """What readers see: suppressed cells with value, CI and counts null; published counts rounded."""
    base = policy.rounding_base
    published = ~pl.col("suppressed")
    rounded = [pl.when(published).then(_round_to_base(c, base)).alias(c) for c in ROUNDED_COLUMNS]
    # For a count the value is the count itself, so it is rounded like the other counts.
    value = pl.when(published & (pl.col("kind") == "count")).then(_round_to_base("value", base)).when(
        published).then(pl.col("value")).alias("value")
    # The comparison with the region is derived from the interval, so it goes with it.
    derived = [c for c in ("ci_low", "ci_high", "comparison") if c in flagged.columns]
    ci = [pl.when(published).then(pl.col(c)).alias(c) for c in derived]
    return flagged.with_columns(*rounded, value, *ci)


def apply_disclosure(cells: pl.DataFrame, areas: pl.DataFrame, policy: DisclosurePolicy,
                     links: pl.DataFrame | None = None) -> pl.DataFrame:
    """Apply the disclosure policy: the same rows plus `suppressed` and `suppression_reason`, masked, rounded.

    Use `flag_disclosure` for the exact candidate that the privacy audit checks. The pipeline masks the
    estimates recomputed from rounded counts instead (`publish_cells`), so that values match the counts.
    """
    return mask_and_round(flag_disclosure(cells, areas, policy, links), policy)


def publish_cells(flagged: pl.DataFrame, protected: pl.DataFrame, policy: DisclosurePolicy) -> pl.DataFrame:
    """The rows readers see: values, intervals and comparisons from `protected` (estimated from rounded counts),
    with the suppression decided on exact counts in `flagged`, masked and rounded."""
    flags = flagged.select(*KEY, "suppressed", "suppression_reason")
    shown = protected.join(flags, on=list(KEY), how="left", maintain_order="left")
    missing = shown.filter(pl.col("suppressed").is_null()).select(KEY).head(1)
    if missing.height:
        raise ValueError(f"protected estimates hold a cell the disclosure flags do not: {missing.row(0)}")
    return mask_and_round(shown, policy)


def mark_incomplete(cells: pl.DataFrame, incomplete: pl.DataFrame, *, empty: bool,
                    reason: str = INCOMPLETE) -> pl.DataFrame:
    """Cells of the (indicator_id, period) pairs in `incomplete` suppressed with `reason` ("bron onvolledig": a
    year whose inputs are incomplete is never published as a value; "niet geleverd": the input layout lacks
    them). `empty` also nulls the numbers (what readers see); the exact candidate keeps them for the audit.
    Hiding more never weakens the protection of others."""
    if incomplete.is_empty():
        return cells
    hit = cells.select("indicator_id", "period").join(
        incomplete.with_columns(pl.col("period").cast(cells.schema["period"]), pl.lit(True).alias("_hit")),
        on=["indicator_id", "period"], how="left", maintain_order="left")["_hit"].fill_null(False)
    numbers = [c for c in ("numerator", "denominator", "n", "value", "ci_low", "ci_high", "comparison")
               if c in cells.columns] if empty else []
    return cells.with_columns(
        *(pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in numbers),
        pl.when(hit).then(True).otherwise(pl.col("suppressed")).alias("suppressed"),
        pl.when(hit).then(pl.lit(reason)).otherwise(pl.col("suppression_reason")).alias("suppression_reason"),
    )
