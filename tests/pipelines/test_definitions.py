"""The asset graph covers the warehouse: every table and view a run builds is an asset of the same name."""

import duckdb
import pytest

from transforms.warehouse import LOG_TABLES


@pytest.mark.slow
def test_every_warehouse_table_is_an_asset(small_run):
    from pipelines.definitions import defs

    settings, _, _ = small_run
    keys = {"/".join(k.path[1:]) for k in defs.resolve_asset_graph().get_all_asset_keys()}  # without rg_<code>/
    with duckdb.connect(str(settings.data_dir / "warehouse.duckdb"), read_only=True) as con:
        built = {f"{s}/{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    # candidate 12 (with cost_ledger), indicators 13 (with price_deflators, payment_scenarios), marts 9, meta 1,
    # quality 2, quarantine 13, raw 13, ref 7, staging 11 tables = 81, and the views staging.phm_base,
    # marts.person_targeting, marts.zvw_person_category, marts.person_target_group
    assert len(built) == 85
    assert built - {t.replace(".", "/") for t in LOG_TABLES} <= keys, sorted(built - keys)


def test_the_cells_depend_on_the_marts_the_catalogue_names():
    """A mart added to catalogue.yaml is a new edge of the graph, without a list in pipelines/ to keep."""
    import yaml

    from indicators.catalogue import CATALOGUE_PATH
    from pipelines.definitions import defs

    marts = {spec["table"] for spec in yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["marts"].values()}
    # person_year_indicators, survey, acute admissions, wmo requests, reach, zvw, workforce, target-group members
    assert len(marts) == 8
    graph = defs.resolve_asset_graph()
    cells = next(k for k in graph.get_all_asset_keys() if k.path[1:] == ["indicators", "cells"])
    parents = {".".join(k.path[1:]) for k in graph.get(cells).parent_keys}
    assert marts <= parents
