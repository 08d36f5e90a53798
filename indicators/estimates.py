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
    poisson_interval,
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


def estimate_cells(cells: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Add value, interval, kind and region comparison to the cells of every indicator."""
    parts = []
    for ind in catalogue.indicators:
        part = cells.filter(pl.col("indicator_id") == ind.id)
        if part.is_empty():
            continue
        stats = {c: part[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in
                 ("cnt", "sx", "sx2", "sw", "sw2", "swx", "swx2", "se")}
        est = _estimate(ind.method, stats, ind.multiplier)
        cost = ind.disclosure == "cost"
        parts.append(part.select("indicator_id", "period", "area_code", "area_level", "stratum").with_columns(
            *(pl.Series(k, np.where(np.isfinite(v), v, np.nan)).fill_nan(None) for k, v in est.items()),
            n=part["n"].cast(pl.Int64),
            kind=pl.lit(ind.disclosure),
            unit=pl.lit(ind.unit),
            max_contribution=part["mx"] if cost else pl.lit(None, pl.Float64),
            total=part["sx"] if cost else pl.lit(None, pl.Float64),
        ))
    values = pl.concat(parts)
    region = values.filter(pl.col("area_level") == "regio").select(
        "indicator_id", "period", "stratum", pl.col("value").alias("region_value"))
    return (
        values.join(region, on=["indicator_id", "period", "stratum"], how="left")
        .with_columns(comparison=pl.when(pl.col("area_level") == "regio").then(None)
                      .otherwise(compare_to_reference_expr("ci_low", "ci_high", "region_value")))
        .drop("region_value")
    )
