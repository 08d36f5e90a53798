"""End to end on a small generated region: the real Dagster job, DuckDB, Pandera and the gate."""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from indicators.published_schema import TABLES
from pipelines.config import load_settings
from pipelines.run import run_main_job
from tests.browser import CHROMIUM, page_width, run
from tests.builders import file_hashes
from tests.indicators.report.test_report import ENGLISH
from tests.regions import SMALL_GEMEENTEN, SMALL_YEARS, write_config

pytestmark = pytest.mark.slow


def _published(settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.published_dir / "monitoring.duckdb"), read_only=True)


def _warehouse(settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)



def test_publication_has_the_contract_tables(small_run):
    settings, _, _ = small_run
    with _published(settings) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE'").fetchall()}
        assert set(TABLES) <= tables
        # every area level of the hierarchy is published, with the region on top
        levels = dict(con.execute("SELECT area_level, count(*) FROM areas GROUP BY 1").fetchall())
        assert levels["regio"] == 1 and levels["gemeente"] == len(SMALL_GEMEENTEN) and levels["buurt"] > 10
        years = {r[0] for r in con.execute("SELECT DISTINCT period FROM indicator_values").fetchall()}
        assert years == set(SMALL_YEARS)


def test_each_quintuple_aim_and_positive_health_is_published(small_run):
    settings, _, _ = small_run
    with _published(settings) as con:
        aims = {r[0] for r in con.execute(
            "SELECT DISTINCT c.aim FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id) "
            "WHERE v.area_level = 'regio' AND v.stratum = 'totaal' AND NOT v.suppressed").fetchall()}
        _, dominated = con.execute(
            "SELECT count(*) FILTER (WHERE NOT suppressed), count(*) FILTER (WHERE suppression_reason = 'dominance') "
            "FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id) "
            "WHERE c.aim = 'professional_wellbeing' AND v.stratum = 'totaal'").fetchone()
    assert {"population_health", "experienced_quality", "costs", "health_equity", "positive_health"} <= aims
    # The small region is one gemeente (Heiloo) whose largest organisation carries more than half of the
    # contract days, fte or respondents: its workforce totals are dominance-suppressed unless spread enough.
    assert "professional_wellbeing" in aims or dominated > 0


def test_rows_read_equal_loaded_plus_quarantined_and_match_the_manifest(small_run):
    settings, manifest, _ = small_run
    with _warehouse(settings) as con:
        files = {p: (r, lo, q) for p, r, lo, q in con.execute(
            "SELECT path, rows_read, rows_loaded, rows_quarantined FROM meta.ingest_files").fetchall()}
    assert set(files) == set(manifest["files"])
    for path, (read, loaded, quarantined) in files.items():
        assert read == loaded + quarantined, path
        assert read == manifest["files"][path]["rows"], path
        assert quarantined == manifest["expected_quarantine"].get(path, 0), path


def test_nothing_person_level_is_published(small_run):
    settings, _, _ = small_run
    with _published(settings) as con:
        columns = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns").fetchall()
        assert not [c for c in columns if "pseudo" in c[1].lower()]
        assert not [c for c in columns if c[2] == "DATE"]
        for table, column, dtype in columns:
            if dtype == "VARCHAR":
                hex_values = con.execute(
                    f"SELECT count(*) FROM \"{table}\" WHERE regexp_matches(\"{column}\", '[0-9a-f]{{64}}')"
                ).fetchone()[0]
                assert hex_values == 0, (table, column)


def test_no_published_cell_breaks_primary_suppression(small_run):
    settings, _, _ = small_run
    with _published(settings) as pub:
        rows = pub.execute("SELECT count(*), count(*) FILTER (WHERE suppressed) FROM indicator_values").fetchone()
        bad = pub.execute(
            """SELECT count(*) FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id)
               WHERE NOT v.suppressed AND (v.n BETWEEN 1 AND 9
                  OR (c.method IN ('proportion', 'rate') AND v.denominator < 50)
                  OR (c.method = 'proportion' AND (v.numerator BETWEEN 1 AND 9
                                                   OR v.denominator - v.numerator BETWEEN 1 AND 9))
                  OR (c.method LIKE 'weighted%' AND c.source = 'health_survey' AND v.n < 30))"""
        ).fetchone()[0]
        unrounded = pub.execute("SELECT count(*) FROM indicator_values WHERE n % 5 <> 0 OR numerator % 5 <> 0 "
                                "OR denominator % 5 <> 0").fetchone()[0]
    assert rows[0] > 1000 and rows[1] > 0  # a real mix of published and suppressed cells
    assert bad == 0 and unrounded == 0


def test_quality_results_and_manifest_describe_the_run(small_run):
    settings, manifest, outcome = small_run
    with _published(settings) as con:
        checks = con.execute("SELECT DISTINCT run_id, count(*) FROM quality_results GROUP BY 1").fetchall()
        inputs = con.execute("SELECT count(*) FROM run_manifest WHERE source <> 'code_list'").fetchone()[0]
    assert checks[0][0] == outcome.run_id and checks[0][1] >= 12 * 3 + 4
    assert inputs == len(manifest["files"])


def test_failing_blocking_check_leaves_previous_publication_untouched(small_run, tmp_path):
    settings, _, _ = small_run
    data = tmp_path / "data"
    shutil.copytree(settings.landing_dir, data / "landing")
    shutil.copytree(settings.published_dir, data / "published")
    broken = load_settings(write_config(tmp_path / "phm.toml", data, SMALL_GEMEENTEN, SMALL_YEARS))
    before = file_hashes(broken.published_dir)
    # a population delivery in which every other row names a buurt outside the region
    path = broken.landing_dir / "population" / f"population_{SMALL_YEARS[-1]}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    col = lines[0].split(",").index("buurt_code")
    for i in range(1, len(lines), 2):
        fields = lines[i].split(",")
        fields[col] = "BU99999999"
        lines[i] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    outcome = run_main_job(broken, instance=dg.DagsterInstance.ephemeral())

    assert not outcome.success
    assert any("quarantine_share" in f and "raw/population" in f for f in outcome.failures), outcome.failures
    assert file_hashes(broken.published_dir) == before


def test_standardising_the_region_to_itself_reproduces_its_crude_rate(small_run):
    # Direct standardisation with the region's own age-sex population as standard gives its crude rate
    # (sum_i w_i O_i / N_i with w_i = N_i / N equals O / N) -- which would hand out the exact O. The published
    # standard is the population rounded to 5 per band, so the two agree to within that rounding only (each
    # band weight moves by at most 2.5 of some hundreds: well within 2 %), and the crude rate is the published
    # numerator over the published denominator.
    settings, _, _ = small_run
    with _published(settings) as con:
        rows = con.execute(
            """SELECT c.period, c.value, s.value, c.numerator, c.denominator FROM indicator_values c
               JOIN indicator_values s ON s.period = c.period AND s.area_code = c.area_code AND s.stratum = c.stratum
               WHERE c.indicator_id = 'ph_multimorbiditeit' AND s.indicator_id = 'ph_multimorbiditeit_gestand'
                 AND c.area_level = 'regio' AND c.stratum = 'totaal'""").fetchall()
    assert len(rows) == len(SMALL_YEARS)
    for _, crude, standardised, numerator, denominator in rows:
        assert crude == pytest.approx(100 * numerator / denominator, abs=5e-5)  # values are published to 4 decimals
        assert standardised == pytest.approx(crude, rel=0.02) and standardised != crude


def test_recomputed_from_landing_files_with_plain_sql(small_run):
    # an independent path: read the landing CSV/Parquet with DuckDB and count by hand-written SQL
    settings, _, _ = small_run
    landing = settings.landing_dir
    year = SMALL_YEARS[-1]
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE pop AS SELECT * FROM read_csv('{landing}/population/population_{year}.csv',
                    all_varchar=true) WHERE regexp_full_match(pseudo_id, '[0-9a-f]{{64}}')
                    AND buurt_code <> 'BU99999999'""")
    con.execute("CREATE TABLE pop1 AS SELECT DISTINCT * FROM pop")  # the duplicate-key copies are exact copies
    residents, deaths = con.execute("SELECT count(*), count(*) FILTER (WHERE death_date <> '') FROM pop1").fetchone()
    with _published(settings) as pub:
        value = pub.execute("SELECT value FROM indicator_values WHERE indicator_id = 'ph_sterfte_per_1000' "
                            "AND area_level = 'regio' AND stratum = 'totaal' AND period = ?", [year]).fetchone()[0]
        low_income, unknown_income = (pub.execute(
            "SELECT value FROM indicator_values WHERE indicator_id = ? AND area_level = 'regio' "
            "AND stratum = 'totaal' AND period = ?", [i, year]).fetchone()[0]
            for i in ("he_laag_inkomen", "he_inkomen_onbekend"))
    # CBS convention: income quintile 1 out of the residents whose income is known
    q1, known = con.execute("SELECT count(*) FILTER (WHERE income_quintile = '1'), "
                            "count(*) FILTER (WHERE coalesce(income_quintile, '') <> '') FROM pop1").fetchone()

    def rounded(count: int) -> int:  # half up to a multiple of 5, as the publication rounds every count
        return 5 * math.floor(count / 5 + 0.5)

    # values come from the rounded counts, never from the exact ones (issue 13)
    assert value == pytest.approx(1000 * rounded(deaths) / rounded(residents), abs=5e-5)  # published to 4 decimals
    assert low_income == pytest.approx(100 * rounded(q1) / rounded(known), abs=5e-5)
    assert unknown_income == pytest.approx(100 * rounded(residents - known) / rounded(residents), abs=5e-5)


def test_survey_estimates_are_checked_against_rivm(small_run):
    settings, _, _ = small_run
    with _published(settings) as con:
        row = con.execute("SELECT severity, kahn_category, observed FROM quality_results "
                          "WHERE check_name = 'rivm_plausibility'").fetchone()
    # warn-level plausibility check; the generator follows the RIVM 2020 buurt estimates, so few cells differ
    assert row[0] == "warn" and row[1] == "plausibility"
    beyond, total = (int(x) for x in row[2].split(" cells")[0].split(" of "))
    assert total > 20 and beyond <= 0.05 * total


def test_every_catalogue_indicator_is_published_for_each_level_and_year(small_run):
    settings, _, _ = small_run
    with _published(settings) as con:
        catalogue = con.execute("SELECT indicator_id, levels FROM indicator_catalogue").fetchall()
        present = {(i, lvl, p) for i, lvl, p in con.execute(
            "SELECT DISTINCT indicator_id, area_level, period FROM indicator_values").fetchall()}
        trends = con.execute("SELECT count(*), count(*) FILTER (WHERE significant) FROM trends").fetchone()
    assert len(catalogue) >= 70
    for indicator_id, levels in catalogue:
        years = SMALL_YEARS[-1:] if indicator_id.startswith("phm_bereik_") else SMALL_YEARS  # reach: from start
        for level in levels.split(","):
            for year in years:
                assert (indicator_id, level, year) in present, (indicator_id, level, year)
    assert trends[0] > 1000


def test_great_expectations_ran_and_data_docs_are_published(small_run):
    settings, _, _ = small_run
    with _published(settings) as con:
        suites = dict(con.execute("SELECT check_name, status FROM quality_results "
                                  "WHERE check_name LIKE 'gx_%'").fetchall())
    assert suites["gx_staging_person_year"] == "passed" and suites["gx_candidate_indicator_values"] == "passed"
    assert len(suites) == 5
    assert "<html" in (settings.published_dir / "quality" / "index.html").read_text(encoding="utf-8").lower()


def test_the_published_report_reads_dutch_in_chromium(small_run):
    """The report of a real run, drawn in headless Chromium: no English word (quality messages included), every
    check of the run with a Dutch description, and no sideways scrolling on a 420 px phone."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed here; CI installs it")
    settings, _, _ = small_run
    with duckdb.connect(str(settings.published_dir / "monitoring.duckdb"), read_only=True) as con:
        missing = con.execute("SELECT count(*) FROM quality_results WHERE description_nl IS NULL").fetchone()[0]
    assert missing == 0
    report = settings.published_dir / "report"
    pages = [report / "index.html", report / "gemeente_GM0399.html", next(report.glob("wijk_*.html"))]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "report"  # the probes of page_width are written beside a copy, not into published/
        shutil.copytree(report, copy)
        result = run(["--window-size=1400,3000", "--dump-dom", (copy / "index.html").as_uri()], Path(tmp) / "p")
        assert 'data-charts-drawn="' in result.stdout
        shown = re.sub(r"<(script|style)\b.*?</\1>", "", result.stdout, flags=re.S)
        assert not [w for w in ENGLISH if w in shown], [w for w in ENGLISH if w in shown]
        for page in pages:
            width, culprit = page_width(copy / page.name, 420)
            assert width <= 420, (page.name, width, culprit)


def test_cost_ledger_accounts_for_every_landing_euro(small_run):
    """Issue 20: the ledger's regio totaal per law and year (exact, before rounding and suppression) is the sum
    of the landing files' euros of that year's residents, read and spread by hand-written SQL: Zvw claims and
    Participatiewet benefits as delivered per year, Wlz, Wmo and Jeugdwet provisions pro rata to their days in the
    year (a provision still running is delivered again in the next year's file: counted once)."""
    settings, _, _ = small_run
    landing = settings.landing_dir
    last = f"DATE '{SMALL_YEARS[-1]}-12-31'"
    con = duckdb.connect()
    for year in SMALL_YEARS:
        con.execute(f"""CREATE OR REPLACE TABLE pop AS SELECT DISTINCT pseudo_id FROM read_csv(
                        '{landing}/population/population_{year}.csv', all_varchar=true)
                        WHERE regexp_full_match(pseudo_id, '[0-9a-f]{{64}}') AND buurt_code <> 'BU99999999'""")
        zvw = con.execute(f"""SELECT sum(CAST(replace(amount_eur, ',', '.') AS DOUBLE)) FROM read_csv(
            '{landing}/zvw_costs/zvw_costs_{year}.csv', delim=';', all_varchar=true)
            WHERE CAST(insured_days AS INTEGER) <= 366 AND pseudo_id IN (SELECT pseudo_id FROM pop)""").fetchone()[0]
        # debt help is a service, not a benefit: its rows carry 0 euros; months 13 is the quarantined defect
        bijstand = con.execute(f"""SELECT sum(CAST(benefit_eur AS DOUBLE)) FROM read_csv(
            '{landing}/participatie/participatie_{year}.csv', all_varchar=true)
            WHERE CAST(months AS INTEGER) <= 12 AND pseudo_id IN (SELECT pseudo_id FROM pop)""").fetchone()[0]
        wlz = con.execute(f"""WITH w AS (
                SELECT pseudo_id, start_date, coalesce(end_date, {last}) AS until, cost_eur
                FROM read_parquet('{landing}/wlz/*.parquet') WHERE end_date IS NULL OR end_date >= start_date)
            SELECT sum(cost_eur * (least(until, DATE '{year}-12-31') - greatest(start_date, DATE '{year}-01-01') + 1)
                       / (until - start_date + 1))
            FROM w WHERE start_date <= DATE '{year}-12-31' AND until >= DATE '{year}-01-01'
              AND pseudo_id IN (SELECT pseudo_id FROM pop)""").fetchone()[0]
        social = {}
        for law, source in (("wmo", "wmo"), ("jeugdwet", "jeugd")):
            social[law] = con.execute(f"""WITH raw AS (
                    SELECT DISTINCT * FROM read_csv('{landing}/{source}/*.csv', delim=';', all_varchar=true)),
                p AS (SELECT pseudo_id, CAST(start_date AS DATE) AS start_date,
                             coalesce(CAST(nullif(end_date, '') AS DATE), {last}) AS until,
                             CAST(replace(cost_eur, ',', '.') AS DOUBLE) AS cost_eur
                      FROM raw WHERE coalesce(nullif(end_date, ''), start_date) >= start_date)
                SELECT sum(cost_eur * (least(until, DATE '{year}-12-31') - greatest(start_date, DATE '{year}-01-01')
                                       + 1) / (until - start_date + 1))
                FROM p WHERE start_date <= DATE '{year}-12-31' AND until >= DATE '{year}-01-01'
                  AND pseudo_id IN (SELECT pseudo_id FROM pop)""").fetchone()[0]
        with _warehouse(settings) as wh:
            ledger = dict(wh.execute(
                "SELECT indicator_id, sx FROM indicators.cells WHERE area_level = 'regio' AND stratum = 'totaal' "
                "AND period = ? AND indicator_id LIKE 'co_ledger_%'", [year]).fetchall())
        assert ledger["co_ledger_wmo"] == pytest.approx(social["wmo"], rel=1e-9)
        assert ledger["co_ledger_jeugdwet"] == pytest.approx(social["jeugdwet"], rel=1e-9)
        assert ledger["co_ledger_zvw"] == pytest.approx(zvw, rel=1e-9)
        assert ledger["co_ledger_participatiewet"] == pytest.approx(bijstand, rel=1e-9)
        assert ledger["co_ledger_wlz"] == pytest.approx(wlz, rel=1e-9)
        assert bijstand > 0


def test_cost_ledger_repeats_the_published_cells(small_run):
    settings, _, _ = small_run
    with _published(settings) as con:
        rows = con.execute(
            "SELECT l.persons, l.total_eur, l.eur_per_person_year, v.n, v.numerator, v.value, l.payer, l.suppressed "
            "FROM cost_ledger l JOIN indicator_values v USING (indicator_id, period, area_code, stratum)").fetchall()
        groups = {r[0] for r in con.execute("SELECT DISTINCT population_group FROM cost_ledger").fetchall()}
    assert rows and groups == {"totaal", "segment", "opstapeling", "doelgroep"}
    for persons, total, per_year, n, numerator, value, payer, suppressed in rows:
        assert payer in {"zorgverzekeraar", "zorgkantoor", "gemeente"}
        if suppressed:
            assert persons is None and total is None and per_year is None
        else:
            assert (persons, total, per_year) == (n, numerator, value)
