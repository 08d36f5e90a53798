"""The cells the disclosure audit attacks: candidate and published rows side by side, with each indicator's links.

`u_*` columns hold the exact candidate, `p_*` what readers see; every cell gets a number (`cell`) the
attack's stages refer to. Inputs are checked against the contract of issue 13; an unknown or missing
required column is refused with its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

KEY = ["indicator_id", "period", "area_code", "stratum"]
CANDIDATE_SCHEMA = {
    "indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "stratum": pl.String,
    "kind": pl.String, "numerator": pl.Float64, "denominator": pl.Float64, "n": pl.Float64,
    "persons_with_event": pl.Float64, "units": pl.Float64, "max_contribution": pl.Float64, "total": pl.Float64,
    "max_exposure": pl.Float64, "exposure_total": pl.Float64,
}
# Columns the contract added in issue 13; an older candidate without them is audited as if they were NULL
# (which the rules then report as unverifiable where they matter).
CANDIDATE_OPTIONAL = ("persons_with_event", "units", "max_exposure", "exposure_total", "max_contribution", "total")
PUBLISHED_SCHEMA = {
    "indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "stratum": pl.String,
    "numerator": pl.Float64, "denominator": pl.Float64, "n": pl.Float64, "value": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "suppressed": pl.Boolean, "suppression_reason": pl.String,
    "comparison": pl.String,
}
PUBLISHED_OPTIONAL = ("comparison",)
# What the SQL rules read of the joined cells (a narrow copy converts to DuckDB much faster).
RULE_COLUMNS = [
    "cell", "only_published", "only_candidate", "kind", "method", "top_fraction", "u_num", "u_den", "u_n",
    "u_pwe", "u_units", "u_max", "u_total", "u_maxe", "u_exp_total", "p_num", "p_den", "p_n", "p_value", "p_ci_low",
    "p_ci_high", "p_comparison", "suppressed_flag", "suppressed", "reason",
]
LINK_SCHEMA = {
    "indicator_id": pl.String, "method": pl.String, "multiplier": pl.Float64, "numerator_key": pl.String,
    "denominator_key": pl.String, "n_key": pl.String, "magnitude_key": pl.String, "partition": pl.String,
    "numerator_is_stratum": pl.String, "top_fraction": pl.Float64,
    # a totaal count that is a stratum of the mart's rows (stratum_key): he_laag_inkomen's numerator, inkomen:q1
    "denominator_is_stratum": pl.String, "stratum_key": pl.String,
    # strata that are sums of other strata (65+ = 65-74 + 75+): (stratum, member) pairs
    "stratum_groups": pl.List(pl.Struct({"stratum": pl.String, "member": pl.String})),
}


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType], optional: Iterable[str], what: str) -> pl.DataFrame:
    """`frame` reduced to `schema` (cast), optional columns filled with NULL; a missing required column refused."""
    missing = [c for c in schema if c not in frame.columns and c not in optional]
    if missing:
        raise ValueError(f"{what} lacks column(s) {missing}")
    return frame.select(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype).alias(c) for c, dtype in schema.items())


def link_frame(links: pl.DataFrame | Iterable[Mapping[str, Any]] | None) -> pl.DataFrame:
    """`Catalogue.disclosure_links()` (dicts or a frame) as a frame of the fields the audit reads."""
    if links is None:
        return pl.DataFrame(schema=LINK_SCHEMA)
    if not isinstance(links, pl.DataFrame):
        rows = list(links)
        links = pl.DataFrame({c: [row.get(c) for row in rows] for c in LINK_SCHEMA}, schema=LINK_SCHEMA)
    return conform(links, LINK_SCHEMA, ("stratum_groups", "denominator_is_stratum", "stratum_key"), "links")


def joined_cells(candidate: pl.DataFrame, published: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Candidate and published rows side by side (`u_*` exact, `p_*` published) with each indicator's links.

    Without links an indicator counts its own quantities (`<id>|numerator`, ...), its method follows its
    kind and its multiplier is read off its published cells (value x denominator / numerator, to a power of 10).
    """
    exact = conform(candidate, CANDIDATE_SCHEMA, CANDIDATE_OPTIONAL, "candidate").rename({
        "numerator": "u_num", "denominator": "u_den", "n": "u_n", "persons_with_event": "u_pwe", "units": "u_units",
        "max_contribution": "u_max", "total": "u_total", "max_exposure": "u_maxe", "exposure_total": "u_exp_total",
    }).with_columns(_in_candidate=pl.lit(True))
    shown = conform(published, PUBLISHED_SCHEMA, PUBLISHED_OPTIONAL, "published").rename({
        "numerator": "p_num", "denominator": "p_den", "n": "p_n", "value": "p_value", "ci_low": "p_ci_low",
        "ci_high": "p_ci_high", "comparison": "p_comparison", "suppressed": "suppressed_flag",
        "suppression_reason": "reason",
    }).with_columns(_in_published=pl.lit(True))
    cells = exact.join(shown, on=KEY, how="full", coalesce=True).with_columns(
        only_candidate=pl.col("_in_published").is_null(), only_published=pl.col("_in_candidate").is_null(),
        suppressed=pl.col("suppressed_flag").fill_null(False),
    ).drop("_in_candidate", "_in_published").with_row_index("cell").with_columns(pl.col("cell").cast(pl.Int64))
    guessed = (cells.filter((pl.col("p_num") > 0) & (pl.col("p_den") > 0) & (pl.col("p_value") > 0))
               .group_by("indicator_id")
               .agg(guessed=(10.0 ** (pl.col("p_value") * pl.col("p_den") / pl.col("p_num")).log10().median()
                             .round(0))))
    own = pl.col("indicator_id") + pl.lit("|")
    return (cells.join(links.drop("stratum_groups"), on="indicator_id", how="left").join(guessed, on="indicator_id", how="left")
            .with_columns(
                method=pl.coalesce("method", "kind"),
                multiplier=pl.coalesce("multiplier", "guessed", pl.lit(1.0)),
                numerator_key=pl.coalesce("numerator_key", own + pl.lit("numerator")),
                denominator_key=pl.coalesce("denominator_key", own + pl.lit("denominator")),
                n_key=pl.coalesce("n_key", own + pl.lit("n")))
            .with_columns(magnitude_key=pl.coalesce(
                "magnitude_key", pl.when(pl.col("u_num").is_not_null()).then(pl.col("numerator_key"))
                .otherwise(own + pl.lit("magnitude"))))
            .drop("guessed"))
