"""Publish assets: the checked candidate and the atomic publication of monitoring.duckdb."""

import shutil
from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from indicators.candidate import add_run_tables, build_candidate
from indicators.catalogue import expansions_from_warehouse, load_catalogue
from indicators.disclosure_policy import DisclosurePolicy
from indicators.exports import swap_directory
from indicators.output_check import FOLDER, write_output_check
from indicators.publication import publish
from indicators.report.render import render_report
from pipelines.assets.evaluation import EQUITY, EVALUATION, PAYMENT, TRENDS
from pipelines.assets.indicators import PUBLISHED_VALUES, VALUES
from pipelines.assets.phm_steps import SCENARIOS
from pipelines.assets.small_area import SMALL_AREA
from pipelines.assets.staging import AREAS, PERSON_YEAR_MART, SPINE
from pipelines.checks import check_spec, to_result
from pipelines.metadata import key_in, table_results, table_spec
from pipelines.provenance import code_version
from pipelines.resources import PhmConfig
from quality.disclosure_audit import attack_publication
from quality.expectations import run_expectation_suites
from quality.expectations.suites import SUITE_NAMES
from quality.outcomes import CHECK_RESULTS_DDL, CheckOutcome
from quality.output_check import scan_output_folder
from quality.privacy import privacy_violations
from quality.run_to_run import run_to_run
from transforms.code_lists import versions as code_list_versions

CANDIDATE = dg.AssetKey(["publish", "publication_candidate"])
EXPECTATIONS = dg.AssetKey(["quality", "expectations"])
MONITORING = dg.AssetKey(["publish", "monitoring"])
# the tables of the candidate; the gate itself is `publish/publication_candidate`, the key its checks carry in
# the published quality_results, so the tables are further specs of the same step
CANDIDATE_TABLES = {  # table: (description, dependencies beyond those its SQL names)
    "candidate.indicator_values": ("Published values: rounded counts, values and intervals of the indicators.", []),
    "candidate.areas": ("Areas with names, parents and rounded residents.", []),
    "candidate.indicator_catalogue": ("The catalogue as published, with the strata of every indicator.",
                                      [PUBLISHED_VALUES]),  # built in Python from the catalogue
    "candidate.equity_gaps": ("Equity gaps, rounded.", []),
    "candidate.evaluation_results": ("Evaluation of interventions, rounded.", []),
    "candidate.impact_scenarios": ("Impact scenarios with small numbers hidden.", []),
    "candidate.payment_scenarios": ("Payment-model scenarios, rounded, with the cost-cell rules applied.", []),
    "candidate.cost_ledger": ("The cost ledger per payer: the published cells of the ledger indicators.", []),
    "candidate.trends": ("Trends, rounded.", []),
    "candidate.small_area_estimates": ("Model-based buurt and wijk estimates where the direct cell is published.",
                                       []),
    "candidate.quality_results": ("Check results of the run (refilled at publication).", []),
    "candidate.run_manifest": ("Input files, code and code-list versions of the run (refilled at publication).", []),
}


def _privacy(con, min_count: int) -> CheckOutcome:
    found = privacy_violations(con, "candidate", min_count)
    return CheckOutcome("privacy", "publish/publication_candidate", "error", "conformance", not found,
                        f"{len(found)} violation(s)", "0", "; ".join(found[:10]) or
                        "no pseudonym, person-level row, event date or small cell in the candidate")


def _disclosure(con, policy: DisclosurePolicy, links: list[dict]) -> CheckOutcome:
    """The attacker's audit of the candidate: everything an outsider can derive from the publication."""
    def table(sql: str):
        return con.execute(sql).pl()
    # The unrounded values, trends and gaps: the candidate publishes them rounded (a function of these), so an
    # outsider learns no more from the published file than the audit attacks.
    report = attack_publication(
        table("SELECT * FROM indicators.indicator_values"), table("SELECT * FROM indicators.published_values"),
        table("SELECT area_code, area_level, parent_code FROM staging.areas"), policy, links,
        trends=table("SELECT * FROM indicators.trends"), equity_gaps=table("SELECT * FROM indicators.equity_gaps"),
        impact_scenarios=table("SELECT * FROM candidate.impact_scenarios"),
        payment_scenarios=table("SELECT * FROM candidate.payment_scenarios"),
        small_area_estimates=table("SELECT * FROM indicators.small_area_estimates"),
        cost_ledger=table("SELECT * FROM candidate.cost_ledger"))
    # A failing run publishes nothing, so the operator may see the exact counts that leak; a passing one
    # publishes this message in quality_results, which then is the summary alone (no count in it).
    worst = "; ".join(v.message for v in report.violations[:5])
    return CheckOutcome("disclosure_policy", "publish/publication_candidate", "error", "conformance",
                        report.passed, f"{len(report.violations)} violation(s)", "0",
                        report.summary() + (f". Worst: {worst}" if worst else ""),
                        tuple(sorted({v.indicator_id for v in report.violations})))


@dg.multi_asset(
    name="publish__publication_candidate", group_name="publish",
    specs=[dg.AssetSpec(CANDIDATE, kinds={"duckdb"}, deps=[VALUES, EQUITY, EVALUATION, TRENDS, SCENARIOS, AREAS,
                                                         SMALL_AREA, PAYMENT],
                        description="The publication candidate: the aggregate contract tables in the warehouse "
                                    "schema `candidate`, checked for privacy and disclosure before anything is "
                                    "published."),
           *(table_spec(t, text, deps) for t, (text, deps) in CANDIDATE_TABLES.items())],
    check_specs=[check_spec(CANDIDATE, "privacy", "no pseudonym, person-level row, event date or small cell"),
                       check_spec(CANDIDATE, "disclosure_policy", "independent audit of the disclosure policy"),
                       check_spec(CANDIDATE, "run_to_run_values", "a value of a year published before moves only "
                                                                  "when its inputs, code or configuration changed"),
                       check_spec(CANDIDATE, "run_to_run_coverage", "no year, area or indicator of the previous "
                                                                    "publication disappears without a configuration "
                                                                    "change")],
)
def publication_candidate(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    rounding = s.disclosure.rounding_base
    with warehouse.get_connection() as con:
        catalogue = load_catalogue(s.cutoffs, expansions_from_warehouse(con))
        counts = build_candidate(con, catalogue, rounding, s.disclosure.min_count, s.price_year)
        # quality_results and run_manifest are filled at publication; empty shapes let the gate check them now.
        con.execute(CHECK_RESULTS_DDL)
        add_run_tables(con, context.run.run_id, datetime.now(UTC), datetime.now(UTC), code_version(),
                       s.config_hash, code_list_versions())
        yield from table_results(context, con, list(CANDIDATE_TABLES))
    yield dg.MaterializeResult(asset_key=key_in(context, "publish.publication_candidate"),
                               metadata={"rows": counts["indicator_values"], **counts,
                                         "tables": ", ".join(CANDIDATE_TABLES)})
    with warehouse.get_connection() as con:
        outcomes = [_privacy(con, s.disclosure.min_count),
                    _disclosure(con, s.disclosure, catalogue.disclosure_links()),
                    *run_to_run(con, s.published_dir / "monitoring.duckdb",
                                s.checks.run_to_run_tolerance,
                                {i.id: i.inputs for i in catalogue.indicators})]
    for outcome in outcomes:
        yield to_result(context.run.run_id, warehouse, outcome, key_in(context, "publish.publication_candidate"))


@dg.asset(key=EXPECTATIONS, group_name="publish", kinds={"duckdb"}, deps=[CANDIDATE, SPINE, PERSON_YEAR_MART],
          description="Great Expectations suites on the staging marts and the publication candidate "
                      "(completeness, key uniqueness, referential integrity, ranges, distributions, run-to-run "
                      "change against the previous publication); their results as static pages for published/quality/.",
          check_specs=[check_spec(EXPECTATIONS, f"gx_{name}", f"Great Expectations suite {name}")
                       for name in SUITE_NAMES])
def expectations(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    previous = s.published_dir / "monitoring.duckdb"
    with warehouse.get_connection() as con:
        outcomes = run_expectation_suites(con, s.data_dir / "gx", s.data_dir / "gx_docs",
                                          previous if previous.exists() else None,
                                          rounding_base=s.disclosure.rounding_base)
    yield dg.MaterializeResult(metadata={"rows": len(outcomes), "data_docs": str(s.data_dir / "gx_docs"),
                                         "failed": sum(not o.passed for o in outcomes)})
    for outcome in outcomes:
        yield to_result(context.run.run_id, warehouse, outcome, context.asset_key)


@dg.asset(key=MONITORING, group_name="publish", kinds={"duckdb"}, deps=[CANDIDATE, EXPECTATIONS],
          description="Atomic publication of published/monitoring.duckdb (write beside, fsync, os.replace), "
                      "a copy under published/versions/ and manifest.json. Runs only when every blocking "
                      "check upstream passed.")
def monitoring(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    run = context.instance.get_run_stats(context.run.run_id)
    started = datetime.fromtimestamp(run.start_time, UTC) if run and run.start_time else datetime.now(UTC)
    with warehouse.get_connection() as con:
        add_run_tables(con, context.run.run_id, started, datetime.now(UTC), code_version(), s.config_hash,
                       code_list_versions())
        found = privacy_violations(con, "candidate", s.disclosure.min_count)
        if found:
            raise dg.Failure(description="privacy check failed on the final candidate; nothing published: "
                                         + "; ".join(found[:5]))
        failed = con.execute("SELECT count(*) FROM candidate.quality_results WHERE status = 'failed' "
                             "AND severity = 'error'").fetchone()[0]
        if failed:
            raise dg.Failure(description=f"{failed} blocking check(s) failed in this run; nothing published")
        inputs = con.execute("SELECT source, path, sha256, rows_read, rows_loaded, rows_quarantined "
                             "FROM candidate.run_manifest WHERE source <> 'code_list' ORDER BY source, path"
                             ).pl().to_dicts()
        verdict = con.execute("SELECT count(*) FILTER (WHERE status = 'failed' AND severity = 'warn') "
                              "FROM candidate.quality_results").fetchone()[0]
        manifest = publish(con, s.published_dir, context.run.run_id, {
            "code_version": code_version(), "config_hash": s.config_hash, "region": s.region_code,
            "gemeenten": list(s.gemeenten), "years": list(s.years), "inputs": inputs,
            "code_lists": code_list_versions(),
            "check_verdict": "passed" if not verdict else f"passed with {verdict} warning(s)",
        }, folders={"quality": s.data_dir / "gx_docs"})
    return dg.MaterializeResult(metadata={
        "path": str(s.published_dir / "monitoring.duckdb"), "version": manifest["version"],
        "exports": str(s.published_dir / "exports"),
        "rows": sum(manifest["row_counts"].values()), "verdict": manifest["check_verdict"],
    })


@dg.asset(key=dg.AssetKey(["publish", "report"]), group_name="publish", deps=[MONITORING],
          description="The Dutch steering-group report (published/report/index.html plus a page per gemeente and "
                      "wijk), rendered only from the published monitoring.duckdb; opens offline.")
def report(phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    index = render_report(s.published_dir / "monitoring.duckdb", s.published_dir / "report", s.reference_dir)
    return dg.MaterializeResult(metadata={"path": str(index), "rows": len(list(index.parent.glob("*.html")))})


OUTPUT_CHECK = dg.AssetKey(["publish", "output_check"])


@dg.asset(key=OUTPUT_CHECK, group_name="publish", deps=[MONITORING],
          description="published/output_check/: the aggregate tables as CSV and XLSX, every table and variable "
                      "described, the disclosure rules of the run; for CBS's output check (Remote Access).",
          check_specs=[check_spec(OUTPUT_CHECK, "output_check", "no key, RIN-like string, minimum or maximum")])
def output_check(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    staged, folder = s.published_dir / f".{FOLDER}.new", s.published_dir / FOLDER
    written = write_output_check(s.published_dir / "monitoring.duckdb", staged, s.disclosure)
    outcome = scan_output_folder(staged)
    if outcome.passed:
        swap_directory(staged, folder)
    else:  # nothing CBS would refuse stays on disk, also not the folder of an earlier run
        shutil.rmtree(staged, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
    yield dg.MaterializeResult(metadata={"path": str(folder), "rows": len(written), "passed": outcome.passed})
    yield to_result(context.run.run_id, warehouse, outcome, context.asset_key)


PUBLISH_ASSETS = [publication_candidate, expectations, monitoring, report, output_check]
