"""Direct age-sex standardisation, and the European Standard Population 2013.

Standardised to the region's own population to compare areas inside the region, or to the ESP
2013 to compare regions; published only from 10 events. A standardised rate (events per person) gets
Dobson limits on a Poisson variance; a standardised prevalence (a share of persons, at most 1 per person)
gets a binomial variance and a Wilson interval on its effective sample size, since a Poisson variance
overstates the variance of a share by 1 / (1 - p) per stratum (issue 18: intervals 1.36x too wide). `standardise_frame` is the one implementation:
it takes the long frame the pipeline has (one row per area and stratum) rather than dense arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

from indicators.methods.intervals import Interval, as_float
from indicators.methods.poisson import poisson_interval
from indicators.methods.wilson import weighted_wilson_interval

ESP2013_PATH = Path(__file__).resolve().parent.parent / "reference" / "esp2013.csv"
ESP2013_TOTAL = 100_000.0
STRATA = ("age_band", "sex")
# PHE/APHO practice: a DSR on fewer events is too unstable to publish.
DSR_MIN_OBSERVED = 10
OUTPUT_COLUMNS = ("observed", "population", "value", "low", "high")
# variance of a stratum's observed share: events per person (Poisson) or a share of persons (binomial)
VARIANCES = ("poisson", "binomial")


def dobson_interval(
    value: npt.ArrayLike, variance: npt.ArrayLike, observed: npt.ArrayLike, alpha: float = 0.05
) -> Interval:
    """Dobson et al. (1991) limits for a weighted sum of Poisson counts such as a DSR.

    value + sqrt(var(value) / O) (O_L - O) and likewise with O_U, where O is the total count and
    O_L, O_U its Poisson limits (poisson_interval: Byar from 10 events, as PHEindicatormethods
    phe_dsr). Scales the count's skewed interval rather than assuming normality. NaN for O <= 0.
    """
    v, var, o = np.broadcast_arrays(as_float(value), as_float(variance), as_float(observed))
    o_low, o_high = poisson_interval(o, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(o > 0, np.sqrt(var / o), np.nan)
    return Interval(v + k * (o_low - o), v + k * (o_high - o))


def binomial_dsr_interval(value: npt.ArrayLike, variance: npt.ArrayLike, population: npt.ArrayLike,
                          alpha: float = 0.05) -> Interval:
    """Limits of a directly standardised proportion: Wilson on its effective sample size.

    `variance` is the binomial DSR variance sum(w_i^2 p_i (1 - p_i) / n_i) / (sum w_i)^2 (Chiang 1961; the
    variance of a standardised proportion in Breslow & Day 1987, ch. 2). The effective sample size
    n_eff = p (1 - p) / var (Korn & Graubard 1998, as NCHS uses for age-adjusted prevalences, Parker et al.
    2017) turns it into a Wilson (1927) interval, which stays inside [0, 1], like the weighted survey
    proportions (`weighted_wilson_interval`). A zero variance (every stratum 0 % or 100 %) takes the
    population as n_eff. NaN where the value is outside [0, 1].
    """
    v, var, n = np.broadcast_arrays(as_float(value), as_float(variance), as_float(population))
    z = float(stats.norm.isf(alpha / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(var > 0, v * (1 - v) / var, n)
    return weighted_wilson_interval(v, n_eff, z)


def load_esp2013(sexes: Sequence[str] | None = None) -> pl.DataFrame:
    """The European Standard Population 2013 (Eurostat 2013) by 5-year band, from reference/esp2013.csv.

    Returns (age_band, standard); with `sexes`, (age_band, sex, standard) with the same weights
    for each sex, ready for `standardise_frame`. Source and version: reference/esp2013.md.
    """
    esp = pl.read_csv(ESP2013_PATH, schema={"age_band": pl.String, "standard": pl.Float64})
    if esp.height != 19 or esp["standard"].sum() != ESP2013_TOTAL:
        raise ValueError(f"{ESP2013_PATH} is not the ESP 2013 in 19 bands summing to 100,000")
    if sexes is None:
        return esp
    return esp.join(pl.DataFrame({"sex": list(sexes)}, schema={"sex": pl.String}), how="cross").select(
        "age_band", "sex", "standard"
    )


def population_as_standard(
    frame: pl.DataFrame, by: Sequence[str] = (), strata: Sequence[str] = STRATA
) -> pl.DataFrame:
    """A standard population from the data itself (e.g. the region's own population) per `by` and stratum."""
    return (
        frame.group_by([*by, *strata])
        .agg(pl.col("population").cast(pl.Float64).sum().alias("standard"))
        .sort([*by, *strata])
    )


def standardise_frame(
    frame: pl.DataFrame,
    standard: pl.DataFrame,
    group_by: Sequence[str],
    *,
    multiplier: float = 100_000.0,
    alpha: float = 0.05,
    min_observed: float = DSR_MIN_OBSERVED,
    strata: Sequence[str] = STRATA,
    count_rounding: int | None = None,
    variance: str = "poisson",
) -> pl.DataFrame:
    """Directly standardised value with its 95 % limits for every group of a long frame at once.

    `frame` holds `group_by` columns, the `strata` columns (age_band, sex), `observed` and
    `population`; rows are summed per group and stratum first, so finer rows (e.g. buurten for a
    gemeente) may be passed. `standard` holds the strata columns and `standard`, and may carry
    extra key columns that are also in `group_by` (e.g. `period` for the region's own population
    per year, see `population_as_standard`); a group's strata missing from `frame` count as rate
    0 with their standard weight kept. Returns `group_by` + observed, population, value, low,
    high; value, low and high are null when observed < min_observed or the input is unusable
    (events without population, negative or missing counts).

    DSR = sum(w_i O_i / n_i) / sum(w_i) x multiplier, var(DSR) = sum(w_i^2 O_i / n_i^2) / (sum w_i)^2
    (Dobson et al. 1991; APHO Technical Briefing 3), limits by `dobson_interval`: `variance="poisson"`, for
    rates. `variance="binomial"`, for proportions (observed = persons with the condition, at most one per
    person): var(DSR) = sum(w_i^2 p_i (1 - p_i) / n_i) / (sum w_i)^2, p_i = O_i / n_i, limits by
    `binomial_dsr_interval`. A stratum without population and without events contributes rate 0.

    `count_rounding` (disclosure control): the group's observed and population totals are returned rounded
    half up to that base, and the Dobson limits use the rounded observed count, so that value and interval
    together give back no finer count than the rounded one.
    """
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {VARIANCES}, not {variance!r}")
    group_by, strata = list(group_by), list(strata)
    std_keys = [c for c in standard.columns if c not in (*strata, "standard")]
    if not set(std_keys) <= set(group_by):
        raise ValueError(f"standard has key columns {std_keys} that are not all in group_by {group_by}")
    missing = {*group_by, *strata, "observed", "population"} - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks columns {sorted(missing)}")
    if standard.select(pl.col("standard").is_null().any() | (pl.col("standard") < 0).any()).item():
        raise ValueError("standard population has missing or negative weights")
    if standard.select([*std_keys, *strata]).is_duplicated().any():
        raise ValueError("standard population has duplicate strata")

    o, n = pl.col("observed").cast(pl.Float64), pl.col("population").cast(pl.Float64)
    cells = frame.group_by([*group_by, *strata]).agg(
        o.sum().alias("observed"),
        n.sum().alias("population"),
        (o.is_null().any() | n.is_null().any()).alias("_missing"),
    )
    cells = cells.join(
        standard.with_columns(pl.col("standard").cast(pl.Float64)), on=[*std_keys, *strata], how="left"
    )
    unmatched = cells.filter(pl.col("standard").is_null())
    if unmatched.height:
        raise ValueError(f"strata without a standard weight: {unmatched.select(strata).unique().rows()[:5]}")

    o, n, w = pl.col("observed"), pl.col("population"), pl.col("standard")
    unusable = pl.col("_missing") | (o < 0) | (n < 0) | ((n == 0) & (o > 0))
    groups = cells.group_by(group_by).agg(
        o.sum().alias("observed"),
        n.sum().alias("population"),
        pl.when(n > 0).then(w * o / n).otherwise(0.0).sum().alias("_wr"),
        pl.when(n > 0).then(w * w * o / (n * n) * (1 - o / n if variance == "binomial" else 1.0))
        .otherwise(0.0).sum().alias("_wv"),
        unusable.any().alias("_unusable"),
    )
    totals = (
        standard.group_by(std_keys).agg(pl.col("standard").cast(pl.Float64).sum().alias("_w"))
        if std_keys
        else pl.DataFrame({"_w": [float(standard["standard"].sum())]})
    )
    groups = groups.join(totals, on=std_keys, how="left") if std_keys else groups.join(totals, how="cross")
    groups = groups.sort(group_by).with_columns(
        (pl.col("_wr") / pl.col("_w")).alias("_dsr"), (pl.col("_wv") / pl.col("_w") ** 2).alias("_var")
    )

    enough = groups["observed"].to_numpy() >= min_observed  # on the exact count, before any rounding
    if count_rounding:
        groups = groups.with_columns(
            ((pl.col(c).round(6) / count_rounding + 0.5).floor() * count_rounding).alias(c)
            for c in ("observed", "population"))
    dsr = groups["_dsr"].to_numpy()
    observed = groups["observed"].to_numpy()
    if variance == "binomial":  # on the exact stratum shares, as the value itself
        low, high = binomial_dsr_interval(dsr, groups["_var"].to_numpy(), groups["population"].to_numpy(), alpha)
    else:
        low, high = dobson_interval(dsr, groups["_var"].to_numpy(), observed, alpha)
    ok = ~groups["_unusable"].to_numpy() & (groups["_w"].to_numpy() > 0) & enough
    publish = {
        name: np.where(ok, x * multiplier, np.nan)
        for name, x in (("value", dsr), ("low", low), ("high", high))
    }
    return groups.with_columns(pl.Series(k, v).fill_nan(None) for k, v in publish.items()).select(
        *group_by, *OUTPUT_COLUMNS
    )
