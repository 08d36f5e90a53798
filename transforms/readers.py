"""Readers for landing files: CSV in any of the dialects partners export, and Parquet.

Every reader loads the file into a DuckDB temp table of text columns, `_parsed`, and exposes it
as a view with the file's original row number, so that contracts judge every value the same way
whatever the format, and quarantine can point at the row a data manager sees in the file.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

_LANDING_NAME = re.compile(r"^(?P<source>[a-z_]+)_(?P<year>[0-9]{4})\.(?P<ext>csv|parquet)$")


class LandingFileError(ValueError):
    """A landing file that cannot be read at all; the message names the file and the problem."""


@dataclass(frozen=True)
class FileInfo:
    """What was learned about a landing file while reading it."""

    path: Path
    source: str
    year: int
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    columns: tuple[str, ...] = ()
    rows_read: int = 0
    malformed: tuple[tuple[int, str, str], ...] = ()  # (row number, reason, raw line) the parser could not split


# Files still being written under a temporary name (WinSCP's `.filepart`, browsers' `.part`/`.crdownload`,
# rsync's and Syncthing's dot-files ...): neither a run nor the landing sensor reads them.
TEMPORARY_SUFFIXES = (".filepart", ".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".!sync",
                      ".swp", "~")


def is_temporary_name(name: str) -> bool:
    """A file still being written under a temporary name: a dot-file or one of TEMPORARY_SUFFIXES."""
    lower = name.lower()
    return lower.startswith(".") or lower.endswith(TEMPORARY_SUFFIXES)


def parse_landing_name(path: Path) -> tuple[str, int]:
    """Source and year from `<source>_<year>.<csv|parquet>`; anything else is an operator mistake."""
    match = _LANDING_NAME.match(path.name)
    if not match:
        raise LandingFileError(
            f"{path}: file name must be <source>_<year>.csv or <source>_<year>.parquet (e.g. wmo_2023.csv)"
        )
    return match["source"], int(match["year"])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _scan_bytes(path: Path) -> tuple[str, bool, bytes]:
    """sha256, whether every byte is ASCII, and the first 4 KiB: one pass instead of hashing and then
    decoding the whole file (an ASCII file is valid UTF-8, so only other files need a full decode)."""
    digest = hashlib.sha256()
    ascii_only = True
    head = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            head = head or block[:4096]
            ascii_only = ascii_only and block.isascii()
    return digest.hexdigest(), ascii_only, head


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM) first, else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError as exc:
            raise LandingFileError(f"{path}: neither UTF-8 nor Windows-1252 text ({exc})") from exc


def _header(text: str, path: Path) -> tuple[str, list[str]]:
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise LandingFileError(f"{path}: empty file or empty header row; the first line must name the columns")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    names = [name.strip().strip('"').strip().lower() for name in first.split(delimiter)]
    if len(set(names)) != len(names):
        raise LandingFileError(f"{path}: header repeats a column name: {names}")
    if any(not name for name in names):
        raise LandingFileError(f"{path}: header has an empty column name")
    return delimiter, names


def load_text_table(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> FileInfo:
    """Load a landing file as temp view `table` (all VARCHAR + `_row`, 1-based data row number) over the
    temp table `_parsed`; drop both when done."""
    source, year = parse_landing_name(path)
    if not path.exists():
        raise LandingFileError(f"{path}: file not found")
    if path.suffix == ".parquet":
        return _load_parquet(con, path, table, source, year, sha256_of(path))
    return _load_csv(con, path, table, source, year)


def _number_rows(con, table: str, rows: int, total: int, skipped: list[int]) -> None:
    """View `table`: the `rows` rows of `_parsed` with `_row`, their row number in the file, without a copy.

    `_parsed` holds the rows in file order (insertion order), so `rowid + 1` is the row number; when the
    parser skipped rows, the numbers it did not skip are paired with the rows by position."""
    if not skipped:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT *, rowid + 1 AS _row FROM _parsed")
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _kept_rows AS SELECT range AS _row FROM range(1, ? + 1) "
                "WHERE range NOT IN (SELECT unnest(?::BIGINT[])) ORDER BY _row LIMIT ?", [total, skipped, rows])
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS "
                f"SELECT p.*, k._row FROM _parsed p POSITIONAL JOIN _kept_rows k")


def _load_parquet(con, path: Path, table: str, source: str, year: int, digest: str) -> FileInfo:
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise LandingFileError(f"{path}: not a readable Parquet file ({exc})") from exc
    names = [row[0] for row in described]
    select = ", ".join(
        f'CAST("{name}" AS VARCHAR) AS "{name.lower()}"' if not dtype.startswith("DATE") else
        f'strftime("{name}", \'%Y-%m-%d\') AS "{name.lower()}"'
        for name, dtype, *_ in described
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT {select} FROM read_parquet(?)", [str(path)])
    rows = con.execute("SELECT count(*) FROM _parsed").fetchone()[0]
    _number_rows(con, table, rows, rows, [])
    return FileInfo(path, source, year, digest, "parquet", columns=tuple(n.lower() for n in names), rows_read=rows)


def _load_csv(con, path: Path, table: str, source: str, year: int) -> FileInfo:
    digest, ascii_only, head = _scan_bytes(path)
    if b"\x00" in head:
        raise LandingFileError(f"{path}: looks like a binary file, not CSV text")
    if ascii_only:
        with path.open("rb") as fh:
            text, encoding = fh.readline().decode("ascii"), "utf-8"
    else:
        text, encoding = _decode(path.read_bytes(), path)
    delimiter, names = _header(text, path)
    read_path = path
    tmp = None
    if encoding != "utf-8":
        # DuckDB reads UTF-8 natively; a transcoded copy keeps the row numbers of the original.
        # beside the warehouse (DuckDB's own temp_directory), not in the system's: person rows stay in the data folder
        scratch = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
        if scratch.is_absolute():
            scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8", newline="",
                                         dir=scratch if scratch.is_absolute() else None) as tmp:
            tmp.write(text)
        read_path = Path(tmp.name)
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    try:
        con.execute("DROP TABLE IF EXISTS _rejects; DROP TABLE IF EXISTS _reject_scans")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT * FROM read_csv(?, delim=?, header=true, "
            f"auto_detect=false, columns={columns}, quote='\"', escape='\"', parallel=false, "
            f"store_rejects=true, rejects_table='_rejects', rejects_scan='_reject_scans')",
            [str(read_path), delimiter],
        )
        rejects = con.execute(
            "SELECT line, string_agg(DISTINCT error_message, '; '), any_value(csv_line) "
            "FROM _rejects GROUP BY line ORDER BY line"
        ).fetchall()
    except duckdb.Error as exc:
        raise LandingFileError(f"{path}: cannot be parsed as CSV ({exc})") from exc
    finally:
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)
    good = con.execute("SELECT count(*) FROM _parsed").fetchone()[0]
    total = good + len(rejects)
    # Good rows keep their file order; their row numbers are the lines the parser did not reject.
    _number_rows(con, table, good, total, [int(line) - 1 for line, _, _ in rejects])
    malformed = tuple((int(line) - 1, str(msg), str(raw)) for line, msg, raw in rejects)
    return FileInfo(path, source, year, digest, "csv", encoding, delimiter, "," if delimiter == ";" else ".",
                    tuple(names), total, malformed)
