"""Reading CBS files into the reader's staging: every variable as text, judged by its file's contract,
the person keys replaced by the project's pseudonym before anything is kept.

Formats as CBS delivers them: SPSS `.sav` (pyreadstat), CSV and CBS's Parquet copies (DuckDB). Every file
becomes the temp view `_landing` (text columns + `_row`, the 1-based row number in the file), so that the
native ingest's judging (transforms/ingest.py: typed SQL casts, Pandera, duplicate keys, quarantine reasons)
applies to CBS files unchanged. Rows that keep their contract go to the temp table `cbs_<file>` of the
connection, keyed by `pseudo_id` = sha256(salt + RINPERSOONS + RINPERSOON) (issue-19 spec, "Person key and
pseudonym"); the raw key is never written to a warehouse table, not even in quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from quality.cbs_contracts import CbsContract, contract_for
from quality.contracts import Contract
from transforms.cbs.files import CbsFile, relative
from transforms.ingest import INGEST_LOG_DDL, _pandera_reasons, _typed_sql, _verdict_sql
from transforms.readers import FileInfo, LandingFileError, sha256_of

DATE_CHECK = "date_yyyymmdd"


@dataclass(frozen=True)
class CbsFileResult:
    """The account of one CBS file: rows read = loaded (into the staging) + quarantined."""

    file: CbsFile
    rel: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


def _number_text(name: str) -> str:
    """SQL: a number as its shortest exact text, a whole number without decimals (1.0 -> "1"), NaN -> NULL."""
    c = f'"{name}"'
    return (f"CASE WHEN isnan({c}) THEN NULL WHEN {c} = trunc({c}) AND abs({c}) < 1e18 "
            f"THEN CAST(CAST({c} AS BIGINT) AS VARCHAR) ELSE CAST({c} AS VARCHAR) END")


def _load_sav(con: duckdb.DuckDBPyConnection, path: Path, contract: CbsContract, strings: set[str]) -> list[str]:
    """A .sav as the temp table `_parsed` of text columns (upper-case names); the key-number columns that
    were stored as numbers are returned.

    A date or identifier stored as a number has lost what made it one (leading zeros, `88888888`): a clear
    error naming the file and the variable. RINPERSOON stored as a number is a known quirk of old files and
    is zero-padded to 9 digits (after the load). The numbers become text in DuckDB (cheaper than in Polars),
    the contract casts them back exactly."""
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), output_format="polars", apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and plain errors
        raise LandingFileError(f"{path}: not a readable SPSS .sav file ({exc})") from exc
    types = {name.upper(): kind for name, kind in meta.readstat_variable_types.items()}
    frame = frame.rename({c: c.upper() for c in frame.columns})
    padded, select = [], []
    for name in frame.columns:
        if types.get(name) == "string" or frame[name].dtype == pl.Utf8:
            select.append(f'CAST("{name}" AS VARCHAR) AS "{name}"')
            continue
        if name in contract.key_numbers:
            padded.append(name)
        elif name in strings:
            raise LandingFileError(f"{path}: variable {name} is numeric ({types.get(name)}) in the .sav; the "
                                   f"contract of {contract.name} needs it as text (a date YYYYMMDD or a code)")
        select.append(f'{_number_text(name)} AS "{name}"')
    con.register("_sav", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT {', '.join(select)} FROM _sav")
    finally:
        con.unregister("_sav")
    return padded


def _strings(contract: Contract) -> set[str]:
    """Variables that must be text in a .sav: dates, identifiers and the source letters of person keys."""
    return {name for name, col in contract.columns.items()
            if col.dtype == pl.Utf8 and (not col.checks or any(getattr(c, "name", "") == DATE_CHECK
                                                               for c in col.checks))} | {
        name for name in contract.columns if name in ("RINPERSOONS", "RINPERSOONSHKW", "SOORTOBJECTNUMMER")}


def load_cbs_file(con: duckdb.DuckDBPyConnection, file: CbsFile, contract: CbsContract) -> tuple[str, ...]:
    """Load `file` as the temp view `_landing` (text + `_row`); the header (upper case) is returned."""
    path = file.path
    strings = _strings(contract.contract)
    padded: list[str] = []
    if file.format == "sav":
        padded = _load_sav(con, path, contract, strings)
    elif file.format == "parquet":
        try:
            described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        except duckdb.Error as exc:
            raise LandingFileError(f"{path}: not a readable Parquet file ({exc})") from exc
        select = []
        for name, dtype, *_ in described:
            if dtype in ("DOUBLE", "FLOAT") and name.upper() in contract.key_numbers:
                padded.append(name.upper())
            elif dtype not in ("VARCHAR",) and name.upper() in strings:
                raise LandingFileError(f"{path}: variable {name.upper()} is {dtype} in the Parquet file; the "
                                       f"contract of {contract.name} needs it as text")
            text = _number_text(name) if dtype in ("DOUBLE", "FLOAT") else f'CAST("{name}" AS VARCHAR)'
            select.append(f'{text} AS "{name.upper()}"')
        con.execute(f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT {', '.join(select)} FROM read_parquet(?)",
                    [str(path)])
    else:
        with path.open(encoding="utf-8-sig") as fh:
            first = fh.readline()
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _parsed AS SELECT * FROM read_csv(?, delim=?, header=true, "
                        "all_varchar=true, quote='\"', escape='\"', parallel=false)", [str(path), delimiter])
        except duckdb.Error as exc:
            raise LandingFileError(f"{path}: cannot be parsed as CSV ({exc})") from exc
        names = [r[0] for r in con.execute("DESCRIBE _parsed").fetchall()]
        for name in names:
            if name != name.upper():
                con.execute(f'ALTER TABLE _parsed RENAME COLUMN "{name}" TO "{name.upper()}"')
    for name in padded:  # the numeric RINPERSOON of an old file: leading zeros restored
        con.execute(f'UPDATE _parsed SET "{name}" = lpad("{name}", 9, \'0\') '
                    f'WHERE regexp_full_match("{name}", \'[0-9]{{1,8}}\')')
    con.execute("CREATE OR REPLACE TEMP VIEW _landing AS SELECT *, rowid + 1 AS _row FROM _parsed")
    return tuple(r[0] for r in con.execute("DESCRIBE _parsed").fetchall())


def _pseudonym(letter: str, number: str, alias: str = "") -> str:
    """sha256 of salt + RINPERSOONS + RINPERSOON (the salt is the prepared parameter `$salt`)."""
    a = f"{alias}." if alias else ""
    return f'sha256($salt || coalesce({a}"{letter}", \'\') || coalesce(trim({a}"{number}"), \'\'))'


def stage_cbs_file(con: duckdb.DuckDBPyConnection, file: CbsFile, contract: CbsContract, source: str, root: Path,
                   salt: str, years: tuple[int, ...], reference_dir: Path) -> CbsFileResult:
    """Read, judge and stage one CBS file: good rows into `cbs_<file>`, the others into `quarantine.<source>`
    (pseudonymised), and the file's account into `meta.ingest_files`."""
    header = load_cbs_file(con, file, contract)
    judged = contract_for(contract, file.path, header, file.year, years, reference_dir)
    missing = [c for c in judged.columns if c not in header]
    if missing:
        raise LandingFileError(f"{file.path}: required variable(s) {', '.join(missing)} missing; the file has "
                               f"{', '.join(header)}")
    rows = con.execute("SELECT count(*) FROM _parsed").fetchone()[0]
    rel = relative(file.path, root)
    info = FileInfo(file.path, contract.name, file.year, sha256_of(file.path), file.format, columns=header,
                    rows_read=rows)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS {_typed_sql(judged, info)}")
    cols = ", ".join(f'"{c}"' for c in judged.columns)
    typed = con.execute(f"SELECT _row, {cols} FROM _typed").pl()
    con.register("_pandera_reasons", _pandera_reasons(judged, typed, None, file.path).to_arrow())
    con.execute(f"CREATE OR REPLACE TEMP TABLE _verdict AS {_verdict_sql(judged, info)}")
    con.unregister("_pandera_reasons")
    con.execute("UPDATE _typed SET _bad = true WHERE _row IN (SELECT _row FROM _verdict)")

    raw_keys = set(contract.raw_keys)
    kept = [f'"{c}"' for c in judged.columns if c not in raw_keys]
    pseudonyms = [f"{_pseudonym(letter, number)} AS {alias}" for letter, number, alias in contract.persons]
    select = ", ".join(pseudonyms + kept + [f"{file.year} AS _year", "$file AS _file", "_row"])
    staged = f"cbs_{contract.name.lower()}"
    body = f"SELECT {select} FROM _typed WHERE NOT _bad"
    params = {"salt": salt, "file": rel} if contract.persons else {"file": rel}
    if contract.name == "ZVWZORGKOSTENTAB":  # long form: one row per person and CBS cost variable
        # a 0 adds nothing to its category's sum, and a category whose variables are all 0 is no claim
        # (transforms/cbs/sql/zvw_costs.sql): zeros are left out here, most of the wide file's cells
        body = (f"SELECT * FROM (UNPIVOT ({body}) ON COLUMNS('^ZVWK') INTO NAME cbs_variable VALUE amount) "
                f"WHERE amount <> 0")
    elif contract.name == "VSLGWBTAB":  # long form: one row per address object and configured year
        body = " UNION ALL ".join(
            f"SELECT SOORTOBJECTNUMMER, RINOBJECTNUMMER, {y} AS year, GEM{y} AS gem, WC{y} AS wc, BC{y} AS bc, "
            f"$file AS _file, _row FROM _typed WHERE NOT _bad" for y in years)
        params = {"file": rel}
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                         [staged]).fetchone()[0]
    if exists:
        con.execute(f"INSERT INTO {staged} BY NAME {body}", params)
    else:
        con.execute(f"CREATE TEMP TABLE {staged} AS {body}", params)

    # quarantine: the row without its raw keys, with its pseudonym; values of key variables left out of reasons
    masked = "array_to_string(v.reasons, '; ')"
    for key in raw_keys:
        masked = f"regexp_replace({masked}, '({key}: [^;]*?)\\(value [^)]*\\)', '\\1(value not shown)', 'g')"
    record_pseudonyms = [f"{_pseudonym(letter, number, 'l')} AS {alias}" for letter, number, alias in contract.persons]
    exclude = f" EXCLUDE ({', '.join(sorted(raw_keys))})" if raw_keys else ""
    record = (f"SELECT l.*{exclude}{''.join(', ' + p for p in record_pseudonyms)} FROM _landing l "
              f"SEMI JOIN _verdict v USING (_row)")  # the few quarantined rows only: no hash of every row
    con.execute(
        f"""INSERT INTO quarantine.{source}
        SELECT $file, v._row, {masked}, to_json(r)::VARCHAR
        FROM ({record}) r JOIN _verdict v USING (_row) ORDER BY v._row""",
        {"salt": salt, "file": rel} if contract.persons else {"file": rel},
    )
    quarantined = con.execute("SELECT count(*) FROM _verdict").fetchone()[0]
    result = CbsFileResult(file, rel, rows, rows - quarantined, quarantined)
    con.execute(INGEST_LOG_DDL)
    con.execute("INSERT INTO meta.ingest_files VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, '')",
                [source, rel, file.year, info.sha256, f"cbs-{file.format}", rows, result.rows_loaded, quarantined])
    con.execute("DROP VIEW IF EXISTS _landing")
    for table in ("_parsed", "_typed", "_verdict"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return result
