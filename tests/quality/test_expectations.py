"""The GX suites pass a good warehouse, name what breaks a bad one, and write quality pages that open offline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.config import REPO_ROOT
from quality.expectations import run_expectation_suites
from quality.expectations.suites import SUITE_NAMES, SUITES, SuiteOptions
from quality.outcomes import CheckOutcome

# One region, one gemeente, two wijken, three buurten: every non-regio area has its parent in the table.
AREAS = [("RG99", "regio", None), ("GM9999", "gemeente", "RG99"),
         ("WK999901", "wijk", "GM9999"), ("WK999902", "wijk", "GM9999"),
         ("BU99990101", "buurt", "WK999901"), ("BU99990102", "buurt", "WK999901"),
         ("BU99990201", "buurt", "WK999902")]

# 200 persons in 2022 and 2023 (400 person-years), each with a 64-hex pseudonym (sha256), once per year, in
# one of the three buurten, sex M or V, alive all year (365 days, 1.0 person-year), income quintile 1-5 or
# unknown. Persons 0-39 are aged 0-16 in 2022 (so still 0-17 in 2023), 40-59 aged 75-94, the other 140 aged
# 18-67: shares 0-17 = 40/200 = 0.20 (bounds 0.12-0.26) and 75+ = 20/200 = 0.10 (bounds 0.04-0.20) in both
# years. Every fifth person has two chronic conditions, the others 0 or 1: multimorbid share 0.20 (bounds
# 0.05-0.40); counts are >= 0 and everyone is insured all year.
PERSONS_SQL = """
CREATE TABLE _persons AS
SELECT i, sha256(CAST(i AS VARCHAR)) AS pseudo_id, y.year,
       CASE WHEN i < 40 THEN i % 17 WHEN i < 60 THEN 75 + i % 20 ELSE 18 + i % 50 END + (y.year - 2022)
           AS age,
       ['BU99990101', 'BU99990102', 'BU99990201'][1 + i % 3] AS buurt_code
FROM range(200) t(i), (SELECT unnest([2022, 2023]) AS year) y;

CREATE TABLE staging.person_year AS
SELECT pseudo_id, year, year - age AS birth_year, age,
       CASE WHEN age >= 90 THEN '90+'
            ELSE CAST(age // 5 * 5 AS VARCHAR) || '-' || CAST(age // 5 * 5 + 4 AS VARCHAR) END AS age_band,
       CASE WHEN age < 18 THEN '0-17' WHEN age < 65 THEN '18-64' WHEN age < 75 THEN '65-74' ELSE '75+' END
           AS age_group,
       CASE WHEN i % 2 = 0 THEN 'M' ELSE 'V' END AS sex, buurt_code,
       'WK' || substr(buurt_code, 3, 6) AS wijk_code, 'GM9999' AS gemeente_code,
       'eenpersoons' AS household_type,
       CASE WHEN i % 10 = 9 THEN NULL ELSE 1 + i % 5 END AS income_quintile,
       CAST(NULL AS DATE) AS death_date, false AS died, 365 AS alive_days, 1.0 AS person_years
FROM _persons;

CREATE TABLE marts.person_year AS
SELECT s.*, CASE WHEN p.i % 5 = 0 THEN 2 ELSE p.i % 2 END AS n_chronic, 1200.0 AS zvw_cost,
       1.0 AS insured_years, 1200.0 AS total_cost, p.i % 3 AS seh_visits, p.i % 7 = 0 AS wmo,
       false AS jeugd, p.i = 50 AS wlz,
       p.i % 11 = 0 AS bijstand
FROM staging.person_year s JOIN _persons p USING (pseudo_id, year);

-- 60 adult respondents in 2023, weights 0.5-2; every score inside its scale (K10 10-50, DJG 0-11,
-- mastery 7-35, SBSQ 0-4, Positive Health 0-10), K10 missing for every seventh (an unanswered item),
-- BMI 18-37.
CREATE TABLE marts.survey_respondent AS
SELECT p.pseudo_id, p.year, 0.5 + (p.i % 4) * 0.5 AS weight,
       CASE WHEN p.i % 7 <> 0 THEN 10 + p.i % 41 END AS k10_score, p.i % 12 AS djg_score,
       7 + p.i % 29 AS mastery_score,
       (p.i % 5) * 1.0 AS sbsq_mean, 18.0 + p.i % 20 AS bmi,
       p.i % 11 AS ph_lichaamsfuncties, p.i % 11 AS ph_mentaal_welbevinden, p.i % 11 AS ph_zingeving,
       p.i % 11 AS ph_kwaliteit_van_leven, p.i % 11 AS ph_meedoen, p.i % 11 AS ph_dagelijks_functioneren
FROM _persons p WHERE p.i BETWEEN 60 AND 119 AND p.year = 2023;
DROP TABLE _persons;
"""

# Hand-written candidate cells. Counts are multiples of 5; suppressed cells carry no value, counts or
# interval and have a known reason; comparisons are hoger/geen_verschil or null; every area_code is in
# candidate.areas; the key (indicator, period, area, stratum) is unique.
VALUES = [
    # indicator_id, period, area_code, area_level, stratum, numerator, denominator, n, value, ci_low, ci_high,
    # suppressed, suppression_reason, comparison
    ("ph_eenzaam", 2023, "RG99", "regio", "totaal", 40.0, 100.0, 100, 40.0, 30.9, 49.8, False, None, None),
    ("ph_eenzaam", 2023, "GM9999", "gemeente", "totaal", 40.0, 100.0, 100, 40.0, 30.9, 49.8, False, None,
     "geen_verschil"),
    ("ph_eenzaam", 2023, "GM9999", "gemeente", "man", 20.0, 50.0, 50, 40.0, 27.6, 53.8, False, None, None),
    ("ph_eenzaam", 2023, "WK999901", "wijk", "totaal", 15.0, 20.0, 20, 75.0, 53.1, 88.8, False, None,
     "hoger"),
    ("ph_eenzaam", 2023, "WK999902", "wijk", "totaal", None, None, None, None, None, None, True, "primary",
     None),
    ("ph_eenzaam", 2023, "BU99990101", "buurt", "totaal", None, None, None, None, None, None, True,
     "secondary", None),
    ("co_seh_bezoek", 2023, "RG99", "regio", "totaal", 60.0, 400.0, 400, 150.0, 114.5, 193.1, False, None,
     None),
    ("co_seh_bezoek", 2023, "GM9999", "gemeente", "totaal", 60.0, 400.0, 400, 150.0, 114.5, 193.1, False,
     None, "geen_verschil"),
]
VALUES_COLUMNS = ("indicator_id VARCHAR, period INTEGER, area_code VARCHAR, area_level VARCHAR, "
                  "stratum VARCHAR, numerator DOUBLE, denominator DOUBLE, n BIGINT, value DOUBLE, "
                  "ci_low DOUBLE, ci_high DOUBLE, suppressed BOOLEAN, suppression_reason VARCHAR, "
                  "comparison VARCHAR")


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for schema in ("staging", "marts", "candidate"):
        con.execute(f"CREATE SCHEMA {schema}")
    for table in ("staging.areas", "candidate.areas"):
        con.execute(f"CREATE TABLE {table} (area_code VARCHAR, area_level VARCHAR, parent_code VARCHAR)")
        con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", AREAS)
    con.execute(PERSONS_SQL)
    con.execute(f"CREATE TABLE candidate.indicator_values ({VALUES_COLUMNS})")
    con.executemany(f"INSERT INTO candidate.indicator_values VALUES ({', '.join('?' * 14)})", VALUES)
    return con


def _run(con: duckdb.DuckDBPyConnection, root: Path,
         previous: Path | None = None) -> dict[str, CheckOutcome]:
    outcomes = run_expectation_suites(con, root / "gx", root / "quality", previous)
    return {o.check_name: o for o in outcomes}


def _publish_previous(con: duckdb.DuckDBPyConnection, path: Path, regio_factor: float = 1.0) -> Path:
    """A previous monitoring.duckdb: this candidate's cells, the ph_eenzaam regio value x `regio_factor`."""
    con.execute(f"ATTACH '{path}' AS previous")
    con.execute("CREATE TABLE previous.indicator_values AS SELECT * FROM candidate.indicator_values")
    con.execute("UPDATE previous.indicator_values SET value = value * ? "
                "WHERE indicator_id = 'ph_eenzaam' AND area_code = 'RG99'", [regio_factor])
    con.execute("DETACH previous")
    return path


@pytest.fixture(scope="module")
def good_run(module_tmp) -> tuple[dict[str, CheckOutcome], Path]:
    root = module_tmp("good")
    return _run(_warehouse(), root), root


def test_good_warehouse_passes_every_suite(good_run):
    outcomes, _ = good_run
    assert sorted(outcomes) == sorted(f"gx_{name}" for name in SUITE_NAMES)
    assert all(o.passed for o in outcomes.values()), [o.message for o in outcomes.values() if not o.passed]
    person_year = outcomes["gx_staging_person_year"]
    assert (person_year.asset, person_year.severity, person_year.kahn_category) == (
        "staging/person_year", "error", "conformance")
    assert person_year.observed == "0 of 16 expectations failed"
    assert "no previous publication" in outcomes["gx_candidate_indicator_values"].message


def _suite_definitions() -> dict[str, list[str]]:
    """The expectation types of every suite, from the suite definitions on the good warehouse."""
    con = _warehouse()
    return {build.__name__: [e.expectation_type for e in build(con, SuiteOptions(None)).expectations]
            for build in SUITES}


def _rows(page: str) -> list[str]:
    """The body rows of a page's table."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return re.findall(r"<tr>(.*?)</tr>", body)


def test_quality_pages_list_every_expectation_of_every_suite(good_run):
    _, root = good_run
    definitions = _suite_definitions()
    index = (root / "quality" / "index.html").read_text(encoding="utf-8")
    rows = _rows(index)
    assert len(rows) == len(SUITE_NAMES)
    for name, types in definitions.items():
        (row,) = [r for r in rows if f'href="suites/{name}.html"' in r]
        assert f"{len(types)} of {len(types)}" in row  # every expectation of the good warehouse met
        page = (root / "quality" / "suites" / f"{name}.html").read_text(encoding="utf-8")
        expectation_rows = _rows(page)
        assert sorted(re.search(r"<code>(expect_\w+)</code>", r)[1] for r in expectation_rows) == sorted(types)
        assert all(">met<" in r for r in expectation_rows)
    total = sum(len(t) for t in definitions.values())
    assert f"{total} of {total} expectations met" in index


def test_quality_pages_name_the_failed_expectation_and_its_cells(broken_runs):
    _, root = broken_runs["unrounded n"]
    page = (root / "quality" / "suites" / "candidate_indicator_values.html").read_text(encoding="utf-8")
    (failed,) = [r for r in _rows(page) if "not met" in r]
    assert "expect_column_values_to_be_in_set" in failed and "n_rounded" in failed
    assert "e.g. ph_eenzaam 2023 WK999901 totaal" in failed
    index = (root / "quality" / "index.html").read_text(encoding="utf-8")
    (row,) = [r for r in _rows(index) if "suites/candidate_indicator_values.html" in r]
    types = _suite_definitions()["candidate_indicator_values"]
    assert f"{len(types) - 1} of {len(types)}" in row and ">failed<" in row


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="/usr/bin/chromium is not installed here (apt-get install chromium); CI installs it in .ci/run",
)
@pytest.mark.slow  # headless Chromium
def test_quality_pages_open_offline_in_chromium(good_run, tmp_path):
    """Chromium without a network (every request goes to a closed proxy port) shows the tables in full."""
    _, root = good_run
    pages = list((root / "quality").rglob("*.html"))
    assert len(pages) == 1 + len(SUITE_NAMES)
    # nothing on any page reaches out: no script, no external style sheet, font or image, no http(s) link
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text), page
        assert "<script" not in text and "@import" not in text and "url(" not in text, page
    definitions = _suite_definitions()

    def dom(page: Path) -> str:
        return subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium'}", "--proxy-server=127.0.0.1:9",
             "--proxy-bypass-list=<-loopback>", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=True).stdout

    index = dom(root / "quality" / "index.html")
    for name, types in definitions.items():
        assert name in index and f"{len(types)} of {len(types)}" in index
    page = dom(root / "quality" / "suites" / "staging_person_year.html")
    shown = re.findall(r"<code>(expect_\w+)</code>", page)
    assert sorted(shown) == sorted(definitions["staging_person_year"]) and len(shown) == 16
    assert page.count(">met<") == len(shown) and "<table>" in page


def test_data_docs_show_only_the_latest_run(good_run):
    _, root = good_run
    again = _run(_warehouse(), root)
    assert all(o.passed for o in again.values())
    pages = list((root / "quality" / "suites").rglob("*.html"))
    assert len(pages) == len(SUITE_NAMES) and sorted(p.name for p in (root / "quality").iterdir()) == [
        "index.html", "suites"]


# breakage: (SQL, the suite it must fail, the failed expectation its message must name)
BREAKAGES = {
    "duplicate person-year": (
        "INSERT INTO staging.person_year SELECT * FROM staging.person_year LIMIT 1",
        "gx_staging_person_year", "expect_compound_columns_to_be_unique(person_nr, year)"),
    # GX sees a number per pseudonym and a 64-hex flag computed in DuckDB, never the pseudonym itself
    "pseudonym not 64 hex": (
        "UPDATE staging.person_year SET pseudo_id = upper(pseudo_id) WHERE pseudo_id = sha256('7')",
        "gx_staging_person_year", "expect_column_values_to_be_in_set(pseudo_id_hex64) [in [True]]: 2 of 400"),
    "pseudonym missing": (
        "UPDATE staging.person_year SET pseudo_id = NULL WHERE pseudo_id = sha256('8') AND year = 2023",
        "gx_staging_person_year", "expect_column_values_to_not_be_null(person_nr) [-]: 1 of 400 rows"),
    "buurt not in areas": (
        "UPDATE staging.person_year SET buurt_code = 'BU00000000' WHERE age = 30",
        "gx_staging_person_year", "expect_column_values_to_be_in_set(buurt_code)"),
    # one adult aged 130: 75+ share 0.10 -> 0.1025, still plausible, so only the range fails
    "age 130": (
        "UPDATE staging.person_year SET age = 130 WHERE pseudo_id = sha256('100') AND year = 2023",
        "gx_staging_person_year", "expect_column_values_to_be_between(age) [0..110]: 1 of 400 rows"),
    "suppressed cell with a value": (
        "UPDATE candidate.indicator_values SET value = 12.5 WHERE area_code = 'WK999902'",
        "gx_candidate_indicator_values", "expect_column_values_to_be_null(value) where suppressed == True"),
    "unrounded n": (
        "UPDATE candidate.indicator_values SET n = 7 WHERE area_code = 'WK999901'",
        "gx_candidate_indicator_values", "expect_column_values_to_be_in_set(n_rounded)"),
    "area without its parent": (
        "UPDATE candidate.areas SET parent_code = 'WK999999' WHERE area_code = 'BU99990201'",
        "gx_candidate_areas", "expect_column_values_to_be_in_set(parent_code) where area_level != 'regio'"),
}
# Suites are validated independently, so breakages of different suites share a run (GX runs are slow).
RUNS = [("duplicate person-year", "suppressed cell with a value", "area without its parent"),
        ("buurt not in areas", "unrounded n"), ("age 130",), ("pseudonym not 64 hex",), ("pseudonym missing",)]


@pytest.fixture(scope="module")
def broken_runs(module_tmp) -> dict[str, tuple[dict[str, CheckOutcome], Path]]:
    """The outcomes on the good warehouse with breakages applied, by breakage."""
    runs = {}
    for breakages in RUNS:
        assert len({BREAKAGES[b][1] for b in breakages}) == len(breakages)  # one breakage per suite
        con = _warehouse()
        for breakage in breakages:
            con.execute(BREAKAGES[breakage][0])
        root = module_tmp("broken")
        result = _run(con, root), root
        runs |= dict.fromkeys(breakages, result)
    return runs


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_breakage_fails_its_suite_and_names_the_expectation(breakage, broken_runs):
    _, broken, expectation = BREAKAGES[breakage]
    outcomes, _ = broken_runs[breakage]
    assert not outcomes[broken].passed and outcomes[broken].severity == "error"
    assert expectation in outcomes[broken].message
    assert outcomes[broken].observed.startswith("1 of ")  # that expectation alone
    broken_in_run = next({BREAKAGES[b][1] for b in run} for run in RUNS if breakage in run)
    assert all(o.passed for name, o in outcomes.items() if name not in broken_in_run)


def test_candidate_messages_name_the_offending_cell(broken_runs):
    outcome = broken_runs["unrounded n"][0]["gx_candidate_indicator_values"]
    assert "e.g. ph_eenzaam 2023 WK999901 totaal" in outcome.message
    assert outcome.affected_indicators == ("ph_eenzaam",)


def test_person_level_results_show_no_values(broken_runs):
    outcomes, root = broken_runs["duplicate person-year"]
    # samples would be pseudonyms, and both the message and the Data Docs are published
    assert "e.g." not in outcomes["gx_staging_person_year"].message
    duplicated = duckdb.sql("SELECT sha256('0')").fetchone()[0]  # the first row, the one duplicated
    assert not any(duplicated in p.read_text(encoding="utf-8") for p in (root / "quality").rglob("*.html"))


def test_no_pseudonym_enters_a_gx_frame():
    # the person-level suites see a number per pseudonym: nothing GX could render or keep is a pseudonym
    con = _warehouse()
    pseudonyms = {row[0] for row in con.execute("SELECT pseudo_id FROM staging.person_year").fetchall()}
    for build in SUITES:
        frame = build(con, SuiteOptions(None)).frame
        assert not pseudonyms & set(frame.astype(str).to_numpy().ravel()), build.__name__


def test_implausible_age_mix_only_warns(tmp_path):
    con = _warehouse()
    con.execute("UPDATE staging.person_year SET age = 80 WHERE age BETWEEN 18 AND 40")  # 75+ share ~ 0.5
    outcome = _run(con, tmp_path)["gx_staging_person_year"]
    assert not outcome.passed
    assert (outcome.severity, outcome.kahn_category) == ("warn", "plausibility")
    assert "expect_column_mean_to_be_between(aged_75_plus)" in outcome.message


def test_run_to_run_change_warns_when_a_regio_value_doubles(tmp_path):
    con = _warehouse()
    # previous ph_eenzaam regio value 20.0, now 40.0: relative change 1.0 > 0.5 for 1 of the 4 gemeente/regio
    # totals = 25 % of cells, more than the 5 % allowed
    previous = _publish_previous(con, tmp_path / "monitoring.duckdb", regio_factor=0.5)
    outcome = _run(con, tmp_path / "run", previous)["gx_candidate_indicator_values"]
    assert not outcome.passed
    assert (outcome.severity, outcome.kahn_category) == ("warn", "plausibility")
    assert ("expect_column_values_to_be_between(relative_change) [0..0.5, mostly 95%]: 1 of 4 rows"
            in outcome.message)
    assert "e.g. ph_eenzaam 2023 RG99 totaal" in outcome.message
    with duckdb.connect(str(previous)) as again:  # the previous publication was closed, not left locked
        assert again.execute("SELECT count(*) FROM indicator_values").fetchone()[0] == len(VALUES)


def test_run_to_run_passes_an_unchanged_publication(tmp_path):
    con = _warehouse()
    previous = _publish_previous(con, tmp_path / "monitoring.duckdb")
    outcome = _run(con, tmp_path / "run", previous)["gx_candidate_indicator_values"]
    assert outcome.passed and "run-to-run" not in outcome.message
    assert outcome.observed.endswith(" of 17 expectations failed")


def test_a_missing_table_fails_its_suite_without_stopping_the_others(tmp_path):
    con = _warehouse()
    con.execute("DROP TABLE marts.survey_respondent")
    outcomes = _run(con, tmp_path)
    missing = outcomes["gx_marts_survey_respondent"]
    assert not missing.passed and missing.severity == "error" and "survey_respondent" in missing.message
    assert outcomes["gx_candidate_areas"].passed


def test_refuses_a_data_docs_folder_that_holds_other_files(tmp_path):
    # GX's clean-up empties the whole site folder; a mistaken path must not cost the publication
    (tmp_path / "quality").mkdir()
    (tmp_path / "quality" / "monitoring.duckdb").write_text("published")
    with pytest.raises(ValueError, match="not a Data Docs folder"):
        _run(_warehouse(), tmp_path)
    assert (tmp_path / "quality" / "monitoring.duckdb").exists()


# The expectations step in a fresh interpreter, where GX is not yet imported. "preload": a run started the
# GX import in the background, then works in DuckDB, Polars and pandas and reaches the step while GX is
# still importing. "cold": no preload; the step's frame reader and the step itself both import GX. Two
# threads importing GX at once fail with a "partially initialized module" ImportError unless the package
# serialises them.
STEP_SCRIPT = """
import sys
from pathlib import Path

if sys.argv[1] == "preload":
    from quality.expectations import preload_great_expectations
    thread = preload_great_expectations()
    assert preload_great_expectations() is thread  # one import, however often a run calls it
import duckdb
import polars as pl

from tests.quality.test_expectations import _run, _warehouse

con = _warehouse()
counts = pl.from_arrow(con.execute("SELECT year, count(*) AS n FROM staging.person_year GROUP BY year").to_arrow_table())
assert counts["n"].sum() == len(con.execute("SELECT pseudo_id FROM staging.person_year").df()) == 400
outcomes = _run(con, Path(sys.argv[2]))
assert all(o.passed for o in outcomes.values()), [o.message for o in outcomes.values() if not o.passed]
if sys.argv[1] == "preload":
    from quality.expectations.preload import preload_error
    thread.join(timeout=60)
    assert not thread.is_alive() and preload_error() is None
print("passed")
"""


@pytest.mark.slow  # each starts a fresh interpreter that imports Great Expectations (15-20 s on 2 busy cores)
@pytest.mark.parametrize("start", ["preload", "cold"])
def test_gx_imports_safely_from_threads_next_to_duckdb_polars_and_pandas(start, tmp_path):
    done = subprocess.run([sys.executable, "-c", STEP_SCRIPT, start, str(tmp_path)], capture_output=True,
                          text=True, timeout=300, cwd=REPO_ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "passed", done.stderr[-3000:]
