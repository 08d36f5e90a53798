"""Great Expectations suites catch broken marts and candidates, and write Data Docs HTML."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from quality.gx_suites import run_expectation_suites
from tests.builders import insert, new_warehouse, run_transforms

pytestmark = pytest.mark.slow


def _warehouse() -> duckdb.DuckDBPyConnection:
    """200 residents of two Heiloo buurten (ages 0-99) and a one-cell candidate."""
    con = new_warehouse()
    insert(con, "population", [
        {"pseudo_id": f"{i:064x}", "year": 2023, "birth_year": 2023 - (i % 100), "sex": "MV"[i % 2],
         "buurt_code": ["BU03990201", "BU03990301"][i % 2], "household_type": "eenpersoons",
         "income_quintile": 1 + i % 5} for i in range(200)])
    insert(con, "zvw_costs", [{"pseudo_id": f"{i:064x}", "year": 2023, "insured_days": 365,
                               "cost_category": "farmacie", "amount_eur": 3000.0} for i in range(200)])
    insert(con, "gp_episodes", [{"pseudo_id": f"{i:064x}", "practice_id": "H", "icpc_code": code,
                                 "start_date": date(2020, 1, 1)} for i in range(0, 200, 5) for code in ("T90", "K86")])
    run_transforms(con, [2023])
    con.execute("CREATE TABLE candidate.areas AS SELECT area_code FROM staging.areas")
    con.execute("CREATE TABLE candidate.indicator_values AS SELECT 'ph_x' AS indicator_id, 2023 AS period, "
                "'GM0399' AS area_code, 'gemeente' AS area_level, 'totaal' AS stratum, 20.0 AS value, "
                "CAST(200 AS BIGINT) AS n, 40.0 AS numerator, 200.0 AS denominator, false AS suppressed")
    return con


def _outcomes(con, tmp_path, previous=None) -> dict:
    result = run_expectation_suites(con, tmp_path / "gx", tmp_path / "docs", previous)
    return {o.check_name: o for o in result}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gx")
    return _outcomes(_warehouse(), tmp), tmp


def test_clean_data_passes_the_blocking_suites_and_writes_data_docs(clean):
    outcomes, tmp = clean
    assert outcomes["gx_staging_person_year"].passed and outcomes["gx_candidate_indicator_values"].passed
    # 40 of 200 residents have T90 + K86 -> multimorbid share 0.20, within the plausible 0.05-0.40; nobody has
    # Wmo here, so only the Wmo-share expectation (0.02-0.15) warns
    marts = outcomes["gx_marts_person_year"]
    assert marts.observed == "1 of 5 expectations failed" and "(wmo_user)" in marts.message
    assert "(multimorbid)" not in marts.message
    assert outcomes["gx_candidate_run_to_run"].observed == "skipped"
    index = (tmp / "docs" / "index.html").read_text(encoding="utf-8")
    assert "staging_person_year" in index and "candidate_indicator_values" in index


def test_duplicate_person_year_and_unknown_buurt_fail(tmp_path):
    con = _warehouse()
    con.execute("INSERT INTO staging.person_year SELECT * FROM staging.person_year LIMIT 1")
    con.execute("UPDATE staging.person_year SET buurt_code = 'BU99999999' WHERE age = 50")
    outcome = _outcomes(con, tmp_path)["gx_staging_person_year"]
    assert not outcome.passed and outcome.severity == "error"
    assert "expect_compound_columns_to_be_unique" in outcome.message
    assert "expect_column_values_to_be_in_set(buurt_code)" in outcome.message


def test_leaking_or_unrounded_candidate_cells_fail(tmp_path):
    con = _warehouse()
    con.execute("INSERT INTO candidate.indicator_values VALUES "
                "('ph_y', 2023, 'GM0399', 'gemeente', 'totaal', 3.0, NULL, NULL, NULL, true), "
                "('ph_z', 2023, 'GM0399', 'gemeente', 'totaal', 3.0, 7, 1.0, 7.0, false)")
    outcome = _outcomes(con, tmp_path)["gx_candidate_indicator_values"]
    assert not outcome.passed
    assert "(leaks_value)" in outcome.message and "(rounded)" in outcome.message


def test_run_to_run_change_warns(tmp_path):
    previous = tmp_path / "previous.duckdb"
    with duckdb.connect(str(previous)) as old:  # the previous publication had half the value
        old.execute("CREATE TABLE indicator_values AS SELECT 'ph_x' AS indicator_id, 2023 AS period, "
                    "'GM0399' AS area_code, 'totaal' AS stratum, 10.0 AS value")
    outcome = _outcomes(_warehouse(), tmp_path / "run", previous)["gx_candidate_run_to_run"]
    assert not outcome.passed and outcome.severity == "warn" and outcome.observed == "1 of 1 expectations failed"
