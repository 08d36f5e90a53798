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
