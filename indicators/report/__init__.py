"""The Dutch steering-group report, rendered only from the published monitoring.duckdb."""

from indicators.report.render import render_report

__all__ = ["render_report"]
