"""Run the expectation suites in a file-based GX context and turn each result into a CheckOutcome.

The context under `gx_dir` is rebuilt on every run from the suites in code; the quality pages
(`data_docs.write_site`) show exactly this run's validation results (the history of all runs is
`quality_results`). GX is imported lazily: it takes seconds, and the
Dagster code location imports this module on every start (a run can start the import early with
`preload_great_expectations`).
"""

from __future__ import annotations

import shutil
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from quality.expectations import data_docs
from quality.expectations.preload import import_great_expectations
from quality.expectations.suites import ASSETS, SUITES, Suite, SuiteOptions, staging_person_year
from quality.outcomes import CheckOutcome

# Person-level suites report counts only: sample values would be a person's data, and the Data Docs are
# published. BASIC, not SUMMARY: with no samples the pages are the same, and GX then skips collecting the
# row index of every unexpected value (two copies of a 3M-row frame per expectation).
PERSON_LEVEL_RESULT = {"result_format": "BASIC", "partial_unexpected_count": 0}
AGGREGATE_RESULT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
MESSAGE_SAMPLES = 3
PAGE_SAMPLES = 10
DESCRIPTIONS = {build.__name__: (build.__doc__ or "").strip().splitlines()[0] for build in SUITES}
READ_ORDER = (*(build for build in SUITES if build is not staging_person_year), staging_person_year)


def run_expectation_suites(con: duckdb.DuckDBPyConnection, gx_dir: Path, data_docs_dir: Path,
                           previous_publication: Path | None, *, max_change: float = 0.5,
                           rounding_base: int = 5) -> list[CheckOutcome]:
    """Validate every suite against the warehouse, write the quality pages to `data_docs_dir`; one outcome per
    suite.

    `previous_publication` is the last published monitoring.duckdb (None or missing: no run-to-run check);
    `max_change` the relative change of a gemeente or regio total beyond which a cell counts as jumping.
    """
    options = SuiteOptions(previous_publication, max_change, rounding_base)
    outcomes: dict[str, CheckOutcome] = {}
    pages: dict[str, data_docs.SuiteResult] = {}
    # One thread reads the frames (DuckDB and Arrow, mostly outside the GIL) while this one creates the
    # context and validates (GX, Python): the large staging frame comes last, its read overlapping with
    # validating the others. The reader has its own cursor: a DuckDB connection is not shared by threads.
    with con.cursor() as cursor, ThreadPoolExecutor(1, thread_name_prefix="gx-frames") as reader:
        reads = deque((build.__name__, reader.submit(build, cursor, options)) for build in READ_ORDER)
        try:
            context = _fresh_context(Path(gx_dir), Path(data_docs_dir))
            while reads:
                name, read = reads.popleft()  # the frame is freed once validated: two large ones at most
                try:
                    suite = read.result()
                except (duckdb.CatalogException, duckdb.BinderException) as missing:  # table or column not built
                    outcomes[name] = _unreadable(name, missing)
                    pages[name] = data_docs.SuiteResult(name, DESCRIPTIONS[name], ASSETS[name], None, outcomes[name])
                    continue
                outcomes[name], pages[name] = _validate(context, suite)
                del suite, read
        finally:
            reader.shutdown(cancel_futures=True)  # after an error, read no further frames
    data_docs.write_site(Path(data_docs_dir), [pages[build.__name__] for build in SUITES])
    return [outcomes[build.__name__] for build in SUITES]


def _unreadable(name: str, error: duckdb.Error) -> CheckOutcome:
    """A suite whose table or column is missing fails (blocking) instead of stopping the other suites."""
    category = "completeness" if isinstance(error, duckdb.CatalogException) else "conformance"
    return CheckOutcome(f"gx_{name}", ASSETS[name], "error", category, False, "not readable",
                        "table and columns present", str(error).splitlines()[0])


def _fresh_context(gx_dir: Path, site_dir: Path) -> Any:
    """A new file context in `gx_dir` without Data Docs sites (the quality pages are rendered from the
    validation results: GX's own need a network); no analytics, no progress bars."""
    import_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    data_docs.check_site_dir(site_dir)
    project = gx_dir / "gx"
    if (project / "great_expectations.yml").exists():  # only ever remove a folder GX made
        shutil.rmtree(project)
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    for name in context.get_site_names():
        context.delete_data_docs_site(name)
    context.variables.save()
    return context


def _validate(context: Any, suite: Suite) -> tuple[CheckOutcome, data_docs.SuiteResult]:
    """Run one suite through a checkpoint (which stores the result in the context) and summarise it, for
    `quality_results` and for the suite's quality page."""
    import_great_expectations()
    import great_expectations as gx

    source = context.data_sources.add_or_update_pandas(name="warehouse")
    batch = source.add_dataframe_asset(name=suite.name).add_batch_definition_whole_dataframe("whole_table")
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=suite.expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=suite.name, validation_definitions=[definition], actions=[],
        result_format=PERSON_LEVEL_RESULT if suite.person_level else AGGREGATE_RESULT))
    result = checkpoint.run(batch_parameters={"dataframe": suite.frame})
    runs = list(result.run_results.values())
    results = [r for run in runs for r in run.results]
    outcome = summarise(suite, results)
    validated_at = next((str(run.meta.get("validation_time", "")) for run in runs), "")
    page = data_docs.SuiteResult(
        suite.name, DESCRIPTIONS[suite.name], suite.asset, len(suite.frame), outcome,
        [r.to_json_dict() for r in results],
        {i: rows for i, r in enumerate(results) if not r.success and (rows := _sample_rows(suite, r)[:PAGE_SAMPLES])},
        validated_at[:19].replace("T", " ") + (" UTC" if validated_at else ""))
    return outcome, page


def summarise(suite: Suite, results: list[Any]) -> CheckOutcome:
    """One CheckOutcome: `error` if a critical expectation failed, `warn` if only warnings did."""
    failed = [r for r in results if not r.success]
    blocking = [r for r in failed if _severity(r) == "error"]
    worst = blocking or failed
    if worst:
        severity, category = _severity(worst[0]), worst[0].expectation_config.meta.get("kahn_category")
    else:
        has_blocking = any(e.severity == "critical" for e in suite.expectations)
        severity, category = ("error" if has_blocking else "warn"), suite.kahn_category
    details = [_describe(suite, r) for r in failed] or [f"all {len(results)} expectations met on "
                                                        f"{len(suite.frame)} rows"]
    affected = sorted({str(row["indicator_id"]) for r in failed for row in _sample_rows(suite, r)
                       if "indicator_id" in row})
    return CheckOutcome(f"gx_{suite.name}", suite.asset, severity, category or suite.kahn_category,
                        not failed, f"{len(failed)} of {len(results)} expectations failed", "0 failed",
                        "; ".join([*details, *suite.notes]), tuple(affected),
                        message_nl=f"{len(failed)} van {len(results)} verwachtingen niet gehaald" if failed else
                        f"alle {len(results)} verwachtingen gehaald")


def _severity(result: Any) -> str:
    return "error" if str(result.expectation_config.severity.value) == "critical" else "warn"


def _describe(suite: Suite, result: Any) -> str:
    """`expect_x(column) where <condition> [threshold]: what was observed, e.g. which cells`."""
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ", ".join(kwargs.get("column_list") or [])
    text = f"{config.type}({column})"
    if kwargs.get("row_condition"):
        text += f" where {data_docs.condition_text(kwargs['row_condition'])}"
    text += f" [{data_docs.threshold_text(kwargs)}]"
    outcome = result.result or {}
    if "unexpected_count" in outcome:
        checked = outcome.get("element_count", 0) - outcome.get("missing_count", 0)  # GX skips nulls
        text += (f": {outcome['unexpected_count']} of {checked} rows "
                 f"({outcome.get('unexpected_percent') or 0:.2g} %) unexpected")
    elif "observed_value" in outcome:
        observed = outcome["observed_value"]
        text += f": observed {observed:.4g}" if isinstance(observed, float) else f": observed {observed}"
    elif (result.exception_info or {}).get("raised_exception"):
        text += f": GX could not evaluate it ({result.exception_info.get('exception_message')})"
    rows = _sample_rows(suite, result)[:MESSAGE_SAMPLES]
    if rows:
        text += ", e.g. " + ", ".join(" ".join(str(v) for v in row.values()) for row in rows)
    return text


def _sample_rows(suite: Suite, result: Any) -> list[dict[str, Any]]:
    """The identifying columns of the first offending rows (aggregate suites only; GX gives their index)."""
    if suite.person_level or not suite.sample_columns:
        return []
    index = [int(i) for i in (result.result or {}).get("partial_unexpected_index_list") or []
             if not isinstance(i, dict)]
    rows = suite.frame.loc[[i for i in index if i in suite.frame.index], list(suite.sample_columns)]
    return rows.to_dict("records")
