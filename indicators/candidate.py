"""The publication candidate: the contract tables, built in the warehouse schema `candidate`.

Everything the gate checks is exactly what publication copies, so a check that passes on the
candidate vouches for the published file.

Every floating number is published at a fixed precision (README "Reproducible publications"): DuckDB sums
doubles in parallel, so two runs on the same inputs differ in the last digits (up to about 1e-11); rounded,
they publish the same bytes. Numbers in the unit of their indicator (values, limits, gaps, SII, changes,
evaluation estimates) keep DECIMALS decimals, dimensionless ratios (Q1/Q5 ratio, RII) RATIO_DECIMALS.
A difference a reader can form (trend change = to - from, gap = Q1 - Q5) is taken of the rounded terms, so it
holds exactly at the published precision. `comparison` and `significant` were decided before, on the
unrounded interval; the disclosure audit attacks the unrounded numbers, of which these are a function.
"""

from __future__ import annotations

from datetime import UTC

import duckdb
import polars as pl

from indicators.catalogue import Catalogue
from indicators.grid import published_strata

# 4 decimals: 0.0001 percentage point, euro or per 1,000, far below any difference a reader acts on, and
# 1e7 times the summation noise (so a number lands on the other side of a rounding boundary in about 1 of
# 6,000 pairs of runs on the default region; README). Ratios of two values are small numbers (RII 0.0005).
DECIMALS = 4
RATIO_DECIMALS = 6

CANDIDATE_VALUES_SQL = """
CREATE OR REPLACE TABLE candidate.indicator_values AS
SELECT indicator_id, CAST(period AS INTEGER) AS period, area_code, area_level, stratum,
       numerator, denominator, CAST(n AS BIGINT) AS n,
       round(value, {d}) AS value, round(ci_low, {d}) AS ci_low, round(ci_high, {d}) AS ci_high,
       suppressed, suppression_reason, comparison
FROM indicators.published_values
ORDER BY indicator_id, period, area_level, area_code, stratum
"""

CANDIDATE_AREAS_SQL = """
CREATE OR REPLACE TABLE candidate.areas AS
WITH latest AS (SELECT max(year) AS year FROM staging.person_year),
residents AS (
    SELECT a.ancestor_code AS area_code, count(*) AS residents
    FROM staging.person_year s JOIN staging.area_ancestors a ON a.area_code = s.buurt_code
    WHERE s.year = (SELECT year FROM latest)
    GROUP BY 1
)
SELECT a.area_code, a.area_level, a.name, a.parent_code, a.gemeente_code,
       CAST(round(coalesce(r.residents, 0) / {base}) * {base} AS BIGINT) AS residents, a.classification_year
FROM staging.areas a LEFT JOIN residents r USING (area_code)
ORDER BY a.area_level, a.area_code
"""

CANDIDATE_EQUITY_SQL = """
CREATE OR REPLACE TABLE candidate.equity_gaps AS
SELECT indicator_id, CAST(period AS INTEGER) AS period, area_code, area_level,
       round(q1_value, {d}) AS q1_value, round(q5_value, {d}) AS q5_value,
       CASE WHEN gap IS NOT NULL THEN round(round(q1_value, {d}) - round(q5_value, {d}), {d}) END AS gap,
       round(ratio, {r}) AS ratio, round(sii, {d}) AS sii, round(sii_ci_low, {d}) AS sii_ci_low,
       round(sii_ci_high, {d}) AS sii_ci_high, round(rii, {r}) AS rii, round(rii_ci_low, {r}) AS rii_ci_low,
       round(rii_ci_high, {r}) AS rii_ci_high, suppressed
FROM indicators.equity_gaps ORDER BY indicator_id, period, area_level, area_code
"""

# A participant-level evaluation counts persons in n_areas_*: published rounded like every count of persons.
CANDIDATE_EVALUATION_SQL = """
CREATE OR REPLACE TABLE candidate.evaluation_results AS
SELECT intervention_id, indicator_id, method,
       round(estimate, {d}) AS estimate, round(ci_low, {d}) AS ci_low, round(ci_high, {d}) AS ci_high,
       CASE WHEN method LIKE 'did_participants%' THEN CAST(floor(n_areas_treated / {base} + 0.5) * {base} AS BIGINT)
            ELSE n_areas_treated END AS n_areas_treated,
       CASE WHEN method LIKE 'did_participants%' THEN CAST(floor(n_areas_comparison / {base} + 0.5) * {base} AS BIGINT)
            ELSE n_areas_comparison END AS n_areas_comparison,
       periods, status, reason, caveat, estimand, inference, round(p_value, 4) AS p_value, round(mde, {d}) AS mde
FROM indicators.evaluation_results ORDER BY intervention_id, indicator_id, method
"""

# Scenario figures are computed from the rounded persons and events, and hidden with the segment's own cell
# (the persons of a segment are its numerator) or when the events rest on 1..min_count-1 persons.
CANDIDATE_SCENARIOS_SQL = """
CREATE OR REPLACE TABLE candidate.impact_scenarios AS
WITH s AS (
    SELECT m.*,
           coalesce(v.suppressed, true) OR m.persons < {min_count}
               OR (m.persons_with_events > 0 AND m.persons_with_events < {min_count}) AS hidden,
           floor(m.persons / {base} + 0.5) * {base} AS persons_r,
           floor(m.baseline_events / {base} + 0.5) * {base} AS events_r
    FROM marts.impact_scenarios m
    LEFT JOIN indicators.published_values v
        ON v.indicator_id = 'phm_segment_' || m.segment AND v.period = m.period
       AND v.area_code = m.area_code AND v.stratum = 'totaal'
)
SELECT CAST(period AS INTEGER) AS period, area_code, area_level, scenario, segment, outcome,
       CASE WHEN NOT hidden THEN CAST(persons_r AS BIGINT) END AS persons,
       CASE WHEN NOT hidden THEN CAST(events_r AS BIGINT) END AS baseline_events,
       reach_share, assumed_effect,
       CASE WHEN NOT hidden THEN round(persons_r * reach_share) END AS persons_reached,
       CASE WHEN NOT hidden THEN round(events_r * reach_share * assumed_effect, 1) END AS expected_change_in_events,
       hidden AS suppressed
FROM s ORDER BY ALL
"""

# Model estimates only where the direct cell is published (indicators/small_area.py fits on nothing else);
# the join makes the rule hold here too, whatever the warehouse table holds.
CANDIDATE_SMALL_AREA_SQL = """
CREATE OR REPLACE TABLE candidate.small_area_estimates AS
SELECT s.indicator_id, CAST(s.period AS INTEGER) AS period, s.area_code, s.area_level, s.method,
       round(v.value, {d}) AS direct_value, round(s.value, {d}) AS value, round(s.ci_low, {d}) AS ci_low,
       round(s.ci_high, {d}) AS ci_high, round(s.direct_weight, {r}) AS direct_weight
FROM indicators.small_area_estimates s
JOIN indicators.published_values v
  ON v.indicator_id = s.indicator_id AND v.period = s.period AND v.area_code = s.area_code
 AND v.stratum = 'totaal' AND NOT v.suppressed AND v.value IS NOT NULL
ORDER BY s.indicator_id, s.period, s.area_level, s.area_code
"""

CANDIDATE_TRENDS_SQL = """
CREATE OR REPLACE TABLE candidate.trends AS
SELECT indicator_id, area_code, area_level, stratum, CAST(from_period AS INTEGER) AS from_period,
       CAST(to_period AS INTEGER) AS to_period, round(from_value, {d}) AS from_value, round(to_value, {d}) AS to_value,
       CASE WHEN change IS NOT NULL THEN round(round(to_value, {d}) - round(from_value, {d}), {d}) END AS change,
       round(ci_low, {d}) AS ci_low, round(ci_high, {d}) AS ci_high, significant, suppressed
FROM indicators.trends ORDER BY ALL
"""

QUALITY_SQL = """
CREATE OR REPLACE TABLE candidate.quality_results AS
SELECT run_id, check_name, asset, severity, kahn_category, status, observed, threshold, affected_indicators, message,
       description_nl, message_nl
FROM quality.check_results WHERE run_id = ? ORDER BY checked_at, asset, check_name
"""

MANIFEST_SQL = """
CREATE OR REPLACE TABLE candidate.run_manifest AS
SELECT ?::VARCHAR AS run_id, ?::TIMESTAMP AS started_at, ?::TIMESTAMP AS finished_at, ?::VARCHAR AS code_version,
       ?::VARCHAR AS config_hash, source, path,
       'sha256-' || to_base64(unhex(sha256)) AS sha256,  -- SRI form: never a bare 64-hex string
       rows_read, rows_loaded, rows_quarantined,
       NULL::VARCHAR AS version
FROM meta.ingest_files
UNION ALL
SELECT ?, ?, ?, ?, ?, 'code_list', file, NULL, NULL, NULL, NULL, version
FROM (SELECT unnest(?::VARCHAR[]) AS file, unnest(?::VARCHAR[]) AS version)
ORDER BY source, path
"""


def build_candidate(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, rounding_base: int,
                    min_count: int = 10) -> dict[str, int]:
    """Create the aggregate candidate tables (values, areas, catalogue)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS candidate")
    digits = {"d": DECIMALS, "r": RATIO_DECIMALS}
    con.execute(CANDIDATE_VALUES_SQL.format(**digits))
    con.execute(CANDIDATE_AREAS_SQL.format(base=int(rounding_base)))
    con.execute(CANDIDATE_EQUITY_SQL.format(**digits))
    con.execute(CANDIDATE_EVALUATION_SQL.format(base=int(rounding_base), **digits))
    con.execute(CANDIDATE_TRENDS_SQL.format(**digits))
    con.execute(CANDIDATE_SMALL_AREA_SQL.format(**digits))
    con.execute(CANDIDATE_SCENARIOS_SQL.format(base=int(rounding_base), min_count=int(min_count)))
    # the strata as published: every stratum of every dimension (the Zvw cost categories, 65+), as in indicator_values
    strata = published_strata(con, catalogue)
    rows = [{**row, "strata": strata.get(row["indicator_id"], row["strata"])} for row in catalogue.rows()]
    con.register("_catalogue", pl.DataFrame(rows).to_arrow())
    con.execute("CREATE OR REPLACE TABLE candidate.indicator_catalogue AS SELECT * FROM _catalogue")
    con.unregister("_catalogue")
    return {t: con.execute(f"SELECT count(*) FROM candidate.{t}").fetchone()[0]
            for t in ("indicator_values", "areas", "indicator_catalogue", "equity_gaps", "evaluation_results",
                      "impact_scenarios", "trends", "small_area_estimates")}


def add_run_tables(con: duckdb.DuckDBPyConnection, run_id: str, started_at, finished_at, code_version: str,
                   config_hash: str, code_list_versions: dict[str, str]) -> None:
    """Add quality_results (from quality.check_results) and run_manifest: the provenance of this publication."""
    started_at, finished_at = (t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t
                               for t in (started_at, finished_at))  # stored as naive UTC
    con.execute(QUALITY_SQL, [run_id])
    run = [run_id, started_at, finished_at, code_version, config_hash]
    con.execute(MANIFEST_SQL, run + run + [list(code_list_versions), list(code_list_versions.values())])
