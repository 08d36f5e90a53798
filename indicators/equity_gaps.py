"""Health equity per indicator, area and year: income-quintile values, Q1-Q5 gap and ratio, SII and RII.

Computed from the published cells (values of rounded counts); a row is suppressed when any of its quintile
cells or its `totaal` cell is suppressed in the publication (so a gap can never reveal a hidden value) or when
a quintile has fewer than 10 events (docs/architecture.md, "Statistical methods").

The quintile sizes that place each quintile on the ridit scale are population shares (Low & Low 2004): for a
register indicator the persons of its cells (rounded), who are the population; for a survey indicator the adult
residents per quintile (`survey_population`), not the respondents, whose shares follow who answered. RII is the
SII divided by the indicator's overall (`totaal`) value, not the ratio of the fitted values at both ends.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from indicators.methods import Z95, sii_rii

KEY = ["indicator_id", "period", "area_code", "area_level"]
QUINTILES = [f"inkomen:q{i}" for i in range(1, 6)]
EVENT_METHODS = {"proportion", "weighted_proportion", "rate"}
SURVEY_METHODS = {"weighted_proportion", "weighted_mean"}
# Adults (the survey's population, marts.survey_respondent: age >= 18) per year, area and income quintile.
SURVEY_POPULATION_SQL = """
SELECT p.year AS period, a.ancestor_code AS area_code, a.ancestor_level AS area_level,
       'inkomen:q' || p.income_quintile AS stratum, count(*) AS persons
FROM staging.person_year p JOIN staging.area_ancestors a ON a.area_code = p.buurt_code
WHERE p.age >= 18 AND p.income_quintile IS NOT NULL
GROUP BY ALL
"""
COLUMNS = ["q1_value", "q5_value", "gap", "ratio", "sii", "sii_ci_low", "sii_ci_high", "rii", "rii_ci_low",
           "rii_ci_high"]


def _wide(frame: pl.DataFrame, column: str) -> np.ndarray:
    return np.column_stack([frame[f"{column}_{q}"].cast(pl.Float64).fill_null(np.nan).to_numpy() for q in QUINTILES])


def survey_population(con) -> pl.DataFrame:
    """Adult residents per period, area and income quintile: the population shares of a survey indicator's SII."""
    return con.execute(SURVEY_POPULATION_SQL).pl()


def equity_gaps(values: pl.DataFrame, published: pl.DataFrame, methods: dict[str, str],
                survey_population: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per indicator x period x area with income strata; `methods` maps indicator id -> method.

    `survey_population` (period, area_code, area_level, stratum, persons; `survey_population()`) gives the
    quintile shares of survey indicators; without it, or where it lacks a quintile, the cells' own n is used.
    """
    quintile_cells = values.filter(pl.col("stratum").is_in(QUINTILES)).join(
        published.select(*KEY, "stratum", pl.col("suppressed").alias("cell_suppressed")), on=[*KEY, "stratum"])
    method = pl.col("indicator_id").replace_strict(methods, default="")
    events = pl.when(method.is_in(list(EVENT_METHODS))).then(pl.col("numerator")).otherwise(pl.col("n").cast(pl.Float64))
    population = pl.col("n").cast(pl.Float64)
    if survey_population is not None:
        quintile_cells = quintile_cells.join(
            survey_population.select(pl.col("period").cast(quintile_cells.schema["period"]), "area_code",
                                     "area_level", "stratum",
                                     pl.col("persons").cast(pl.Float64).alias("_adults")),
            on=["period", "area_code", "area_level", "stratum"], how="left")
        population = pl.when(method.is_in(list(SURVEY_METHODS)) & pl.col("_adults").is_not_null()) \
            .then(pl.col("_adults")).otherwise(population)
    quintile_cells = quintile_cells.with_columns(events=events, population=population,
                                                 se=(pl.col("ci_high") - pl.col("ci_low")) / (2 * Z95))
    wide = quintile_cells.pivot(on="stratum", index=KEY,
                                values=["value", "se", "events", "population", "cell_suppressed"],
                                aggregate_function="first")
    complete = [f"value_{q}" for q in QUINTILES]
    wide = wide.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in complete))
    if wide.is_empty():
        return pl.DataFrame(schema={**{k: pl.Utf8 for k in KEY}, "period": pl.Int64,
                                    **{c: pl.Float64 for c in COLUMNS}, "suppressed": pl.Boolean})
    total = values.filter(pl.col("stratum") == "totaal").select(*KEY, pl.col("value").alias("overall")).join(
        published.filter(pl.col("stratum") == "totaal").select(*KEY, pl.col("suppressed").alias("total_suppressed")),
        on=KEY, how="left")
    wide = wide.join(total, on=KEY, how="left")
    result = sii_rii(_wide(wide, "value"), _wide(wide, "population"), _wide(wide, "se"), _wide(wide, "events"),
                     overall_value=wide["overall"].cast(pl.Float64).fill_null(np.nan).to_numpy())
    out = wide.select(*KEY).with_columns(
        q1_value=wide["value_inkomen:q1"], q5_value=wide["value_inkomen:q5"],
        **{name: pl.Series(name, np.asarray(getattr(result, attr), dtype=float)).fill_nan(None)
           for name, attr in [("gap", "gap"), ("ratio", "ratio"), ("sii", "sii"), ("sii_ci_low", "sii_low"),
                              ("sii_ci_high", "sii_high"), ("rii", "rii"), ("rii_ci_low", "rii_low"),
                              ("rii_ci_high", "rii_high")]},
    )
    hidden = pl.any_horizontal(*(pl.col(f"cell_suppressed_{q}").fill_null(True) for q in QUINTILES),
                               pl.col("total_suppressed").fill_null(True))
    out = out.with_columns(suppressed=wide.select(hidden).to_series() | out["sii"].is_null())
    return out.with_columns(
        [pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in COLUMNS]
    ).sort(KEY)
