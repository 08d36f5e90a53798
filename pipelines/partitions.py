"""Year partitions: a run recomputes the person-level assets of the years it targets, not the whole history.

Person-level assets (ingest, spine, marts, PHM steps 1-4) are partitioned by year; indicators, evaluation
and publication read every year and are not. `phm run` targets all configured years in one run (a
partition range); `phm run --year 2025` or the landing sensor targets only the years whose files changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import dagster as dg

from pipelines.config import Settings

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def year_partitions(regions: Iterable[Settings]) -> dg.StaticPartitionsDefinition:
    """One partition per year configured for any region of the deployment."""
    return dg.StaticPartitionsDefinition(sorted({str(y) for s in regions for y in s.years}))


def partitioned_by_year(assets: Sequence[dg.AssetsDefinition],
                        partitions: dg.StaticPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return list(dg.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions), assets))


def partition_years(context: dg.AssetExecutionContext, settings: Settings) -> list[int] | None:
    """The years this step writes; None when it covers every configured year (then tables are rebuilt whole)."""
    years = sorted(int(key) for key in context.partition_keys)
    foreign = [y for y in years if y not in settings.years]
    if foreign:
        raise ValueError(f"year partition(s) {foreign} are not configured for region {settings.region_code} "
                         f"(years {list(settings.years)} in {settings.config_path}); add them to "
                         f"[run].years or the region's years, or pick another partition")
    return None if set(years) >= set(settings.years) else years


def run_tags(years: Sequence[int]) -> dict[str, str]:
    """Tags that make one run cover a range of year partitions (a single-run backfill)."""
    years = sorted(years)
    return {RANGE_START: str(years[0]), RANGE_END: str(years[-1])}
