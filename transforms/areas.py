"""The area hierarchy buurt -> wijk -> gemeente -> regio, from the vendored CBS/RIVM files.

Buurt codes follow the CBS 2020 classification (the RIVM small-area file); gemeente names
come from that file and wijk names from the PDOK GeoJSON where it has them.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

RIVM_2020 = "rivm_50090NED_gezondheid_wijk_buurt_2020_18plus_NL.csv"
WIJK_GEOJSON = "alkmaar_GM0361_wijken_2024_pdok.geojson"
LEVELS = ("buurt", "wijk", "gemeente", "regio")
CLASSIFICATION_YEAR = 2020


class UnknownGemeenteError(ValueError):
    """A configured gemeente code that the reference data do not know."""


def wijk_names(reference_dir: Path) -> dict[str, str]:
    """Wijk code -> name from the GeoJSON boundaries that ship with the project."""
    path = reference_dir / WIJK_GEOJSON
    if not path.exists():
        return {}
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["wijkCode"]: f["properties"]["wijkNaam"] for f in features}


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
    names = wijk_names(reference_dir)
    con.register("_wijk_names", _names_relation(con, names))
    con.execute(
        """
        CREATE OR REPLACE TABLE staging.areas AS
        SELECT code AS area_code, 'buurt' AS area_level, 'Buurt ' || substr(code, 9, 2) || ' (' || code || ')' AS name,
               'WK' || substr(code, 3, 6) AS parent_code, 'GM' || substr(code, 3, 4) AS gemeente_code, ? AS classification_year
        FROM _rivm WHERE kind = 'Buurt'
        UNION ALL
        SELECT r.code, 'wijk', coalesce(n.name, 'Wijk ' || substr(r.code, 7, 2)) || ' (' || r.gemeente_name || ')',
               'GM' || substr(r.code, 3, 4), 'GM' || substr(r.code, 3, 4), ?
        FROM _rivm r LEFT JOIN _wijk_names n ON n.code = r.code WHERE kind = 'Wijk'
        UNION ALL
        SELECT code, 'gemeente', gemeente_name, ?, code, ? FROM _rivm WHERE kind = 'Gemeente'
        UNION ALL
        SELECT ?, 'regio', ?, NULL, NULL, ?
        ORDER BY area_level, area_code
        """,
        [CLASSIFICATION_YEAR, CLASSIFICATION_YEAR, region_code, CLASSIFICATION_YEAR, region_code, region_name,
         CLASSIFICATION_YEAR],
    )
    con.unregister("_wijk_names")
    # Every area with itself and each ancestor: the join table for rolling cells up the hierarchy.
    con.execute(
        """
        CREATE OR REPLACE TABLE staging.area_ancestors AS
        WITH RECURSIVE up(area_code, ancestor_code, ancestor_level) AS (
            SELECT area_code, area_code, area_level FROM staging.areas
            UNION ALL
            SELECT up.area_code, a.parent_code, p.area_level
            FROM up JOIN staging.areas a ON a.area_code = up.ancestor_code
            JOIN staging.areas p ON p.area_code = a.parent_code
        )
        SELECT * FROM up ORDER BY area_code, ancestor_level
        """
    )
    return con.execute("SELECT count(*) FROM staging.areas").fetchone()[0]


def _names_relation(con: duckdb.DuckDBPyConnection, names: dict[str, str]):
    import pyarrow as pa

    return pa.table({"code": list(names), "name": list(names.values())})


def area_codes(con: duckdb.DuckDBPyConnection, level: str | None = None) -> list[str]:
    """Codes of the built areas, optionally of one level."""
    sql = "SELECT area_code FROM staging.areas" + (" WHERE area_level = ?" if level else "") + " ORDER BY 1"
    return [row[0] for row in con.execute(sql, [level] if level else []).fetchall()]
