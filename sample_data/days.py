"""Dates as whole days since 1970-01-01 (int64), the representation every generator module computes with.

Integer days make vectorised date arithmetic trivial and convert to polars `Date` without copying.
`NEVER` marks an event that does not happen (no death, no onset).
"""

from __future__ import annotations

import numpy as np
import polars as pl

NEVER = np.int64(2**31 - 1)


def year_start(year) -> np.ndarray | np.int64:
    """Day number of 1 January of `year` (scalar or array)."""
    years = (np.asarray(year, dtype=np.int64) - 1970).astype("datetime64[Y]")
    out = years.astype("datetime64[D]").astype(np.int64)
    return out if out.ndim else np.int64(out)


def year_end(year) -> np.ndarray | np.int64:
    """Day number of 31 December of `year`."""
    return year_start(np.asarray(year) + 1) - 1


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers."""
    dates = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return dates.astype("datetime64[Y]").astype(np.int64) + 1970


def uniform_day(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """A uniformly drawn day in [first, last] (inclusive) per element."""
    first = np.asarray(first, dtype=np.int64)
    span = np.asarray(last, dtype=np.int64) - first + 1
    return first + np.floor(rng.random(first.shape) * np.maximum(span, 1)).astype(np.int64)


def date_series(name: str, days: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
    """A polars Date column; `missing` (or NEVER) becomes null, which the CSV writer leaves empty."""
    days = np.asarray(days, dtype=np.int64)
    gone = days == NEVER if missing is None else (missing | (days == NEVER))
    values = np.where(gone, 0, days).astype(np.int32)
    return pl.Series(name, values).cast(pl.Date).scatter(np.flatnonzero(gone), None)
