"""Complete inputs or nothing (README, "Complete inputs or nothing"): every configured year needs every source,
with a plausible number of records of that year, before anything of that year is published.

A year's records are those whose own year or start date lies in it (`Contract.record_year`): the first file of
episodes or provisions also carries those still running from earlier years, so file sizes alone would compare
a backlog with a year. A source-year is

- `missing`   no file of that year (a source delivered without years: no file at all),
- `empty`     a file, but no record of the year,
- `too_few`   fewer records than `min_share_of_previous_year` of the year before (residents:
              `min_population_share_of_previous_year`) by more than chance, or than `min_records_per_resident`
              per resident,
- `complete`  otherwise.

A lower bound is only judged when it asks for at least MIN_EXPECTED records: a handful of Wlz indications in a
small region may be zero in a normal year. An incomplete source-year fails the run, unless the operator allows
it (`[run] allow_incomplete`) or the source is declared optional (`[completeness] optional`) and has no file:
then every indicator that needs it is published for that year as suppressed, reason `bron onvolledig`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import polars as pl

from quality.contracts import CONTRACTS
from quality.outcomes import CheckOutcome

# The keys of `[completeness]` and their defaults (the configuration loader knows the keys from here).
DEFAULTS: dict[str, Any] = {
    "optional": ["interventions", "intervention_participants"],
    "min_share_of_previous_year": 0.5,
    "min_population_share_of_previous_year": 0.9,
    "min_records_per_resident": {},
}
MIN_EXPECTED = 5
# A drop against the year before counts only when it is larger than chance: more than Z_DROP standard
# deviations of the difference of two Poisson counts (40 Wlz starts one year and 19 the next happens).
Z_DROP = 4.0
INCOMPLETE_REASON = "bron onvolledig"
ASSET = "quality/source_completeness"


def _settings(completeness: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**DEFAULTS, **(completeness or {})}


def records_per_year(con: duckdb.DuckDBPyConnection, years: Iterable[int]) -> pl.DataFrame:
    """Per source and configured year: files delivered for that year and records of that year."""
    years = sorted(int(y) for y in years)
    files = con.execute("SELECT source, year, count(*) AS files FROM meta.ingest_files GROUP BY ALL").pl()
    parts = []
    for source, contract in CONTRACTS.items():
        expr = contract.record_year
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                             "AND table_name = ?", [source]).fetchone()[0]
        if expr is None or not exists:
            counts = pl.DataFrame({"year": years, "records": [0] * len(years)})
        else:
            counts = con.execute(
                f"SELECT y.year, count(r.year) AS records FROM unnest(?::INTEGER[]) AS y(year) "
                f"LEFT JOIN (SELECT {expr} AS year FROM raw.{source}) r USING (year) GROUP BY y.year",
                [years]).pl()
        parts.append(counts.with_columns(pl.lit(source).alias("source"), pl.col("year").cast(pl.Int64),
                                         pl.col("records").cast(pl.Int64)))
    grid = pl.concat(parts).select("source", "year", "records")
    delivered = files.with_columns(pl.col("year").cast(pl.Int64), pl.col("files").cast(pl.Int64))
    yearless = delivered.group_by("source").agg(pl.col("files").sum().alias("_any"))
    return (grid.join(delivered, on=["source", "year"], how="left").join(yearless, on="source", how="left")
            .with_columns(pl.col("files").fill_null(0), pl.col("_any").fill_null(0))
            .sort("source", "year"))


def assess(counts: pl.DataFrame, completeness: Mapping[str, Any] | None,
           allow_incomplete: Iterable[str] = (), landing: str = "landing") -> pl.DataFrame:
    """`counts` (records_per_year) with the verdict per source-year: status, expected, detail, allowed.

    `landing` is the landing folder the messages name for a missing file."""
    settings = _settings(completeness)
    per_resident = dict(settings["min_records_per_resident"])
    share = float(settings["min_share_of_previous_year"])
    population_share = float(settings["min_population_share_of_previous_year"])
    allowed = set(allow_incomplete)
    optional = set(settings["optional"])
    yearless = [s for s, c in CONTRACTS.items() if c.record_year is None]
    residents = counts.filter(pl.col("source") == "population").select("year", pl.col("records").alias("_residents"))
    frame = (counts.join(residents, on="year", how="left")
             .with_columns(pl.col("records").shift(1).over("source", order_by="year").alias("_previous"),
                           pl.col("year").shift(1).over("source", order_by="year").alias("_previous_year")))
    ratio = pl.when(pl.col("source") == "population").then(pl.lit(population_share)).otherwise(pl.lit(share))
    from_previous = (ratio * pl.col("_previous")).ceil()
    from_residents = (pl.col("source").replace_strict(per_resident, default=None, return_dtype=pl.Float64)
                      * pl.col("_residents")).ceil()
    # a bound asking for fewer than MIN_EXPECTED records is too small to judge
    beyond_chance = (pl.col("_previous") - pl.col("records")) > Z_DROP * (pl.col("_previous") + pl.col("records")).sqrt()
    judged_previous = pl.when((from_previous >= MIN_EXPECTED) & beyond_chance).then(from_previous)
    judged_residents = pl.when(from_residents >= MIN_EXPECTED).then(from_residents)
    expected = pl.max_horizontal(judged_previous, judged_residents)
    is_yearless = pl.col("source").is_in(yearless)
    status = (
        pl.when(is_yearless).then(pl.when(pl.col("_any") == 0).then(pl.lit("missing")).otherwise(pl.lit("complete")))
        .when(pl.col("files") == 0).then(pl.lit("missing"))
        .when(pl.col("records") == 0).then(pl.lit("empty"))
        .when(pl.col("records") < expected).then(pl.lit("too_few"))
        .otherwise(pl.lit("complete"))
    )
    frame = frame.with_columns(expected=expected.cast(pl.Int64), status=status)
    bound_per_resident = pl.col("source").replace_strict(per_resident, default=None, return_dtype=pl.Float64)
    because = pl.concat_str(
        [pl.when(judged_previous.is_not_null()).then(pl.format("{} x the {} of {}", ratio, pl.col("_previous"),
                                                               pl.col("_previous_year"))),
         pl.when(judged_residents.is_not_null()).then(pl.format("{} per resident x {} residents",
                                                                bound_per_resident, pl.col("_residents")))],
        separator="; ", ignore_nulls=True)
    missing_file = pl.when(is_yearless).then(
        pl.format("no file at all (deliver {}/{}/{}_<year>.csv)", pl.lit(landing), pl.col("source"), pl.col("source"))
    ).otherwise(pl.format("no file for the year (expected {}/{}/{}_{}.csv or .parquet)",
                          pl.lit(landing), pl.col("source"), pl.col("source"), pl.col("year")))
    detail = pl.format(
        "{} {}: {}", pl.col("source"), pl.col("year"),
        pl.when(pl.col("status") == "missing").then(missing_file)
        .when(pl.col("status") == "empty").then(pl.format("the file holds no record of {}", pl.col("year")))
        .when(pl.col("status") == "too_few").then(pl.format("{} records of the year, expected at least {} ({})",
                                                            pl.col("records"), pl.col("expected"), because))
        .otherwise(pl.format("{} records of the year", pl.col("records"))),
    )
    entry = pl.col("source") + ":" + pl.col("year").cast(pl.String)
    is_allowed = (pl.col("source").is_in(list(allowed)) | entry.is_in(list(allowed))
                  | (pl.col("source").is_in(list(optional)) & (pl.col("status") == "missing")))
    return frame.with_columns(detail=detail, allowed=is_allowed & (pl.col("status") != "complete")).select(
        "source", "year", "files", "records", "expected", "status", "allowed", "detail")


def completeness_outcomes(assessed: pl.DataFrame, years: Iterable[int]) -> list[CheckOutcome]:
    """The blocking gate (`source_completeness`) and the list of what is published as incomplete (warn)."""
    bad = assessed.filter((pl.col("status") != "complete") & ~pl.col("allowed"))
    allowed = assessed.filter(pl.col("allowed"))
    # a yearless source is judged once, not once per year
    bad = bad.unique(["source", "detail"], keep="first", maintain_order=True)
    gate = CheckOutcome(
        "source_completeness", ASSET, "error", "completeness", bad.is_empty(),
        f"{bad.height} incomplete source-year(s)", "every source complete for every configured year",
        "; ".join(bad["detail"].to_list()) + ". Deliver the missing or complete file, or (to publish those "
        "indicators as suppressed) add the source-year to [run] allow_incomplete in phm.toml"
        if bad.height else f"every required source has a plausible file for every year {list(years)}")
    shown = allowed.unique(["source", "detail"], keep="first", maintain_order=True)
    # observed lists source:year, which the report turns into its notice
    listed = ", ".join(f"{source}:{year}" for source, year in allowed.select("source", "year").iter_rows())
    allowed_outcome = CheckOutcome(
        "incomplete_sources_allowed", ASSET, "warn", "completeness", allowed.is_empty(), listed or "none", "none",
        "published as suppressed (bron onvolledig): " + "; ".join(shown["detail"].to_list())
        if shown.height else "no source-year is published as incomplete",
        message_nl=f"{allowed.height} bron-jaren onvolledig; hun indicatoren zijn voor die jaren onderdrukt "
                   "(reden: bron onvolledig)" if allowed.height else "geen bron is onvolledig gepubliceerd")
    return [gate, allowed_outcome]


def incomplete_indicator_years(assessed: pl.DataFrame, inputs: Mapping[str, Iterable[str]]) -> pl.DataFrame:
    """(indicator_id, period) whose inputs include an allowed incomplete source-year: published as suppressed.

    A source delivered without years (interventions) that is missing affects every year."""
    years = assessed["year"].unique().to_list()
    missing = assessed.filter(pl.col("allowed")).select("source", pl.col("year").alias("period"))
    pairs = pl.DataFrame([(ind, src) for ind, srcs in inputs.items() for src in srcs],
                         schema={"indicator_id": pl.String, "source": pl.String}, orient="row")
    return (pairs.join(missing, on="source").select("indicator_id", "period").unique()
            .filter(pl.col("period").is_in(years)).sort("indicator_id", "period"))
