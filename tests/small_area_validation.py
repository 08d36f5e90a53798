"""Validate the small-area estimates of a published run against the synthetic region's truth.

    PYTHONPATH=$PWD python -m tests.small_area_validation [phm.toml]

The generator draws every buurt's respondents around the RIVM 2020 18+ buurt estimate (its wijk's, then
its gemeente's, where the buurt has none: sample_data/buurten.py), the same in every year: that is the
truth. Reads the run's warehouse (read-only) and prints, per indicator at buurt level (all years): RMSE of
the direct and of the model estimate against the truth, the coverage of their 95 % intervals, agreement with
the real RIVM buurt values (buurten that have one), a held-out error (the estimate of one year against
the direct estimates of the other years, independent respondents of the same truth) and a calibration table
(model estimate in deciles against the truth), as RIVM reports for its own model. README "Small-area estimates".
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from indicators.catalogue import expansions_from_warehouse, load_catalogue
from indicators.small_area import build_small_area_estimates
from pipelines.config import REPO_ROOT, load_settings
from sample_data.buurten import RIVM_INDICATORS, load_buurten
from sample_data.reference_data import rivm_buurten

GENERATOR_KEY = {column: key for key, column in RIVM_INDICATORS.items()}


def truth_frame(gemeenten: list[str], references: dict[str, str]) -> pl.DataFrame:
    """indicator_id, area_code, truth (%) per buurt as the generator uses it, and the real RIVM value (or null)."""
    buurten = load_buurten(gemeenten, 1.0, np.random.default_rng(0))
    own = rivm_buurten(gemeenten, columns=list(references.values())).filter(pl.col("level") == "Buurt")
    frames = []
    for indicator_id, column in references.items():
        frames.append(pl.DataFrame({"indicator_id": indicator_id, "area_code": buurten.code,
                                    "truth": buurten.rivm[GENERATOR_KEY[column]] * 100})
                      .join(own.select("area_code", pl.col(column).alias("rivm")), on="area_code", how="left"))
    return pl.concat(frames)


def validate(estimates: pl.DataFrame, published: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per indicator at buurt level: RMSE, coverage and held-out error of direct and model estimates."""
    direct = published.filter((pl.col("area_level") == "buurt") & (pl.col("stratum") == "totaal")).select(
        "indicator_id", "period", "area_code", pl.col("ci_low").alias("d_low"), pl.col("ci_high").alias("d_high"))
    e = (estimates.filter(pl.col("area_level") == "buurt")
         .join(direct, on=["indicator_id", "period", "area_code"], how="left")
         .join(truth, on=["indicator_id", "area_code"], how="inner"))
    # held out: the mean direct value of the same buurt in the other years (independent respondents)
    e = e.with_columns(
        other=(pl.col("direct_value").sum().over("indicator_id", "area_code") - pl.col("direct_value"))
        / (pl.len().over("indicator_id", "area_code") - 1))
    return e.group_by("indicator_id").agg(
        cells=pl.len(),
        rmse_direct=((pl.col("direct_value") - pl.col("truth")) ** 2).mean().sqrt(),
        rmse_model=((pl.col("value") - pl.col("truth")) ** 2).mean().sqrt(),
        cover_direct=((pl.col("d_low") <= pl.col("truth")) & (pl.col("truth") <= pl.col("d_high"))).mean() * 100,
        cover_model=((pl.col("ci_low") <= pl.col("truth")) & (pl.col("truth") <= pl.col("ci_high"))).mean() * 100,
        width_direct=(pl.col("d_high") - pl.col("d_low")).median(),
        width_model=(pl.col("ci_high") - pl.col("ci_low")).median(),
        rivm_cells=pl.col("rivm").is_not_null().sum(),
        rivm_mae_direct=(pl.col("direct_value") - pl.col("rivm")).abs().mean(),
        rivm_mae_model=(pl.col("value") - pl.col("rivm")).abs().mean(),
        rivm_corr_model=pl.corr("value", "rivm"),
        heldout_direct=((pl.col("direct_value") - pl.col("other")) ** 2).filter(pl.col("other").is_finite())
        .mean().sqrt(),
        heldout_model=((pl.col("value") - pl.col("other")) ** 2).filter(pl.col("other").is_finite()).mean().sqrt(),
        direct_weight=pl.col("direct_weight").median(),
    ).with_columns(reduction_pct=(1 - pl.col("rmse_model") / pl.col("rmse_direct")) * 100).sort("indicator_id")


def wijk_agreement(estimates: pl.DataFrame, gemeenten: list[str], references: dict[str, str]) -> pl.DataFrame:
    """Per indicator at wijk level: mean absolute difference of direct and model estimates from the RIVM value."""
    rivm = rivm_buurten(gemeenten, columns=list(references.values())).filter(pl.col("level") == "Wijk")
    truth = pl.concat([rivm.select("area_code", pl.lit(i).alias("indicator_id"), pl.col(c).alias("rivm"))
                       for i, c in references.items()])
    w = estimates.filter(pl.col("area_level") == "wijk").join(truth, on=["indicator_id", "area_code"])
    return w.drop_nulls("rivm").group_by("indicator_id").agg(
        cells=pl.len(), mae_direct=(pl.col("direct_value") - pl.col("rivm")).abs().mean(),
        mae_model=(pl.col("value") - pl.col("rivm")).abs().mean(),
        cover_model=((pl.col("ci_low") <= pl.col("rivm")) & (pl.col("rivm") <= pl.col("ci_high"))).mean() * 100,
    ).sort("indicator_id")


def calibration(estimates: pl.DataFrame, truth: pl.DataFrame, bins: int = 10) -> pl.DataFrame:
    """Model estimate minus the indicator's regional mean, in deciles, against the truth minus the same mean."""
    e = estimates.filter(pl.col("area_level") == "buurt").join(truth, on=["indicator_id", "area_code"])
    e = e.with_columns(centre=pl.col("value").mean().over("indicator_id")).with_columns(
        model=pl.col("value") - pl.col("centre"), true=pl.col("truth") - pl.col("centre"))
    e = e.with_columns(decile=(pl.col("model").rank("ordinal") * bins / (pl.len() + 1)).floor().cast(pl.Int64) + 1)
    return e.group_by("decile").agg(cells=pl.len(), model=pl.col("model").mean(), truth=pl.col("true").mean(),
                                    direct=(pl.col("direct_value") - pl.col("centre")).mean()).sort("decile")


def main(argv: list[str]) -> int:
    settings = load_settings(Path(argv[0]) if argv else REPO_ROOT / "phm.toml")
    con = duckdb.connect(str(settings.data_dir / "warehouse.duckdb"), read_only=True)
    try:
        catalogue = load_catalogue(settings.cutoffs, expansions_from_warehouse(con))
        cells = con.execute("SELECT * FROM indicators.cells").pl()
        published = con.execute("SELECT * FROM indicators.published_values").pl()
    finally:
        con.close()
    estimates = build_small_area_estimates(cells, published, catalogue)
    references = {i.id: i.rivm_reference for i in catalogue.indicators if i.small_area and i.rivm_reference}
    truth = truth_frame(list(settings.gemeenten), references)
    table = validate(estimates, published, truth)
    pl.Config.set_tbl_rows(50).set_tbl_cols(30).set_tbl_width_chars(250).set_float_precision(2)
    print(table)
    b = estimates.filter(pl.col("area_level") == "buurt").join(truth, on=["indicator_id", "area_code"])
    rmse_d = float(np.sqrt(((b["direct_value"] - b["truth"]) ** 2).mean()))
    rmse_m = float(np.sqrt(((b["value"] - b["truth"]) ** 2).mean()))
    cover = float(((b["ci_low"] <= b["truth"]) & (b["truth"] <= b["ci_high"])).mean() * 100)
    print(f"all indicators, buurt level, {b.height} cells: RMSE direct {rmse_d:.2f}, model {rmse_m:.2f} "
          f"({(1 - rmse_m / rmse_d) * 100:.0f} % lower); 95 % coverage of the model interval {cover:.1f} %; "
          f"reduction per indicator {table['reduction_pct'].min():.0f}-{table['reduction_pct'].max():.0f} %, "
          f"coverage {table['cover_model'].min():.1f}-{table['cover_model'].max():.1f} %")
    print(calibration(estimates, truth))
    wijk = wijk_agreement(estimates, list(settings.gemeenten), references)
    print(wijk)
    print(f"wijk level, {wijk['cells'].sum()} cells: mean absolute difference from RIVM 2020 direct "
          f"{(wijk['mae_direct'] * wijk['cells']).sum() / wijk['cells'].sum():.2f}, model "
          f"{(wijk['mae_model'] * wijk['cells']).sum() / wijk['cells'].sum():.2f} points")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
