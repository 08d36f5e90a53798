"""Turning quality outcomes into Dagster asset-check results (and recording them for quality_results)."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from quality.outcomes import CheckOutcome, record
from quality.severities import severity_of


def check_spec(asset: dg.AssetKey | str, name: str, description: str) -> dg.AssetCheckSpec:
    """A check that can fail with `error` is blocking (its failure stops downstream assets); a `warn`-only
    check is not, so the Dagster UI does not call a check blocking that never stops a run."""
    return dg.AssetCheckSpec(name=name, asset=asset, blocking=severity_of(name) == "error", description=description)


def to_result(run_id: str, warehouse: DuckDBResource, outcome: CheckOutcome,
              asset_key: dg.AssetKey | None = None) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        record(con, run_id, outcome)
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.check_name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if outcome.severity == "error" else dg.AssetCheckSeverity.WARN,
        description=outcome.message,
        metadata={
            "severity": outcome.severity,
            "kahn_category": outcome.kahn_category,
            "observed": outcome.observed,
            "threshold": outcome.threshold,
            "affected_indicators": ", ".join(outcome.affected_indicators) or "-",
        },
    )
