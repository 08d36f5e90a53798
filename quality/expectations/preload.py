"""Import Great Expectations in the background, so the expectations step does not wait seconds for it.

`import great_expectations` takes about 4 s of pure Python. A run calls `preload_great_expectations()`
early; the import then overlaps with ingest and modelling, which spend their time in DuckDB and Polars
outside the GIL. The step's own `import great_expectations` finds the module loaded, or waits on Python's
import lock for the rest of it: never a second import, never a half-imported module.
"""

from __future__ import annotations

import threading

import quality.expectations.validation  # noqa: F401  (sets GX_ANALYTICS_ENABLED before GX is imported)

_lock = threading.Lock()
_thread: threading.Thread | None = None
_error: BaseException | None = None


def preload_great_expectations() -> threading.Thread:
    """Start importing GX in a daemon thread (once per process) and return that thread.

    Safe to call more than once and from any thread. An import error is kept, not raised here: the step's
    own import raises it again where it belongs (see `preload_error`).
    """
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_import, name="preload-great-expectations", daemon=True)
            _thread.start()
        return _thread


def preload_error() -> BaseException | None:
    """The exception the background import raised, if any (None while it runs or when it succeeded)."""
    return _error


def _import() -> None:
    global _error
    try:
        import great_expectations  # noqa: F401
        import great_expectations.expectations  # noqa: F401
    except Exception as error:  # kept for preload_error; the step's own import raises it again
        _error = error
