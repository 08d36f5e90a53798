"""The warehouse resource: settings DuckDB takes only by SET are applied, and the connection is always closed."""

import duckdb
import pytest

from pipelines.resources import WAREHOUSE_SET, WarehouseResource


def test_warehouse_connections_get_the_set_only_settings(tmp_path):
    resource = WarehouseResource(database=str(tmp_path / "w.duckdb"), connection_config={"threads": 1})
    with resource.get_connection() as con:
        value = con.execute("SELECT value FROM duckdb_settings() WHERE name = 'disabled_compression_methods'"
                            ).fetchone()[0]
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    assert value.lower() == WAREHOUSE_SET["disabled_compression_methods"]
    assert threads == 1


def test_a_failing_asset_still_closes_the_warehouse_connection(tmp_path):
    resource = WarehouseResource(database=str(tmp_path / "w.duckdb"))
    with pytest.raises(RuntimeError), resource.get_connection() as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        raise RuntimeError("asset failed")
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")
    # the file is free again: another process (here: a read-only connection) can open it
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as reader:
        assert reader.execute("SELECT x FROM t").fetchone() == (1,)


def test_a_run_reads_its_phm_toml_once_and_every_asset_gets_the_same_settings(tmp_path, monkeypatch):
    import dagster as dg

    import pipelines.config as config
    from pipelines.config import REPO_ROOT
    from pipelines.resources import PhmConfig

    path = tmp_path / "phm.toml"
    path.write_text(f'[region]\ncode = "RG_TEST"\ngemeenten = ["GM0399"]\n\n[run]\nyears = [2022, 2023]\n'
                    f'reference_dir = "{REPO_ROOT / "sample_data" / "reference"}"\n', encoding="utf-8")
    parsed = []
    real = config.parse_toml
    monkeypatch.setattr(config, "parse_toml", lambda p: parsed.append(p) or real(p))
    seen = []

    @dg.asset
    def first(phm: PhmConfig) -> None:
        seen.extend([phm.settings(), phm.settings()])

    @dg.asset(deps=[first])
    def second(phm: PhmConfig) -> None:
        seen.append(phm.settings())

    assert dg.materialize([first, second], resources={"phm": PhmConfig(config_path=str(path))}).success
    # three calls in two steps: one parse of the file, one Settings object
    assert len(parsed) == 1 and len(seen) == 3
    assert seen[0] is seen[1] is seen[2] and seen[0].years == (2022, 2023)


def test_the_config_resource_does_not_import_great_expectations():
    import subprocess
    import sys

    code = ("import sys, pipelines.resources; "
            "print(sorted(m for m in sys.modules if m.startswith(('great_expectations', 'quality.expectations'))))")
    from pipelines.config import REPO_ROOT

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO_ROOT).stdout
    assert out.strip() == "[]"
