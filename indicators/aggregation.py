"""Sufficient statistics per indicator x year x area x stratum, in set-based DuckDB SQL.

Each mart is scanned once for all of its indicators at the smallest area (buurt, or
gemeente for workforce); sums are additive, so every higher level is a join with
`staging.area_ancestors` and a SUM, never a second pass over persons.
"""

from __future__ import annotations

import duckdb

from indicators.catalogue import Catalogue, Indicator, Mart

STAT_COLUMNS = ("n", "cnt", "sx", "sx2", "sw", "sw2", "swx", "swx2", "se", "mx")


def _stats_sql(ind: Indicator, k: int) -> list[str]:
    where = f"({ind.denominator}) AND ({ind.numerator}) IS NOT NULL"
    x = f"CAST(({ind.numerator}) AS DOUBLE)"
    if ind.method == "ratio":
        # A ratio of sums is a mean of x/e weighted by e: weights e, values x/e.
        e = f"CAST(({ind.exposure}) AS DOUBLE)"
        w, v = e, f"({x} / nullif({e}, 0))"
    else:
        w = f"CAST(({ind.weight}) AS DOUBLE)"
        e = f"CAST(({ind.exposure}) AS DOUBLE)"
        v = x
    flt = f"FILTER (WHERE {where})"
    return [
        f"{ind.mart.persons} {flt} AS i{k}_n",
        f"count(*) {flt} AS i{k}_cnt",
        f"sum({x}) {flt} AS i{k}_sx",
        f"sum({x} * {x}) {flt} AS i{k}_sx2",
        f"sum({w}) {flt} AS i{k}_sw",
        f"sum({w} * {w}) {flt} AS i{k}_sw2",
        f"sum({w} * {v}) {flt} AS i{k}_swx",
        f"sum({w} * {v} * {v}) {flt} AS i{k}_swx2",
        f"sum({e}) {flt} AS i{k}_se",
        f"max({x}) {flt} AS i{k}_mx",
    ]


def _strata_sql(mart: Mart) -> str:
    items = ["'totaal'"] + [f"'{name}:' || ({expr})" for name, expr in mart.strata.items()]
    return "[" + ", ".join(items) + "]"


def base_cells_sql(mart: Mart, indicators: list[Indicator], years: list[int]) -> str:
    """One scan of a mart producing the wide statistics of all its indicators per base area and stratum."""
    stats = ",\n    ".join(s for k, ind in enumerate(indicators) for s in _stats_sql(ind, k))
    return f"""
    WITH expanded AS (
        SELECT m.*, unnest({_strata_sql(mart)}) AS stratum
        FROM {mart.table} m
        WHERE m.year IN ({', '.join(str(y) for y in years)})
    )
    SELECT year AS period, {mart.area_column} AS base_area, stratum,
    {stats}
    FROM expanded
    WHERE stratum IS NOT NULL AND {mart.area_column} IS NOT NULL
    GROUP BY ALL
    """


def _insert_category_strata(con: duckdb.DuckDBPyConnection, ind: Indicator, mart: Mart, years: list[int]) -> None:
    """Strata of an indicator that come from a longer mart (e.g. Zvw cost per category): its own strata only,
    never its `totaal`, which the indicator's own mart gives."""
    proxy = Indicator(**{**ind.__dict__, "mart": mart})
    strata = "[" + ", ".join(f"'{name}:' || ({expr})" for name, expr in mart.strata.items()) + "]"
    stats = ", ".join(_stats_sql(proxy, 0))
    cols = ", ".join(f"i0_{c}" for c in STAT_COLUMNS)
    con.execute(
        f"""
        INSERT INTO indicators.base_cells
        SELECT '{ind.id}', period, base_area, stratum, {cols} FROM (
            SELECT year AS period, {mart.area_column} AS base_area, stratum, {stats}
            FROM (SELECT m.*, unnest({strata}) AS stratum FROM {mart.table} m
                  WHERE m.year IN ({', '.join(str(y) for y in years)}))
            WHERE stratum IS NOT NULL GROUP BY ALL
        ) WHERE i0_cnt > 0
        """
    )


def build_cells(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, years: list[int]) -> int:
    """Create `indicators.cells`: unrounded statistics for every indicator, level and stratum."""
    con.execute("CREATE SCHEMA IF NOT EXISTS indicators")
    con.execute(
        "CREATE OR REPLACE TABLE indicators.base_cells (indicator_id VARCHAR, period INTEGER, base_area VARCHAR, "
        "stratum VARCHAR, " + ", ".join(f"{c} DOUBLE" for c in STAT_COLUMNS) + ")"
    )
    for mart in catalogue.marts.values():
        inds = catalogue.for_mart(mart.name)
        if not inds:
            continue  # e.g. a mart that only lends strata to another mart's indicator
        con.execute(f"CREATE OR REPLACE TEMP TABLE _wide AS {base_cells_sql(mart, inds, years)}")
        for k, ind in enumerate(inds):
            dims = [s for s in ind.strata if s != "totaal"]
            allowed = " OR ".join(["stratum = 'totaal'"] + [f"stratum LIKE '{d}:%'" for d in dims])
            cols = ", ".join(f"i{k}_{c}" for c in STAT_COLUMNS)
            con.execute(
                f"INSERT INTO indicators.base_cells SELECT '{ind.id}', period, base_area, stratum, {cols} "
                f"FROM _wide WHERE ({allowed}) AND i{k}_cnt > 0"  # no row for a cell without data
            )
        con.execute("DROP TABLE _wide")
    for ind in catalogue.indicators:
        extra_mart = ind.extra.get("category_strata")
        if extra_mart:
            _insert_category_strata(con, ind, catalogue.marts[extra_mart], years)
    levels = [(ind.id, level) for ind in catalogue.indicators for level in ind.levels]
    con.execute("CREATE OR REPLACE TEMP TABLE _levels (indicator_id VARCHAR, area_level VARCHAR)")
    con.executemany("INSERT INTO _levels VALUES (?, ?)", levels)
    sums = ", ".join(f"sum({c}) AS {c}" if c != "mx" else "max(mx) AS mx" for c in STAT_COLUMNS)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE indicators.cells AS
        SELECT b.indicator_id, b.period, a.ancestor_code AS area_code, a.ancestor_level AS area_level, b.stratum,
               {sums}
        FROM indicators.base_cells b
        JOIN staging.area_ancestors a ON a.area_code = b.base_area
        JOIN _levels l ON l.indicator_id = b.indicator_id AND l.area_level = a.ancestor_level
        GROUP BY ALL
        ORDER BY b.indicator_id, b.period, a.ancestor_level, a.ancestor_code, b.stratum
        """
    )
    return con.execute("SELECT count(*) FROM indicators.cells").fetchone()[0]


def build_standardisation_cells(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, years: list[int]) -> int:
    """Observed events and population per indicator x year x area x 5-year age band x sex, for direct
    standardisation (`indicators.std_cells`)."""
    inds = [i for i in catalogue.indicators if i.method == "direct_standardised"]
    con.execute("CREATE OR REPLACE TABLE indicators.std_cells (indicator_id VARCHAR, period INTEGER, "
                "area_code VARCHAR, area_level VARCHAR, age_band VARCHAR, sex VARCHAR, observed DOUBLE, "
                "population DOUBLE)")
    for ind in inds:
        con.execute(
            f"""
            INSERT INTO indicators.std_cells
            SELECT '{ind.id}', m.year, a.ancestor_code, a.ancestor_level, m.age_band, m.sex,
                   sum(CAST(({ind.numerator}) AS DOUBLE)), count(*)
            FROM {ind.mart.table} m JOIN staging.area_ancestors a ON a.area_code = m.{ind.mart.area_column}
            WHERE m.year IN ({', '.join(str(y) for y in years)}) AND ({ind.denominator})
              AND a.ancestor_level IN ({', '.join(f"'{lvl}'" for lvl in ind.levels)})
            GROUP BY ALL
            """
        )
    return con.execute("SELECT count(*) FROM indicators.std_cells").fetchone()[0]


def build_top_share_cells(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, years: list[int]) -> int:
    """Share of the cell total carried by its costliest 5 % of persons (`indicators.top_share_cells`).

    Not additive, so it is ranked within each area itself rather than rolled up.
    """
    inds = [i for i in catalogue.indicators if i.method == "top_share"]
    con.execute("CREATE OR REPLACE TABLE indicators.top_share_cells (indicator_id VARCHAR, period INTEGER, "
                "area_code VARCHAR, area_level VARCHAR, n DOUBLE, total DOUBLE, top_total DOUBLE, mx DOUBLE)")
    for ind in inds:
        share = float(ind.extra.get("top_fraction", 0.05))
        con.execute(
            f"""
            INSERT INTO indicators.top_share_cells
            WITH x AS (
                SELECT m.year AS period, a.ancestor_code AS area_code, a.ancestor_level AS area_level,
                       CAST(({ind.numerator}) AS DOUBLE) AS value
                FROM {ind.mart.table} m JOIN staging.area_ancestors a ON a.area_code = m.{ind.mart.area_column}
                WHERE m.year IN ({', '.join(str(y) for y in years)}) AND ({ind.denominator})
                  AND a.ancestor_level IN ({', '.join(f"'{lvl}'" for lvl in ind.levels)})
            ),
            ranked AS (
                SELECT *, row_number() OVER (PARTITION BY period, area_code ORDER BY value DESC) AS rank,
                       count(*) OVER (PARTITION BY period, area_code) AS persons
                FROM x
            )
            SELECT '{ind.id}', period, area_code, area_level, count(*), sum(value),
                   sum(value) FILTER (WHERE rank <= ceil({share} * persons)), max(value)
            FROM ranked GROUP BY ALL
            """
        )
    return con.execute("SELECT count(*) FROM indicators.top_share_cells").fetchone()[0]
