"""The SQL the report runs on the published monitoring.duckdb, and nothing else.

Every query reads all areas at once (set-based); pages pick their rows afterwards in polars, so the
number of queries does not grow with the number of areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from indicators.catalogue import report_indicators
from indicators.report.labels import PH_DIMENSIONS, nl_text_expr
from quality.descriptions import DESCRIPTIONS, SUITES, description

KNOWN_CHECKS = {name: description(name) for name in [*DESCRIPTIONS, *(f"gx_{suite}" for suite in SUITES)]}

CATALOGUE = """
SELECT indicator_id, name_nl, aim, unit, direction, ph_dimension, source,
       row_number() OVER () AS catalogue_order
FROM indicator_catalogue
"""

# Totals of the latest year for every area that gets a page; PHM indicators have their own charts.
SCORECARD = """
SELECT v.indicator_id, v.area_code, v.area_level, v.period, v.value, v.ci_low, v.ci_high, v.suppressed,
       v.suppression_reason, v.comparison
FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id)
WHERE v.stratum = 'totaal' AND v.period = $period AND c.aim <> 'phm'
  AND v.area_level IN ('regio', 'gemeente', 'wijk')
"""

# The six Positive Health means; read from indicator_values (not v_positive_health) to keep `suppressed`.
POSITIVE_HEALTH = """
SELECT v.area_code, substr(v.indicator_id, 4) AS dimension, v.value, v.suppressed
FROM indicator_values v
WHERE v.stratum = 'totaal' AND v.period = $period AND v.area_level IN ('regio', 'gemeente', 'wijk')
  AND v.indicator_id IN (SELECT 'pg_' || unnest($dimensions::VARCHAR[]))
"""

# Segments, opstapeling, target groups and reach; `kind` is the id's second word.
PHM_SHARES = """
SELECT v.indicator_id, split_part(v.indicator_id, '_', 2) AS kind,
       substr(v.indicator_id, length(split_part(v.indicator_id, '_', 2)) + 6) AS item,
       c.name_nl, v.area_code, v.area_level, v.value, v.ci_low, v.ci_high, v.numerator, v.suppressed
FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id)
WHERE v.stratum = 'totaal' AND v.period = $period AND v.indicator_id LIKE 'phm\\_%' ESCAPE '\\'
  AND v.area_level IN ('regio', 'gemeente', 'wijk')
"""

TRENDS = """
SELECT v.indicator_id, v.area_code, v.period, v.value, v.ci_low, v.ci_high, v.suppressed
FROM indicator_values v
WHERE v.stratum = 'totaal' AND v.indicator_id IN (SELECT unnest($ids::VARCHAR[]))
  AND v.area_level IN ('regio', 'gemeente', 'wijk')
"""

# Money indicators: the change over the whole period, nominal and in constant prices of price_base_year
# (indicators/prices.py), for the trend display to show apart.
MONEY_CHANGES = """
SELECT t.indicator_id, t.area_code, t.from_period, t.to_period, t.change, t.ci_low, t.ci_high, t.change_real,
       t.ci_low_real, t.ci_high_real, c.price_base_year
FROM trends t JOIN indicator_catalogue c USING (indicator_id)
WHERE c.price_base_year IS NOT NULL AND t.stratum = 'totaal' AND NOT t.suppressed AND t.change IS NOT NULL
  AND t.from_period = (SELECT min(period) FROM indicator_values)
  AND t.to_period = (SELECT max(period) FROM indicator_values)
  AND t.indicator_id IN (SELECT unnest($ids::VARCHAR[]))
"""

# The maps: wijken on the region and gemeente pages, buurten on a wijk page.
MAP_VALUES = """
SELECT v.indicator_id, v.area_code, v.value, v.suppressed
FROM indicator_values v
WHERE v.stratum = 'totaal' AND v.period = $period AND v.area_level IN ('wijk', 'buurt')
  AND v.indicator_id IN (SELECT unnest($ids::VARCHAR[]))
"""

EQUITY_GAPS = """
SELECT indicator_id, area_code, q1_value, q5_value, gap, ratio, sii, sii_ci_low, sii_ci_high, suppressed
FROM equity_gaps
WHERE period = (SELECT max(period) FROM equity_gaps) AND area_level IN ('regio', 'gemeente', 'wijk')
"""

# Model-based survey estimates of the latest year for every wijk and buurt (the wijk page shows its own rows).
SMALL_AREA = """
SELECT s.indicator_id, c.name_nl, s.area_code, s.area_level, a.name AS area_name, a.parent_code, s.direct_value,
       s.value, s.ci_low, s.ci_high, s.direct_weight
FROM small_area_estimates s JOIN indicator_catalogue c USING (indicator_id) JOIN areas a USING (area_code)
WHERE s.period = $period
ORDER BY s.area_level = 'buurt', s.area_code, s.indicator_id
"""
# The cost ledger of the latest year per gemeente and the region: totaal and the segments, per payer (euros per
# resident summed over the payer's laws; a suppressed law leaves its payer's bar incomplete, which the page says)
LEDGER = """
SELECT area_code, population_group, group_value, payer, sum(total_eur) AS total_eur, max(persons) AS persons,
       sum(eur_per_resident) AS eur_per_resident, bool_or(suppressed) AS suppressed
FROM cost_ledger
WHERE period = $period AND area_level IN ('gemeente', 'regio') AND population_group IN ('totaal', 'segment')
GROUP BY ALL ORDER BY ALL
"""
TOP_SHARES = """
SELECT area_code, replace(indicator_id, 'co_aandeel_top5pct_', '') AS payer, value, suppressed
FROM indicator_values
WHERE period = $period AND stratum = 'totaal' AND area_level IN ('gemeente', 'regio')
  AND indicator_id IN ('co_aandeel_top5pct_zorgverzekeraar', 'co_aandeel_top5pct_zorgkantoor',
                       'co_aandeel_top5pct_gemeente')
ORDER BY ALL
"""
EVALUATION = "SELECT * FROM evaluation_results ORDER BY intervention_id, indicator_id, method"

QUALITY_COUNTS = """
SELECT severity, count(*) FILTER (WHERE status = 'passed') AS passed,
       count(*) FILTER (WHERE status = 'failed') AS failed
FROM quality_results GROUP BY severity ORDER BY severity = 'error' DESC, severity
"""

# A publication from before the Dutch texts has no description_nl / message_nl: the report then takes the
# description from quality/descriptions.py by check name.
QUALITY_FAILURES = """
SELECT check_name, severity, kahn_category, {dutch}
FROM quality_results WHERE status = 'failed'
ORDER BY severity = 'error' DESC, check_name
"""

# Source-years the operator allowed to be incomplete ("wmo:2024, population:2023"), from the completeness gate.
INCOMPLETE_SOURCES = """
SELECT observed FROM quality_results
WHERE check_name = 'incomplete_sources_allowed' AND status = 'failed'
"""

RUN = """
SELECT any_value(run_id ORDER BY finished_at DESC NULLS LAST) AS run_id,
       max(finished_at) AS finished_at,
       any_value(code_version ORDER BY finished_at DESC NULLS LAST) AS code_version
FROM run_manifest
"""


@dataclass(frozen=True)
class Published:
    """Everything the report shows, read in one pass so the file is open only briefly."""

    period: int
    catalogue: pl.DataFrame
    areas: pl.DataFrame
    scorecard: pl.DataFrame
    positive_health: pl.DataFrame
    phm: pl.DataFrame
    trends: pl.DataFrame
    key_indicators: list[str]
    map_values: pl.DataFrame
    map_indicators: list[str]
    equity_gaps: pl.DataFrame | None
    evaluation: pl.DataFrame | None
    quality_counts: pl.DataFrame
    quality_failures: pl.DataFrame
    incomplete_sources: list[str]  # "wmo:2024" entries published as suppressed (bron onvolledig)
    run_id: str | None
    finished_at: datetime | None
    code_version: str | None
    small_area: pl.DataFrame | None = None  # a publication from before the small-area model has none
    money_changes: pl.DataFrame | None = None  # ... and one from before constant prices has no change_real
    payment: pl.DataFrame | None = None  # ... and one from before the payment scenarios has none
    ledger: pl.DataFrame | None = None  # ... and one from before the cost ledger (issue 20) none
    top_shares: pl.DataFrame | None = None


def key_indicators(catalogue: pl.DataFrame, present: set[str]) -> list[str]:
    """The headline indicators (catalogue `report: {headline: true}`) that exist, plus the first indicator of
    any aim without one, so that every aim shows a trend."""
    chosen = [i for i in report_indicators()[0] if i in present]
    covered = set(catalogue.filter(pl.col("indicator_id").is_in(chosen))["aim"])
    fallback = (
        catalogue.filter(
            pl.col("indicator_id").is_in(list(present))
            & ~pl.col("aim").is_in(covered)
            & (pl.col("aim") != "phm")
        )
        .sort("catalogue_order")
        .group_by("aim", maintain_order=True)
        .first()
    )
    return chosen + fallback["indicator_id"].to_list()


def map_indicators(present: set[str]) -> list[str]:
    """The map indicators (catalogue `report: {map: N}`) that exist, in menu order: the map opens on the first."""
    return [i for i in report_indicators()[1] if i in present]


def _quality_failures(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    columns = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'quality_results'").fetchall()}
    dutch = ("description_nl, message_nl" if {"description_nl", "message_nl"} <= columns
             else "NULL::VARCHAR AS description_nl, NULL::VARCHAR AS message_nl")
    failures = con.execute(QUALITY_FAILURES.format(dutch=dutch)).pl()
    return failures.with_columns(
        description_nl=pl.col("description_nl").fill_null(
            pl.col("check_name").replace_strict(KNOWN_CHECKS, default=description("gx_"))
        )
    )


def read_published(con: duckdb.DuckDBPyConnection) -> Published:
    """Run every report query on an open (read-only) connection."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    period = con.execute("SELECT max(period) FROM indicator_values").fetchone()[0]
    catalogue = con.execute(CATALOGUE).pl().with_columns(name_nl=nl_text_expr(pl.col("name_nl")))
    scorecard = con.execute(SCORECARD, {"period": period}).pl()
    present = set(con.execute("SELECT DISTINCT indicator_id FROM indicator_values").pl()["indicator_id"])
    keys = key_indicators(catalogue, present)
    map_ids = map_indicators(present)
    map_values = con.execute(MAP_VALUES, {"period": period, "ids": map_ids}).pl()
    run_id, finished_at, code_version = con.execute(RUN).fetchone()
    real = con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'trends' "
                       "AND column_name = 'change_real'").fetchone()[0]
    return Published(
        period=period,
        catalogue=catalogue,
        areas=con.execute("SELECT * FROM areas ORDER BY area_code").pl(),
        scorecard=scorecard,
        positive_health=con.execute(
            POSITIVE_HEALTH, {"period": period, "dimensions": list(PH_DIMENSIONS)}
        ).pl(),
        phm=con.execute(PHM_SHARES, {"period": period}).pl().with_columns(name_nl=nl_text_expr(pl.col("name_nl"))),
        trends=con.execute(TRENDS, {"ids": keys}).pl(),
        key_indicators=keys,
        map_values=map_values,
        map_indicators=[i for i in map_ids if i in set(map_values["indicator_id"])],
        equity_gaps=con.execute(EQUITY_GAPS).pl() if "equity_gaps" in tables else None,
        evaluation=con.execute(EVALUATION).pl() if "evaluation_results" in tables else None,
        quality_counts=con.execute(QUALITY_COUNTS).pl(),
        quality_failures=_quality_failures(con),
        incomplete_sources=[part.strip() for (observed,) in con.execute(INCOMPLETE_SOURCES).fetchall()
                            for part in (observed or "").split(",") if ":" in part],
        run_id=run_id,
        finished_at=finished_at,
        code_version=code_version,
        small_area=(con.execute(SMALL_AREA, {"period": period}).pl().with_columns(name_nl=nl_text_expr(
            pl.col("name_nl"))) if "small_area_estimates" in tables else None),
        money_changes=con.execute(MONEY_CHANGES, {"ids": keys}).pl() if real else None,
        payment=con.execute("SELECT * FROM payment_scenarios").pl() if "payment_scenarios" in tables else None,
        ledger=con.execute(LEDGER, {"period": period}).pl() if "cost_ledger" in tables else None,
        top_shares=con.execute(TOP_SHARES, {"period": period}).pl() if "cost_ledger" in tables else None,
    )
