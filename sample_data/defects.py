"""Realistic defects placed in the landing files, so the ingest contracts have something to quarantine.

Per file about 0.05 % of rows (at least one) per listed kind; every defective row carries exactly
one defect, and the rows are drawn without replacement (seeded), so kinds never collide and the
manifest can state exact quarantine counts. Two further kinds are not contract violations: exact
duplicate event rows (removed in staging) and records whose valid pseudonym is in no population
file (unlinked); they are counted separately and never placed on a defective row either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sample_data.population import pseudo_ids

RATE = 0.0005
DEFECT_KINDS: dict[str, tuple[str, ...]] = {
    "population": ("unknown_buurt", "invalid_pseudo_id", "duplicate_key"),
    "gp_episodes": ("impossible_date", "malformed_row"),
    "hospital_events": ("impossible_date", "invalid_code"),
    "zvw_costs": ("out_of_range",),
    "wmo": ("impossible_date",),
    "jeugd": ("impossible_date",),
    "wlz": ("impossible_date",),
    "participatie": ("out_of_range",),
    "medicines": ("invalid_code", "duplicate_key"),
    "health_survey": ("out_of_range", "malformed_row"),
    "workforce": ("out_of_range",),
}
STAGING_DUPLICATE_SOURCES = ("gp_episodes", "hospital_events")
UNLINKED_SOURCES = ("gp_episodes", "hospital_events", "zvw_costs", "wmo", "jeugd", "wlz", "participatie",
                    "medicines")
# out_of_range: (column, value) per source; the survey alternates a K10 item and a Positive Health score
OUT_OF_RANGE = {
    "zvw_costs": (("insured_days", 400),),
    "participatie": (("months", 13),),
    "workforce": (("burnout_complaints_pct", 140.0),),
    "health_survey": (("k10_03", 7), ("ph_meedoen", 11.0)),
}
UNKNOWN_BUURT = "BU99999999"
# invalid_code: (column, value) per source; medicines get a 5-character ATC code (level of the chemical
# subgroup) where the contract asks for the 4-character one, as an export at the wrong ATC level would
INVALID_CODE = {"hospital_events": ("event_type", "onbekend"), "medicines": ("atc4", "C10AA")}


@dataclass
class Injected:
    """A file's rows after injection and what was done to them."""

    frame: pl.DataFrame
    malformed: list[int] = field(default_factory=list)   # data-row positions to malform when writing
    defects: dict[str, int] = field(default_factory=dict)
    staging_duplicates: int = 0
    unlinked: int = 0                                      # rows given a pseudonym of nobody in the region
    quarantined: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # row positions


def per_kind(rows: int) -> int:
    """Defects of one kind in a file of `rows` rows: 0.05 %, at least one."""
    return max(1, int(round(rows * RATE)))


def bsn_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct 9-digit numbers that pass the elfproef, as a leaked BSN would."""
    digits = rng.integers(0, 10, (8 * n + 16, 8))
    digits[:, 0] = rng.integers(1, 10, len(digits))
    check = (digits * np.arange(9, 1, -1)).sum(axis=1) % 11  # 9*d1 + ... + 2*d8 - d9 = 0 (mod 11)
    numbers = ((digits * 10 ** np.arange(8, 0, -1)).sum(axis=1) + check)[check <= 9]
    _, first = np.unique(numbers, return_index=True)
    return numbers[np.sort(first)][:n].astype(str)


def inject(rng: np.random.Generator, frame: pl.DataFrame, source: str) -> Injected:
    """Place the defects of `source` in one file's (sorted) rows."""
    n = frame.height
    k = per_kind(n)
    plan = [(kind, k) for kind in DEFECT_KINDS.get(source, ())]
    if source in UNLINKED_SOURCES:
        plan.append(("unlinked", k))
    if source in STAGING_DUPLICATE_SOURCES:
        plan.append(("staging_duplicate", k))
    available, sized = n, []
    for purpose, count in plan:  # a tiny file: defects first, as many as there are rows
        take = min(count, available)
        available -= take
        sized.append((purpose, take))
    chosen = rng.choice(n, size=n - available, replace=False) if n else np.zeros(0, dtype=np.int64)
    result = Injected(frame)
    copies: list[np.ndarray] = []     # rows to copy; a copy goes directly after its original
    bad: list[np.ndarray] = []        # rows (original index, or n + copy number) the contracts quarantine
    malformed_rows = np.zeros(0, dtype=np.int64)
    offset = 0
    for purpose, count in sized:
        rows = np.sort(chosen[offset:offset + count])
        offset += count
        if purpose == "unlinked":
            result.frame = _set(result.frame, "pseudo_id", rows, pseudo_ids(rng, count, sort=False))
            if "_person" in result.frame.columns:  # nobody of the region
                result.frame = _set(result.frame, "_person", rows, np.full(count, -1))
            result.unlinked = count
        elif purpose == "staging_duplicate":
            copies.append(rows)
            result.staging_duplicates = count
        else:
            result.defects[purpose] = count
            if purpose == "duplicate_key":  # the copy is the defect
                bad.append(n + sum(len(c) for c in copies) + np.arange(count))
                copies.append(rows)
            else:
                bad.append(rows)
                if purpose == "malformed_row":
                    malformed_rows = rows
                else:
                    result.frame = _mutate(rng, result.frame, source, purpose, rows)
    source_rows = np.concatenate([np.arange(n), *copies]).astype(np.int64)
    order = np.argsort(source_rows, kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    if copies:
        result.frame = result.frame[source_rows[order]]
    result.malformed = sorted(int(r) for r in position[malformed_rows])
    result.quarantined = np.sort(position[np.concatenate(bad)]) if bad else np.zeros(0, dtype=np.int64)
    return result


def _set(frame: pl.DataFrame, column: str, rows: np.ndarray, values) -> pl.DataFrame:
    series = frame[column].clone()
    series.scatter(rows, pl.Series(values, dtype=series.dtype))
    return frame.with_columns(series)


def _mutate(rng: np.random.Generator, frame: pl.DataFrame, source: str, kind: str,
            rows: np.ndarray) -> pl.DataFrame:
    if kind == "unknown_buurt":
        return _set(frame, "buurt_code", rows, [UNKNOWN_BUURT] * len(rows))
    if kind == "invalid_pseudo_id":
        return _set(frame, "pseudo_id", rows, bsn_like(rng, len(rows)))
    if kind == "invalid_code":
        column, value = INVALID_CODE[source]
        return _set(frame, column, rows, [value] * len(rows))
    if kind == "impossible_date":
        start = frame["start_date"].gather(rows).to_physical().to_numpy()
        ended = start - rng.integers(1, 61, len(rows))
        return _set(frame, "end_date", rows, pl.Series(ended.astype(np.int32)).cast(pl.Date))
    if kind == "out_of_range":
        options = OUT_OF_RANGE[source]
        for i, (column, value) in enumerate(options):
            mine = rows[i::len(options)]
            frame = _set(frame, column, mine, [value] * len(mine))
        return frame
    raise ValueError(f"unknown defect kind {kind}")
