"""Values and 95 % intervals per cell from sufficient statistics: the Polars plumbing around the estimators.

Every indicator's cells go, all at once, to the estimator of its catalogue method
(`indicators.methods.estimators.ESTIMATORS`); this module selects the cells, rounds the published counts,
joins the standardised and top-share values and compares areas with the region. The pipeline estimates
twice from the same statistics: from the exact counts (the candidate that disclosure control decides on)
and from counts rounded to the publication's base (`round_statistics`), which is what is published: a value
and its interval then give back the rounded counts and nothing finer. Survey values are weighted and means
are magnitudes over a rounded count, so neither is a ratio of exact counts.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from indicators.catalogue import Catalogue
from indicators.methods import (
    Z95,
    compare_to_limits,
    estimate,
    funnel_normal,
    funnel_poisson,
    funnel_proportion,
    load_esp2013,
    population_as_standard,
    standardise_frame,
)

VALUE_COLUMNS = ("value", "ci_low", "ci_high", "numerator", "denominator")


def _round_half_up(x: pl.Expr, base: int) -> pl.Expr:
    return (x.round(6) / base + 0.5).floor() * base  # float noise must not decide a tie at .5


# Per method, the statistics that are counts (or sums published as counts) and are rounded before estimating.
# Means keep their summed magnitude (sx, sx2) exact: it is never published, only divided by a rounded count.
_ROUNDED_STATS = {
    "proportion": ("n", "cnt", "sx"), "direct_standardised": ("n", "cnt", "sx"),
    "weighted_proportion": ("n", "cnt", "sx"), "rate": ("n", "cnt", "sx", "se", "npos"),
    "ratio": ("n", "cnt", "sx", "se"), "mean": ("n", "cnt"), "weighted_mean": ("n", "cnt"),
    "top_share": ("n",),
}



def round_statistics(cells: pl.DataFrame, catalogue: Catalogue, base: int) -> pl.DataFrame:
    """`indicators.cells` with every published count rounded half up to a multiple of `base`, per method."""
    methods = {i.id: i.method for i in catalogue.indicators}
    method = pl.col("indicator_id").replace_strict(methods, default=None)
    # business weighted means publish their weight total (respondents) as denominator: rounded like a count
    weighted_business = [i.id for i in catalogue.indicators if i.disclosure == "business" and i.method == "weighted_mean"]
    return cells.with_columns(
        *(pl.when(method.is_in([m for m, stats in _ROUNDED_STATS.items() if c in stats]))
          .then(_round_half_up(pl.col(c).cast(pl.Float64), base)).otherwise(pl.col(c).cast(pl.Float64)).alias(c)
          for c in ("n", "cnt", "sx", "se", "npos")),
        pl.when(pl.col("indicator_id").is_in(weighted_business))
        .then(_round_half_up(pl.col("sw").cast(pl.Float64), base)).otherwise(pl.col("sw")).alias("sw"),
    )


KEY = ["indicator_id", "period", "area_code", "area_level"]


def standardised_values(std_cells: pl.DataFrame, catalogue: Catalogue, rounding_base: int | None = None
                        ) -> pl.DataFrame:
    """Directly standardised rates (Dobson interval) and shares (binomial, Wilson) for the `totaal` stratum; null
    when O < 10.

    With `rounding_base` (the published estimate), the region's own standard population is rounded too, and
    the Dobson limits scale the Poisson limits of the rounded observed count: at the region, a standard equal
    to its own population makes the rate the crude O/N, which would otherwise give O back exactly."""
    parts = []
    for ind in (i for i in catalogue.indicators if i.method == "direct_standardised"):
        frame = std_cells.filter(pl.col("indicator_id") == ind.id)
        if frame.is_empty():
            continue
        if ind.standard == "esp2013":
            standard = load_esp2013(sexes=["M", "V"])
        else:  # the region's own population, per year
            standard = population_as_standard(frame.filter(pl.col("area_level") == "regio"), by=["period"])
            if rounding_base:
                standard = standard.with_columns(_round_half_up(pl.col("standard"), rounding_base))
        # a standardised share of persons (unit %) has a binomial variance; events per person keep Dobson
        result = standardise_frame(frame, standard, KEY, multiplier=ind.multiplier,
                                   count_rounding=rounding_base, variance="binomial" if ind.unit == "%" else "poisson")
        parts.append(result.select(*KEY, pl.col("observed").alias("numerator"), pl.col("population").alias("denominator"),
                                   "value", pl.col("low").alias("ci_low"), pl.col("high").alias("ci_high")))
    return pl.concat(parts) if parts else pl.DataFrame()


def top_share_values(top_cells: pl.DataFrame, catalogue: Catalogue, rounding_base: int | None = None
                     ) -> pl.DataFrame:
    """Share (%) of the total carried by the costliest persons; no interval (a dominated, skewed quantity).

    Neither amount is published (the top group of a small area is a handful of persons): the value only,
    with the persons behind the cell and, as `persons_with_event`, the persons in the top group."""
    fraction = {i.id: float(i.top_fraction) for i in catalogue.indicators
                if i.method == "top_share"}
    n = pl.col("n").cast(pl.Float64)
    return top_cells.select(
        *KEY, pl.lit("totaal").alias("stratum"),
        # the top can hold all of the cost (Wlz: fewer than 5 % of residents have any); its double sum may then pass
        # the exact total in the last digit. An area without any of the cost (a delivery without Wmo, Jeugdwet
        # or bijstand euros) has no share: no value, but its persons stay (they are the residents of other cells)
        pl.when(pl.col("total") > 0).then(pl.min_horizontal("top_total", "total") / pl.col("total") * 100)
        .alias("value"),
        pl.lit(None, pl.Float64).alias("ci_low"), pl.lit(None, pl.Float64).alias("ci_high"),
        pl.lit(None, pl.Float64).alias("numerator"), pl.lit(None, pl.Float64).alias("denominator"),
        (_round_half_up(n, rounding_base) if rounding_base else n).cast(pl.Int64).alias("n"),
        pl.lit("cost").alias("kind"), pl.lit("%").alias("unit"),
        pl.col("mx").alias("max_contribution"), pl.col("total").alias("total"),
        (n * pl.col("indicator_id").replace_strict(fraction, default=0.05)).ceil().cast(pl.Int64)
        .alias("persons_with_event"),
        pl.lit(None, pl.Int64).alias("units"), pl.lit(None, pl.Float64).alias("max_exposure"),
        pl.lit(None, pl.Float64).alias("exposure_total"),
    )


def estimate_cells(cells: pl.DataFrame, catalogue: Catalogue, std_cells: pl.DataFrame | None = None,
                   top_cells: pl.DataFrame | None = None, rounding_base: int | None = None) -> pl.DataFrame:
    """Add value, interval, kind, the inputs of the disclosure rules and the region comparison to every cell.

    `rounding_base` marks the published estimate: `cells` then come from `round_statistics`, and the
    standardised and top-share values follow suit."""
    parts = []
    standardised = (standardised_values(std_cells, catalogue, rounding_base)
                    if std_cells is not None and std_cells.height else None)
    for ind in catalogue.indicators:
        if ind.method == "top_share":
            continue
        part = cells.filter(pl.col("indicator_id") == ind.id)
        if part.is_empty():
            continue
        stats = {c: part[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in
                 ("cnt", "sx", "sx2", "sw", "sw2", "swx", "swx2", "se")}
        est = dict(zip(VALUE_COLUMNS, estimate(ind.method, stats, ind.multiplier), strict=True))
        magnitude = ind.disclosure in ("cost", "business", "mean")
        business = ind.disclosure == "business"
        if business:  # a census of organisations: no sampling interval (README, "Disclosure control")
            est["ci_low"] = est["ci_high"] = np.full_like(est["value"], np.nan)
            if ind.method == "weighted_mean":  # scores weighted by respondents: the respondents are the denominator
                est["denominator"] = stats["sw"]
        if ind.method == "mean":  # a mean of a skewed amount needs more persons than disclosure does
            imprecise = part["n"].cast(pl.Float64).fill_null(0).to_numpy() < ind.min_denominator
            for c in ("value", "ci_low", "ci_high"):
                est[c] = np.where(imprecise, np.nan, est[c])
        exposure = part["se"] if ind.method == "ratio" else part["sw"]
        family, size = _funnel_family(ind.method, stats)
        parts.append(part.select("indicator_id", "period", "area_code", "area_level", "stratum").with_columns(
            *(pl.Series(k, np.where(np.isfinite(v), v, np.nan)).fill_nan(None) for k, v in est.items()),
            n=part["n"].cast(pl.Int64),
            kind=pl.lit(ind.disclosure),
            unit=pl.lit(ind.unit),
            max_contribution=part["mx"].cast(pl.Float64) if magnitude else pl.lit(None, pl.Float64),
            total=part["sx"].cast(pl.Float64) if magnitude else pl.lit(None, pl.Float64),
            persons_with_event=part["npos"].cast(pl.Int64) if ind.method == "rate" else pl.lit(None, pl.Int64),
            units=part["cnt"].cast(pl.Int64) if business else pl.lit(None, pl.Int64),
            max_exposure=part["mxe"].cast(pl.Float64) if business else pl.lit(None, pl.Float64),
            exposure_total=exposure.cast(pl.Float64) if business else pl.lit(None, pl.Float64),
            _family=pl.lit(family, pl.String), _size=pl.Series(np.where(np.isfinite(size), size, np.nan)),
            _multiplier=pl.lit(float(ind.multiplier)),
        ))
    values = pl.concat(parts, how="vertical_relaxed")
    if standardised is not None and standardised.height:
        # crude cells keep their n and strata; totaal cells get the standardised value and Dobson interval
        values = values.join(standardised.with_columns(stratum=pl.lit("totaal")), on=[*KEY, "stratum"], how="left",
                             suffix="_std")
        is_std = pl.col("value_std").is_not_null() | pl.col("numerator_std").is_not_null()
        values = values.with_columns(
            [pl.when(is_std).then(pl.col(f"{c}_std")).otherwise(pl.col(c)).alias(c)
             for c in VALUE_COLUMNS],
            _family=pl.when(is_std).then(pl.lit("own")).otherwise(pl.col("_family")),
        ).drop([f"{c}_std" for c in VALUE_COLUMNS])
        std_ids = [i.id for i in catalogue.indicators if i.method == "direct_standardised"]
        values = values.filter(~pl.col("indicator_id").is_in(std_ids) | (pl.col("stratum") == "totaal"))
    if top_cells is not None and top_cells.height:
        tops = top_share_values(top_cells, catalogue, rounding_base).with_columns(
            _family=pl.lit(None, pl.String), _size=pl.lit(None, pl.Float64), _multiplier=pl.lit(None, pl.Float64))
        values = pl.concat([values, tops.select(values.columns)], how="vertical_relaxed")
    return compare_with_region(values).drop("_family", "_size", "_multiplier")


def _funnel_family(method: str, stats: dict[str, np.ndarray]) -> tuple[str, np.ndarray]:
    """The funnel limits a method's cells get, and the area size they depend on: the denominator of a
    proportion, the exposure of a rate, the Kish effective n (sw^2 / sw2) of a survey share, mean or ratio."""
    with np.errstate(divide="ignore", invalid="ignore"):
        kish = stats["sw"] ** 2 / stats["sw2"]
    if method in ("proportion", "direct_standardised"):
        return "binomial", stats["cnt"]
    if method == "weighted_proportion":
        return "binomial", kish
    if method == "rate":
        return "poisson", stats["se"]
    return "normal", kish


def compare_with_region(values: pl.DataFrame) -> pl.DataFrame:
    """`comparison` of every non-region cell: its value against the 99.8 % funnel limits around the region's
    value of the same indicator, year and stratum (Spiegelhalter 2005; `indicators.methods.comparison`).

    `values` carries per cell `_family` (binomial, poisson, normal, own), `_size` and `_multiplier`."""
    region = values.filter(pl.col("area_level") == "regio").select(
        "indicator_id", "period", "stratum", pl.col("value").alias("_ref"),
        ((pl.col("ci_high") - pl.col("ci_low")) / (2 * Z95)).alias("_ref_se"), pl.col("_size").alias("_ref_size"))
    joined = values.join(region, on=["indicator_id", "period", "stratum"], how="left")
    col = {c: joined[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
           for c in ("value", "ci_low", "ci_high", "_ref", "_ref_se", "_ref_size", "_size", "_multiplier")}
    family = joined["_family"].fill_null("").to_numpy()
    mult, ref, size = col["_multiplier"], col["_ref"], col["_size"]
    with np.errstate(divide="ignore", invalid="ignore"):
        binomial = funnel_proportion(ref / mult, size)
        poisson = funnel_poisson(ref / mult, size)
        normal = funnel_normal(ref, col["_ref_se"] * np.sqrt(col["_ref_size"] / size))
        own = funnel_normal(ref, (col["ci_high"] - col["ci_low"]) / (2 * Z95))
    low, high = np.full(len(family), np.nan), np.full(len(family), np.nan)
    for name, limits, scale in (("binomial", binomial, mult), ("poisson", poisson, mult),
                                ("normal", normal, 1.0), ("own", own, 1.0)):
        pick = family == name
        low[pick] = (limits.low998 * scale)[pick]
        high[pick] = (limits.high998 * scale)[pick]
    # a cell without its own interval (suppressed, a census of organisations, a top share) is not compared
    no_interval = np.isnan(col["ci_low"]) | np.isnan(col["ci_high"])
    low[no_interval] = np.nan
    labels = compare_to_limits(col["value"], low, high)
    labels[(joined["area_level"] == "regio").to_numpy()] = None
    return joined.drop("_ref", "_ref_se", "_ref_size").with_columns(
        comparison=pl.Series(labels.tolist(), dtype=pl.String))
