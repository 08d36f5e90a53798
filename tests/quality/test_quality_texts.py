"""Every quality check has a Dutch text for the report beside its English message for operators, and the
Dutch message writes numbers the Dutch way and segments by name."""

from __future__ import annotations

import re

import duckdb

from indicators.published_schema import TABLES
from pipelines.config import REPO_ROOT
from quality import checks
from quality.descriptions import DESCRIPTIONS, SUITES, description, nl_number
from quality.expectations.suites import SUITE_NAMES
from quality.outcomes import record
from transforms.sql import load_sql

PIPELINES = REPO_ROOT / "pipelines"


def test_every_check_of_the_pipeline_has_a_dutch_description():
    named = {
        m
        for f in PIPELINES.rglob("*.py")
        for m in re.findall(r'check_spec\([^,]+,\s*"([a-z_]+)"', f.read_text(encoding="utf-8"))
    }
    assert len(named) >= 15  # the checks of the ingest, staging, marts, indicators and publication assets
    assert named <= set(DESCRIPTIONS), named - set(DESCRIPTIONS)
    assert set(SUITE_NAMES) <= set(SUITES), set(SUITE_NAMES) - set(SUITES)
    for text in (*DESCRIPTIONS.values(), *(description(f"gx_{s}") for s in SUITE_NAMES)):
        assert text.endswith(".") and not re.search(r"\d\.\d|_", text), text  # a sentence, no raw id


def kaiser_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    # 1000 persons: gezond 500 + risico 139 = 63.9 %, chronisch 200 + multimorbide 114 = 31.4 %,
    # kwetsbaar_complex 47 = 4.7 %
    con.execute("""CREATE TABLE marts.person_stratification AS
        SELECT 2024 AS year, segment FROM (VALUES ('gezond', 500), ('risico', 139), ('chronisch', 200),
            ('multimorbide', 114), ('kwetsbaar_complex', 47)) s(segment, n), range(n)""")
    return con


def test_kaiser_message_in_dutch_beside_the_english_one():
    outcome = checks.kaiser_pyramid(kaiser_warehouse())
    assert not outcome.passed and outcome.severity == "warn"
    assert "gezond_of_risico 63.9% (expected 70-80%)" in outcome.message  # operators: ids, decimal points
    assert outcome.message_nl == (
        "segmentpiramide wijkt af van de Kaiser-verhoudingen: gezond of verhoogd risico 63,9% (verwacht 70–80%). "
        "Controleer de segmentregels of de brongegevens."
    )
    assert outcome.description_nl == DESCRIPTIONS["kaiser_pyramid"]


def test_dutch_texts_are_recorded_and_published():
    con = kaiser_warehouse()
    record(con, "run-1", checks.kaiser_pyramid(con))
    con.execute("CREATE SCHEMA candidate")
    con.execute(f"CREATE OR REPLACE TABLE candidate.quality_results AS {load_sql('candidate.quality_results')}",
                ["run-1"])
    row = con.execute("SELECT check_name, description_nl, message_nl FROM candidate.quality_results").fetchone()
    assert row[0] == "kaiser_pyramid" and row[1] == DESCRIPTIONS["kaiser_pyramid"] and "63,9%" in row[2]
    published = TABLES["quality_results"][1]
    assert {"description_nl", "message_nl"} <= set(published)  # the contract lets them into monitoring.duckdb


def test_dutch_numbers():
    assert nl_number(1234567.891) == "1.234.567,9" and nl_number(9551, 0) == "9.551" and nl_number(0.1003, 2) == "0,10"
