"""Small helpers that make asset metadata readable in the Dagster UI."""

from __future__ import annotations

import dagster as dg
import polars as pl

from transforms.sql import model_inputs, sql_path
from transforms.warehouse import LOG_TABLES


def markdown_table(frame: pl.DataFrame, max_rows: int = 20) -> dg.MetadataValue:
    """A polars frame as a Markdown table (aggregates only: never pass person-level rows)."""
    head = frame.head(max_rows)
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in head.iter_rows()]
    return dg.MetadataValue.md("\n".join(lines))


def preview(con, sql: str) -> dg.MetadataValue:
    return markdown_table(con.execute(sql).pl())


def table_key(table: str) -> dg.AssetKey:
    """The asset of warehouse table `schema.table`: `schema/table`."""
    return dg.AssetKey(table.split("."))


def sql_deps(*tables: str) -> list[dg.AssetKey]:
    """The assets the SQL files of `tables` read (transforms/sql/<schema>/<table>.sql), the tables themselves
    excluded: an asset's lineage comes from its SQL, not from a list kept beside it. The logs (LOG_TABLES) are
    no asset's and so no dependency."""
    inputs = set().union(*(model_inputs(t) for t in tables)) - set(tables) - set(LOG_TABLES)
    return [table_key(t) for t in sorted(inputs)]


def table_spec(table: str, description: str, deps=(), group: str | None = None) -> dg.AssetSpec:
    """The spec of warehouse table `table` in a multi-asset: key `schema/table`, its SQL's inputs as deps."""
    found = sql_path(table)
    inputs = sql_deps(table) if found.exists() else []
    return dg.AssetSpec(table_key(table), description=description, group_name=group, kinds={"duckdb"},
                        deps=[*inputs, *(d for d in deps if d not in inputs)])


def table_metadata(con, table: str) -> dict:
    """Columns (`dagster/column_schema`, from DuckDB's DESCRIBE) and `dagster/row_count` of a warehouse table."""
    columns = [dg.TableColumn(name, str(dtype)) for name, dtype, *_ in con.execute(f"DESCRIBE {table}").fetchall()]
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return {"dagster/column_schema": dg.TableSchema(columns=columns), "dagster/row_count": rows}


def key_in(context: dg.AssetExecutionContext, table: str) -> dg.AssetKey:
    """The key of `table` among the assets this step materialises (under the region's key prefix)."""
    path = table.split(".")
    return next(k for k in context.assets_def.keys if k.path[-2:] == path)


def table_results(context: dg.AssetExecutionContext, con, tables: list[str], extra: dict | None = None):
    """One MaterializeResult per table of a multi-asset; `extra` (table -> metadata) adds to the columns and rows."""
    for table in tables:
        yield dg.MaterializeResult(asset_key=key_in(context, table),
                                   metadata={**table_metadata(con, table), **(extra or {}).get(table, {})})
