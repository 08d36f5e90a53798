"""The `cbs_microdata` input profile: CBS files -> the same `raw.<source>` tables the native ingest writes.

Per raw source: discover its CBS files (transforms/cbs/files.py), read, judge and stage each one
(transforms/cbs/read.py; quarantine and the per-file account as in the native ingest), then run the source's
SQL adapter `transforms/cbs/sql/<source>.sql` on the staging tables. Rows the adapter cannot place (an
unknown buurt `----`, no household) go to `quarantine.<source>` with file `adapter:<source>`; the adapter's
own account per year (rows made = loaded + quarantined) is a row of `meta.ingest_files` too, so the
completeness gate counts a BUS file's years.

workforce, interventions and intervention_participants are no CBS files: they come from the native landing
folder in either layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from quality.cbs_contracts import CBS_CONTRACTS, CbsContract, files_of
from quality.contracts import CONTRACTS
from transforms.cbs.files import discover
from transforms.cbs.read import CbsFileResult, stage_cbs_file
from transforms.ingest import prepare_tables
from transforms.readers import LandingFileError
from transforms.sql import fill

SQL_DIR = Path(__file__).parent / "sql"
# raw sources the CBS files carry (medicines: when its native contract exists)
CBS_SOURCES = tuple(s for s in dict.fromkeys(c.source for c in CBS_CONTRACTS.values()) if s in CONTRACTS)

MACROS = """
CREATE OR REPLACE TEMP MACRO cbs_date(x) AS
    CASE WHEN x IS NULL OR x = '' OR x = '88888888' THEN NULL ELSE CAST(strptime(x, '%Y%m%d') AS DATE) END;
CREATE OR REPLACE TEMP MACRO cbs_flag(x) AS CASE x WHEN '1' THEN true WHEN '2' THEN false END;
"""


@dataclass(frozen=True)
class CbsIngest:
    """What the CBS ingest of one raw source did: the files' accounts, the adapter's, the superseded files."""

    source: str
    files: tuple[CbsFileResult, ...]
    adapter_loaded: int
    adapter_quarantined: int
    superseded: tuple[Path, ...] = field(default_factory=tuple)


def adapter_sql(source: str, **params) -> str:
    """The adapter of `source` (`transforms/cbs/sql/<source>.sql`), placeholders filled as load_sql does."""
    path = SQL_DIR / f"{source}.sql"
    if not path.exists():
        raise FileNotFoundError(f"no CBS adapter for raw.{source}: expected {path}")
    return fill(path.read_text(encoding="utf-8"), params, str(path))


def _empty_staging(con: duckdb.DuckDBPyConnection, contract: CbsContract) -> None:
    """An empty staging table of a CBS file that has no file for the configured years (the completeness
    gate reports the missing years; the adapter still runs)."""
    from quality.contracts import sql_type

    keys = set(contract.raw_keys)
    cols = [f"{alias} VARCHAR" for _, _, alias in contract.persons]
    if contract.name == "ZVWZORGKOSTENTAB":
        cols += ["cbs_variable VARCHAR", "amount DOUBLE"]
    else:
        cols += [f'"{n}" {sql_type(c.dtype)}' for n, c in contract.contract.columns.items() if n not in keys]
    cols += ["_year INTEGER", "_file VARCHAR", "_row BIGINT"]
    con.execute(f"CREATE TEMP TABLE cbs_{contract.name.lower()} ({', '.join(cols)})")


def _references(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> None:
    """The chosen code lists (`<reference_dir>/cbs_*.csv`, shared with the CBS-layout generator) as temp tables
    cbs_ref_<name> of the adapters."""
    for table, name in (("cbs_ref_zvw", "cbs_zvw_categories.csv"), ("cbs_ref_wmo", "cbs_wmo_types.csv"),
                        ("cbs_ref_jeugd", "cbs_jeugd_types.csv"), ("cbs_ref_referrers", "cbs_jeugd_referrers.csv"),
                        ("cbs_ref_household", "cbs_household_types.csv")):
        path = reference_dir / name
        if not path.exists():
            raise LandingFileError(f"{path}: code list of the CBS adapters missing; restore it from the repository")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv(?, all_varchar=true, "
                    f"header=true)", [str(path)])
        if table == "cbs_ref_zvw":
            con.execute("UPDATE cbs_ref_zvw SET cbs_variable = upper(trim(cbs_variable))")


def _sql_list(values) -> str:
    return "[" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values) + "]"


def ingest_cbs_source(con: duckdb.DuckDBPyConnection, source: str, root: Path, years, salt: str,
                      reference_dir: Path, gemeenten, buurten) -> CbsIngest:
    """Build raw.<source> (and quarantine.<source>) from the CBS files under `root` for the configured years.

    Always the whole source: a BUS file covers every year, so a year partition cannot be read on its own."""
    years = tuple(int(y) for y in years)
    if not salt:
        raise LandingFileError("[input] pseudonym_salt is empty: the CBS layout needs a salt for the pseudonyms")
    prepare_tables(con, source)
    con.execute(MACROS)
    _references(con, reference_dir)
    con.execute("CREATE OR REPLACE TEMP TABLE _region_gemeenten AS SELECT substr(unnest(?::VARCHAR[]), 3) AS gem",
                [list(gemeenten)])
    con.execute("CREATE OR REPLACE TEMP TABLE _region_buurten AS SELECT unnest(?::VARCHAR[]) AS buurt_code",
                [list(buurten)])
    results: list[CbsFileResult] = []
    superseded: list[Path] = []
    staged = []
    try:
        for contract in files_of(source):
            found = discover(root, contract.spec, years)
            superseded += found.superseded
            staged.append(f"cbs_{contract.name.lower()}")
            con.execute(f"DROP TABLE IF EXISTS cbs_{contract.name.lower()}")
            for file in found.files:
                results.append(stage_cbs_file(con, file, contract, source, root, salt, years, reference_dir))
            if not found.files:
                _empty_staging(con, contract)
        sql = adapter_sql(source, years=_sql_list(years))
        con.execute(f"CREATE OR REPLACE TEMP TABLE _adapted AS {sql}")
        loaded, quarantined = _store(con, source, years)
    finally:
        for table in [*staged, "_adapted"]:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return CbsIngest(source, tuple(results), loaded, quarantined, tuple(superseded))


def _store(con: duckdb.DuckDBPyConnection, source: str, years: tuple[int, ...]) -> tuple[int, int]:
    """Adapted rows into raw.<source> (by the raw table's columns), unplaced ones into quarantine, the
    adapter's account per year into meta.ingest_files."""
    raw_cols = [r[0] for r in con.execute(f"DESCRIBE raw.{source}").fetchall() if r[0] not in ("_file", "_row")]
    adapted = {r[0] for r in con.execute("DESCRIBE _adapted").fetchall()}
    cols = [c for c in raw_cols if c in adapted]
    listed = ", ".join(f'"{c}"' for c in cols)
    con.execute(f"INSERT INTO raw.{source} ({listed}, _file, _row) SELECT {listed}, _file, _row FROM _adapted "
                f"WHERE _reason IS NULL ORDER BY _file, _row")
    rel = f"adapter:{source}"
    con.execute(f"""INSERT INTO quarantine.{source}
        SELECT ?, row_number() OVER (ORDER BY a._file, a._row, a.pseudo_id), a._reason,
               json_merge_patch(to_json(a), '{{"_reason": null}}')::VARCHAR
        FROM _adapted a WHERE a._reason IS NOT NULL""", [rel])
    record_year = CONTRACTS[source].record_year
    counts = con.execute(
        f"SELECT {record_year} AS y, count(*) FILTER (WHERE _reason IS NULL), count(*) FILTER (WHERE _reason IS NOT NULL) "
        f"FROM _adapted WHERE list_contains(?, {record_year}) GROUP BY y ORDER BY y", [list(years)]).fetchall()
    for year, ok, bad in counts:
        con.execute("INSERT INTO meta.ingest_files VALUES (?, ?, ?, NULL, 'adapter', NULL, NULL, ?, ?, ?, '')",
                    [source, rel, year, ok + bad, ok, bad])
    total = con.execute("SELECT count(*) FILTER (WHERE _reason IS NULL), count(*) FILTER (WHERE _reason IS NOT "
                        "NULL) FROM _adapted").fetchone()
    return int(total[0]), int(total[1])

