"""Ingest: landing files -> `raw.<source>` (rows that keep their contract) and
`quarantine.<source>` (rows that break it, with file, row number and every reason).

Nothing is lost: for every file rows read = rows loaded + rows quarantined, recorded in
`meta.ingest_files` with the file's sha256.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from quality.contracts import CONTRACTS, Contract, sql_type
from transforms.readers import (
    FileInfo,
    LandingFileError,
    is_temporary_name,
    load_text_table,
    parse_landing_name,
)

JUDGING_THREADS = 2  # files judged at once: DuckDB in one overlaps with Python (Pandera) in the other

INGEST_LOG_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.ingest_files (
    source VARCHAR, path VARCHAR, year INTEGER, sha256 VARCHAR, format VARCHAR, encoding VARCHAR,
    delimiter VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, extra_columns VARCHAR
);
"""


@dataclass(frozen=True)
class FileResult:
    """The account of one ingested file."""

    info: FileInfo
    rows_loaded: int
    rows_quarantined: int
    extra_columns: tuple[str, ...]

    @property
    def balanced(self) -> bool:
        return self.info.rows_read == self.rows_loaded + self.rows_quarantined


def landing_files(landing_dir: Path, source: str, years: Iterable[int] | None = None) -> list[Path]:
    """The files of one source, sorted; a file of another source in this folder is an error."""
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.iterdir()):
        if is_temporary_name(path.name) or path.is_dir():  # still being delivered
            continue
        found_source, year = parse_landing_name(path)
        if found_source != source:
            raise LandingFileError(f"{path}: a {found_source} file in the folder of {source}; move it to "
                                   f"{landing_dir / found_source}")
        if years is None or year in set(years):
            files.append(path)
    return files


def _text(col: str) -> str:
    """The trimmed value of a `_landing` column, NULL when empty.

    trim() strips Unicode space separators and copies every value, which costs more than the casts;
    an ASCII value that neither starts nor ends with a space is already trimmed, so only the others
    go through trim() (the same result, ~10x faster on 64-character pseudonyms)."""
    c = f'"{col}"'
    return (f"NULLIF(CASE WHEN strlen({c}) = length({c}) AND NOT prefix({c}, ' ') AND NOT suffix({c}, ' ') "
            f"THEN {c} ELSE trim({c}) END, '')")


def _cast_text(text: str, dtype, decimal: str) -> str:
    """SQL that casts the trimmed text `text` to the contract type; NULL when it is no valid value."""
    kind = sql_type(dtype)
    number = f"replace({text}, ',', '.')" if decimal == "," else text
    if kind == "VARCHAR":
        return text
    if kind == "DOUBLE":
        return f"TRY_CAST({number} AS DOUBLE)"
    if kind == "BIGINT":
        as_double = f"TRY_CAST({number} AS DOUBLE)"
        return f"CASE WHEN {as_double} = floor({as_double}) THEN CAST({as_double} AS BIGINT) END"
    if kind == "DATE":
        return f"CAST(TRY_STRPTIME({text}, '%Y-%m-%d') AS DATE)"
    if kind == "BOOLEAN":
        # list_contains, not IN: DuckDB plans a long IN list as a join, which may reorder the rows
        return (f"CASE WHEN list_contains(['true', '1', 't', 'ja', 'j', 'yes', 'waar'], lower({text})) THEN true "
                f"WHEN list_contains(['false', '0', 'f', 'nee', 'n', 'no', 'onwaar'], lower({text})) THEN false END")
    raise TypeError(kind)


_TYPE_WORDS = {"DOUBLE": "number", "BIGINT": "whole number", "DATE": "date (YYYY-MM-DD)", "BOOLEAN": "true/false"}


def _bsn_like(expr: str) -> str:
    """SQL that is true for a 9-digit number passing the elfproef (a likely BSN)."""
    terms = " + ".join(f"CAST(substr({expr}, {i}, 1) AS INTEGER) * {10 - i}" for i in range(1, 9))
    # strlen first: nine digits are nine bytes, and the regular expression costs more than the casts
    return (f"(strlen({expr}) = 9 AND regexp_full_match({expr}, '[0-9]{{9}}') AND "
            f"(({terms}) - CAST(substr({expr}, 9, 1) AS INTEGER)) % 11 = 0)")


def _row_errors(contract: Contract, info: FileInfo, text=_text, typed=None) -> list[tuple[str, str]]:
    """(condition, reason) per row rule the SQL side judges, in the order reasons are reported.

    `text(col)` and `typed(col)` give the SQL of a column's trimmed text and typed value: by default
    computed from `_landing`; `_typed_sql` passes its own columns (it uses the conditions only: the
    reasons quote the raw value of `_landing`)."""
    if typed is None:
        def typed(name: str) -> str:
            return _cast_text(text(name), contract.columns[name].dtype, info.decimal)
    errors = []
    for name, col in contract.columns.items():
        kind = sql_type(col.dtype)
        if kind != "VARCHAR":
            errors.append((f"{text(name)} IS NOT NULL AND {typed(name)} IS NULL",
                           f"'{name}: ''' || left(\"{name}\", 40) || ''' is not a valid {_TYPE_WORDS[kind]}'"))
    if "pseudo_id" in contract.columns:
        errors.append((_bsn_like(text("pseudo_id")), "'pseudo_id looks like a BSN (9 digits passing the elfproef); "
                                                     "landing data must be pseudonymised'"))
    if contract.year_column:
        name = contract.year_column
        whole = sql_type(contract.columns[name].dtype) == "BIGINT"
        year = typed(name) if whole else _cast_text(text(name), pl.Int64, info.decimal)
        errors.append((f"{year} <> {info.year}",
                       f"'{name} ' || {year} || ' does not match the year {info.year} in the file name'"))
    return errors


def _key_columns(contract: Contract) -> list[str]:
    """The `_typed` columns holding the natural key the way duplicates are compared, as trimmed text: a text
    column itself, else its `_key_<col>` copy of the text (`2024` and `2024.0` are different keys)."""
    return [f'"{k}"' if sql_type(contract.columns[k].dtype) == "VARCHAR" else f'"_key_{k}"' for k in contract.key]


def _typed_sql(contract: Contract, info: FileInfo) -> str:
    """The typed rows, the key texts, and `_bad` where a row rule other than the natural key fails (the
    reasons follow for those rows only: a list of reasons for every row costs more than the casts).

    Each column is trimmed once (inner query) and cast once (middle query); `_bad` reads both."""
    names = list(contract.columns)
    texts = ", ".join(f"{_text(n)} AS {_text_column(n)}" for n in names)
    casts = ", ".join(f"{_cast_text(_text_column(n), col.dtype, info.decimal)} AS {_quoted(n)}"
                      for n, col in contract.columns.items())
    keys = [f'{_text_column(k)} AS "_key_{k}"' for k in contract.key if sql_type(contract.columns[k].dtype) != "VARCHAR"]
    conditions = [cond for cond, _ in _row_errors(contract, info, text=_text_column, typed=_quoted)]
    # CASE, not coalesce: CASE evaluates the elfproef only where the 9-digit test passed
    bad = " OR ".join(f"(CASE WHEN {cond} THEN true ELSE false END)" for cond in conditions)
    return (f"SELECT {', '.join(['_row'] + [_quoted(n) for n in names] + keys)}, {bad or 'false'} AS _bad "
            f"FROM (SELECT _row, {', '.join(_text_column(n) for n in names)}, {casts} "
            f"FROM (SELECT _row, {texts} FROM _landing))")


def _quoted(name: str) -> str:
    return f'"{name}"'


def _text_column(name: str) -> str:
    """The column of a subquery that holds the trimmed text of contract column `name`."""
    return _quoted(f"_text_{name}")


def _duplicates_sql(contract: Contract) -> str:
    """Rows whose natural key an earlier row of the file already has, with that first row.

    Rows are grouped by the hash of their key first (cheaper than by the texts), so that only the few
    rows whose hash occurs twice are grouped by the key itself (a hash collision is no duplicate)."""
    keys = _key_columns(contract)
    listed = ", ".join(keys)
    not_null = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    same = " AND ".join(f"c.{k} = f.{k}" for k in keys)
    return f"""
        WITH keyed AS (SELECT _row, {listed}, hash({listed}) AS _hash FROM _typed WHERE {not_null}),
        candidates AS (
            SELECT * FROM keyed WHERE _hash IN (SELECT _hash FROM keyed GROUP BY _hash HAVING count(*) > 1)
        ),
        firsts AS (SELECT {listed}, min(_row) AS _first FROM candidates GROUP BY ALL HAVING count(*) > 1)
        SELECT c._row, f._first FROM candidates c JOIN firsts f ON {same} WHERE c._row > f._first"""


def _verdict_sql(contract: Contract, info: FileInfo) -> str:
    """Every reason of every row that breaks the contract: the SQL rules in order, then Pandera's (sorted).

    The reasons are judged on the suspect rows only, each column trimmed once (`_text_<col>`) as in
    `_typed_sql` (repeating the trim expression in every rule makes the query slow to plan)."""
    names = list(contract.columns)
    reasons = [f"CASE WHEN {cond} THEN {reason} END"
               for cond, reason in _row_errors(contract, info, text=_text_column)]
    if contract.key:
        dups = _duplicates_sql(contract)
        reasons.append(f"CASE WHEN _first IS NOT NULL THEN 'duplicate key ({', '.join(contract.key)}) of row ' "
                       f"|| _first END")
    else:
        dups = "SELECT CAST(NULL AS BIGINT) AS _row, CAST(NULL AS BIGINT) AS _first LIMIT 0"
    both = "list_concat(coalesce(s.reasons, []), coalesce(p.reasons, []))"
    return f"""
        WITH dups AS ({dups}),
        suspects AS (SELECT _row FROM _typed WHERE _bad UNION SELECT _row FROM dups),
        suspect_rows AS (
            SELECT l._row, d._first, {', '.join(f'l.{_quoted(n)}' for n in names)},
                {', '.join(f'{_text(n)} AS {_text_column(n)}' for n in names)}
            FROM _landing l SEMI JOIN suspects s USING (_row) LEFT JOIN dups d USING (_row)
        ),
        sql_reasons AS (
            SELECT _row, list_filter([{', '.join(reasons) or 'NULL'}], e -> e IS NOT NULL) AS reasons
            FROM suspect_rows
        ),
        pandera AS (SELECT _row, list(reason ORDER BY reason) AS reasons FROM _pandera_reasons GROUP BY _row)
        SELECT _row, {both} AS reasons
        FROM sql_reasons s FULL OUTER JOIN pandera p USING (_row)
        WHERE len({both}) > 0
    """


def _pandera_reasons(contract: Contract, frame: pl.DataFrame, area_codes, path: Path) -> pl.DataFrame:
    """(_row, reason) for every Pandera failure; a failure not tied to a row fails the file."""
    try:
        contract.schema(area_codes).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        unplaced = cases.filter(pl.col("index").is_null())
        if unplaced.height:
            first = unplaced.row(0, named=True)
            raise LandingFileError(
                f"{path}: contract {contract.source} failed for the whole file: column {first['column']}, "
                f"check {first['check']}: {first['failure_case']}"
            ) from exc
        rows = frame.select("_row").with_row_index("index")
        return (
            cases.with_columns(pl.col("index").cast(pl.UInt32))
            .join(rows, on="index")
            .select(
                "_row",
                pl.when(pl.col("schema_context") == "Column")
                .then(pl.format("{}: {} (value {})", "column", "check", pl.col("failure_case").str.slice(0, 40)))
                .otherwise(pl.col("check"))
                .alias("reason"),
            )
        )
    return pl.DataFrame(schema={"_row": pl.Int64, "reason": pl.Utf8})


@dataclass(frozen=True)
class _Judged:
    """A file read and judged on its own connection (temp tables `_landing`, `_typed`, `_verdict`), not yet stored."""

    info: FileInfo
    rel: str
    extra: tuple[str, ...]
    filled: tuple[str, ...] = ()  # optional columns the file lacks, added as NULL


def _judge_file(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract,
                area_codes: Sequence[str] | None, landing_dir: Path) -> _Judged:
    """Read a file into temp tables of `con` and mark (`_typed._bad`) every row that goes to quarantine."""
    info = load_text_table(con, path, "_landing")
    absent = [c for c, col in contract.columns.items() if col.optional and c not in info.columns]
    for col in absent:  # judged and loaded as empty text, i.e. NULL; the view `_landing` reads `_parsed.*`
        con.execute(f"ALTER TABLE _parsed ADD COLUMN {_quoted(col)} VARCHAR")
    missing = [c for c in contract.columns if c not in info.columns and c not in absent]
    if missing:
        raise LandingFileError(f"{path}: required column(s) {', '.join(missing)} missing; "
                               f"the header has {', '.join(info.columns)}")
    extra = tuple(c for c in info.columns if c not in contract.columns)
    for col in extra:
        hits = con.execute(f"SELECT count(*) FROM _landing WHERE {_bsn_like(_text(col))}").fetchone()[0]
        if hits:
            raise LandingFileError(f"{path}: column {col} holds {hits} BSN-like values (9 digits passing the "
                                   f"elfproef); landing data must be pseudonymised: remove the column")
    # projections of `_landing` only, so `_typed` keeps the file row order (a join in the plan could reorder)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS {_typed_sql(contract, info)}")
    cols = ", ".join(_quoted(c) for c in contract.columns)
    typed = con.execute(f"SELECT _row, {cols} FROM _typed").pl()
    reasons = _pandera_reasons(contract, typed, area_codes, path)
    con.register("_pandera_reasons", reasons.to_arrow())
    rel = str(path.relative_to(landing_dir)) if path.is_relative_to(landing_dir) else str(path)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _verdict AS {_verdict_sql(contract, info)}")  # the few bad rows
    con.unregister("_pandera_reasons")
    # From here `_bad` marks every quarantined row, so that raw gets the others by a filter, which keeps the
    # file row order of `_typed` (a join need not, and sorting millions of rows again costs more).
    con.execute("UPDATE _typed SET _bad = true WHERE _row IN (SELECT _row FROM _verdict)")
    return _Judged(info, rel, extra, tuple(absent))


def _store_file(con: duckdb.DuckDBPyConnection, contract: Contract, judged: _Judged) -> FileResult:
    """Append a judged file to raw and quarantine, log it, and drop its temp tables."""
    info, rel, extra, source = judged.info, judged.rel, judged.extra, contract.source
    cols = ", ".join(_quoted(c) for c in contract.columns)
    con.execute(f"INSERT INTO raw.{source} SELECT {cols}, ? AS _file, _row FROM _typed WHERE NOT _bad", [rel])
    masked = ("CASE WHEN regexp_full_match(trim(l.pseudo_id), '[0-9]{9}') THEN '<bsn verwijderd>' "
              "ELSE l.pseudo_id END") if "pseudo_id" in info.columns else None
    # the quarantined record as the file has it: without the optional columns the ingest added
    landing = (f"(SELECT * EXCLUDE ({', '.join(_quoted(c) for c in judged.filled)}) FROM _landing)"
               if judged.filled else "_landing")
    record = "to_json(l)" if masked is None else f"json_merge_patch(to_json(l), json_object('pseudo_id', {masked}))"
    con.execute(
        f"""INSERT INTO quarantine.{source}
        SELECT ?, l._row, array_to_string(v.reasons, '; '), {record}::VARCHAR
        FROM {landing} l JOIN _verdict v USING (_row) ORDER BY l._row""",
        [rel],
    )
    if info.malformed:
        # A malformed line has no columns to judge; keep its text (one statement: one commit, not one per line).
        rows, messages, lines = (list(values) for values in zip(*info.malformed, strict=True))
        con.execute(f"INSERT INTO quarantine.{source} SELECT ?, unnest(?::BIGINT[]), "
                    f"'malformed row: ' || unnest(?::VARCHAR[]), unnest(?::VARCHAR[])", [rel, rows, messages, lines])
    loaded = con.execute(f"SELECT count(*) FROM raw.{source} WHERE _file = ?", [rel]).fetchone()[0]
    quarantined = con.execute(f"SELECT count(*) FROM quarantine.{source} WHERE file = ?", [rel]).fetchone()[0]
    result = FileResult(info, loaded, quarantined, extra)
    con.execute(
        "INSERT INTO meta.ingest_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source, rel, info.year, info.sha256, info.format, info.encoding, info.delimiter, info.rows_read,
         loaded, quarantined, ",".join(extra)],
    )
    con.execute("DROP VIEW IF EXISTS _landing")
    for table in ("_parsed", "_kept_rows", "_typed", "_verdict"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return result


def prepare_tables(con: duckdb.DuckDBPyConnection, source: str, only_years: Sequence[int] | None = None) -> None:
    """(Re)create the raw and quarantine tables of a source and clear its ingest log rows.

    With `only_years` (a year partition) only the rows from those years' files are removed.
    """
    contract = CONTRACTS[source]
    con.execute("CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS quarantine;")
    con.execute(INGEST_LOG_DDL)
    cols = ", ".join(f'"{name}" {sql_type(col.dtype)}' for name, col in contract.columns.items())
    create = "CREATE OR REPLACE TABLE" if only_years is None else "CREATE TABLE IF NOT EXISTS"
    con.execute(f"{create} raw.{source} ({cols}, _file VARCHAR, _row BIGINT)")
    con.execute(f"{create} quarantine.{source} (file VARCHAR, row_number BIGINT, reasons VARCHAR, record VARCHAR)")
    if only_years is None:
        con.execute("DELETE FROM meta.ingest_files WHERE source = ?", [source])
        return
    years = [int(y) for y in only_years]
    files = "SELECT path FROM meta.ingest_files WHERE source = ? AND list_contains(?, year)"
    con.execute(f"DELETE FROM raw.{source} WHERE _file IN ({files})", [source, years])
    con.execute(f"DELETE FROM quarantine.{source} WHERE file IN ({files})", [source, years])
    con.execute("DELETE FROM meta.ingest_files WHERE source = ? AND list_contains(?, year)", [source, years])


def ingest_source(con: duckdb.DuckDBPyConnection, source: str, landing_dir: Path, years: Iterable[int],
                  area_codes: Sequence[str] | None, only_years: Sequence[int] | None = None) -> list[FileResult]:
    """Ingest every landing file of one source for the configured years (or only for `only_years`).

    Files are read and judged two at a time, each on its own connection (a cursor of `con`), and stored
    one after another in file order, so raw keeps the order of the files and their rows. Judging a file
    spends much of its time in Python (Pandera, hashing) while the other file's DuckDB work goes on.
    """
    prepare_tables(con, source, only_years)
    contract = CONTRACTS[source]
    paths = landing_files(landing_dir, source, years if only_years is None else only_years)
    with ThreadPoolExecutor(max_workers=JUDGING_THREADS, thread_name_prefix=f"ingest-{source}") as pool:
        pending = [pool.submit(_judge_on_cursor, con, path, contract, area_codes, landing_dir) for path in paths]
        results: list[FileResult] = []
        try:
            for future in pending:
                cursor, judged = future.result()
                try:
                    results.append(_store_file(cursor, contract, judged))
                finally:
                    cursor.close()
        finally:
            for future in pending[len(results):]:  # after a failure: close the connections of the others
                if not future.cancel() and future.exception() is None:
                    cursor, _ = future.result()
                    cursor.close()
    return results


def _judge_on_cursor(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract,
                     area_codes: Sequence[str] | None, landing_dir: Path) -> tuple[duckdb.DuckDBPyConnection, _Judged]:
    """Judge one file on a new connection to the same database; the caller stores it and closes the connection."""
    cursor = con.cursor()
    try:
        return cursor, _judge_file(cursor, path, contract, area_codes, landing_dir)
    except BaseException:
        cursor.close()
        raise
