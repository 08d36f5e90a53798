"""Ingest assets: one per landing source, `raw/<source>`, with blocking completeness checks."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.checks import check_spec, to_result
from pipelines.partitions import partition_years
from pipelines.resources import PhmConfig
from quality import checks
from quality.contracts import SOURCES
from transforms.areas import area_codes
from transforms.ingest import ingest_source


def _files_table(results) -> str:
    lines = ["| file | encoding | rows read | loaded | quarantined |", "|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.info.path.name} | {r.info.encoding or r.info.format} | {r.info.rows_read} | "
                     f"{r.rows_loaded} | {r.rows_quarantined} |")
    return "\n".join(lines)


def ingest_asset(source: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", source])

    @dg.asset(
        key=key,
        group_name="ingest",
        deps=[dg.AssetKey(["staging", "areas"])],
        kinds={"duckdb"},
        description=f"Landing files of `{source}` validated by their Pandera contract into raw.{source}; "
                    f"rows that break it go to quarantine.{source} with file, row and reasons.",
        check_specs=[
            check_spec(key, "rows_accounted_for", "rows read = loaded + quarantined for every file"),
            check_spec(key, "quarantine_share", "share of quarantined rows per file below the threshold"),
            check_spec(key, "file_per_year", "a file for every configured year"),
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
        settings = phm.settings()
        only = partition_years(context, settings)
        with warehouse.get_connection() as con:
            results = ingest_source(con, source, settings.landing_dir, settings.years, area_codes(con), only)
        read = sum(r.info.rows_read for r in results)
        loaded = sum(r.rows_loaded for r in results)
        quarantined = sum(r.rows_quarantined for r in results)
        extra = sorted({c for r in results for c in r.extra_columns})
        if extra:
            context.log.warning(f"{source}: extra columns ignored: {', '.join(extra)}")
        yield dg.MaterializeResult(metadata={
            "rows": loaded, "rows_read": read, "rows_quarantined": quarantined, "files": len(results),
            "extra_columns_ignored": ", ".join(extra) or "-",
            "per_file": dg.MetadataValue.md(_files_table(results)),
        })
        with warehouse.get_connection() as con:
            outcomes = [checks.ingest_balance(con, source),
                        checks.quarantine_share(con, source, float(settings.checks.get("max_quarantine_share", 0.02))),
                        checks.source_present(con, source, list(settings.years))]
        for outcome in outcomes:
            yield to_result(context.run.run_id, warehouse, outcome, key)

    return _ingest


INGEST_ASSETS = [ingest_asset(source) for source in SOURCES]
