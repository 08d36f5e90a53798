"""Values and 95 % intervals per cell from sufficient statistics, one method per catalogue method.

Vectorised over all cells of an indicator at once (numpy), using the documented methods in
`indicators.methods`; the unrounded results feed disclosure control.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from indicators.catalogue import Catalogue
from indicators.methods import (
    compare_to_reference_expr,
    kish_effective_n,
    load_esp2013,
    poisson_interval,
    population_as_standard,
    standardise_frame,
    t_interval,
    weighted_mean_interval,
    weighted_wilson_interval,
    wilson_interval,
)

VALUE_COLUMNS = ("value", "ci_low", "ci_high", "numerator", "denominator")


def _estimate(method: str, s: dict[str, np.ndarray], mult: float) -> dict[str, np.ndarray]:
    cnt, sx = s["cnt"], s["sx"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "proportion":
            low, high = wilson_interval(sx, cnt)
            value, num, den = sx / cnt, sx, cnt
        elif method == "weighted_proportion":
            value = s["swx"] / s["sw"]
            low, high = weighted_wilson_interval(value, kish_effective_n(s["sw"], s["sw2"]))
            num, den = sx, cnt
        elif method == "rate":
            lo_count, hi_count = poisson_interval(sx)
            value, low, high = sx / s["se"], lo_count / s["se"], hi_count / s["se"]
            num, den = sx, s["se"]
        elif method == "mean":
            value = sx / cnt
            var = (s["sx2"] - cnt * value**2) / (cnt - 1)
            low, high = t_interval(value, np.sqrt(np.clip(var, 0, None)), cnt)
            num, den = np.full_like(cnt, np.nan), cnt
        elif method in ("weighted_mean", "ratio"):
            value, low, high = weighted_mean_interval(s["sw"], s["swx"], s["swx2"], s["sw2"])
            num, den = (sx, s["se"]) if method == "ratio" else (np.full_like(cnt, np.nan), cnt)
        else:
            raise ValueError(method)
    return {"value": value * mult, "ci_low": low * mult, "ci_high": high * mult, "numerator": num,
            "denominator": den}


KEY = ["indicator_id", "period", "area_code", "area_level"]


def standardised_values(std_cells: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Directly standardised rates (Dobson interval; null when O < 10) for the `totaal` stratum."""
    parts = []
    for ind in (i for i in catalogue.indicators if i.method == "direct_standardised"):
        frame = std_cells.filter(pl.col("indicator_id") == ind.id)
        if frame.is_empty():
            continue
        if ind.standard == "esp2013":
            standard = load_esp2013(sexes=["M", "V"])
        else:  # the region's own population, per year
            standard = population_as_standard(frame.filter(pl.col("area_level") == "regio"), by=["period"])
        result = standardise_frame(frame, standard, KEY, multiplier=ind.multiplier)
        parts.append(result.select(*KEY, pl.col("observed").alias("numerator"), pl.col("population").alias("denominator"),
                                   "value", pl.col("low").alias("ci_low"), pl.col("high").alias("ci_high")))
    return pl.concat(parts) if parts else pl.DataFrame()


def top_share_values(top_cells: pl.DataFrame) -> pl.DataFrame:
    """Share (%) of the total carried by the costliest persons; no interval (a dominated, skewed quantity)."""
    return top_cells.select(
        *KEY, pl.lit("totaal").alias("stratum"),
        (pl.col("top_total") / pl.col("total") * 100).alias("value"),
        pl.lit(None, pl.Float64).alias("ci_low"), pl.lit(None, pl.Float64).alias("ci_high"),
        pl.col("top_total").alias("numerator"), pl.col("total").alias("denominator"),
        pl.col("n").cast(pl.Int64).alias("n"), pl.lit("cost").alias("kind"), pl.lit("%").alias("unit"),
        pl.col("mx").alias("max_contribution"), pl.col("total").alias("total"),
    )


def estimate_cells(cells: pl.DataFrame, catalogue: Catalogue, std_cells: pl.DataFrame | None = None,
                   top_cells: pl.DataFrame | None = None) -> pl.DataFrame:
    """Add value, interval, kind and region comparison to the cells of every indicator."""
    parts = []
    standardised = standardised_values(std_cells, catalogue) if std_cells is not None and std_cells.height else None
    for ind in catalogue.indicators:
        if ind.method == "top_share":
            continue
        part = cells.filter(pl.col("indicator_id") == ind.id)
        if part.is_empty():
            continue
        stats = {c: part[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in
                 ("cnt", "sx", "sx2", "sw", "sw2", "swx", "swx2", "se")}
        est = _estimate("proportion" if ind.method == "direct_standardised" else ind.method, stats, ind.multiplier)
        cost = ind.disclosure == "cost"
        parts.append(part.select("indicator_id", "period", "area_code", "area_level", "stratum").with_columns(
            *(pl.Series(k, np.where(np.isfinite(v), v, np.nan)).fill_nan(None) for k, v in est.items()),
            n=part["n"].cast(pl.Int64),
            kind=pl.lit(ind.disclosure),
            unit=pl.lit(ind.unit),
            max_contribution=part["mx"] if cost else pl.lit(None, pl.Float64),
            total=part["sx"] if cost else pl.lit(None, pl.Float64),
        ))
    values = pl.concat(parts, how="vertical_relaxed")
    if standardised is not None and standardised.height:
        # crude cells keep their n and strata; totaal cells get the standardised value and Dobson interval
        values = values.join(standardised.with_columns(stratum=pl.lit("totaal")), on=[*KEY, "stratum"], how="left",
                             suffix="_std")
        is_std = pl.col("value_std").is_not_null() | pl.col("numerator_std").is_not_null()
        values = values.with_columns(
            [pl.when(is_std).then(pl.col(f"{c}_std")).otherwise(pl.col(c)).alias(c)
             for c in VALUE_COLUMNS]
        ).drop([f"{c}_std" for c in VALUE_COLUMNS])
        std_ids = [i.id for i in catalogue.indicators if i.method == "direct_standardised"]
        values = values.filter(~pl.col("indicator_id").is_in(std_ids) | (pl.col("stratum") == "totaal"))
    if top_cells is not None and top_cells.height:
        values = pl.concat([values, top_share_values(top_cells).select(values.columns)], how="vertical_relaxed")
    region = values.filter(pl.col("area_level") == "regio").select(
        "indicator_id", "period", "stratum", pl.col("value").alias("region_value"))
    return (
        values.join(region, on=["indicator_id", "period", "stratum"], how="left")
        .with_columns(comparison=pl.when(pl.col("area_level") == "regio").then(None)
                      .otherwise(compare_to_reference_expr("ci_low", "ci_high", "region_value")))
        .drop("region_value")
    )
