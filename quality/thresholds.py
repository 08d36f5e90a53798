"""The check thresholds of `[checks]` in phm.toml, with their defaults in one place.

A misspelt threshold must fail the configuration, not fall back to its default unnoticed: `from_mapping`
refuses an unknown key by name and suggests the nearest known one.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

SHARES = ("min_linkage_coverage", "max_quarantine_share")


def refuse_unknown(mapping: Mapping[str, Any], known: list[str], table: str, noun: str) -> None:
    """A key of a phm.toml table that is not a setting fails by name, with the nearest known key: a misspelt
    threshold must not fall back to its default unnoticed."""
    for key in mapping:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            raise ValueError(f"{table}.{key} is not {noun}"
                             f"{f' (did you mean {close[0]}?)' if close else ''}; expected one of {sorted(known)}")


@dataclass(frozen=True)
class CheckThresholds:
    """Thresholds of the blocking checks (`quality/checks.py`, `quality/run_to_run.py`)."""

    # share of records whose pseudonym is in the population spine of their own year
    min_linkage_coverage: float = 0.95
    # share of rows per file that may go to quarantine before the run fails
    max_quarantine_share: float = 0.02
    # how far a value of a year published before may move unless its inputs changed
    run_to_run_tolerance: float = 1e-9

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"checks.{f.name} = {value!r} must be a number")
            if f.name in SHARES and not 0 <= value <= 1:
                raise ValueError(f"checks.{f.name} = {value!r} must lie in [0, 1] (a share)")
            if value < 0:
                raise ValueError(f"checks.{f.name} = {value!r} must be >= 0")
            object.__setattr__(self, f.name, float(value))  # a TOML 1 means 1.0: one type downstream

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> CheckThresholds:
        """The thresholds from the `[checks]` table; missing keys keep their default, unknown keys fail."""
        mapping = dict(mapping or {})
        refuse_unknown(mapping, [f.name for f in fields(cls)], "checks", "a check threshold")
        return cls(**mapping)
