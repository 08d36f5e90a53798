"""PHM step 5: trends. The change of every indicator, area and stratum between consecutive years and over
the whole period, with a 95 % interval and a flag when the change is significant.

The standard error of a change combines the two years' standard errors (read back from their 95 %
intervals). Register proportions of the person-year mart count largely the same persons in both years, so
their change has Var = Var1 + Var2 - 2 Cov, with Cov(p1, p2) = sum over persons in both years of the
covariance of their two answers / (N1 N2) (the variance of a difference of overlapping samples; Kish 1965,
Survey Sampling, section 12.4; the paired case when every person is in both years). The covariance needs per
cell the persons in the denominator in both years and their numerator sums (`overlap_cells`, computed in the
warehouse, rounded to the publication's base like every published count, used only for the interval). Other
register indicators (rates, means, events) and survey trends keep the independent-samples standard error:
conservative for the former, right for the latter (other respondents each year).

Money indicators also get the change in constant prices of the base year (`change_real`, indicators/prices.py):
to_value x deflator(to) - from_value x deflator(from). The deflators are known constants, so each year's
standard error scales by its deflator and the covariance by their product (Var(aX - bY) = a^2 Var X + b^2 Var Y
- 2ab Cov(X, Y)); the nominal `change` stays beside it.
"""

from __future__ import annotations

import duckdb
import polars as pl

from indicators.catalogue import Catalogue
from indicators.methods import Z95

KEY = ["indicator_id", "area_code", "area_level", "stratum"]
OVERLAP_MART = "person_year"
OVERLAP_COLUMNS = ("nb", "s1", "s2", "s12")
REAL_COLUMNS = ("change_real", "ci_low_real", "ci_high_real")  # money indicators: the change in constant prices
# The overlap sums are rounded to the publication's base (±2.5 persons each). Below this many persons in both
# years that error is a sizeable part of the covariance and could shrink an interval below its true width, so
# a small cell keeps the independent (wider, conservative) standard error.
MIN_OVERLAP = 100


def year_pairs(periods: list[int]) -> list[tuple[int, int]]:
    """Consecutive years, and first to last when there are more than two."""
    periods = sorted(periods)
    pairs = list(zip(periods, periods[1:], strict=False))
    return pairs + [(periods[0], periods[-1])] if len(periods) > 2 else pairs


def trends(values: pl.DataFrame, published: pl.DataFrame, overlap: pl.DataFrame | None = None,
           deflators: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per indicator x area x stratum x (from_period, to_period): consecutive years and first-to-last.

    `overlap` (from `overlap_cells`: per indicator, area, stratum and year pair the persons nb in the
    denominator in both years, their numerator sums s1, s2 and s12 and the indicator's multiplier) turns the
    change's variance into the paired one for those cells; `values` then needs its `denominator` column.
    `deflators` (indicators.price_deflators: indicator_id, period, deflator of the money indicators) adds the
    change in constant prices with its interval (change_real, ci_low_real, ci_high_real; NULL for the others)."""
    if deflators is None:
        deflators = pl.DataFrame(schema={"indicator_id": pl.String, "period": pl.Int32, "deflator": pl.Float64})
    cells = values.select(*KEY, "period", "value", "ci_low", "ci_high",
                          *(["denominator"] if overlap is not None else [])).join(
        published.select(*KEY, "period", "suppressed"), on=[*KEY, "period"], how="left"
    ).with_columns(se=(pl.col("ci_high") - pl.col("ci_low")) / (2 * Z95))
    cells = cells.join(deflators.select("indicator_id", pl.col("period").cast(cells.schema["period"]), "deflator"),
                       on=["indicator_id", "period"], how="left")
    pairs = year_pairs(cells["period"].unique().to_list())
    # a single year has no change to show: the same columns, no rows (the table keeps its schema)
    frames = [(cells.filter(pl.col("period") == start), cells.filter(pl.col("period") == end), start, end)
              for start, end in pairs] or [(cells.clear(), cells.clear(), 0, 0)]
    period_type = cells.schema["period"]
    parts = []
    for a, b, start, end in frames:  # a handful of year pairs; each is one set-based join
        a, b = a.drop("period"), b.drop("period")
        joined = a.join(b, on=KEY, suffix="_to")
        covariance = pl.lit(0.0)
        if overlap is not None:
            joined = joined.join(overlap.filter((pl.col("from_period") == start) & (pl.col("to_period") == end))
                                 .select(*KEY, *OVERLAP_COLUMNS, "multiplier"), on=KEY, how="left")
            covariance = paired_covariance(pl.col("nb"), pl.col("s1"), pl.col("s2"), pl.col("s12"),
                                           pl.col("denominator"), pl.col("denominator_to"),
                                           pl.col("multiplier")).fill_null(0.0).fill_nan(0.0)
        parts.append(joined.select(
            *KEY, pl.lit(start, dtype=period_type).alias("from_period"),
            pl.lit(end, dtype=period_type).alias("to_period"),
            pl.col("value").alias("from_value"), pl.col("value_to").alias("to_value"),
            (pl.col("value_to") - pl.col("value")).alias("change"),
            (pl.col("se") ** 2 + pl.col("se_to") ** 2 - 2 * covariance).clip(lower_bound=0.0).sqrt()
            .alias("se_change"),
            (pl.col("value_to") * pl.col("deflator_to") - pl.col("value") * pl.col("deflator")).alias("change_real"),
            real_se(pl.col("se"), pl.col("se_to"), covariance, pl.col("deflator"), pl.col("deflator_to"))
            .alias("se_real"),
            (pl.col("suppressed").fill_null(True) | pl.col("suppressed_to").fill_null(True)).alias("suppressed"),
        ))
    out = pl.concat(parts).with_columns(
        ci_low=pl.col("change") - Z95 * pl.col("se_change"), ci_high=pl.col("change") + Z95 * pl.col("se_change"),
        ci_low_real=pl.col("change_real") - Z95 * pl.col("se_real"),
        ci_high_real=pl.col("change_real") + Z95 * pl.col("se_real"))
    out = out.with_columns(significant=(pl.col("ci_low") > 0) | (pl.col("ci_high") < 0))
    hidden = ["from_value", "to_value", "change", "ci_low", "ci_high", "significant", *REAL_COLUMNS]
    return out.with_columns(
        [pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in hidden]
    ).select(*KEY, "from_period", "to_period", "from_value", "to_value", "change", "ci_low", "ci_high",
             "significant", *REAL_COLUMNS, "suppressed").sort([*KEY, "from_period", "to_period"])


def real_se(se_from: pl.Expr, se_to: pl.Expr, covariance: pl.Expr, deflator_from: pl.Expr,
            deflator_to: pl.Expr) -> pl.Expr:
    """Standard error of to x deflator_to - from x deflator_from: each year's SE scaled by its (constant)
    deflator, the covariance by both; NULL where a deflator is (not a money indicator)."""
    return ((deflator_from * se_from) ** 2 + (deflator_to * se_to) ** 2
            - 2 * deflator_from * deflator_to * covariance).clip(lower_bound=0.0).sqrt()


def paired_covariance(nb: pl.Expr, s1: pl.Expr, s2: pl.Expr, s12: pl.Expr, n1: pl.Expr, n2: pl.Expr,
                      multiplier: pl.Expr) -> pl.Expr:
    """Cov(p1, p2) of two proportions sharing nb persons, in the indicator's units (x multiplier^2):
    (s12 - s1 s2 / nb) / (N1 N2), the sum over shared persons of their answers' covariance over N1 N2; 0 (the
    independent case) below MIN_OVERLAP shared persons."""
    return pl.when(nb >= MIN_OVERLAP).then(multiplier ** 2 * (s12 - s1 * s2 / nb) / (n1 * n2)).otherwise(0.0)


def _round(expr: str, base: int | None) -> str:
    return f"floor(round({expr}, 6) / {base} + 0.5) * {base}" if base else expr


def overlap_cells(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, years: list[int],
                  rounding_base: int | None = None) -> pl.DataFrame:
    """Per proportion indicator of the person-year mart, area, stratum and year pair: the persons nb in the
    cell's denominator in both years and, among them, the numerator sums s1 (first year), s2 (second year) and
    s12 (both), each rounded to `rounding_base` (they bound counts of persons, like a published count).

    A person counts for an area when living in it in both years (a move between buurten of one wijk keeps
    them in the wijk), for a stratum when in it in both years. One join of the mart with itself per year pair."""
    indicators = [i for i in catalogue.for_mart(OVERLAP_MART) if i.method == "proportion"]
    schema = {**dict.fromkeys(KEY, pl.String), "from_period": pl.Int32, "to_period": pl.Int32,
              **dict.fromkeys(OVERLAP_COLUMNS, pl.Float64), "multiplier": pl.Float64}
    if not indicators or len(years) < 2:
        return pl.DataFrame(schema=schema)
    mart = catalogue.marts[OVERLAP_MART]
    names = list(mart.default_dimensions)  # the proportions publish no ledger strata (segment, opstapeling)
    groups = {name: catalogue.groups_of(name) for name in names}
    side = ", ".join(["pseudo_id", f"{mart.area_column} AS area",
                      *(f"({mart.strata[n]}) AS _s{j}" for j, n in enumerate(names)),
                      *(f"CASE WHEN ({i.denominator}) AND ({i.numerator}) IS NOT NULL "
                        f"THEN CAST(({i.numerator}) AS DOUBLE) END AS x{k}" for k, i in enumerate(indicators))])
    # only persons in the denominator in both years count: a product or sum with a NULL (not in it) is NULL,
    # which count() and sum() skip, so no FILTER per statistic is needed
    # `_` between statistic and indicator number: without it s1 of indicator 20 and s12 of indicator 0 are both
    # `s120`, and DuckDB renames the second (from 21 proportion indicators on the mart: wrong trend intervals)
    stats = ", ".join(f"count(a.x{k} * b.x{k}) AS nb_{k}, sum(a.x{k} + 0 * b.x{k}) AS s1_{k}, "
                      f"sum(b.x{k} + 0 * a.x{k}) AS s2_{k}, sum(a.x{k} * b.x{k}) AS s12_{k}"
                      for k in range(len(indicators)))
    same = ", ".join(f"CASE WHEN a._s{j} = b._s{j} THEN a._s{j} END AS _s{j}" for j in range(len(names)))
    cols = [f"{c}_{k}" for k in range(len(indicators)) for c in OVERLAP_COLUMNS]
    rolled = ", ".join(f"sum({c}) AS {c}" for c in cols)
    parts = []
    # every person-year's area, strata and indicator values once, for all pairs of years
    listed = ", ".join(str(int(y)) for y in years)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _overlap_side AS SELECT year, {side} FROM {mart.table} "
                f"WHERE year IN ({listed})")
    for start, end in year_pairs(years):  # a handful of year pairs
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _pair_fine AS SELECT a.area AS area_a, b.area AS area_b, {same}, {stats} "
            f"FROM (SELECT * FROM _overlap_side WHERE year = {int(start)}) a "
            f"JOIN (SELECT * FROM _overlap_side WHERE year = {int(end)}) b USING (pseudo_id) GROUP BY ALL")
        strata = [f"SELECT area_a, area_b, 'totaal' AS stratum, {rolled} FROM _pair_fine GROUP BY ALL"]
        strata += [f"SELECT area_a, area_b, '{n}:' || _s{j}, {rolled} FROM _pair_fine WHERE _s{j} IS NOT NULL "
                   f"GROUP BY area_a, area_b, _s{j}" for j, n in enumerate(names)]
        strata += [f"SELECT area_a, area_b, '{n}:{value}', {rolled} FROM _pair_fine "
                   f"WHERE _s{j} IN ({', '.join(repr(m) for m in members)}) GROUP BY area_a, area_b"
                   for j, n in enumerate(names) for value, members in groups[n].items()]
        wide = con.execute(
            "SELECT x.ancestor_code AS area_code, x.ancestor_level AS area_level, s.stratum, "
            + ", ".join(f"{_round(f'sum({c})', rounding_base)} AS {c}" for c in cols)
            + " FROM (" + " UNION ALL ".join(strata) + ") s "
            "JOIN staging.area_ancestors x ON x.area_code = s.area_a "
            "JOIN staging.area_ancestors y ON y.area_code = s.area_b "
            "AND y.ancestor_level = x.ancestor_level AND y.ancestor_code = x.ancestor_code GROUP BY ALL").pl()
        con.execute("DROP TABLE _pair_fine")
        for k, ind in enumerate(indicators):
            parts.append(wide.select(
                pl.lit(ind.id).alias("indicator_id"), "area_code", "area_level", "stratum",
                pl.lit(start, pl.Int32).alias("from_period"), pl.lit(end, pl.Int32).alias("to_period"),
                *(pl.col(f"{c}_{k}").cast(pl.Float64).alias(c) for c in OVERLAP_COLUMNS),
                pl.lit(float(ind.multiplier)).alias("multiplier")))
    con.execute("DROP TABLE _overlap_side")
    return pl.concat(parts).select(list(schema)).cast(schema) if parts else pl.DataFrame(schema=schema)
