"""Sufficient statistics per indicator x year x area x stratum, in set-based DuckDB SQL.

Each mart is scanned once for all of its indicators. Where the mart's person count is additive
(`count(*)` or a `sum(...)`), that scan groups by base area and every stratum column at once ("fine
cells", a few thousand rows), and `totaal` and each stratum are sums over those fine cells: the persons
are read once, not once per stratum. Sums are additive, so every higher level is a join with
`staging.area_ancestors` and a SUM, never a second pass over persons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from indicators.catalogue import Catalogue, Indicator, Mart

# n persons, cnt rows, s* sums (x value, w weight, e exposure), mx the largest x, mxe the largest exposure or
# weight (an organisation's share, for business cells) and npos the persons with x > 0 (persons with an event).
STAT_COLUMNS = ("n", "cnt", "sx", "sx2", "sw", "sw2", "swx", "swx2", "se", "mx", "mxe", "npos")
_ADDITIVE_PERSONS = re.compile(r"^\s*(count\(\s*\*\s*\)|sum\((?P<expr>.+)\))\s*$", re.IGNORECASE | re.DOTALL)
_ROLLUP = {"count": "sum", "sum": "sum", "max": "max"}
# Sums are taken exactly, as DECIMAL: DuckDB adds doubles in parallel in an order that differs between runs,
# and disclosure control decides on these sums, so float noise would change which cells are published.
# Each row's double is rounded to 1e-10 once (the same in every run); sums of decimals do not depend on order.
EXACT = "DECIMAL(38, 10)"


def _exact_sum(expr: str) -> str:
    return f"sum(CAST({expr} AS {EXACT}))"
_MAXIMA = ("mx", "mxe")


def _years(years: list[int]) -> str:
    return ", ".join(str(int(y)) for y in years)


def _terms(ind: Indicator) -> tuple[str, str, str, str, str]:
    """(filter, x, w, v, e): the row filter and the per-row value, weight, weighted value and exposure."""
    where = f"({ind.denominator}) AND ({ind.numerator}) IS NOT NULL"
    x = f"CAST(({ind.numerator}) AS DOUBLE)"
    e = f"CAST(({ind.exposure}) AS DOUBLE)"
    if ind.method == "ratio":
        # A ratio of sums is a mean of x/e weighted by e: weights e, values x/e.
        return where, x, e, f"({x} / nullif({e}, 0))", e
    return where, x, f"CAST(({ind.weight}) AS DOUBLE)", x, e


def _largest_share_term(ind: Indicator, w: str, e: str) -> str:
    """The exposure (ratios) or weight (weighted means) whose largest single contribution business rules check."""
    return e if ind.method == "ratio" else w


def _stats_sql(ind: Indicator, k: int) -> list[str]:
    """The statistics of one indicator as filtered aggregates (marts whose person count is not additive)."""
    where, x, w, v, e = _terms(ind)
    flt = f"FILTER (WHERE {where})"
    return [
        f"{ind.mart.persons} FILTER (WHERE {where} AND {x} > 0) AS i{k}_npos",
        f"max({_largest_share_term(ind, w, e)}) {flt} AS i{k}_mxe",
        f"{ind.mart.persons} {flt} AS i{k}_n",
        f"count(*) {flt} AS i{k}_cnt",
        f"{_exact_sum(x)} {flt} AS i{k}_sx",
        f"{_exact_sum(f'{x} * {x}')} {flt} AS i{k}_sx2",
        f"{_exact_sum(w)} {flt} AS i{k}_sw",
        f"{_exact_sum(f'{w} * {w}')} {flt} AS i{k}_sw2",
        f"{_exact_sum(f'{w} * {v}')} {flt} AS i{k}_swx",
        f"{_exact_sum(f'{w} * {v} * {v}')} {flt} AS i{k}_swx2",
        f"{_exact_sum(e)} {flt} AS i{k}_se",
        f"max({x}) {flt} AS i{k}_mx",
    ]


# Grouped strata per dimension: {dimension: {value: member values}}, e.g. {'leeftijd': {'65+': ('65-74', '75+')}}.
Groups = dict[str, dict[str, tuple[str, ...]]]


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _strata_sql(mart: Mart, names: list[str], total: bool, groups: Groups) -> str:
    items = (["'totaal'"] if total else []) + [f"'{name}:' || ({mart.strata[name]})" for name in names]
    items += [f"CASE WHEN ({mart.strata[name]}) IN ({_in_list(members)}) THEN '{name}:{value}' END"
              for name in names for value, members in groups.get(name, {}).items()]
    return "[" + ", ".join(items) + "]"


def _unnest_cells_sql(mart: Mart, indicators: list[Indicator], years: list[int], names: list[str],
                      total: bool, groups: Groups) -> str:
    """One scan of a mart with one row per person per stratum; for a non-additive person count
    such as count(DISTINCT pseudo_id)."""
    stats = ",\n    ".join(s for k, ind in enumerate(indicators) for s in _stats_sql(ind, k))
    return f"""
    WITH expanded AS (
        SELECT m.*, unnest({_strata_sql(mart, names, total, groups)}) AS stratum
        FROM {mart.table} m
        WHERE m.year IN ({_years(years)})
    )
    SELECT year AS period, {mart.area_column} AS base_area, stratum,
    {stats}
    FROM expanded
    WHERE stratum IS NOT NULL AND {mart.area_column} IS NOT NULL
    GROUP BY ALL
    """


@dataclass
class _FineScan:
    """Row expressions and aggregates of one fine-cell scan, each written once however many indicators share it."""

    columns: dict[str, str] = field(default_factory=dict)     # row expression -> column name
    aggregates: dict[str, str] = field(default_factory=dict)  # aggregate over columns -> column name
    functions: dict[str, str] = field(default_factory=dict)   # aggregate column -> count/sum/max

    def column(self, expr: str) -> str:
        return self.columns.setdefault(expr, f"_c{len(self.columns)}")

    def aggregate(self, function: str, argument: str) -> str:
        text = _exact_sum(argument) if function == "sum" else f"{function}({argument})"
        name = self.aggregates.setdefault(text, f"_a{len(self.aggregates)}")
        self.functions[name] = function
        return name


def _fine_stats(scan: _FineScan, ind: Indicator) -> dict[str, str]:
    """Each statistic of an indicator as a fine-cell aggregate; statistics that equal another by
    construction (a weight or exposure of 1) reuse it."""
    where, x, w, v, e = _terms(ind)

    def only(expr: str) -> str:
        return scan.column(f"CASE WHEN {where} THEN {expr} END")

    f, xc = only("1"), only(x)
    cnt = scan.aggregate("count", f)
    persons = _ADDITIVE_PERSONS.match(ind.mart.persons)
    positive = scan.column(f"CASE WHEN {where} AND {x} > 0 THEN 1 END")
    stats = {
        "n": cnt if persons["expr"] is None else scan.aggregate("sum", only(f"({persons['expr']})")),
        "npos": (scan.aggregate("count", positive) if persons["expr"] is None else
                 scan.aggregate("sum", scan.column(f"CASE WHEN {where} AND {x} > 0 THEN ({persons['expr']}) END"))),
        "mxe": scan.aggregate("max", only(_largest_share_term(ind, w, e))),
        "cnt": cnt,
        "sx": scan.aggregate("sum", xc),
        "sx2": scan.aggregate("sum", f"{xc} * {xc}"),
        "mx": scan.aggregate("max", xc),
        "se": cnt if ind.exposure.strip() == "1" else scan.aggregate("sum", only(e)),
    }
    if ind.method != "ratio" and ind.weight.strip() == "1":
        # sum(1) = count, sum(1 * x) = sum(x): the same numbers without three more aggregates
        stats |= {"sw": cnt, "sw2": cnt, "swx": stats["sx"], "swx2": stats["sx2"]}
    else:
        wc, vc = only(w), (only(v) if ind.method == "ratio" else xc)
        stats |= {"sw": scan.aggregate("sum", wc), "sw2": scan.aggregate("sum", f"{wc} * {wc}"),
                  "swx": scan.aggregate("sum", f"{wc} * {vc}"), "swx2": scan.aggregate("sum", f"{wc} * {vc} * {vc}")}
    return stats


def _fine_cells(con: duckdb.DuckDBPyConnection, mart: Mart, indicators: list[Indicator], years: list[int],
                names: list[str], total: bool, groups: Groups) -> None:
    """`_wide` for an additive mart: one scan to fine cells (base area x every stratum column), then
    `totaal`, each stratum and each grouped stratum (65+) as sums over the fine cells."""
    scan = _FineScan()
    stats = [_fine_stats(scan, ind) for ind in indicators]
    strata = [f"({mart.strata[name]}) AS _s{j}" for j, name in enumerate(names)]
    rows = ", ".join(["m.year AS period", f"m.{mart.area_column} AS base_area", *strata,
                      *(f"{expr} AS {name}" for expr, name in scan.columns.items())])
    keys = ", ".join(["period", "base_area", *(f"_s{j}" for j in range(len(names)))])
    fine = ", ".join(f"{agg} AS {name}" for agg, name in scan.aggregates.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _fine AS SELECT {keys}, {fine} FROM ("
        f"SELECT {rows} FROM {mart.table} m WHERE m.year IN ({_years(years)}) AND m.{mart.area_column} IS NOT NULL"
        f") GROUP BY {keys}"
    )
    rolled = ", ".join(f"{_ROLLUP[fn]}({name}) AS {name}" for name, fn in scan.functions.items())
    parts = ([f"SELECT period, base_area, 'totaal' AS stratum, {rolled} FROM _fine GROUP BY period, base_area"]
             if total else [])
    parts += [f"SELECT period, base_area, '{name}:' || _s{j} AS stratum, {rolled} FROM _fine "
              f"WHERE _s{j} IS NOT NULL GROUP BY period, base_area, _s{j}" for j, name in enumerate(names)]
    parts += [f"SELECT period, base_area, '{name}:{value}' AS stratum, {rolled} FROM _fine "
              f"WHERE _s{j} IN ({_in_list(members)}) GROUP BY period, base_area"
              for j, name in enumerate(names) for value, members in groups.get(name, {}).items()]
    wide = ", ".join(f"{stat[c]} AS i{k}_{c}" for k, stat in enumerate(stats) for c in STAT_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wide AS SELECT period, base_area, stratum, {wide} FROM ("
                + " UNION ALL ".join(parts) + ")")
    con.execute("DROP TABLE _fine")


def _wide_cells(con: duckdb.DuckDBPyConnection, mart: Mart, indicators: list[Indicator], years: list[int],
                names: list[str], groups: Groups, total: bool = True) -> None:
    """Temp table `_wide`: the statistics of `indicators` (columns i<k>_<stat>) per period, base area and
    stratum (`totaal` if `total`, every stratum of the dimensions `names` and their grouped strata)."""
    if _ADDITIVE_PERSONS.match(mart.persons):
        _fine_cells(con, mart, indicators, years, names, total, groups)
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _wide AS "
                    + _unnest_cells_sql(mart, indicators, years, names, total, groups))
    # The strata this mart holds in these years: the published grid of its indicators (indicators/grid.py)
    con.execute(f"INSERT INTO indicators.mart_strata SELECT DISTINCT '{mart.name}', stratum FROM _wide "
                "WHERE stratum <> 'totaal'")


def _insert_wide(con: duckdb.DuckDBPyConnection, ind: Indicator, k: int, strata: str) -> None:
    cols = ", ".join(f"i{k}_{c}" for c in STAT_COLUMNS)
    con.execute(f"INSERT INTO indicators.base_cells SELECT '{ind.id}', period, base_area, stratum, {cols} "
                f"FROM _wide WHERE ({strata}) AND i{k}_cnt > 0")  # no row for a cell without data


def _scans(mart: Mart, indicators: list[Indicator]) -> list[tuple[list[str], list[Indicator]]]:
    """The scans of a mart: its default dimensions for the indicators that need no other, and one scan per
    further set of dimensions (the cost ledger's segment and opstapeling), so fine cells stay as coarse as
    the indicators on them need."""
    scans: dict[tuple[str, ...], list[Indicator]] = {}
    default = tuple(mart.default_dimensions)
    for ind in indicators:
        dims = tuple(d for d in mart.strata if d in ind.strata)
        scans.setdefault(default if set(dims) <= set(default) else dims, []).append(ind)
    return [(list(names), mine) for names, mine in scans.items()]


def build_cells(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, years: list[int]) -> int:
    """Create `indicators.cells`: unrounded statistics for every indicator, level and stratum."""
    con.execute("CREATE SCHEMA IF NOT EXISTS indicators")
    con.execute(
        "CREATE OR REPLACE TABLE indicators.base_cells (indicator_id VARCHAR, period INTEGER, base_area VARCHAR, "
        "stratum VARCHAR, " + ", ".join(f"{c} {EXACT}" for c in STAT_COLUMNS) + ")"
    )
    con.execute("CREATE OR REPLACE TABLE indicators.mart_strata (mart VARCHAR, stratum VARCHAR)")
    groups = {name: catalogue.groups_of(name) for mart in catalogue.marts.values() for name in mart.strata}
    for mart in catalogue.marts.values():
        inds = catalogue.for_mart(mart.name)
        if not inds:
            continue  # e.g. a mart that only lends strata to another mart's indicator
        for names, mine in _scans(mart, inds):
            _wide_cells(con, mart, mine, years, names, groups)
            for k, ind in enumerate(mine):
                dims = [s for s in ind.strata if s != "totaal"]
                _insert_wide(con, ind, k, " OR ".join(["stratum = 'totaal'"]
                                                      + [f"stratum LIKE '{d}:%'" for d in dims]))
            con.execute("DROP TABLE _wide")
    lenders: dict[str, list[Indicator]] = {}
    for ind in catalogue.indicators:
        if ind.category_strata:
            lenders.setdefault(ind.category_strata, []).append(ind)
    for extra_mart, inds in lenders.items():
        # Strata from a longer mart (e.g. Zvw cost per category, the ledger's target groups): its own strata
        # only, never its `totaal`, which the indicator's own mart gives; one scan for all its indicators.
        mart = catalogue.marts[extra_mart]
        _wide_cells(con, mart, [Indicator(**{**ind.__dict__, "mart": mart}) for ind in inds], years,
                    list(mart.strata), groups, total=False)
        for k, ind in enumerate(inds):
            _insert_wide(con, ind, k, "true")
        con.execute("DROP TABLE _wide")
    levels = [(ind.id, level, level in ind.stratum_levels) for ind in catalogue.indicators for level in ind.levels]
    con.execute("CREATE OR REPLACE TEMP TABLE _levels (indicator_id VARCHAR, area_level VARCHAR, strata BOOLEAN)")
    con.executemany("INSERT INTO _levels VALUES (?, ?, ?)", levels)
    sums = ", ".join(f"CAST(max({c}) AS DOUBLE) AS {c}" if c in _MAXIMA else f"CAST(sum({c}) AS DOUBLE) AS {c}"
                     for c in STAT_COLUMNS)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE indicators.cells AS
        SELECT b.indicator_id, b.period, a.ancestor_code AS area_code, a.ancestor_level AS area_level, b.stratum,
               {sums}
        FROM indicators.base_cells b
        JOIN staging.area_ancestors a ON a.area_code = b.base_area
        JOIN _levels l ON l.indicator_id = b.indicator_id AND l.area_level = a.ancestor_level
        WHERE l.strata OR b.stratum = 'totaal'
        GROUP BY ALL
        ORDER BY b.indicator_id, b.period, a.ancestor_level, a.ancestor_code, b.stratum
        """
    )
    return con.execute("SELECT count(*) FROM indicators.cells").fetchone()[0]


def build_standardisation_cells(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, years: list[int]) -> int:
    """Observed events and population per indicator x year x area x 5-year age band x sex, for direct
    standardisation (`indicators.std_cells`).

    Counted per base area in one scan of each mart, then summed up the area hierarchy."""
    inds = [i for i in catalogue.indicators if i.method == "direct_standardised"]
    con.execute("CREATE OR REPLACE TABLE indicators.std_cells (indicator_id VARCHAR, period INTEGER, "
                "area_code VARCHAR, area_level VARCHAR, age_band VARCHAR, sex VARCHAR, observed DOUBLE, "
                "population DOUBLE)")
    for mart in {i.mart.name: i.mart for i in inds}.values():
        mine = [i for i in inds if i.mart.name == mart.name]
        counts = ", ".join(
            f"sum(CAST(({i.numerator}) AS DOUBLE)) FILTER (WHERE {i.denominator}) AS o{k}, "
            f"count(*) FILTER (WHERE {i.denominator}) AS p{k}" for k, i in enumerate(mine))
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _std AS SELECT m.year, m.{mart.area_column} AS base_area, m.age_band, "
            f"m.sex, {counts} FROM {mart.table} m WHERE m.year IN ({_years(years)}) GROUP BY ALL")
        for k, ind in enumerate(mine):
            con.execute(
                f"""
                INSERT INTO indicators.std_cells
                SELECT '{ind.id}', s.year, a.ancestor_code, a.ancestor_level, s.age_band, s.sex, sum(s.o{k}),
                       sum(s.p{k})
                FROM _std s JOIN staging.area_ancestors a ON a.area_code = s.base_area
                WHERE s.p{k} > 0 AND a.ancestor_level IN ({', '.join(f"'{lvl}'" for lvl in ind.levels)})
                GROUP BY ALL
                """
            )
        con.execute("DROP TABLE _std")
    return con.execute("SELECT count(*) FROM indicators.std_cells").fetchone()[0]


def build_top_share_cells(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, years: list[int]) -> int:
    """Share of the cell total carried by its costliest 5 % of persons (`indicators.top_share_cells`).

    Not additive, so it is ranked within each area itself rather than rolled up.
    """
    inds = [i for i in catalogue.indicators if i.method == "top_share"]
    con.execute("CREATE OR REPLACE TABLE indicators.top_share_cells (indicator_id VARCHAR, period INTEGER, "
                "area_code VARCHAR, area_level VARCHAR, n DOUBLE, total DOUBLE, top_total DOUBLE, mx DOUBLE)")
    for ind in inds:
        share = float(ind.top_fraction)
        con.execute(
            f"""
            INSERT INTO indicators.top_share_cells
            WITH x AS (
                SELECT m.year AS period, a.ancestor_code AS area_code, a.ancestor_level AS area_level,
                       CAST(({ind.numerator}) AS DOUBLE) AS value
                FROM {ind.mart.table} m JOIN staging.area_ancestors a ON a.area_code = m.{ind.mart.area_column}
                WHERE m.year IN ({', '.join(str(y) for y in years)}) AND ({ind.denominator})
                  AND a.ancestor_level IN ({', '.join(f"'{lvl}'" for lvl in ind.levels)})
            )
            -- the costliest ceil(share x persons) values of each cell, sorted within the cell: a window
            -- ranking every person in every area level costs several times more
            SELECT '{ind.id}', period, area_code, area_level, count(*), CAST({_exact_sum("value")} AS DOUBLE),
                   list_sum(list_slice(list_sort(list(value), 'DESC'), 1, CAST(ceil({share} * count(*)) AS BIGINT))),
                   max(value)
            FROM x GROUP BY ALL
            """
        )
    return con.execute("SELECT count(*) FROM indicators.top_share_cells").fetchone()[0]
