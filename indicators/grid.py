"""The published grid: one row for every indicator x year x area x stratum that the catalogue publishes.

The grid of an indicator is its levels x the run's years x every area of each level x its strata: `totaal`, and
at its stratum levels (wijk and up) every stratum its mart holds in those years for each of its dimensions
(`indicators.mart_strata`, written by the aggregation; with `category_strata` also that mart's categories). So
every indicator with `leeftijd` has the same age groups (with 65+), and the published catalogue lists them
(`published_strata`).

A cell in which nobody falls (no survey respondent aged 65-74 in a wijk, no participant of an intervention outside
its buurten) has no statistics and no row in `indicators.cells`. It gets a suppressed row with reason
`geen waarnemingen` (EMPTY), value and counts NULL, so that an analyst never mistakes a missing row for a lost one.

Why that is safe: the reason tells the reader that the cell counts 0 persons. A zero is never sensitive and never
cover (README "Disclosure control"), and disclosure control already treats an absent cell as a known 0: it is no
member of any sum, so every sum it belongs to holds without it. The audit takes the reason as a published 0 and
checks that the exact cell is empty (`quality/disclosure_rules.py`). Empty rows are added after disclosure control,
so they can neither cover a number nor need cover.
"""

from __future__ import annotations

import duckdb
import polars as pl

from indicators.catalogue import Catalogue
from indicators.disclosure import EMPTY

KEY = ["indicator_id", "period", "area_code", "stratum"]

# Per indicator its strata: totaal, then the strata of each dimension (`position`: the dimension's place in the
# catalogue) that its mart holds.
STRATA_SQL = """
SELECT indicator_id, 'totaal' AS stratum, 0 AS position FROM _grid_levels
UNION
SELECT d.indicator_id, m.stratum, d.position
FROM _grid_dims d JOIN (SELECT DISTINCT mart, stratum FROM indicators.mart_strata) m
  ON m.mart = d.mart AND split_part(m.stratum, ':', 1) = d.dimension
"""

GRID_SQL = f"""
WITH strata AS ({STRATA_SQL})
SELECT l.indicator_id, CAST(y.period AS BIGINT) AS period, a.area_code, a.area_level, s.stratum, l.kind,
       s.position
FROM _grid_levels l
JOIN staging.areas a ON a.area_level = l.area_level
JOIN strata s ON s.indicator_id = l.indicator_id AND (s.stratum = 'totaal' OR l.strata)
CROSS JOIN (SELECT unnest($years::INTEGER[]) AS period) y
ORDER BY l.indicator_id, y.period, a.area_level, a.area_code, s.position, s.stratum
"""


def _specs(catalogue: Catalogue) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per indicator and level: its kind and whether strata are published there; per indicator: its dimensions
    with the mart that holds them (a handful of rows per indicator)."""
    levels = pl.DataFrame(
        [(i.id, i.disclosure, level, level in i.stratum_levels) for i in catalogue.indicators for level in i.levels],
        schema={"indicator_id": pl.String, "kind": pl.String, "area_level": pl.String, "strata": pl.Boolean},
        orient="row")
    dims = []
    for i in catalogue.indicators:
        own = [(i.id, i.mart.name, d) for d in i.strata if d != "totaal"]
        extra = i.category_strata
        if extra:
            own += [(i.id, extra, d) for d in catalogue.marts[extra].strata]
        dims += [(*row, k + 1) for k, row in enumerate(own)]
    dims_frame = pl.DataFrame(dims, schema={"indicator_id": pl.String, "mart": pl.String, "dimension": pl.String,
                                            "position": pl.Int64}, orient="row")
    return levels, dims_frame


def _query(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, sql: str, params: dict | None = None
           ) -> pl.DataFrame:
    levels, dims = _specs(catalogue)
    con.register("_grid_levels", levels.to_arrow())
    con.register("_grid_dims", dims.to_arrow())
    try:
        return con.execute(sql, params or {}).pl()
    finally:
        con.unregister("_grid_levels")
        con.unregister("_grid_dims")


def published_grid(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, years: list[int]) -> pl.DataFrame:
    """Every cell the catalogue publishes: indicator_id, period, area_code, area_level, stratum, kind, position
    (the stratum's place: totaal, then the dimensions in catalogue order)."""
    return _query(con, catalogue, GRID_SQL, {"years": [int(y) for y in years]})


def published_strata(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> dict[str, str]:
    """Per indicator, its published strata as the catalogue lists them: 'totaal,geslacht:M,...,categorie:ggz'."""
    grouped = pl.col("stratum").is_in(list(catalogue.stratum_groups))  # 65+ after the age groups it sums
    strata = (_query(con, catalogue, STRATA_SQL).with_columns(grouped=grouped)
              .sort("indicator_id", "position", "grouped", "stratum")
              .group_by("indicator_id", maintain_order=True).agg(pl.col("stratum").str.join(",")))
    return dict(strata.iter_rows())


def add_empty_cells(cells: pl.DataFrame, grid: pl.DataFrame, *, exact: bool) -> pl.DataFrame:
    """`cells` with a suppressed row (reason EMPTY) for every grid cell they lack. The exact candidate (`exact`)
    states the emptiness as counts of 0, which the audit checks; what readers see holds NULL."""
    missing = grid.select(*KEY, "area_level", "kind").join(cells.select(KEY), on=KEY, how="anti")
    if not missing.height:
        return cells
    zero = pl.lit(0.0 if exact else None, pl.Float64)
    counts = {c: zero for c in ("numerator", "denominator") if c in cells.columns}
    if "n" in cells.columns:
        counts["n"] = pl.lit(0 if exact else None, pl.Int64)
    empty = missing.with_columns(**counts, suppressed=pl.lit(True), suppression_reason=pl.lit(EMPTY))
    keep = [c for c in empty.columns if c in cells.columns]
    return pl.concat([cells, empty.select(keep)], how="diagonal_relaxed")
