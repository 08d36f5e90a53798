"""Which quantities of suppressed cells must stay uncertain, how much, and how far the attacker's bounds fall short.

Sensitive, decided from the exact candidate by the primary rules (never from the suppression's own flags):
  counts      a numerator of 1..min_count-1 (proportion, survey, count), its complement (denominator -
              numerator) of 1..min_count-1, n of 1..min_count-1, the events of a rate whose persons_with_event
              is 1..min_count-1. Requirement: lower <= max(0, v - w) and upper >= v + w (w protection_width).
  magnitudes  the summed magnitude of a cost, mean or business cell that breaks a primary or dominance rule,
              and an organisation cell's exposure. Requirement: lower <= T (1 - p) and
              upper >= max(T (1 + p), largest contribution / dominance share) (p magnitude_protection), so
              the attacker can neither pin the total nor rule out that the largest contributor dominates it.
The margin of a quantity is the smaller of its two sides' slack as a share of the required protection
(count: w; magnitude: p T below, the required excess above): >= 0 is protected, -1 is recovered exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

COUNT_KINDS = ("proportion", "survey", "count")


def sensitive_quantities(roles: pl.DataFrame, cells: pl.DataFrame, magnitude_cells: list[int],
                         policy: Mapping[str, float]) -> pl.DataFrame:
    """One row per sensitive quantity: var, the cell it is reported under, role, exact, requirement and scales."""
    small = policy["min_count"]
    width, share_p = float(policy["protection_width"]), float(policy["magnitude_protection"])
    hidden = cells.filter(pl.col("suppressed") & ~pl.col("only_candidate")).select(
        "cell", "indicator_id", "period", "area_code", "stratum", "kind", "u_num", "u_pwe", "u_max", "u_maxe",
        magnitude_cell=pl.col("cell").is_in(magnitude_cells))
    joined = roles.join(hidden, on="cell")
    role, kind, exact = pl.col("role"), pl.col("kind"), pl.col("exact")
    is_small = (exact >= 1) & (exact < small)
    count = (((role == "numerator") & kind.is_in(COUNT_KINDS) & is_small)
             | ((role == "numerator") & (kind == "rate") & (pl.col("u_pwe") >= 1) & (pl.col("u_pwe") < small))
             | (role.is_in(["complement", "n"]) & is_small))
    magnitude = pl.col("magnitude_cell") & ((role == "magnitude") | ((role == "denominator") & (kind == "business")))
    largest = pl.when(role == "denominator").then(pl.col("u_maxe")).otherwise(pl.col("u_max")).fill_null(0.0)
    dominance = pl.when(kind == "business").then(pl.lit(float(policy["unit_dominance_share"]))) \
        .otherwise(pl.lit(float(policy["dominance_share"])))
    counts = joined.filter(count).with_columns(
        magnitude=pl.lit(False), need_lo=(exact - width).clip(lower_bound=0.0), need_hi=exact + width,
        scale_lo=pl.lit(width), scale_hi=pl.lit(width))
    magnitudes = joined.filter(magnitude).with_columns(
        magnitude=pl.lit(True), need_lo=exact * (1 - share_p),
        need_hi=pl.max_horizontal(exact * (1 + share_p), largest / dominance))
    magnitudes = magnitudes.with_columns(scale_lo=exact - pl.col("need_lo"), scale_hi=pl.col("need_hi") - exact)
    return (pl.concat([counts, magnitudes], how="vertical_relaxed")
            .sort("var", "indicator_id", "period", "area_code", "stratum", "role")
            .group_by("var", maintain_order=True)
            .agg(pl.col("indicator_id", "period", "area_code", "stratum", "role", "exact", "magnitude").first(),
                 pl.col("need_lo").min(), pl.col("need_hi").max(), pl.col("scale_lo").max(),
                 pl.col("scale_hi").max()))


def margins(sensitive: pl.DataFrame, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The protection margin of each sensitive quantity under bounds (lo, hi) indexed by var (see docstring)."""
    var = sensitive["var"].to_numpy()
    need_lo, need_hi = sensitive["need_lo"].to_numpy(), sensitive["need_hi"].to_numpy()
    scale_lo, scale_hi = sensitive["scale_lo"].to_numpy(), sensitive["scale_hi"].to_numpy()

    def side(slack: np.ndarray, scale: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            relative = np.where(scale > 0, slack / np.where(scale > 0, scale, 1.0), np.where(slack >= 0, 0.0, -1.0))
        return np.maximum(relative, -1.0)

    return np.minimum(side(need_lo - lo[var], scale_lo), side(hi[var] - need_hi, scale_hi))
