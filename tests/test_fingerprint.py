"""The fingerprint that shows a refactoring changes nothing users see: it must see a changed value, and must
not see what differs between two runs of the same code."""

from __future__ import annotations

import duckdb

from tests.fingerprint import differences, fingerprint


def _publish(folder, value: float, run_id: str, seconds: str) -> dict[str, str]:
    folder.mkdir()
    with duckdb.connect(str(folder / "monitoring.duckdb")) as con:
        con.execute("CREATE TABLE indicator_values AS SELECT 'ph_roken' AS indicator_id, 2024 AS period, ? AS value",
                    [value])
        con.execute("CREATE TABLE quality_results AS SELECT ? AS run_id, 'privacy' AS check_name, "
                    "'passed' AS status, ? AS message", [run_id, f"checked {folder}/x.duckdb in {seconds} s"])
    return fingerprint(folder)


def test_only_a_changed_value_is_a_difference(tmp_path):
    first = _publish(tmp_path / "a", 12.5, "run-1", "0.4")
    again = _publish(tmp_path / "b", 12.5, "run-2", "1.7")  # another run id, folder and duration
    changed = _publish(tmp_path / "c", 12.6, "run-3", "0.4")
    assert differences(again, first) == []
    assert differences(changed, first) == ["indicator_values"]
    assert differences({"areas": "x", **first}, first) == ["areas"]  # a table more is a difference too
