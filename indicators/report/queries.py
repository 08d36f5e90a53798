"""What the report reads from the published file (and nothing else)."""

from __future__ import annotations

import duckdb
import polars as pl

AIM_LABELS = {
    "population_health": "Gezondheid van de bevolking", "experienced_quality": "Ervaren kwaliteit van zorg",
    "costs": "Kosten", "professional_wellbeing": "Welzijn van professionals", "health_equity": "Gezondheidsgelijkheid",
    "positive_health": "Positieve Gezondheid", "phm": "Populatiemanagement",
}
PH_DIMENSIONS = ["lichaamsfuncties", "mentaal_welbevinden", "zingeving", "kwaliteit_van_leven", "meedoen",
                 "dagelijks_functioneren"]
TREND_INDICATORS = ["ph_multimorbiditeit", "ph_eenzaam", "eq_seh_per_1000", "co_zvw_per_verzekerdejaar"]
MAP_INDICATOR = "ph_eenzaam"


def latest_period(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT max(period) FROM indicator_values").fetchone()[0]


def areas(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.execute("SELECT * FROM areas ORDER BY area_level, area_code").pl()


def scorecard(con: duckdb.DuckDBPyConnection, area_code: str, period: int) -> pl.DataFrame:
    """Totals of the latest year for one area, with catalogue fields; PHM templates are shown elsewhere."""
    return con.execute(
        """SELECT c.aim, v.indicator_id, c.name_nl, c.unit, c.direction, v.value, v.ci_low, v.ci_high,
                  v.comparison, v.suppressed, v.suppression_reason
           FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id)
           WHERE v.area_code = ? AND v.period = ? AND v.stratum = 'totaal' AND c.aim <> 'phm'
           ORDER BY c.aim, v.indicator_id""", [area_code, period]).pl()


def positive_health(con: duckdb.DuckDBPyConnection, area_code: str, region_code: str, period: int) -> pl.DataFrame:
    return con.execute(
        """SELECT area_code, replace(indicator_id, 'pg_', '') AS dimension, value, suppressed
           FROM indicator_values
           WHERE area_code IN (?, ?) AND period = ? AND stratum = 'totaal'
             AND indicator_id IN (SELECT 'pg_' || unnest(?::VARCHAR[]))""",
        [area_code, region_code, period, PH_DIMENSIONS]).pl()


def phm_shares(con: duckdb.DuckDBPyConnection, area_code: str, period: int, prefix: str) -> pl.DataFrame:
    return con.execute(
        """SELECT v.indicator_id, c.name_nl, v.value, v.suppressed FROM indicator_values v
           JOIN indicator_catalogue c USING (indicator_id)
           WHERE v.area_code = ? AND v.period = ? AND v.stratum = 'totaal' AND v.indicator_id LIKE ?
           ORDER BY v.indicator_id""", [area_code, period, prefix + "%"]).pl()


def trend_series(con: duckdb.DuckDBPyConnection, area_code: str) -> pl.DataFrame:
    return con.execute(
        """SELECT v.indicator_id, c.name_nl, v.period, v.value FROM indicator_values v
           JOIN indicator_catalogue c USING (indicator_id)
           WHERE v.area_code = ? AND v.stratum = 'totaal' AND NOT v.suppressed
             AND v.indicator_id IN (SELECT unnest(?::VARCHAR[]))
           ORDER BY v.indicator_id, v.period""", [area_code, TREND_INDICATORS]).pl()


def wijk_values(con: duckdb.DuckDBPyConnection, indicator_id: str, period: int) -> pl.DataFrame:
    return con.execute(
        """SELECT area_code, value, suppressed FROM indicator_values
           WHERE indicator_id = ? AND period = ? AND area_level = 'wijk' AND stratum = 'totaal'""",
        [indicator_id, period]).pl()


def evaluation(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "evaluation_results" not in tables:
        return pl.DataFrame()
    return con.execute("SELECT * FROM evaluation_results ORDER BY intervention_id, method").pl()


def quality_verdict(con: duckdb.DuckDBPyConnection) -> tuple[dict, str]:
    counts = {(s, v): n for s, v, n in con.execute(
        "SELECT severity, status, count(*) FROM quality_results GROUP BY ALL").fetchall()}
    finished = con.execute("SELECT max(finished_at) FROM run_manifest").fetchone()[0]
    return counts, str(finished)[:16] if finished else "onbekend"
