"""Landing-file formats per source and the writer that produces byte-identical files for a seed.

The formats are deliberately mixed (UTF-8 and Windows-1252, `,` and `;`, decimal point and comma,
CSV and Parquet) so that the pipeline's readers are exercised the way partners' exports would.
Which yearly file a row goes to is decided here too: by its year column, or by the year its
start (referral) date falls in, with everything that started earlier in the first year's file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl


@dataclass(frozen=True)
class FileFormat:
    """How one source is delivered."""

    format: str                     # csv | parquet
    encoding: str | None = "utf-8"  # utf-8 | windows-1252 (CSV only)
    delimiter: str | None = ","
    decimal: str | None = "."

    def manifest(self) -> dict:
        return {"format": self.format, "encoding": self.encoding, "delimiter": self.delimiter,
                "decimal": self.decimal}


_UTF8_COMMA = FileFormat("csv")
_UTF8_SEMICOLON = FileFormat("csv", "utf-8", ";", ",")
_CP1252 = FileFormat("csv", "windows-1252", ";", ",")
_PARQUET = FileFormat("parquet", None, None, None)

FORMATS: dict[str, FileFormat] = {
    "population": _UTF8_COMMA,
    "gp_episodes": _UTF8_COMMA,
    "hospital_events": _PARQUET,
    "zvw_costs": _UTF8_SEMICOLON,
    "wmo": _CP1252,
    "jeugd": _CP1252,
    "participatie": _UTF8_COMMA,
    "wlz": _PARQUET,
    "medicines": _UTF8_COMMA,
    "health_survey": _UTF8_COMMA,
    "workforce": _UTF8_SEMICOLON,
    "interventions": _CP1252,
    "intervention_participants": _UTF8_COMMA,
}

# Column that decides the file year; date columns put earlier starts in the first year's file.
FILE_YEAR = {
    "population": "year", "zvw_costs": "year", "participatie": "year", "workforce": "year", "medicines": "year",
    "health_survey": "survey_year", "gp_episodes": "start_date", "hospital_events": "start_date",
    "wmo": "start_date", "jeugd": "start_date", "wlz": "start_date", "interventions": "start_date",
    "intervention_participants": "referral_date",
}
SORT_KEYS = {
    "population": ("pseudo_id",),
    "gp_episodes": ("pseudo_id", "start_date", "icpc_code", "end_date", "practice_id"),
    "hospital_events": ("pseudo_id", "start_date", "event_type", "icd10_code", "end_date", "acute"),
    "zvw_costs": ("pseudo_id", "cost_category"),
    "wmo": ("pseudo_id", "start_date", "provision_id"),
    "jeugd": ("pseudo_id", "start_date", "provision_id"),
    "participatie": ("pseudo_id", "regulation"),
    "wlz": ("pseudo_id", "start_date", "care_profile"),
    "medicines": ("pseudo_id", "atc4"),
    "health_survey": ("pseudo_id",),
    "workforce": ("org_id",),
    "interventions": ("intervention_id", "buurt_code"),
    "intervention_participants": ("pseudo_id", "intervention_id", "referral_date"),
}
# A line made malformed gets one field too many (gp_episodes) or one too few (health_survey).
MALFORMED_EXTRA_FIELD = {"gp_episodes": True, "health_survey": False}


def file_name(source: str, year: int) -> str:
    """`<source>/<source>_<year>.<csv|parquet>`, relative to the landing folder."""
    ext = FORMATS[source].format
    return f"{source}/{source}_{year}.{ext}"


def split_by_file_year(source: str, frame: pl.DataFrame, years: list[int]) -> dict[int, pl.DataFrame]:
    """The rows of each configured year's file, sorted deterministically (helpers but _person dropped)."""
    column = FILE_YEAR[source]
    year = pl.col(column) if frame.schema[column] != pl.Date else pl.max_horizontal(pl.col(column).dt.year(),
                                                                                      pl.lit(years[0]))
    frame = frame.with_columns(_file_year=year.cast(pl.Int64))
    keep = [c for c in frame.columns if not c.startswith("_") or c == "_person"]
    # person order is pseudonym order, so sorting on the person index is sorting on pseudo_id, only faster
    keys = [("_person" if k == "pseudo_id" and "_person" in keep else k) for k in SORT_KEYS[source]]
    out = {}
    for y in years:
        part = frame.filter(pl.col("_file_year") == y).select(keep)
        out[y] = part.sort(keys, nulls_last=True, maintain_order=True)
    return out


def write_file(path: Path, frame: pl.DataFrame, fmt: FileFormat, malformed: list[int] | None = None,
               extra_field: bool = True) -> None:
    """Write one landing file; `malformed` data rows get one field too many (or too few)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt.format == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True, row_group_size=1 << 20)
        return
    buffer = io.BytesIO()
    frame.write_csv(buffer, separator=fmt.delimiter, decimal_comma=fmt.decimal == ",", float_scientific=False,
                    null_value="", line_terminator="\n")
    data = buffer.getvalue()
    if malformed:
        data = _malform(data, malformed, fmt.delimiter.encode(), extra_field)
    if fmt.encoding == "windows-1252":
        data = data.decode("utf-8").encode("cp1252")
    path.write_bytes(data)


def _malform(data: bytes, rows: list[int], delimiter: bytes, extra_field: bool) -> bytes:
    """Give a few data lines one field too many or drop their last field."""
    newline = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
    pieces, previous = [], 0
    for row in rows:  # a handful per file
        first, last = int(newline[row]) + 1, int(newline[row + 1])
        line = data[first:last]
        changed = line + delimiter + b"extra" if extra_field else line[:line.rfind(delimiter)]
        pieces += [data[previous:first], changed]
        previous = last
    pieces.append(data[previous:])
    return b"".join(pieces)
