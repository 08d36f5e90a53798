"""The result of one quality check, in the shape `quality_results` publishes."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from quality.descriptions import description

SEVERITIES = ("error", "warn")
KAHN_CATEGORIES = ("conformance", "completeness", "plausibility")

CHECK_RESULTS_DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.check_results (
    run_id VARCHAR, check_name VARCHAR, asset VARCHAR, severity VARCHAR, kahn_category VARCHAR,
    status VARCHAR, observed VARCHAR, threshold VARCHAR, affected_indicators VARCHAR, message VARCHAR,
    checked_at TIMESTAMP DEFAULT current_timestamp
);
ALTER TABLE quality.check_results ADD COLUMN IF NOT EXISTS description_nl VARCHAR;
ALTER TABLE quality.check_results ADD COLUMN IF NOT EXISTS message_nl VARCHAR;
"""


@dataclass(frozen=True)
class CheckOutcome:
    """A check's verdict: `passed`, with what was observed against which threshold, and why it matters."""

    check_name: str
    asset: str
    severity: str
    kahn_category: str
    passed: bool
    observed: str
    threshold: str
    message: str
    affected_indicators: tuple[str, ...] = ()
    message_nl: str = ""  # the Dutch message for the report; empty: the report shows the description


    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.check_name}: severity {self.severity!r} not in {SEVERITIES}")
        if self.kahn_category not in KAHN_CATEGORIES:
            raise ValueError(f"{self.check_name}: Kahn category {self.kahn_category!r} not in {KAHN_CATEGORIES}")

    @property
    def description_nl(self) -> str:
        """What the check guards, in Dutch (quality/descriptions.py)."""
        return description(self.check_name)

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"


def record(con: duckdb.DuckDBPyConnection, run_id: str, outcome: CheckOutcome) -> None:
    """Store the outcome so that `quality_results` lists every check of the run, pass or fail."""
    con.execute(CHECK_RESULTS_DDL)
    con.execute(
        "DELETE FROM quality.check_results WHERE run_id = ? AND check_name = ? AND asset = ?",
        [run_id, outcome.check_name, outcome.asset],
    )
    con.execute(
        "INSERT INTO quality.check_results (run_id, check_name, asset, severity, kahn_category, status, observed, "
        "threshold, affected_indicators, message, checked_at, description_nl, message_nl) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, ?, ?)",
        [run_id, outcome.check_name, outcome.asset, outcome.severity, outcome.kahn_category, outcome.status,
         outcome.observed, outcome.threshold, ",".join(outcome.affected_indicators), outcome.message,
         outcome.description_nl, outcome.message_nl or None],
    )
