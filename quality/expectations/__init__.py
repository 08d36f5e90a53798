"""Great Expectations (GX Core 1.x) suites on the staging marts and the publication candidate.

`run_expectation_suites` validates five suites and writes the quality pages; the suites themselves are in
`suites.py`, the GX wiring in `validation.py`, the static (offline) pages in `data_docs.py`.
`preload_great_expectations` starts the slow GX import in the background early in a run.
"""

from quality.expectations.preload import preload_great_expectations
from quality.expectations.validation import run_expectation_suites

__all__ = ["preload_great_expectations", "run_expectation_suites"]
