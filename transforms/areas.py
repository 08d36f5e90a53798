"""The area hierarchy buurt -> wijk -> gemeente -> regio, from the vendored CBS/RIVM files.

Codes follow the CBS 2020 classification (the RIVM small-area file). Names come from the CBS 2020
names files (`names_*.csv`, one per region that ships one); a code without a name there gets a
fallback that still says where it is ("Wijk 01 (Heiloo)", "Buurt 00 (BU03990100)"). A reader must
tell areas of one level apart in the report and the workbook, so a name that occurs twice within a
level gets its gemeente in brackets ("Centrum (Heiloo)"), and its code where that is not enough.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms.sql import load_sql
from transforms.warehouse import write_years

RIVM_2020 = "rivm_50090NED_gezondheid_wijk_buurt_2020_18plus_NL.csv"
NAMES_GLOB = "names_*.csv"  # area_level, area_code, name, gemeente_code (CBS 2020 names)
LEVELS = ("buurt", "wijk", "gemeente", "regio")
CLASSIFICATION_YEAR = 2020


class UnknownGemeenteError(ValueError):
    """A configured gemeente code that the reference data do not know."""


def load_names(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> None:
    """Temp table `_names(area_code, name)` from every names file in `reference_dir` (none: empty)."""
    files = sorted(str(p) for p in reference_dir.glob(NAMES_GLOB))
    if not files:
        con.execute("CREATE OR REPLACE TEMP TABLE _names (area_code VARCHAR, name VARCHAR)")
        return
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _names AS
        SELECT trim(area_code) AS area_code, min(trim(name)) AS name
        FROM read_csv(?, header=true, all_varchar=true, union_by_name=true)
        WHERE nullif(trim(name), '') IS NOT NULL
        GROUP BY 1
        """,
        [files],
    )


def build_areas(con: duckdb.DuckDBPyConnection, reference_dir: Path, gemeenten: list[str],
                region_code: str, region_name: str) -> int:
    """Create `staging.areas` and `staging.area_ancestors`; returns the number of areas."""
    path = reference_dir / RIVM_2020
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _rivm AS
        SELECT trim(Codering_3) AS code, trim(SoortRegio_2) AS kind, trim(Gemeentenaam_1) AS gemeente_name
        FROM read_csv(?, header=true, all_varchar=true)
        WHERE substr(trim(Codering_3), 3, 4) IN (SELECT unnest(?::VARCHAR[]).substr(3, 4))
          AND trim(SoortRegio_2) IN ('Gemeente', 'Wijk', 'Buurt')
        """,
        [str(path), list(gemeenten)],
    )
    known = {row[0] for row in con.execute("SELECT code FROM _rivm WHERE kind = 'Gemeente'").fetchall()}
    unknown = sorted(set(gemeenten) - known)
    if unknown:
        raise UnknownGemeenteError(
            f"phm.toml [region.gemeenten]: {', '.join(unknown)} not found in {path.name} "
            f"(CBS 2020 classification); check the code, e.g. Alkmaar is GM0361"
        )
    load_names(con, reference_dir)
    write_years(con, "staging.areas", load_sql("staging.areas"),
                params=[region_code, CLASSIFICATION_YEAR, region_code, region_name, CLASSIFICATION_YEAR])
    write_years(con, "staging.area_ancestors", load_sql("staging.area_ancestors"))
    return con.execute("SELECT count(*) FROM staging.areas").fetchone()[0]


def area_codes(con: duckdb.DuckDBPyConnection, level: str | None = None) -> list[str]:
    """Codes of the built areas, optionally of one level."""
    sql = "SELECT area_code FROM staging.areas" + (" WHERE area_level = ?" if level else "") + " ORDER BY 1"
    return [row[0] for row in con.execute(sql, [level] if level else []).fetchall()]
