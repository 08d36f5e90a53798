"""PHM step 5: trends. The change of every indicator, area and stratum between consecutive years and over
the whole period, with a 95 % interval and a flag when the change is significant.

The standard error of a change combines the two years' standard errors (read back from their 95 %
intervals) as if the years were independent samples; for registry counts of largely the same persons
this is conservative.
"""

from __future__ import annotations

import polars as pl

from indicators.methods import Z95

KEY = ["indicator_id", "area_code", "area_level", "stratum"]


def trends(values: pl.DataFrame, published: pl.DataFrame) -> pl.DataFrame:
    """One row per indicator x area x stratum x (from_period, to_period): consecutive years and first-to-last."""
    cells = values.select(*KEY, "period", "value", "ci_low", "ci_high").join(
        published.select(*KEY, "period", "suppressed"), on=[*KEY, "period"], how="left"
    ).with_columns(se=(pl.col("ci_high") - pl.col("ci_low")) / (2 * Z95))
    periods = sorted(cells["period"].unique().to_list())
    pairs = [(a, b) for a, b in zip(periods, periods[1:], strict=False)]
    if len(periods) > 2:
        pairs.append((periods[0], periods[-1]))
    # a single year has no change to show: the same columns, no rows (the table keeps its schema)
    frames = [(cells.filter(pl.col("period") == start), cells.filter(pl.col("period") == end), start, end)
              for start, end in pairs] or [(cells.clear(), cells.clear(), 0, 0)]
    period_type = cells.schema["period"]
    parts = []
    for a, b, start, end in frames:  # a handful of year pairs; each is one set-based join
        a, b = a.drop("period"), b.drop("period")
        parts.append(a.join(b, on=KEY, suffix="_to").select(
            *KEY, pl.lit(start, dtype=period_type).alias("from_period"),
            pl.lit(end, dtype=period_type).alias("to_period"),
            pl.col("value").alias("from_value"), pl.col("value_to").alias("to_value"),
            (pl.col("value_to") - pl.col("value")).alias("change"),
            (pl.col("se") ** 2 + pl.col("se_to") ** 2).sqrt().alias("se_change"),
            (pl.col("suppressed").fill_null(True) | pl.col("suppressed_to").fill_null(True)).alias("suppressed"),
        ))
    out = pl.concat(parts).with_columns(
        ci_low=pl.col("change") - Z95 * pl.col("se_change"), ci_high=pl.col("change") + Z95 * pl.col("se_change"))
    out = out.with_columns(significant=(pl.col("ci_low") > 0) | (pl.col("ci_high") < 0))
    hidden = ["from_value", "to_value", "change", "ci_low", "ci_high", "significant"]
    return out.with_columns(
        [pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in hidden]
    ).drop("se_change").sort([*KEY, "from_period", "to_period"])
