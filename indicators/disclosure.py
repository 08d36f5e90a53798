"""Disclosure control of published cells (DESIGN §10): primary and secondary suppression, rounding.

`flag_disclosure` decides, on unrounded data, which cells are suppressed and why; its output is the
publication candidate that the independent audit (`quality/disclosure_audit.py`) verifies.
`apply_disclosure` adds what readers see: suppressed cells emptied, published counts rounded.

Primary rules (a cell whose rule input is missing is suppressed: what cannot be checked is not
published; a zero is never sensitive, so empty cells are published). Every kind: n is 1..min_count-1
persons (DESIGN's "count of 1-9 persons"; the privacy check in quality/privacy.py asks the same). Per `kind`:

- `count`: n or numerator is 1..min_count-1 persons.
- `proportion`: numerator or complement (denominator − numerator) is 1..min_count-1, or the denominator
  is 1..min_denominator-1 persons.
- `survey`: n is 1..min_respondents-1 respondents; if the numerator (unweighted respondents) is given,
  it or n − numerator is 1..min_count-1.
- `rate`: n (the persons behind the person-years) is 1..min_denominator-1, or so is the denominator
  (person-years are never more than the persons, so this only adds caution); events are not persons.
- `mean`: n is 1..min_count-1 persons (a mean of a few persons nearly reveals each of them).
- `cost`: n is 1..min_cost_persons-1 persons (`primary`); otherwise `dominance` when the largest single
  person's max_contribution > dominance_share × total.

Secondary suppression protects a suppressed cell from being recovered as a published total minus its
published siblings, in hierarchy groups (children one area level below a parent, per indicator, period
and stratum) and strata groups (the strata of one dimension with `totaal` as their total, per area).
Every group is treated as additive, also for means and weighted survey values (conservative). A group
with a published total needs 0 or >= 2 suppressed members; a suppressed total must not be the sum of
its all-published members (checked on the unrounded counts, in both kinds of group).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import polars as pl

KEY = ("indicator_id", "period", "area_code", "stratum")
AREA_LEVELS = ("buurt", "wijk", "gemeente", "regio")
TOTAL_STRATUM = "totaal"
KINDS = ("proportion", "survey", "rate", "mean", "cost", "count")
REASONS = ("primary", "dominance", "secondary")
MAX_ITERATIONS = 50
REQUIRED_COLUMNS = {
    "indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "area_level": pl.String,
    "stratum": pl.String, "kind": pl.String, "numerator": pl.Float64, "denominator": pl.Float64,
    "n": pl.Int64, "max_contribution": pl.Float64, "total": pl.Float64, "value": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64,
}
# Counts that readers see rounded; `value` only for kind `count`, where the value is the count itself.
ROUNDED_COLUMNS = ("numerator", "denominator", "n")
_ADDS_UP_TOLERANCE = 1e-9


class DisclosureNotConverged(RuntimeError):
    """Secondary suppression did not reach a fixpoint within the iteration bound."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """Thresholds of the disclosure policy (defaults after CBS practice), from `[disclosure]` in phm.toml."""

    min_count: int = 10
    min_denominator: int = 50
    min_respondents: int = 30
    min_cost_persons: int = 10
    dominance_share: float = 0.5
    rounding_base: int = 5

    def __post_init__(self) -> None:
        for name in ("min_count", "min_denominator", "min_respondents", "min_cost_persons", "rounding_base"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"disclosure.{name} must be a positive integer, got {value!r}")
        share = self.dominance_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise ValueError(f"disclosure.dominance_share must be a number in (0, 1], got {share!r}")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> DisclosurePolicy:
        """The policy from the `[disclosure]` table; missing keys keep their default, unknown keys fail."""
        mapping = dict(mapping or {})
        known = {f.name for f in fields(cls)}
        for key in mapping:
            if key not in known:
                raise ValueError(f"disclosure.{key} is not a disclosure setting; "
                                 f"expected one of {sorted(known)}")
        return cls(**mapping)


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
    rate_primary = n.is_null() | _between_zero_and(n, policy.min_denominator).fill_null(False) | (
        _between_zero_and(den, policy.min_denominator).fill_null(False))
    mean_primary = n.is_null() | _between_zero_and(n, small_count).fill_null(False)
    cost_primary = n.is_null() | _between_zero_and(n, policy.min_cost_persons).fill_null(False)
    # A dominance check needs both inputs; an empty cost cell (n = 0) has no one to dominate.
    cost_dominance = (n > 0) & (
        pl.col("max_contribution").is_null() | pl.col("total").is_null()
        | (pl.col("max_contribution") > policy.dominance_share * pl.col("total"))
    ).fill_null(True)

    return (
        pl.when(_between_zero_and(n, small_count).fill_null(False)).then(pl.lit("primary"))
        .when((kind == "count") & count_primary).then(pl.lit("primary"))
        .when((kind == "proportion") & proportion_primary).then(pl.lit("primary"))
        .when((kind == "survey") & survey_primary).then(pl.lit("primary"))
        .when((kind == "rate") & rate_primary).then(pl.lit("primary"))
        .when((kind == "mean") & mean_primary).then(pl.lit("primary"))
        .when((kind == "cost") & cost_primary).then(pl.lit("primary"))
        .when((kind == "cost") & cost_dominance.fill_null(False)).then(pl.lit("dominance"))
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
    cells = cells.with_columns(pl.col(c).cast(t) for c, t in REQUIRED_COLUMNS.items())
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


def _level_rank(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(AREA_LEVELS, range(len(AREA_LEVELS)), default=None,
                                         return_dtype=pl.Int32)


def _group_members(work: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """One row per (group, member cell): `_gid`, `_rid` (member), `_tid` (the group's total cell)."""
    cell_keys = work.select("_rid", "indicator_id", "period", "stratum", "area_code")
    parents = (
        areas.select("area_code", "area_level", "parent_code")
        .join(areas.select(parent_code="area_code", parent_level="area_level"), on="parent_code")
        .filter(_level_rank("parent_level") == _level_rank("area_level") + 1)
        .select("area_code", "parent_code")
    )
    hierarchy = (
        cell_keys.join(parents, on="area_code")
        .join(cell_keys.rename({"_rid": "_tid", "area_code": "parent_code"}),
              on=["indicator_id", "period", "stratum", "parent_code"])
        .select("_rid", "_tid", pl.lit(None, dtype=pl.String).alias("_dim"))
    )
    strata = (
        cell_keys.with_columns(pl.col("stratum").str.extract(r"^([^:]+):", 1).alias("_dim"))
        .filter(pl.col("_dim").is_not_null())
        .join(cell_keys.filter(pl.col("stratum") == TOTAL_STRATUM).drop("stratum").rename({"_rid": "_tid"}),
              on=["indicator_id", "period", "area_code"])
        .select("_rid", "_tid", "_dim")
    )
    # A group is its total cell plus a grouping (0 = hierarchy, k = k-th stratum dimension).
    members = pl.concat([hierarchy, strata]).with_columns(pl.col("_dim").rank("dense").fill_null(0))
    groupings = int(members["_dim"].max() or 0) + 1
    return members.select(
        (pl.col("_tid").cast(pl.UInt64) * groupings + pl.col("_dim")).alias("_gid"), "_rid", "_tid")


def _adds_up(members: pl.DataFrame, work: pl.DataFrame) -> pl.DataFrame:
    """Per group: do the members' unrounded counts sum to the total's (so published members reveal it)?"""
    quantities = ("numerator", "denominator", "n")
    values = work.select("_rid", *(pl.col(q).cast(pl.Float64) for q in quantities))
    sums = (
        members.join(values, on="_rid")
        .group_by("_gid")
        .agg(pl.first("_tid"), *(pl.col(q).sum().alias(f"_sum_{q}") for q in quantities),
             *(pl.col(q).null_count().alias(f"_nulls_{q}") for q in quantities))
        .join(values.rename({"_rid": "_tid"}), on="_tid")
    )
    def sums_to_total(q: str) -> pl.Expr:
        gap = (pl.col(f"_sum_{q}") - pl.col(q)).abs()
        return pl.col(q).is_not_null() & (pl.col(f"_nulls_{q}") == 0) & (
            gap <= _ADDS_UP_TOLERANCE * pl.max_horizontal(1.0, pl.col(q).abs()))

    matches = [sums_to_total(q) for q in quantities]
    return sums.select("_gid", pl.any_horizontal(matches).fill_null(False).alias("_adds_up"))


def _secondary_round(members: pl.DataFrame, suppressed: pl.Series) -> pl.Series:
    """Row ids to suppress next so that no group leaves a suppressed cell recoverable (one set-based pass).

    A group with a published total needs 0 or >= 2 suppressed members; with exactly one, the smallest
    published member is added. An empty member (size 0) is no cover, since a suppressed zero is easily
    guessed, so when only empty members are left the total is suppressed instead. A suppressed total whose
    members are all published and add up to it is revealed by their sum, so its smallest member goes too.
    """
    state = members.with_columns(
        suppressed.gather(members["_rid"]).alias("_m_supp"),
        suppressed.gather(members["_tid"]).alias("_t_supp"),
    ).with_columns(pl.col("_m_supp").sum().over("_gid").alias("_n_supp"))
    needs_cover = (~pl.col("_t_supp") & (pl.col("_n_supp") == 1)) | (
        pl.col("_t_supp") & (pl.col("_n_supp") == 0) & pl.col("_adds_up"))
    # Denominators that are float sums (insured years) differ in the last digits with the order of summing;
    # rounded, equal-sized members tie and the area and stratum decide, so every run picks the same cell.
    order = [pl.col("_empty"), pl.col("denominator").round(6), pl.col("n"), pl.col("area_code"), pl.col("stratum")]
    cover = state.filter(needs_cover)
    smallest = (
        cover.filter(~pl.col("_m_supp"))
        .sort(order, nulls_last=True)
        .group_by("_gid", maintain_order=True)
        .first()  # rows keep their sorted order inside each group
        .select("_gid", pl.col("_rid").alias("_pick"), pl.col("_empty").alias("_pick_empty"))
    )
    picks = (
        cover.group_by("_gid").agg(pl.first("_tid"), pl.first("_t_supp"))
        .join(smallest, on="_gid", how="left")
        .select(
            pl.when(~pl.col("_t_supp") & (pl.col("_pick").is_null() | pl.col("_pick_empty")))
            .then(pl.col("_tid")).otherwise(pl.col("_pick")).alias("_rid")
        )
        .drop_nulls()
        .unique()
    )["_rid"]
    return picks.filter(~suppressed.gather(picks))


def flag_disclosure(
    cells: pl.DataFrame,
    areas: pl.DataFrame,
    policy: DisclosurePolicy,
    *,
    max_iterations: int = MAX_ITERATIONS,
) -> pl.DataFrame:
    """The publication candidate: every input row, unrounded, plus `suppressed` and `suppression_reason`.

    Secondary suppression iterates to a fixpoint because a cell suppressed for one group can leave a single
    suppressed cell in another (a stratum group and a hierarchy group share cells). Each pass is set-based;
    `DisclosureNotConverged` is raised if `max_iterations` passes still add cells.
    """
    work = _normalise(cells, areas).with_row_index("_rid")
    work = work.with_columns(primary_reason(policy).alias("_primary"))
    members = _group_members(work, areas)
    members = (
        members.join(_adds_up(members, work), on="_gid")
        .join(work.select(
            "_rid", "denominator", "n", "area_code", "stratum",
            (pl.coalesce(pl.col("denominator"), pl.col("n").cast(pl.Float64), pl.col("numerator")) == 0)
            .fill_null(False).alias("_empty"),
        ), on="_rid")
    )
    suppressed = work["_primary"].is_not_null().alias("_supp")
    for _ in range(max_iterations):
        new = _secondary_round(members, suppressed)
        if new.len() == 0:
            break
        suppressed = suppressed.clone().scatter(new, True)
    else:
        raise DisclosureNotConverged(
            f"secondary suppression still added cells after {max_iterations} passes; "
            "the cascade is unusually long: inspect the suppressed cells or raise max_iterations")
    return (
        work.with_columns(suppressed)
        .with_columns(
            pl.col("_supp").alias("suppressed"),
            pl.coalesce(pl.col("_primary"), pl.when(pl.col("_supp")).then(pl.lit("secondary")))
            .alias("suppression_reason"),
        )
        .drop("_rid", "_primary", "_supp")
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


def apply_disclosure(cells: pl.DataFrame, areas: pl.DataFrame, policy: DisclosurePolicy) -> pl.DataFrame:
    """Apply the disclosure policy: the same rows plus `suppressed` and `suppression_reason`, masked, rounded.

    Use `flag_disclosure` for the unrounded candidate that the privacy audit checks.
    """
    return mask_and_round(flag_disclosure(cells, areas, policy), policy)
