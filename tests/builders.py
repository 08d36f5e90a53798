"""Hand-made warehouses for tests: raw rows written by the test, then the real transforms."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from indicators.catalogue import expansions_from_warehouse, load_catalogue
from pipelines.config import REPO_ROOT, load_settings
from quality.contracts import CONTRACTS
from transforms import care_use, code_lists, conditions, marts, spine, stratification, survey, targeting
from transforms.areas import build_areas
from transforms.ingest import prepare_tables
from transforms.warehouse import ensure_schemas

SETTINGS = load_settings(REPO_ROOT / "phm.toml")


def new_warehouse(gemeenten=("GM0399",)) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with areas, code lists and empty raw tables."""
    con = duckdb.connect()
    ensure_schemas(con)
    build_areas(con, SETTINGS.reference_dir, list(gemeenten), "RG_T", "Test")
    code_lists.load_code_lists(con, SETTINGS.cutoffs)
    for source in CONTRACTS:
        prepare_tables(con, source)
    return con


def insert(con: duckdb.DuckDBPyConnection, source: str, rows: list[dict]) -> None:
    """Insert rows into raw.<source>; missing columns are NULL."""
    cols = list(CONTRACTS[source].columns)
    for i, row in enumerate(rows, start=1):
        values = [row.get(c) for c in cols] + ["fixture", i]
        con.execute(f"INSERT INTO raw.{source} VALUES ({', '.join('?' * len(values))})", values)


def survey_row(pid: str, year: int, weight: float = 1.0, **answers) -> dict:
    row = {c: None for c in CONTRACTS["health_survey"].columns}
    return row | {"pseudo_id": pid, "survey_year": year, "weight": weight} | answers


def run_transforms(con: duckdb.DuckDBPyConnection, years: list[int]) -> None:
    """Staging, marts and PHM steps 1-4, exactly as the pipeline's assets call them."""
    spine.build_spine(con)
    spine.build_denominators(con)
    conditions.build_conditions(con)
    conditions.build_person_events(con)
    care_use.build_care_use(con, years)
    survey.build_survey(con)
    marts.build_person_year_mart(con)
    marts.build_workforce_mart(con)
    stratification.build_stratification(con, SETTINGS.cutoffs)
    targeting.build_targeting(con)
    targeting.build_intervention_reach(con)
    marts.build_zvw_category_view(con)


def catalogue_for(con: duckdb.DuckDBPyConnection):
    return load_catalogue(SETTINGS.cutoffs, expansions_from_warehouse(con))


def estimated_values(con: duckdb.DuckDBPyConnection, years: list[int]):
    """Cells and estimates of every catalogue indicator on a hand-made warehouse (after `run_transforms`)."""
    from indicators.aggregation import build_cells
    from indicators.estimates import estimate_cells

    catalogue = catalogue_for(con)
    build_cells(con, catalogue, years)
    return estimate_cells(con.execute("SELECT * FROM indicators.cells").pl(), catalogue)


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file below `folder`, by relative path: proves 'byte-identical'."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
