"""Small helpers that make asset metadata readable in the Dagster UI."""

from __future__ import annotations

import dagster as dg
import polars as pl


def markdown_table(frame: pl.DataFrame, max_rows: int = 20) -> dg.MetadataValue:
    """A polars frame as a Markdown table (aggregates only: never pass person-level rows)."""
    head = frame.head(max_rows)
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in head.iter_rows()]
    return dg.MetadataValue.md("\n".join(lines))


def preview(con, sql: str) -> dg.MetadataValue:
    return markdown_table(con.execute(sql).pl())
