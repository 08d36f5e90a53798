"""Constant prices: money indicators deflated to a base year with the CBS consumer price index (CPI).

A euro of 2022 bought more than a euro of 2024 (the CPI rose 10.0 % in 2022, 3.8 % in 2023 and 3.3 % in 2024),
so a nominal cost trend mixes more care with dearer care. Every money indicator (a catalogue unit in
`money_units`) is also published in prices of one base year: value x deflator(year), deflator(year) =
index(base) / index(year), the index chained from CBS's yearly CPI changes ("jaarmutatie CPI, alle
bestedingen", StatLine 83131NED; CBS, "Inflatie 3,8 procent in 2023"; provenance in
sample_data/reference/README.md). This is the CBS way of expressing an amount "in prijzen van <jaar>"
(CBS, Methodebeschrijving CPI; Eurostat, Handbook on price and volume measures in national accounts 2016,
chapter 2: deflating a value series by a price index gives a volume in the prices of the base year).

The CPI of all households is the deflator, not a care price index: the question a steering group asks is what
the money would have bought otherwise (its purchasing power), and CBS publishes no price index of Wmo, youth
care or Wlz per year. The deflator is a known constant per year, so a constant-price number is a fixed multiple
of a published nominal one and discloses nothing the nominal number does not.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

CPI_FILE = "cbs_cpi_jaarmutatie.csv"
CPI_COLUMNS = ("year", "cpi_change_pct")
INDEX_START = 100.0  # the chained index is 100 in the first year of the series; only ratios of it are used


class PriceSeriesError(ValueError):
    """The CPI series cannot deflate the configured years: names the file and the missing year."""


def read_cpi(reference_dir: Path) -> dict[int, float]:
    """The yearly CPI changes (%) of `cbs_cpi_jaarmutatie.csv` in `reference_dir`, as {year: change}.

    Read once per file version (cached by path and modification time, like the other reference files)."""
    path = Path(reference_dir) / CPI_FILE
    if not path.exists():
        raise PriceSeriesError(f"{path}: CPI series missing; restore sample_data/reference from the repository")
    stat = path.stat()
    return dict(_read(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


@functools.cache
def _read(path: str, mtime_ns: int, size: int) -> tuple[tuple[int, float], ...]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(c.strip() for c in rows[0]) != CPI_COLUMNS:
        raise PriceSeriesError(f"{path}: header must be {','.join(CPI_COLUMNS)}")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        try:
            year, change = int(row[0]), float(row[1])
        except (ValueError, IndexError):
            raise PriceSeriesError(f"{path} line {line}: expected <year>,<change in %>, got {','.join(row)!r}") \
                from None
        if not math.isfinite(change) or change <= -100:
            raise PriceSeriesError(f"{path} line {line}: a CPI change of {change} % is not possible")
        out.append((year, change))
    years = [y for y, _ in out]
    if not years or years != list(range(years[0], years[0] + len(years))):
        raise PriceSeriesError(f"{path}: years must be consecutive and ascending (a gap breaks the chained index)")
    return tuple(out)


def chained_index(changes: Mapping[int, float]) -> dict[int, float]:
    """The CPI level per year chained from yearly changes: I(first) = 100, I(y) = I(y-1) x (1 + change(y)/100).

    Chained from changes rounded to 0.1 %, the index differs from StatLine's published levels by at most about
    0.05 % per year (README of sample_data/reference); the change of the first year links it to a year the
    series does not hold and is not used."""
    years = sorted(changes)
    factors = [1.0] + [1 + changes[y] / 100 for y in years[1:]]
    return dict(zip(years, (INDEX_START * f for f in _cumprod(factors)), strict=True))


def _cumprod(factors: list[float]) -> list[float]:
    out, level = [], 1.0
    for f in factors:  # one factor per year: a few dozen
        level *= f
        out.append(level)
    return out


def deflators(changes: Mapping[int, float], years: Iterable[int], base_year: int,
              source: str = CPI_FILE) -> dict[int, float]:
    """deflator(year) = index(base_year) / index(year) for every year in `years` (a euro of `year` in prices of
    `base_year`). A year or base year the series does not cover is an error naming `source` and the year."""
    index = chained_index(changes)
    first, last = (min(index), max(index)) if index else (None, None)
    for year in sorted({*years, base_year}):
        if year not in index:
            hint = (f"add the line '{year},<CBS jaarmutatie CPI {year}, %>' (StatLine 83131NED)"
                    if last is not None and year > last else
                    f"the series starts in {first}; add the earlier years from StatLine 83131NED")
            raise PriceSeriesError(f"{source}: no CPI change for {year}; {hint}")
    return {int(y): index[base_year] / index[y] for y in years}


def deflator_frame(money_ids: Iterable[str], deflator: Mapping[int, float], base_year: int) -> pl.DataFrame:
    """indicators.price_deflators: one row per money indicator and year (indicator_id, period, deflator,
    base_year); the candidate multiplies the published nominal numbers by it."""
    ids, years = sorted(set(money_ids)), sorted(deflator)
    return pl.DataFrame({
        "indicator_id": [i for i in ids for _ in years],
        "period": [y for _ in ids for y in years],
        "deflator": [deflator[y] for _ in ids for y in years],
        "base_year": [base_year] * (len(ids) * len(years)),
    }, schema={"indicator_id": pl.String, "period": pl.Int32, "deflator": pl.Float64, "base_year": pl.Int32})
