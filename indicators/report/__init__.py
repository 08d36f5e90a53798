"""The Dutch steering-group report, rendered only from the published monitoring.duckdb."""
