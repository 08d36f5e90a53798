"""Ingest assets: one per landing source, `raw/<source>`, with blocking completeness checks."""


import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from pipelines.checks import check_spec, to_result
from pipelines.metadata import key_in, markdown_table, table_key, table_metadata, table_results
from pipelines.partitions import partition_years
from pipelines.resources import PhmConfig
from quality import checks
from quality.completeness import assess, completeness_outcomes, records_per_year
from quality.contracts import SOURCES
from transforms.areas import area_codes
from transforms.cbs.ingest import CBS_SOURCES, ingest_cbs_source
from transforms.ingest import ingest_source
from transforms.warehouse import write_table

COMPLETENESS = table_key("quality.source_completeness")


def _files_table(results) -> str:
    lines = ["| file | encoding | rows read | loaded | quarantined |", "|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.info.path.name} | {r.info.encoding or r.info.format} | {r.info.rows_read} | "
                     f"{r.rows_loaded} | {r.rows_quarantined} |")
    return "\n".join(lines)


def _cbs_files_table(ingested) -> str:
    lines = ["| CBS file | rows read | loaded | quarantined |", "|---|---|---|---|"]
    lines += [f"| {f.rel} | {f.rows_read} | {f.rows_loaded} | {f.rows_quarantined} |" for f in ingested.files]
    lines.append(f"| adapter:{ingested.source} | {ingested.adapter_loaded + ingested.adapter_quarantined} | "
                 f"{ingested.adapter_loaded} | {ingested.adapter_quarantined} |")
    return "\n".join(lines)


def _ingest_cbs(context: dg.AssetExecutionContext, con, source: str, settings) -> dict:
    """The `cbs_microdata` layout: raw.<source> from the CBS files (transforms/cbs/), always every year."""
    ingested = ingest_cbs_source(con, source, settings.cbs_root, settings.years, settings.input.pseudonym_salt,
                                 settings.reference_dir, settings.gemeenten, area_codes(con, "buurt"))
    for path in ingested.superseded:
        context.log.info(f"{source}: superseded CBS version ignored: {path}")
    return {"rows": ingested.adapter_loaded, "rows_read": sum(f.rows_read for f in ingested.files),
            "rows_quarantined": sum(f.rows_quarantined for f in ingested.files) + ingested.adapter_quarantined,
            "files": len(ingested.files), "layout": "cbs_microdata",
            "superseded_versions_ignored": ", ".join(p.name for p in ingested.superseded) or "-",
            "per_file": dg.MetadataValue.md(_cbs_files_table(ingested))}


def ingest_asset(source: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", source])
    # the CBS layout's insured days come from the population spine (CBS has no insured-days variable)
    deps = [table_key("staging.areas")] + ([dg.AssetKey(["raw", "population"])] if source == "zvw_costs" else [])

    @dg.multi_asset(
        name=f"raw__{source}",
        group_name="ingest",
        specs=[
            dg.AssetSpec(key, deps=deps, kinds={"duckdb"},
                         description=f"Landing files of `{source}` validated by their Pandera contract into "
                                     f"raw.{source}."),
            dg.AssetSpec(table_key(f"quarantine.{source}"), deps=[table_key("staging.areas")], kinds={"duckdb"},
                         description=f"Rows of `{source}` landing files that break its contract, with file, row "
                                     f"and reasons."),
        ],
        check_specs=[
            check_spec(key, "rows_accounted_for", "rows read = loaded + quarantined for every file"),
            check_spec(key, "quarantine_share", "share of quarantined rows per file below the threshold"),
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
        settings = phm.settings()
        only = partition_years(context, settings)
        if settings.layout == "cbs_microdata" and source in CBS_SOURCES:
            with warehouse.get_connection() as con:
                metadata = _ingest_cbs(context, con, source, settings)
                yield from table_results(context, con, [f"raw.{source}", f"quarantine.{source}"],
                                         {f"raw.{source}": metadata})
            yield from _checks(context, warehouse, source, settings)
            return
        with warehouse.get_connection() as con:
            results = ingest_source(con, source, settings.landing_dir, settings.years, area_codes(con), only)
        read = sum(r.info.rows_read for r in results)
        loaded = sum(r.rows_loaded for r in results)
        quarantined = sum(r.rows_quarantined for r in results)
        extra = sorted({c for r in results for c in r.extra_columns})
        if extra:
            context.log.warning(f"{source}: extra columns ignored: {', '.join(extra)}")
        with warehouse.get_connection() as con:
            yield from table_results(context, con, [f"raw.{source}", f"quarantine.{source}"], {f"raw.{source}": {
                "rows": loaded, "rows_read": read, "rows_quarantined": quarantined, "files": len(results),
                "extra_columns_ignored": ", ".join(extra) or "-",
                "per_file": dg.MetadataValue.md(_files_table(results)),
            }})
        yield from _checks(context, warehouse, source, settings)

    return _ingest


def _checks(context: dg.AssetExecutionContext, warehouse: DuckDBResource, source: str, settings):
    """The ingest's blocking checks, the same in both layouts: every file balances, little quarantine."""
    with warehouse.get_connection() as con:
        outcomes = [checks.ingest_balance(con, source),
                    checks.quarantine_share(con, source, settings.checks.max_quarantine_share)]
    for outcome in outcomes:
        yield to_result(context.run.run_id, warehouse, outcome, key_in(context, f"raw.{source}"))


INGEST_ASSETS = [ingest_asset(source) for source in SOURCES]


@dg.asset(key=COMPLETENESS, group_name="ingest", kinds={"duckdb"},
          deps=[dg.AssetKey(["raw", source]) for source in SOURCES],
          description="The completeness gate: for every configured year, every source a file with a plausible "
                      "number of records of that year (against the year before and per resident; thresholds in "
                      "[completeness] of phm.toml). Writes quality.source_completeness; a source-year the operator "
                      "allowed to be incomplete is published as suppressed, reason 'bron onvolledig'.",
          check_specs=[check_spec(COMPLETENESS, "source_completeness",
                                  "every required source complete for every configured year (blocking)"),
                       check_spec(COMPLETENESS, "incomplete_sources_allowed",
                                  "source-years published as suppressed (bron onvolledig)")])
def source_completeness(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    with warehouse.get_connection() as con:
        assessed = assess(records_per_year(con, s.years), s.completeness, s.allow_incomplete, str(s.landing_dir))
        write_table(con, "quality.source_completeness", assessed)
        metadata = table_metadata(con, "quality.source_completeness")
    incomplete = assessed.filter(pl.col("status") != "complete")
    yield dg.MaterializeResult(metadata={
        **metadata, "rows": assessed.height, "incomplete": incomplete.height,
        "per_source_year": markdown_table(
            assessed.select("source", "year", "files", "records", "expected", "status", "allowed")),
    })
    for outcome in completeness_outcomes(assessed, s.years):
        yield to_result(context.run.run_id, warehouse, outcome, context.asset_key)
