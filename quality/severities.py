"""Which checks can stop a publication: the worst severity each check reports, by check name.

A check that can fail with `error` blocks: Dagster declares it blocking, so its failure stops the assets
downstream and nothing is published. A `warn` check only reports (the report and `quality_results` show
it); declared blocking, the Dagster UI would call it blocking although it never stops a run. The run-to-run
checks report `warn` for a change that a changed input explains and `error` otherwise, so they block.
"""

from __future__ import annotations

CHECK_SEVERITY = {
    # ingest (quality/checks.py, quality/completeness.py)
    "rows_accounted_for": "error",
    "quarantine_share": "error",
    "source_completeness": "error",
    "incomplete_sources_allowed": "warn",
    # staging and the PHM steps
    "person_year_unique": "error",
    "linkage_coverage": "error",
    "one_segment_per_person_year": "error",
    "kaiser_pyramid": "warn",
    # indicators
    "values_in_range": "error",
    "rivm_plausibility": "warn",
    "suppression_by_level": "warn",
    # the publication candidate (pipelines/assets/publish.py, quality/run_to_run.py)
    "privacy": "error",
    "disclosure_policy": "error",
    "run_to_run_values": "error",
    "run_to_run_coverage": "error",
    # published/output_check/ (quality/output_check.py)
    "output_check": "error",
}
# Every Great Expectations suite (`gx_<suite>`) has critical completeness and conformance expectations, and a
# suite whose table cannot be read fails with `error` (quality/expectations/validation.py).
SUITE_PREFIX = "gx_"


def severity_of(check_name: str) -> str:
    """The worst severity `check_name` reports; an unknown check is refused, so a new one is classified here."""
    if check_name.startswith(SUITE_PREFIX):
        return "error"
    if check_name not in CHECK_SEVERITY:
        raise KeyError(f"check {check_name!r} has no severity in quality/severities.py CHECK_SEVERITY; add it "
                       f"('error' if its failure must stop the publication, else 'warn')")
    return CHECK_SEVERITY[check_name]
