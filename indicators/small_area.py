"""Model-based small-area estimates of survey shares per buurt and wijk (Fay–Herriot EBLUP).

A buurt's survey cell rests on a few dozen respondents, so its direct estimate is noisy. The Fay–Herriot
model (Fay & Herriot 1979; Rao & Molina 2015, ch. 6; indicators/methods/fay_herriot.py) combines it with
a regression on register covariates of the same area, weighting each by its precision: the EBLUP.
Per indicator (catalogue `small_area: fay_herriot`), year and level (buurt, wijk) one model is fitted.

What goes in, and why it is safe to publish (README "Small-area estimates"):
- the direct estimate y_i: the published value of the area's `totaal` cell; only areas whose direct cell
  is published take part, so no suppressed cell influences any model value;
- its sampling variance psi_i = p_i (1 - p_i) / n_eff_i, with the cell's Kish effective n (as its Wilson
  interval) and p_i the model's synthetic share rather than the direct one: a direct 0 % or 100 % would
  give psi = 0 and full weight to the noisiest cells. Smoothing psi this way is usual for proportions
  (Rao & Molina 2015, section 6.4; Liu, Lahiri & Kalton 2014);
- covariates x_i: published register values of the same area and year (COVARIATES), so the model adds no
  count that is not already published at the precision it is published with.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from indicators.catalogue import Catalogue
from indicators.methods.fay_herriot import eblup_interval, fay_herriot
from indicators.methods.wilson import kish_effective_n

LEVELS = ("buurt", "wijk")
METHOD = "fay_herriot_reml"
# Register shares (published `totaal` values, %) that describe an area's population: income, morbidity,
# mental health, social care use and frail elderly; none of them comes from the survey.
COVARIATES = ("he_laag_inkomen", "ph_multimorbiditeit", "ph_depressie", "co_wmo_gebruik", "co_bijstand",
              "phm_doelgroep_kwetsbare_ouderen")
MIN_AREAS = 20       # fewer published cells than this: no model (sigma2_u cannot be estimated)
PSI_FLOOR = 0.005    # smoothed share kept within [0.5 %, 99.5 %] for the sampling variance
KEY = ["indicator_id", "period", "area_code", "area_level"]
SCHEMA = {"indicator_id": pl.String, "period": pl.Int64, "area_code": pl.String, "area_level": pl.String,
          "direct_value": pl.Float64, "value": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
          "direct_weight": pl.Float64, "mse": pl.Float64, "psi": pl.Float64, "synthetic": pl.Float64,
          "sigma2_u": pl.Float64, "converged": pl.Boolean, "method": pl.String}


def modelled_indicators(catalogue: Catalogue) -> list[str]:
    """Indicators with a small-area model in the catalogue."""
    return [i.id for i in catalogue.indicators if i.small_area == "fay_herriot"]


def direct_inputs(cells: pl.DataFrame, published: pl.DataFrame, indicator_ids: list[str],
                  levels: tuple[str, ...] = LEVELS) -> pl.DataFrame:
    """Per indicator, year and area: the published direct share (0-1), its Kish effective n and whether published."""
    stats = (cells.filter(pl.col("indicator_id").is_in(indicator_ids) & pl.col("area_level").is_in(levels)
                          & (pl.col("stratum") == "totaal"))
             .select(*KEY, pl.col("sw").cast(pl.Float64), pl.col("sw2").cast(pl.Float64)))
    values = (published.filter(pl.col("indicator_id").is_in(indicator_ids) & pl.col("area_level").is_in(levels)
                               & (pl.col("stratum") == "totaal"))
              .select(*KEY, (pl.col("value") / 100).alias("direct"), ~pl.col("suppressed").fill_null(True)
                      .alias("published")))
    joined = values.join(stats, on=KEY, how="left")
    return joined.with_columns(n_eff=pl.Series(kish_effective_n(joined["sw"].fill_null(0).to_numpy(),
                                                                joined["sw2"].fill_null(0).to_numpy()))
                               ).drop("sw", "sw2")


def area_covariates(published: pl.DataFrame, levels: tuple[str, ...] = LEVELS,
                    names: tuple[str, ...] = COVARIATES) -> pl.DataFrame:
    """One row per year and area with the published register shares (0-1) of `names`; null where suppressed."""
    rows = published.filter(pl.col("indicator_id").is_in(names) & pl.col("area_level").is_in(levels)
                            & (pl.col("stratum") == "totaal"))
    wide = rows.pivot(on="indicator_id", index=["period", "area_code", "area_level"], values="value")
    missing = [n for n in names if n not in wide.columns]
    return wide.with_columns(*(pl.lit(None, pl.Float64).alias(n) for n in missing)).select(
        "period", "area_code", "area_level", *(pl.col(n).cast(pl.Float64) / 100 for n in names))


def _fit(y: np.ndarray, x: np.ndarray, n_eff: np.ndarray):
    """Two passes: psi from the regional share, then from each area's synthetic share of the first fit."""
    share = np.full(len(y), np.average(y, weights=n_eff))
    for _ in range(2):
        smooth = np.clip(share, PSI_FLOOR, 1 - PSI_FLOOR)
        psi = smooth * (1 - smooth) / n_eff
        fit = fay_herriot(y, x, psi)
        share = fit.synthetic
    return fit, psi


def small_area_estimates(direct: pl.DataFrame, covariates: pl.DataFrame,
                         names: tuple[str, ...] = COVARIATES) -> pl.DataFrame:
    """EBLUP, Prasad–Rao MSE and 95 % interval (%) for every published direct cell with complete covariates.

    One Fay–Herriot model per indicator, year and level (a loop over a few dozen fits, each vectorised over
    the areas). Covariates are standardised within the fit so that beta is comparable between them.
    """
    data = (direct.filter(pl.col("published") & pl.col("direct").is_not_null() & (pl.col("n_eff") > 1))
            .join(covariates, on=["period", "area_code", "area_level"], how="inner")
            .drop_nulls(list(names)))
    parts = []
    for _, group in data.group_by(["indicator_id", "period", "area_level"], maintain_order=True):
        if group.height < MIN_AREAS:
            continue
        cov = group.select(names).to_numpy()
        spread = cov.std(axis=0)
        keep = spread > 0  # a covariate constant over the areas is the intercept's
        x = np.column_stack([np.ones(group.height), (cov[:, keep] - cov[:, keep].mean(axis=0)) / spread[keep]])
        y, n_eff = group["direct"].to_numpy(), group["n_eff"].to_numpy()
        fit, psi = _fit(y, x, n_eff)
        low, high = eblup_interval(fit.eblup, fit.mse)
        parts.append(group.select(*KEY).with_columns(
            direct_value=pl.Series(y * 100), value=pl.Series(np.clip(fit.eblup, 0, 1) * 100),
            ci_low=pl.Series(low * 100), ci_high=pl.Series(high * 100), direct_weight=pl.Series(fit.gamma),
            mse=pl.Series(fit.mse * 1e4), psi=pl.Series(psi * 1e4), synthetic=pl.Series(fit.synthetic * 100),
            sigma2_u=pl.lit(fit.sigma2_u * 1e4), converged=pl.lit(fit.converged), method=pl.lit(METHOD)))
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(parts).cast(SCHEMA).sort(KEY)


def build_small_area_estimates(cells: pl.DataFrame, published: pl.DataFrame, catalogue: Catalogue
                               ) -> pl.DataFrame:
    """`indicators.small_area_estimates` from `indicators.cells` and `indicators.published_values`."""
    ids = modelled_indicators(catalogue)
    return small_area_estimates(direct_inputs(cells, published, ids), area_covariates(published))
