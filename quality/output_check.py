"""The blocking check on `published/output_check/`: nothing in it that CBS's output check would refuse.

CBS releases output from Remote Access only when it holds no keys, no minima or maxima, and documents every
variable (docs/cbs_microdata.md, "Output"; README, "Running on CBS microdata"). The
writer (`indicators/output_check.py`) leaves such columns out; this check reads back every file it wrote, as an
outsider would, so a later change that lets one in fails the run. Per column of every CSV and XLSX sheet:

- a 64-character hex string (a SHA-256 pseudonym) anywhere;
- a RIN-like string: 9 digits not part of a longer number or decimal in a text cell (in a CSV: in a cell that
  is not a plain number), or 9 digits with a leading zero (no number is written so);
- a column whose every value is a 9-digit whole number (a RINPERSOON that lost its type);
- a column whose name looks like a person key or says min/max;
and every CSV column must be described in beschrijving_tabellen.csv; only CSV, XLSX and Markdown files may
be in the folder (a Parquet or DuckDB file could not be read by the checker). Vectorised: Polars regular
expressions over whole columns, the XLSX sheets streamed in chunks of rows.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from indicators.output_check import DESCRIPTION, KEY_NAME, MIN_MAX_NAME, NOTE, README
from quality.outcomes import CheckOutcome

HEX64 = r"(?i)(^|[^0-9a-f])[0-9a-f]{64}($|[^0-9a-f])"
RIN_RUN = r"(^|[^0-9.,])[0-9]{9}($|[^0-9.,])"
PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
LEADING_ZERO = r"^0[0-9]{8}$"
NINE_DIGIT_WHOLE = r"^[0-9]{9}(\.0+)?$"
ALLOWED_SUFFIXES = {".csv", ".xlsx", ".md"}
REQUIRED = (DESCRIPTION, README, NOTE)


@dataclass
class _Tally:
    """Counts per column, added over chunks: (file, column) -> [non-null, 9-digit whole numbers], and findings."""

    columns: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)


def _column_stats(value: pl.Expr, text: pl.Expr) -> list[pl.Expr]:
    """hex, RIN-like and leading-zero cells, non-null cells and 9-digit whole numbers of one column."""
    rin = value.str.contains(RIN_RUN) & (text | ~value.str.contains(PLAIN_NUMBER))
    return [value.str.contains(HEX64).sum().alias("hex"), rin.sum().alias("rin"),
            value.str.contains(LEADING_ZERO).sum().alias("zero"), value.is_not_null().sum().alias("n"),
            value.str.contains(NINE_DIGIT_WHOLE).sum().alias("whole9")]


def _add(tally: _Tally, where: str, column: str, stats: dict) -> None:
    for kind, text in (("hex", "64-hex string (pseudonym-like)"), ("rin", "RIN-like 9-digit string"),
                       ("zero", "9 digits with a leading zero (RIN-like)")):
        if stats[kind]:
            tally.findings.append(f"{where} column {column}: {stats[kind]} cell(s) with a {text}")
    counts = tally.columns.setdefault((where, column), [0, 0])
    counts[0] += stats["n"]
    counts[1] += stats["whole9"]


def _check_name(tally: _Tally, where: str, column: str) -> None:
    if KEY_NAME.search(column):
        tally.findings.append(f"{where} column {column}: the name looks like a person key")
    if MIN_MAX_NAME.search(column):
        tally.findings.append(f"{where} column {column}: the name says minimum or maximum")


def _scan_csv(path: Path, tally: _Tally) -> list[str]:
    frame = pl.read_csv(path, infer_schema=False)
    for column in frame.columns:
        _check_name(tally, path.name, column)
    if frame.height:
        stats = frame.select(pl.struct(_column_stats(pl.col(c), pl.lit(False))).alias(c) for c in frame.columns)
        for column in frame.columns:
            _add(tally, path.name, column, stats[column][0])
    return frame.columns


def _sheet_rows(zf: zipfile.ZipFile, name: str, block: int = 1 << 24):
    """The XML of a worksheet in pieces that end at a row boundary."""
    rest = ""
    with zf.open(name) as fh:
        while data := fh.read(block):
            text = rest + data.decode("utf-8", errors="replace")
            cut = text.rfind("</row>") + len("</row>")
            yield text[:cut]
            rest = text[cut:]
    yield rest


def _scan_xlsx(path: Path, tally: _Tally) -> None:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        items = []
        if "xl/sharedStrings.xml" in names:  # written by Excel or openpyxl, not by indicators/output_check.py
            items = re.findall(r"<si>(.*?)</si>", zf.read("xl/sharedStrings.xml").decode("utf-8"), re.DOTALL)
        shared = pl.DataFrame({"index": range(len(items)), "shared": items},
                              schema={"index": pl.Int64, "shared": pl.String}).with_columns(
            pl.col("shared").str.replace_all(r"<[^>]*>", ""))
        for sheet in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            where, header = f"{path.name}:{sheet.rsplit('/', 1)[-1]}", {}
            for piece in _sheet_rows(zf, sheet):
                # one element per cell: literal splits and short anchored patterns, no capture over the whole XML
                parts = (pl.Series("c", [piece]).str.split("<c ").explode().slice(1).str.splitn(">", 2)
                         .struct.rename_fields(["head", "rest"]).struct.unnest())
                head = pl.col("head")
                number = pl.col("rest").str.extract(r"<(?:t|v)(?: [^>]*)?>([^<]*)<", 1)  # first text run or <v>
                cells = parts.select(
                    col=head.str.extract(r'^r="([A-Z]+)', 1), row=head.str.extract(r'^r="[A-Z]+([0-9]+)"', 1),
                    text=head.str.contains(r't="(inlineStr|s|str)"'),
                    index=pl.when(head.str.contains('t="s"', literal=True)).then(number.cast(pl.Int64, strict=False)),
                    value=number).filter(pl.col("col").is_not_null())
                if cells.is_empty():
                    continue
                cells = cells.join(shared, on="index", how="left").with_columns(
                    value=pl.when(pl.col("index").is_not_null()).then(pl.col("shared")).otherwise(pl.col("value")))
                first = cells.filter(pl.col("row") == "1")
                for col, value in first.select("col", "value").iter_rows():
                    header[col] = value or col
                    _check_name(tally, where, header[col])
                stats = cells.filter(pl.col("row") != "1").group_by("col").agg(
                    _column_stats(pl.col("value"), pl.col("text")))
                for row in stats.iter_rows(named=True):
                    _add(tally, where, header.get(row["col"], row["col"]), row)


def scan_output_folder(folder: Path) -> CheckOutcome:
    """The `output_check` outcome for the folder: failed with every finding, passed when there is none."""
    tally = _Tally()
    if not folder.is_dir():
        tally.findings.append(f"{folder} does not exist")
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    tally.findings += [f"{p.name}: a {p.suffix or 'file without suffix'} file CBS's checker cannot read"
                       for p in files if p.suffix.lower() not in ALLOWED_SUFFIXES]
    tally.findings += [f"{name} is missing" for name in REQUIRED if folder.is_dir() and not (folder / name).exists()]
    described: set[tuple[str, str]] = set()
    if (folder / DESCRIPTION).exists():
        description = pl.read_csv(folder / DESCRIPTION, infer_schema=False)
        described = {(t, c) for t, c, nl in description.select("tabel", "kolom", "omschrijving_nl").iter_rows()
                     if c and nl}
    for path in files:
        if path.suffix.lower() == ".csv":
            columns = _scan_csv(path, tally)
            if path.name != DESCRIPTION:
                tally.findings += [f"{path.name} column {c}: not described in {DESCRIPTION}"
                                   for c in columns if (path.stem, c) not in described]
        elif path.suffix.lower() == ".xlsx":
            _scan_xlsx(path, tally)
    for (where, column), (n, whole9) in tally.columns.items():
        if n and n == whole9:
            tally.findings.append(f"{where} column {column}: every value is a 9-digit whole number (RIN-like)")
    found = tally.findings
    return CheckOutcome(
        "output_check", "publish/output_check", "error", "conformance", not found, f"{len(found)} finding(s)", "0",
        "; ".join(found[:10]) or f"{len(files)} files of the output folder hold no key, no RIN-like or pseudonym-like "
                                 "string, no minimum or maximum, and every CSV column is described",
        message_nl=(f"{len(found)} bevinding(en) in de uitvoer voor de CBS-outputcontrole" if found else ""))
