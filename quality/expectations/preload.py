"""Import Great Expectations in the background, so the expectations step does not wait seconds for it.

`import great_expectations` takes about 4 s of pure Python. A run calls `preload_great_expectations()`
early; the import then overlaps with ingest and modelling, which spend their time in DuckDB and Polars
outside the GIL.

Two threads must never import GX at the same time: its modules import each other in cycles, and Python's
per-module import locks then hand one thread a partially initialised module, so both imports fail
("cannot import name ... from partially initialized module"). Every GX import in this package therefore
goes through `import_great_expectations()`, which imports under one lock: a thread that comes while the
preload runs waits for it and then finds GX complete.
"""

from __future__ import annotations

import os
import threading

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no usage statistics leave the machine

_import_lock = threading.Lock()
_start_lock = threading.Lock()
_thread: threading.Thread | None = None
_error: Exception | None = None


def import_great_expectations() -> None:
    """Import the GX modules this package uses, or wait for the thread importing them; one thread at a time."""
    with _import_lock:
        import great_expectations  # noqa: F401
        import great_expectations.data_context.types.base  # noqa: F401
        import great_expectations.expectations  # noqa: F401
        import great_expectations.expectations.row_conditions  # noqa: F401


def preload_great_expectations() -> threading.Thread:
    """Start importing GX in a daemon thread (once per process) and return that thread.

    Safe to call more than once and from any thread. An import error is kept, not raised here: the step's
    own `import_great_expectations()` raises it again where it belongs (see `preload_error`).
    """
    global _thread
    with _start_lock:
        if _thread is None:
            _thread = threading.Thread(target=_preload, name="preload-great-expectations", daemon=True)
            _thread.start()
        return _thread


def preload_error() -> Exception | None:
    """The exception the background import raised, if any (None while it runs or when it succeeded)."""
    return _error


def _preload() -> None:
    global _error
    try:
        import_great_expectations()
    except Exception as error:  # kept for preload_error; the step's own import raises it again
        _error = error
