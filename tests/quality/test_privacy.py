"""The blocking privacy check fails on crafted candidates: a pseudonym, a small cell, a date, a stray table."""

from __future__ import annotations

import duckdb
import pytest

from indicators.published_schema import TABLES
from quality.privacy import privacy_violations


def _clean() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA candidate")
    for table, (_, columns) in TABLES.items():
        types = {c: "VARCHAR" for c in columns} | {"value": "DOUBLE", "n": "BIGINT", "suppressed": "BOOLEAN",
                                                   "numerator": "DOUBLE", "denominator": "DOUBLE"}
        con.execute(f"CREATE TABLE candidate.{table} ({', '.join(f'{c} {types[c]}' for c in columns)})")
    con.execute("INSERT INTO candidate.indicator_values (indicator_id, area_code, stratum, value, n, suppressed) "
                "VALUES ('ph_x', 'GM0361', 'totaal', 12.5, 120, false)")
    return con


def test_clean_candidate_passes():
    assert privacy_violations(_clean(), "candidate") == []


@pytest.mark.parametrize(("sql", "expected"), [
    ("UPDATE candidate.indicator_values SET area_code = '" + "ab" * 32 + "'", "64-character hex pseudonym"),
    ("UPDATE candidate.areas SET name = '111222333'; INSERT INTO candidate.areas (name) VALUES ('111222333')",
     "look like a BSN"),
    ("INSERT INTO candidate.indicator_values (indicator_id, value, n, suppressed) VALUES ('ph_x', 50, 5, false)",
     "rest on 1-9 persons"),
    ("INSERT INTO candidate.indicator_values (indicator_id, value, n, suppressed) VALUES ('ph_x', 3.0, NULL, true)",
     "suppressed cell(s) still carry a value"),
    ("INSERT INTO candidate.payment_scenarios (persons, amount, suppressed) VALUES ('5', '900', 'false')",
     "payment_scenarios: 1 published row(s) rest on 1-9 persons"),
    ("INSERT INTO candidate.payment_scenarios (persons, amount, suppressed) VALUES (NULL, '900', 'true')",
     "payment_scenarios: 1 suppressed row(s) still carry a figure"),
    ("ALTER TABLE candidate.areas ADD COLUMN pseudo_id VARCHAR", "pseudonym or BSN column"),
    ("ALTER TABLE candidate.trends ADD COLUMN death_date DATE", "dates of individual events"),
    ("CREATE TABLE candidate.person_year AS SELECT 1 AS x", "not part of the published contract"),
])
def test_crafted_leaks_are_caught(sql, expected):
    con = _clean()
    con.execute(sql)
    found = privacy_violations(con, "candidate")
    assert any(expected in f for f in found), found
