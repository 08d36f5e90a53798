"""Great Expectations (GX Core 1.x) suites on the staging marts and the publication candidate.

GX validates pandas frames read from the warehouse (GX 1.x does not take Polars), in a file-based
context under the data directory, so each run also renders Data Docs HTML. One CheckOutcome per
suite: conformance and completeness suites block publication (`error`), distribution and
run-to-run suites warn.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from quality.outcomes import CheckOutcome

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no usage statistics leave the machine


@dataclass(frozen=True)
class Suite:
    name: str
    asset: str
    severity: str
    kahn_category: str
    frame: Callable[[duckdb.DuckDBPyConnection, Path | None], pd.DataFrame | None]
    expectations: Callable[[duckdb.DuckDBPyConnection], list]
    affected: tuple[str, ...] = ()


def _spine(con, _previous):
    return con.execute(
        "SELECT pseudo_id, year, sex, buurt_code, age, alive_days, "
        "CAST(age >= 75 AS DOUBLE) AS is_75plus, CAST(age < 18 AS DOUBLE) AS is_0_17 FROM staging.person_year"
    ).df()


def _person_year(con, _previous):
    return con.execute(
        "SELECT n_chronic, insured_years, zvw_cost, CAST(n_chronic >= 2 AS DOUBLE) AS multimorbid, "
        "CAST(wmo AS DOUBLE) AS wmo_user FROM marts.person_year WHERE year = (SELECT max(year) FROM marts.person_year)"
    ).df()


def _candidate(con, _previous):
    return con.execute(
        "SELECT indicator_id, period, area_code, stratum, "
        "suppressed AND (value IS NOT NULL OR n IS NOT NULL) AS leaks_value, "
        "(n IS NULL OR n % 5 = 0) AND (numerator IS NULL OR numerator % 5 = 0) "
        "AND (denominator IS NULL OR denominator % 5 = 0) AS rounded FROM candidate.indicator_values"
    ).df()


def _run_to_run(con, previous: Path | None):
    if previous is None or not previous.exists():
        return None
    con.execute(f"ATTACH '{previous}' AS previous_publication (READ_ONLY)")
    try:
        return con.execute(
            """SELECT n.indicator_id, n.area_code, abs(n.value - o.value) / nullif(abs(o.value), 0) AS relative_change
               FROM candidate.indicator_values n
               JOIN previous_publication.main.indicator_values o USING (indicator_id, period, area_code, stratum)
               WHERE n.area_level IN ('gemeente', 'regio') AND n.stratum = 'totaal'
                 AND n.value IS NOT NULL AND o.value IS NOT NULL AND o.value <> 0"""
        ).df()
    finally:
        con.execute("DETACH previous_publication")


def _codes(con, sql: str) -> list[str]:
    return [r[0] for r in con.execute(sql).fetchall()]


def suites(max_change: float) -> list[Suite]:
    import great_expectations as gx

    e = gx.expectations
    return [
        Suite("staging_person_year", "staging/person_year", "error", "conformance", _spine, lambda con: [
            e.ExpectColumnValuesToNotBeNull(column=c) for c in ("pseudo_id", "year", "sex", "buurt_code")
        ] + [
            e.ExpectCompoundColumnsToBeUnique(column_list=["pseudo_id", "year"]),
            e.ExpectColumnValuesToBeInSet(column="buurt_code", value_set=_codes(
                con, "SELECT area_code FROM staging.areas WHERE area_level = 'buurt'")),
            e.ExpectColumnValuesToBeInSet(column="sex", value_set=["M", "V"]),
            e.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=110),
            e.ExpectColumnValuesToBeBetween(column="alive_days", min_value=1, max_value=366),
        ], ("ph_multimorbiditeit", "ph_sterfte_per_1000")),
        Suite("staging_age_structure", "staging/person_year", "warn", "plausibility", _spine, lambda con: [
            e.ExpectColumnMeanToBeBetween(column="is_75plus", min_value=0.04, max_value=0.20),
            e.ExpectColumnMeanToBeBetween(column="is_0_17", min_value=0.12, max_value=0.26),
        ]),
        Suite("marts_person_year", "marts/person_year", "warn", "plausibility", _person_year, lambda con: [
            e.ExpectColumnValuesToBeBetween(column="n_chronic", min_value=0, max_value=15),
            e.ExpectColumnValuesToBeBetween(column="insured_years", min_value=0, max_value=1),
            e.ExpectColumnMeanToBeBetween(column="multimorbid", min_value=0.05, max_value=0.40),
            e.ExpectColumnMeanToBeBetween(column="wmo_user", min_value=0.02, max_value=0.15),
            e.ExpectColumnMeanToBeBetween(column="zvw_cost", min_value=1500, max_value=6000),
        ], ("ph_multimorbiditeit", "co_wmo_gebruik", "co_zvw_per_verzekerdejaar")),
        Suite("candidate_indicator_values", "publish/publication_candidate", "error", "conformance", _candidate,
              lambda con: [
                  e.ExpectCompoundColumnsToBeUnique(column_list=["indicator_id", "period", "area_code", "stratum"]),
                  e.ExpectColumnValuesToBeInSet(column="area_code", value_set=_codes(
                      con, "SELECT area_code FROM candidate.areas")),
                  e.ExpectColumnValuesToBeInSet(column="leaks_value", value_set=[False]),
                  e.ExpectColumnValuesToBeInSet(column="rounded", value_set=[True]),
              ]),
        Suite("candidate_run_to_run", "publish/publication_candidate", "warn", "plausibility", _run_to_run,
              lambda con: [e.ExpectColumnValuesToBeBetween(column="relative_change", min_value=0,
                                                           max_value=max_change, mostly=0.95)]),
    ]


def run_expectation_suites(con: duckdb.DuckDBPyConnection, gx_dir: Path, data_docs_dir: Path,
                           previous_publication: Path | None, *, max_change: float = 0.5) -> list[CheckOutcome]:
    """Validate every suite, build Data Docs into `data_docs_dir`; one outcome per suite."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)  # quiet logs
    context.variables.save()
    source = context.data_sources.add_or_update_pandas(name="warehouse")
    outcomes: list[CheckOutcome] = []
    for suite in suites(max_change):
        frame = suite.frame(con, previous_publication)
        if frame is None:
            outcomes.append(CheckOutcome(f"gx_{suite.name}", suite.asset, suite.severity, suite.kahn_category,
                                         True, "skipped", "-", "no previous publication to compare with"))
            continue
        assets = {a.name: a for a in source.assets}
        asset = assets.get(suite.name) or source.add_dataframe_asset(name=suite.name)
        batches = {b.name: b for b in asset.batch_definitions}
        batch = batches.get("whole_frame") or asset.add_batch_definition_whole_dataframe("whole_frame")
        gx_suite = context.suites.add_or_update(gx.ExpectationSuite(name=suite.name,
                                                                    expectations=suite.expectations(con)))
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"validate_{suite.name}", data=batch, suite=gx_suite))
        result = definition.run(batch_parameters={"dataframe": frame})
        failed = [r for r in result.results if not r.success]
        outcomes.append(CheckOutcome(
            f"gx_{suite.name}", suite.asset, suite.severity, suite.kahn_category, not failed,
            f"{len(failed)} of {len(result.results)} expectations failed", "0 failed",
            "; ".join(_describe(r) for r in failed) or f"all {len(result.results)} expectations met "
                                                        f"on {len(frame)} rows",
            suite.affected))
    context.build_data_docs()
    site = gx_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
    shutil.rmtree(data_docs_dir, ignore_errors=True)
    shutil.copytree(site, data_docs_dir)
    return outcomes


def _describe(result) -> str:
    config = result.expectation_config
    column = config.kwargs.get("column") or config.kwargs.get("column_list")
    observed = result.result.get("unexpected_count", result.result.get("observed_value"))
    return f"{config.type}({column}): {observed}"
