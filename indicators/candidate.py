"""The publication candidate: the contract tables, built in the warehouse schema `candidate`.

Everything the gate checks is exactly what publication copies, so a check that passes on the
candidate vouches for the published file.

Every floating number is published at a fixed precision (README "Reproducible publications"): DuckDB sums
doubles in parallel, so two runs on the same inputs differ in the last digits (up to about 1e-11); rounded,
they publish the same bytes. Numbers in the unit of their indicator (values, limits, gaps, SII, changes,
evaluation estimates) keep DECIMALS decimals, dimensionless ratios (Q1/Q5 ratio, RII) RATIO_DECIMALS.
A difference a reader can form (trend change = to - from, gap = Q1 - Q5) is taken of the rounded terms, so it
holds exactly at the published precision; so is a number in constant prices (value_real = rounded value x
deflator, change_real = to value_real - from value_real; indicators/prices.py). `comparison` and `significant` were decided before, on the
unrounded interval; the disclosure audit attacks the unrounded numbers, of which these are a function.
"""

from __future__ import annotations

from datetime import UTC

import duckdb
import polars as pl

from indicators.catalogue import Catalogue
from indicators.grid import published_strata
from indicators.payers import LAWS
from transforms.sql import load_sql
from transforms.warehouse import write_years

# 4 decimals: 0.0001 percentage point, euro or per 1,000, far below any difference a reader acts on, and
# 1e7 times the summation noise (so a number lands on the other side of a rounding boundary in about 1 of
# 6,000 pairs of runs on the default region; README). Ratios of two values are small numbers (RII 0.0005).
DECIMALS = 4
RATIO_DECIMALS = 6
# the candidate tables built by a SQL model of indicators/sql/candidate/, in the order they are written
MODELS = ("indicator_values", "areas", "equity_gaps", "evaluation_results", "trends", "small_area_estimates",
          "impact_scenarios", "payment_scenarios")


def build_candidate(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, rounding_base: int,
                    min_count: int = 10, price_base_year: int | None = None) -> dict[str, int]:
    """Create the aggregate candidate tables: the SQL models of indicators/sql/candidate/ and the catalogue
    (with `price_base_year`, the year of the constant prices of its money indicators)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS candidate")
    digits = {"d": DECIMALS, "r": RATIO_DECIMALS}
    fill = {**digits, "base": int(rounding_base), "min_count": int(min_count)}
    for table in MODELS:  # indicators/sql/candidate/<table>.sql
        write_years(con, f"candidate.{table}", load_sql(f"candidate.{table}", **fill))
    # the cost ledger repeats the published cells of the ledger indicators, one per law of indicators/payers.py
    write_years(con, "candidate.cost_ledger", load_sql("candidate.cost_ledger", d=DECIMALS, laws=ledger_laws()))
    # the strata as published: every stratum of every dimension (the Zvw cost categories, 65+), as in indicator_values
    strata = published_strata(con, catalogue)
    rows = [{**row, "strata": strata.get(row["indicator_id"], row["strata"])}
            for row in catalogue.rows(price_base_year)]
    con.register("_catalogue", pl.DataFrame(rows).to_arrow())
    con.execute("CREATE OR REPLACE TABLE candidate.indicator_catalogue AS SELECT * FROM _catalogue")
    con.unregister("_catalogue")
    return {t: con.execute(f"SELECT count(*) FROM candidate.{t}").fetchone()[0]
            for t in ("indicator_values", "areas", "indicator_catalogue", "equity_gaps", "evaluation_results",
                      "impact_scenarios", "payment_scenarios", "trends", "small_area_estimates",
                      "cost_ledger")}


LEDGER_PREFIX = "co_ledger_"


def ledger_laws() -> str:
    """The laws of the cost ledger as a SQL relation (law, indicator_id, payer, law_nl, k): the catalogue's
    ledger indicator of each law of indicators/payers.py, k its place in LAWS."""
    rows = ", ".join(f"('{x.law}', '{LEDGER_PREFIX}{x.law}', '{x.payer}', '{x.name_nl}', {k})"
                     for k, x in enumerate(LAWS))
    return f"VALUES {rows}"


def add_run_tables(con: duckdb.DuckDBPyConnection, run_id: str, started_at, finished_at, code_version: str,
                   config_hash: str, code_list_versions: dict[str, str]) -> None:
    """Add quality_results (from quality.check_results) and run_manifest: the provenance of this publication."""
    started_at, finished_at = (t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t
                               for t in (started_at, finished_at))  # stored as naive UTC
    write_years(con, "candidate.quality_results", load_sql("candidate.quality_results"), params=[run_id])
    run = [run_id, started_at, finished_at, code_version, config_hash]
    write_years(con, "candidate.run_manifest", load_sql("candidate.run_manifest"),
                params=run + run + [list(code_list_versions), list(code_list_versions.values())])
