"""The steering-group report, rendered from a small published file built here (not by the pipeline):
every scorecard number is the published value, suppressed cells read 'onderdrukt', nothing is fetched
from the network, and the page opens in headless Chromium with its charts drawn."""

from __future__ import annotations

import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import polars as pl
import pytest

from indicators.published_schema import TABLES, VIEWS
from indicators.report import render_report
from indicators.report.labels import nl_number, nl_number_expr, nl_text_expr
from pipelines.config import REPO_ROOT
from quality.descriptions import description
from tests import browser

REFERENCE = REPO_ROOT / "sample_data" / "reference"
CHROMIUM = browser.CHROMIUM
PG = [
    "lichaamsfuncties",
    "mentaal_welbevinden",
    "zingeving",
    "kwaliteit_van_leven",
    "meedoen",
    "dagelijks_functioneren",
]

# Column types of the published file, per table: VARCHAR unless listed. The column names and their
# order come from the contract (published_schema.TABLES), so the fixture cannot drift from it.
TYPES = {
    "indicator_catalogue": {"multiplier": "DOUBLE", "min_denominator": "BIGINT"},
    "areas": {"residents": "BIGINT", "classification_year": "INTEGER"},
    "indicator_values": {
        "period": "INTEGER",
        "numerator": "DOUBLE",
        "denominator": "DOUBLE",
        "n": "BIGINT",
        "value": "DOUBLE",
        "ci_low": "DOUBLE",
        "ci_high": "DOUBLE",
        "suppressed": "BOOLEAN",
    },
    "quality_results": {},
    "run_manifest": {
        "started_at": "TIMESTAMP",
        "finished_at": "TIMESTAMP",
        "rows_read": "BIGINT",
        "rows_loaded": "BIGINT",
        "rows_quarantined": "BIGINT",
    },
    "equity_gaps": {"period": "INTEGER", "suppressed": "BOOLEAN"}
    | {
        c: "DOUBLE"
        for c in (
            "q1_value",
            "q5_value",
            "gap",
            "ratio",
            "sii",
            "sii_ci_low",
            "sii_ci_high",
            "rii",
            "rii_ci_low",
            "rii_ci_high",
        )
    },
    "evaluation_results": {
        "estimate": "DOUBLE",
        "ci_low": "DOUBLE",
        "ci_high": "DOUBLE",
        "n_areas_treated": "BIGINT",
        "n_areas_comparison": "BIGINT",
    },
}

# (id, name_nl, aim, unit, direction, base value)
INDICATORS = [
    (
        "ph_ervaren_gezondheid_goed",
        "Ervaren gezondheid goed of zeer goed",
        "population_health",
        "%",
        "higher_better",
        78.0,
    ),
    ("ph_eenzaam", "Eenzaam (De Jong Gierveld >= 3)", "population_health", "%", "lower_better", 44.0),
    (
        "eq_seh_per_1000",
        "SEH-bezoeken per 1.000 inwoners",
        "experienced_quality",
        "per 1000",
        "lower_better",
        75.0,
    ),
    (
        "co_totaal_domeinen_per_inwoner",
        "Kosten Zvw, Wmo, Jeugdwet en Wlz per inwoner (euro)",
        "costs",
        "euro",
        "lower_better",
        4500.0,
    ),
    ("pw_ziekteverzuim", "Ziekteverzuim zorg en welzijn", "professional_wellbeing", "%", "neutral", 7.0),
    ("he_moeite_rondkomen", "Moeite met rondkomen", "health_equity", "%", "lower_better", 13.0),
    *[
        (
            f"pg_{d}",
            f"Positieve Gezondheid: {d.replace('_', ' ')} (gemiddelde score 0-10)",
            "positive_health",
            "score",
            "higher_better",
            6.8,
        )
        for d in PG
    ],
    (
        "pg_meedoen_laag",
        "Positieve Gezondheid: lage score op meedoen (< 6)",
        "positive_health",
        "%",
        "lower_better",
        24.0,
    ),
    *[
        (f"phm_segment_{s}", f"Segment {s}", "phm", "%", "neutral", v)
        for s, v in [
            ("levenseinde", 1.1),
            ("langdurige_zorg", 1.4),
            ("kwetsbaar_complex", 1.3),
            ("multimorbide", 11.0),
            ("chronisch", 18.0),
            ("risico", 11.5),
            ("gezond", 55.7),
        ]
    ],
    (
        "phm_opstapeling_2plus",
        "Opstapeling van problemen in 2 of meer domeinen",
        "phm",
        "%",
        "lower_better",
        6.0,
    ),
    (
        "phm_opstapeling_3plus",
        "Opstapeling van problemen in 3 of meer domeinen",
        "phm",
        "%",
        "lower_better",
        0.8,
    ),
    ("phm_doelgroep_kwetsbare_ouderen", "Doelgroep Kwetsbare ouderen (75+)", "phm", "%", "neutral", 3.1),
    (
        "phm_bereik_valpreventie",
        "Bereik van Valpreventie thuis in de doelgroep kwetsbare_ouderen",
        "phm",
        "%",
        "higher_better",
        7.1,
    ),
]
AREAS = [  # every area has a boundary in the CBS 2020 GeoJSON of the reference folder
    ("RG_TEST", "regio", "Regio Test", None, None, 160000),
    ("GM0361", "gemeente", "Alkmaar", "RG_TEST", "GM0361", 111595),
    ("GM0399", "gemeente", "Heiloo", "RG_TEST", "GM0399", 24185),
    ("WK036101", "wijk", "Zuid", "GM0361", "GM0361", 14510),
    ("WK036102", "wijk", "Oudorp", "GM0361", "GM0361", 9120),
    ("WK039901", "wijk", "Wijk 01 (Heiloo)", "GM0399", "GM0399", 8000),
    ("BU03610101", "buurt", "Buurt 01", "WK036101", "GM0361", 2500),
]
# Suppressed in the latest year: value NULL, never shown as 0 or blank.
SUPPRESSED = [
    ("ph_eenzaam", "WK036102", "primary"),
    ("pg_zingeving", "WK036102", "primary"),
    ("eq_seh_per_1000", "WK036102", "secondary"),
    ("co_totaal_domeinen_per_inwoner", "WK039901", "dominance"),
    ("phm_segment_chronisch", "WK036102", "primary"),
]


def build_published(path: Path, optional_tables: bool = False) -> Path:
    """A published file with the contract's tables and views; values are set-based and deliberately messy."""
    with duckdb.connect(str(path)) as con:
        for table in (
            "indicator_catalogue",
            "areas",
            "indicator_values",
            "quality_results",
            "run_manifest",
            *(("equity_gaps", "evaluation_results") if optional_tables else ()),
        ):
            columns = ", ".join(f"{c} {TYPES[table].get(c, 'VARCHAR')}" for c in TABLES[table][1])
            con.execute(f"CREATE TABLE {table} ({columns})")
        con.execute(
            "CREATE TEMP TABLE spec (indicator_id VARCHAR, name_nl VARCHAR, aim VARCHAR, unit VARCHAR, "
            "direction VARCHAR, base DOUBLE)"
        )
        con.executemany("INSERT INTO spec VALUES (?, ?, ?, ?, ?, ?)", INDICATORS)
        con.execute("""INSERT INTO indicator_catalogue
            SELECT indicator_id, name_nl, name_nl, aim, NULL, unit, direction, 'x', 'y',
                   CASE WHEN indicator_id LIKE 'pw\\_%' ESCAPE '\\' THEN 'workforce' ELSE 'test' END, 'proportion',
                   100, 'totaal', 50, 'buurt,wijk,gemeente,regio', NULL, 'population', NULL, NULL, NULL, '1.0'
            FROM spec""")
        con.executemany("INSERT INTO areas VALUES (?, ?, ?, ?, ?, ?, 2024)", AREAS)
        # value: base x a factor in [0.9, 1.1) from a hash, so the numbers have many decimals
        con.execute("""INSERT INTO indicator_values
            WITH cells AS (
                SELECT s.indicator_id, p.period, a.area_code, a.area_level, s.unit,
                       s.base * (0.9 + (hash(s.indicator_id || a.area_code || p.period) % 2000)::BIGINT
                                 / 10007.0) AS v,
                       (hash(a.area_code || s.indicator_id) % 3)::BIGINT AS h
                FROM spec s, areas a, (VALUES (2022), (2023), (2024)) p(period)
                WHERE NOT (s.indicator_id LIKE 'pw\\_%' ESCAPE '\\' AND a.area_level IN ('wijk', 'buurt')))
            SELECT indicator_id, period, area_code, area_level, 'totaal', round(v * 10 / 5) * 5, 1000, 1000,
                   v, v * 0.95, v * 1.05, false, NULL,
                   CASE WHEN area_level = 'regio' THEN NULL
                        ELSE ['hoger', 'lager', 'geen_verschil'][h + 1] END, NULL, NULL, NULL
            FROM cells""")
        # workforce figures are a census of organisations: published without an interval
        con.execute("UPDATE indicator_values SET ci_low = NULL, ci_high = NULL WHERE indicator_id LIKE 'pw\\_%' ESCAPE '\\'")
        for indicator, area, reason in SUPPRESSED:
            con.execute(
                """UPDATE indicator_values
                   SET value = NULL, ci_low = NULL, ci_high = NULL, numerator = NULL, denominator = NULL,
                       n = NULL, suppressed = true, suppression_reason = ?, comparison = NULL
                   WHERE indicator_id = ? AND area_code = ? AND period = 2024""",
                [reason, indicator, area],
            )
        # two values whose Dutch formatting the tests read back
        con.execute(
            "UPDATE indicator_values SET value = 12.34, ci_low = 11.0, ci_high = 13.7 "
            "WHERE indicator_id = 'ph_eenzaam' AND area_code = 'RG_TEST' AND period = 2024"
        )
        con.execute(
            "UPDATE indicator_values SET value = 4321.6, ci_low = 4200.0, ci_high = 4443.2 WHERE "
            "indicator_id = 'co_totaal_domeinen_per_inwoner' AND area_code = 'RG_TEST' AND period = 2024"
        )
        con.execute("""INSERT INTO quality_results VALUES
            ('run-1', 'schema_conformance', 'raw', 'error', 'conformance', 'passed', '0 rows', '0', NULL,
             'ok', 'Bestanden hebben de afgesproken vorm.', NULL),
            ('run-1', 'linkage_coverage', 'staging', 'error', 'completeness', 'passed', '0.99', '>= 0.95',
             NULL, 'ok', 'Records zijn te koppelen.', NULL),
            ('run-1', 'rivm_plausibility', 'indicators', 'warn', 'plausibility', 'failed', '1 of 10 cells',
             '|z| <= 3', 'ph_eenzaam', 'differs from the RIVM 2020 estimates far from: ph_eenzaam WK036101: 60.1 vs RIVM 44.0 (z 3.4)',
             'Enquêtecijfers liggen binnen de marge van het RIVM.',
             '1 van 10 enquêtecijfers wijken af: Eenzaam, Zuid: 60,1% tegen RIVM 44,0%'),
            ('run-1', 'kaiser_pyramid', 'marts', 'warn', 'plausibility', 'failed', 'gezond_of_risico 63.9%',
             'Kaiser bands +/- 5 points', NULL,
             'segment pyramid far from Kaiser proportions: gezond_of_risico 63.9% (expected 70-80%)',
             NULL, NULL)""")
        con.execute("""INSERT INTO run_manifest VALUES
            ('run-1', '2024-11-23 10:00:00', '2024-11-23 10:05:00', 'abc1234', 'cfg', 'gp', 'landing/gp.csv',
             'sha256-x', 100, 99, 1, NULL)""")
        if optional_tables:
            con.execute("""INSERT INTO equity_gaps
                SELECT indicator_id, period, area_code, area_level, value * 1.3, value * 0.8, value * 0.5,
                       1.625, value * 0.6, value * 0.5, value * 0.7, 0.6, 0.5, 0.7, suppressed
                FROM indicator_values WHERE indicator_id IN ('ph_eenzaam', 'he_moeite_rondkomen')""")
            con.execute("""INSERT INTO evaluation_results (intervention_id, indicator_id, method, estimate, ci_low,
                ci_high, n_areas_treated, n_areas_comparison, periods, status, reason, caveat) VALUES
                ('valpreventie', 'eq_seh_per_1000', 'did_area_panel', -2.25, -6.5, 2.0, 3, 9,
                 'pre [2022, 2023] / post [2024]', 'estimated', NULL,
                 'Monitoring laat samenhang zien, geen bewijs van effect.'),
                ('valpreventie', 'eq_seh_per_1000', 'did_participants_matched', 84.2, -95.2, 263.6, 105, 8605,
                 'pre [2023] / post [2024]', 'estimated',
                 'participant-level analysis: n_areas_* count persons, not areas (published rounded to 5)',
                 'Monitoring laat samenhang zien, geen bewijs van effect.'),
                ('valpreventie', 'ph_eenzaam', 'did_area_panel', NULL, NULL, NULL, 2, 9,
                 'pre [2022] / post [2023, 2024]', 'not_estimable',
                 'too few areas: 2 treated, 9 comparison (at least 3 each)',
                 'Monitoring laat samenhang zien, geen bewijs van effect.')""")
        for view, (_, sql) in VIEWS.items():
            con.execute(f"CREATE VIEW {view} AS {sql}")
    return path


class Cells(HTMLParser):
    """Collects scorecard cells (their data-* attributes and visible text) and script/link references."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self.references: list[str] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "td" and "data-indicator" in a:
            self._open = {**a, "text": ""}
        if tag in ("script", "link", "img", "iframe") and (a.get("src") or a.get("href")):
            self.references.append(a.get("src") or a.get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open is not None:
            self.cells.append(self._open)
            self._open = None


def parse(page: Path) -> Cells:
    parser = Cells()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def report(module_tmp) -> tuple[Path, Path]:
    root = module_tmp("report")
    published = build_published(root / "monitoring.duckdb")
    return published, render_report(published, root / "report", REFERENCE)


def test_a_page_for_the_region_every_gemeente_and_every_wijk_but_not_buurten(report):
    _, index = report
    assert sorted(p.name for p in index.parent.glob("*.html")) == [
        "gemeente_GM0361.html",
        "gemeente_GM0399.html",
        "index.html",
        "wijk_WK036101.html",
        "wijk_WK036102.html",
        "wijk_WK039901.html",
    ]
    assert 'href="wijk_WK036101.html"' in index.read_text(encoding="utf-8")


def test_every_scorecard_number_is_the_published_value(report):
    published, index = report
    shown = [c for page in index.parent.glob("*.html") for c in parse(page).cells]
    with duckdb.connect(str(published), read_only=True) as con:
        expected = {
            (i, a, p): (v, s)
            for i, a, p, v, s in con.execute(
                "SELECT indicator_id, area_code, period, value, suppressed FROM indicator_values "
                "WHERE stratum = 'totaal'"
            ).fetchall()
        }
        # every non-PHM total of 2024 for region + 2 gemeenten + 3 wijken appears on some page
        wanted = con.execute("""SELECT count(*) FROM indicator_values v
                                JOIN indicator_catalogue c USING (indicator_id)
                                WHERE aim <> 'phm' AND period = 2024 AND area_level <> 'buurt'""").fetchone()
    assert wanted is not None
    assert {(c["data-indicator"], c["data-area"], int(c["data-period"])) for c in shown} <= set(expected)
    assert len({(c["data-indicator"], c["data-area"]) for c in shown}) == wanted[0]
    for cell in shown:  # all of them, not a sample
        value, suppressed = expected[(cell["data-indicator"], cell["data-area"], int(cell["data-period"]))]
        if cell["data-value"] == "suppressed":
            assert suppressed and value is None, cell
        else:
            assert not suppressed and float(cell["data-value"]) == value, cell
    assert (
        sum(c["data-value"] == "suppressed" for c in shown) >= len(SUPPRESSED) - 1
    )  # phm is not in the scorecard


def test_suppressed_cells_read_onderdrukt_never_zero_or_blank(report):
    _, index = report
    cells = parse(index.parent / "wijk_WK036102.html").cells
    suppressed = [c for c in cells if c["data-value"] == "suppressed"]
    assert {c["data-indicator"] for c in suppressed if c["data-area"] == "WK036102"} == {
        "ph_eenzaam",
        "pg_zingeving",
        "eq_seh_per_1000",
    }
    assert all(c["text"].strip() == "onderdrukt" for c in suppressed)
    # the Positive Health table next to the radar says so too, and the segment pyramid keeps the row
    page = (index.parent / "wijk_WK036102.html").read_text(encoding="utf-8")
    assert "onderdrukt voor Oudorp: Zingeving" in page
    assert '"segment":"Chronisch ziek","rank":4,"label":"onderdrukt"' in page


def test_numbers_read_the_dutch_way_and_arrows_follow_the_direction_of_better(report):
    _, index = report
    cells = {(c["data-indicator"], c["data-area"]): c for c in parse(index).cells}
    eenzaam = cells[("ph_eenzaam", "RG_TEST")]["text"]
    assert "12,3" in eenzaam and "11,0–13,7" in eenzaam and "12.3" not in eenzaam  # 12.34 with 95% 11.0-13.7
    assert "4.322" in cells[("co_totaal_domeinen_per_inwoner", "RG_TEST")]["text"]  # 4321.6 euro, whole euros
    page = index.read_text(encoding="utf-8")
    # 'lager' is good when lower is better and bad when higher is better; neutral indicators stay grey
    row = {
        (m[0], m[1]): m[2]
        for m in re.findall(r'data-indicator="([^"]+)" data-area="([^"]+)"[^>]*>(.*?)</td>', page)
    }
    with duckdb.connect(str(report[0]), read_only=True) as con:
        rows = con.execute("""SELECT indicator_id, area_code, comparison, direction FROM indicator_values
                              JOIN indicator_catalogue USING (indicator_id)
                              WHERE period = 2024 AND area_level = 'gemeente' AND aim <> 'phm'
                                AND comparison IN ('hoger', 'lager')""").fetchall()
    assert rows
    for indicator, area, comparison, direction in rows:
        good = (comparison == "lager") == (direction == "lower_better")
        css = "neutral" if direction == "neutral" else ("good" if good else "bad")
        assert f'class="cmp {css}"' in row[(indicator, area)], (indicator, area, comparison, direction)


def test_quality_verdict_and_run_date_come_from_the_published_file(report):
    _, index = report
    page = index.read_text(encoding="utf-8")
    assert "Alle 2 blokkerende controles geslaagd. 2 van 2 waarschuwingscontroles gaven een melding." in page
    assert "23 november 2024, 10:05 UTC" in page
    # the header: the last data year and the publication date, not a date that reads as the data year
    assert "gegevens tot en met 2024, gepubliceerd op 23 november 2024" in page
    assert "Hoe lees je dit rapport?" in page


def test_report_needs_no_network(report):
    _, index = report
    for page in index.parent.glob("*.html"):
        references = parse(page).references
        assert references, page.name
        for ref in references:
            assert not re.match(r"(https?:)?//", ref), (page.name, ref)
            assert (index.parent / ref).is_file(), (page.name, ref)  # vendored next to the page
    assert {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "report.js"} <= {
        p.name for p in (index.parent / "assets").iterdir()
    }


def test_map_only_where_boundaries_exist(report, tmp_path):
    published, index = report
    assert 'id="map"' in index.read_text(encoding="utf-8")
    assert 'id="map"' in (index.parent / "wijk_WK036101.html").read_text(encoding="utf-8")
    assert 'id="map"' in (index.parent / "gemeente_GM0399.html").read_text(encoding="utf-8")
    buurten_only = tmp_path / "buurten"  # boundaries of buurten only: a buurt map, no wijk maps
    buurten_only.mkdir()
    (buurten_only / "buurten.geojson").write_bytes((REFERENCE / "buurten_2020_regio_alkmaar.geojson").read_bytes())
    partial = render_report(published, tmp_path / "partial", buurten_only)
    assert 'id="map"' not in partial.read_text(encoding="utf-8")
    assert 'id="map"' in (partial.parent / "wijk_WK036101.html").read_text(encoding="utf-8")
    without = render_report(published, tmp_path / "report")  # no boundaries at all
    assert 'id="map"' not in without.read_text(encoding="utf-8")


def test_equity_and_evaluation_shown_when_published_and_skipped_when_not(report, tmp_path):
    _, index = report
    assert "Gezondheidsverschillen naar inkomen" not in index.read_text(encoding="utf-8")
    published = build_published(tmp_path / "monitoring.duckdb", optional_tables=True)
    page = render_report(published, tmp_path / "report", REFERENCE).read_text(encoding="utf-8")
    assert "Gezondheidsverschillen naar inkomen" in page
    assert "<h3>Evaluatie</h3>" in page and "-2,2" in page and "-6,5 – 2,0" in page  # -2.25 -> half to even
    assert "Monitoring laat samenhang zien, geen bewijs van effect." in page


def test_cost_outcomes_name_the_payer_and_say_what_the_intervention_costs(tmp_path):
    published = build_published(tmp_path / "monitoring.duckdb", optional_tables=True)
    with duckdb.connect(str(published)) as con:
        con.execute("""INSERT INTO evaluation_results (intervention_id, indicator_id, law, payer, method, estimate,
            ci_low, ci_high, n_areas_treated, n_areas_comparison, periods, status, reason, caveat, estimand) VALUES
            ('valpreventie', 'co_zvw_per_verzekerdejaar', 'zvw', 'zorgverzekeraar', 'did_participants_matched',
             -1234.4, -3456.6, 987.6, 105, 8605, 'pre [2023] / post [2024]', 'estimated', NULL,
             'Monitoring laat samenhang zien, geen bewijs van effect.', 'effect_on_participants'),
            ('valpreventie', 'co_jeugd_per_inwoner', 'jeugdwet', 'gemeente', 'did_area_panel', NULL, NULL, NULL,
             3, 9, 'pre [2023] / post [2024]', 'not_estimable', NULL,
             'Monitoring laat samenhang zien, geen bewijs van effect.', 'intention_to_treat_buurt')""")
    page = visible(render_report(published, tmp_path / "report", REFERENCE).read_text(encoding="utf-8"))
    # the steering group's sentence: programme cost not delivered, the Zvw change per participant with interval
    assert "de kosten van de interventie per deelnemer zijn niet aangeleverd" in page
    assert "zorgverzekeraar (Zorgverzekeringswet) -1.234 euro per deelnemer per jaar (95%-interval -3.457 – 988)" in page
    # a law's cost the catalogue does not hold is named in Dutch, with its payer
    assert "Kosten Jeugdwet per inwoner" in page and "gemeente (Jeugdwet)" in page


def test_without_phm_indicators_the_population_section_is_left_out(tmp_path):
    published = build_published(tmp_path / "monitoring.duckdb")
    with duckdb.connect(str(published)) as con:
        con.execute("DELETE FROM indicator_values WHERE indicator_id LIKE 'phm%'")
    page = render_report(published, tmp_path / "report", REFERENCE).read_text(encoding="utf-8")
    assert 'id="populatie"' not in page and "segment-chart" not in page
    assert "Geen bereikcijfers gepubliceerd" in page and "geen bewijs van effect" in page


def test_rendering_again_replaces_the_folder(report, tmp_path):
    published, _ = report
    out = tmp_path / "report"
    render_report(published, out, REFERENCE)
    (out / "stale.html").write_text("old", encoding="utf-8")
    render_report(published, out, REFERENCE)
    assert not (out / "stale.html").exists() and (out / "index.html").exists()


def test_dutch_number_formatting():
    values = pl.DataFrame({"v": [1234567.891, -0.04, 12.25, 999.96, None]})
    shown = values.select(one=nl_number_expr(pl.col("v"), 1), none=nl_number_expr(pl.col("v"), 0))
    assert shown["one"].to_list() == ["1.234.567,9", "0,0", "12,2", "1.000,0", None]  # 12.25 half to even
    assert shown["none"].to_list() == ["1.234.568", "0", "12", "1.000", None]
    assert nl_number(202155, 0) == "202.155" and nl_number(None) == "–"


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return browser.run(args, profile, budget_ms=5000)


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="/usr/bin/chromium is not installed here (apt-get install chromium); CI installs it "
    "in .ci/run and always runs this test",
)
@pytest.mark.slow  # headless Chromium: 5-7 s on 2 busy cores
def test_opens_in_headless_chromium_with_scorecard_chart_and_map(report, tmp_path):
    _, index = report
    dom = chromium(["--dump-dom", index.as_uri()], tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert not console, console  # no script error, and no Vega warning either
    assert re.search(r'<body[^>]*data-charts-drawn="\d+"', html), "report.js did not finish drawing"
    assert "Deze grafiek kon niet worden getekend" not in html
    assert '<table id="scorecard" class="stack">' in html

    def inside(element_id: str) -> str:
        return html.split(f'id="{element_id}"', 1)[1].split("</section>", 1)[0]

    assert re.search(r"<(svg|canvas)\b", inside("positive-health-chart-GM0361"))
    assert "<path" in inside("map")  # the wijken drawn as shapes
    shot = tmp_path / "report.png"
    result = chromium(
        [f"--screenshot={shot}", "--window-size=1400,2000", index.as_uri()], tmp_path / "profile2"
    )
    assert result.returncode == 0 and shot.stat().st_size > 20_000


# English or raw words a steering-group reader saw before (issue 16): none may be left on any page.
ENGLISH = [
    "participant-level",
    "n_areas",
    "slope index",
    ">=",
    "&gt;=",
    "<=",
    "&lt;=",
    "far from",
    "pre [",
    "post [",
    "gezond_of_risico",
    "monitorjaar",
    "differs from",
    "estimated",
    "Run ",
]


def visible(page: str) -> str:
    """The text a reader can see or hover: the page without its scripts and styles, plus the chart specs'
    labels (everything in the specs' datasets)."""
    specs = json.dumps([spec.get("datasets", {}) for spec in chart_specs(page).values()], ensure_ascii=False)
    return re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S) + specs


def chart_specs(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="chart-specs">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1).replace("<\\/", "</"))


def test_every_word_a_reader_sees_is_dutch(tmp_path):
    published = build_published(tmp_path / "monitoring.duckdb", optional_tables=True)
    index = render_report(published, tmp_path / "report", REFERENCE)
    for page in index.parent.glob("*.html"):
        text = visible(page.read_text(encoding="utf-8"))
        assert not [w for w in ENGLISH if w in text], (page.name, [w for w in ENGLISH if w in text])
    page = index.read_text(encoding="utf-8")
    assert "Eenzaam (De Jong Gierveld ≥ 3)" in page
    # the evaluation: years in Dutch, counts formatted and named, the reason translated
    assert "vóór: 2022 en 2023; na: 2024" in page and "vóór: 2022; na: 2023 en 2024" in page
    assert "105 / 8.605 personen" in page and "3 / 9 buurten" in page
    assert "te weinig buurten: 2 met de interventie, 9 ter vergelijking (minstens 3 elk nodig)" in page
    assert "hellingsindex van ongelijkheid (SII)" in page
    # data quality: the Dutch message where the check published one, else its Dutch description
    assert "Eenzaam, Zuid: 60,1% tegen RIVM 44,0%" in page and "60.1" not in page
    assert description("kaiser_pyramid") in page


def test_no_arrow_where_the_shown_values_are_equal(tmp_path):
    published = build_published(tmp_path / "monitoring.duckdb")
    with duckdb.connect(str(published)) as con:
        # the region reads 12,3 (12.34); Alkmaar 12.26 and Heiloo 12.31 read 12,3 too; Zuid 12.4 does not
        for area, value in [("GM0361", 12.26), ("GM0399", 12.31), ("WK036101", 12.4)]:
            con.execute(
                "UPDATE indicator_values SET value = ?, ci_low = ? - 0.1, ci_high = ? + 0.1, comparison = 'hoger' "
                "WHERE indicator_id = 'ph_eenzaam' AND area_code = ? AND period = 2024",
                [value, value, value, area],
            )
    index = render_report(published, tmp_path / "report", REFERENCE)
    cells = {
        (c["data-indicator"], c["data-area"]): c["text"]
        for c in parse(index).cells + parse(index.parent / "wijk_WK036101.html").cells
    }
    assert "12,3" in cells[("ph_eenzaam", "GM0361")] and "▲" not in cells[("ph_eenzaam", "GM0361")]
    assert "≈" in cells[("ph_eenzaam", "GM0361")] and "▲" not in cells[("ph_eenzaam", "GM0399")]
    assert "12,4" in cells[("ph_eenzaam", "WK036101")] and "▲" in cells[("ph_eenzaam", "WK036101")]


def test_workforce_cells_say_why_they_have_no_interval(report):
    _, index = report
    cells = [c for c in parse(index).cells if c["data-indicator"] == "pw_ziekteverzuim"]
    assert len(cells) == 3  # region and two gemeenten; workforce is not published per wijk
    assert all("geen interval: telling van organisaties" in c["text"] for c in cells)
    others = [c for c in parse(index).cells if c["data-indicator"] == "ph_eenzaam"]
    assert others and not any("geen interval" in c["text"] for c in others)


def test_trend_axes_start_at_zero_and_every_line_has_its_interval(report):
    published, index = report
    specs = chart_specs((index.parent / "wijk_WK036101.html").read_text(encoding="utf-8"))
    share, score = specs["trend-ph_eenzaam"], specs["trend-pg_kwaliteit_van_leven"]
    for layer in share["layer"]:
        assert layer["encoding"]["y"]["scale"]["domainMin"] == 0  # a percentage from 0
    for layer in score["layer"]:
        assert layer["encoding"]["y"]["scale"]["domain"] == [0.0, 10.0]  # a score on its whole scale 0-10
    assert {m["mark"]["type"] for m in share["layer"]} >= {"rule", "line"}  # the interval is a rule per point
    rows = share["datasets"]["trend"]
    with duckdb.connect(str(published), read_only=True) as con:
        expected = con.execute("""SELECT a.name, period, ci_low, ci_high FROM indicator_values JOIN areas a
                                  USING (area_code) WHERE indicator_id = 'ph_eenzaam' AND NOT suppressed
                                  AND area_code IN ('WK036101', 'GM0361', 'RG_TEST')""").fetchall()
    # the wijk, its gemeente and the region: each line with its own published 95% interval, every year
    assert sorted((r["gebied"], r["period"], r["ci_low"], r["ci_high"]) for r in rows) == sorted(expected)
    assert {r["gebied"] for r in rows} == {"Zuid", "Alkmaar", "Regio Test"}


def test_the_radar_draws_at_most_three_areas(report):
    _, index = report
    for page in index.parent.glob("*.html"):
        radars = {k: v for k, v in chart_specs(page.read_text(encoding="utf-8")).items() if "positive-health" in k}
        assert radars, page.name
        for spec in radars.values():
            assert len({p["gebied"] for p in spec["datasets"]["polygon"]}) <= 3, page.name
    region = chart_specs(index.read_text(encoding="utf-8"))
    # the region page: a small radar per gemeente, each against the region
    assert sorted(k for k in region if "positive-health" in k) == [
        "positive-health-chart-GM0361",
        "positive-health-chart-GM0399",
    ]
    wijk = chart_specs((index.parent / "wijk_WK036101.html").read_text(encoding="utf-8"))
    assert {p["gebied"] for p in wijk["positive-health-chart"]["datasets"]["polygon"]} == {
        "Zuid",
        "Alkmaar",
        "Regio Test",
    }


def test_target_group_names_are_whole_on_the_bars(report):
    _, index = report
    bars = chart_specs(index.read_text(encoding="utf-8"))["target-group-chart"]
    (row,) = bars["datasets"]["bars"]
    # 'Doelgroep Kwetsbare ouderen (75+)': the name, whole; the definition in brackets in the note below
    assert row["name_nl"] == "Kwetsbare ouderen" and row["full_name"] == "Doelgroep Kwetsbare ouderen (75+)"
    assert "Kwetsbare ouderen: 75+." in index.read_text(encoding="utf-8")
    assert bars["layer"][0]["encoding"]["y"]["axis"]["labelExpr"] == "split(datum.label, '|')"


def test_charts_follow_the_width_of_their_box(report):
    _, index = report
    for page in index.parent.glob("*.html"):
        for name, spec in chart_specs(page.read_text(encoding="utf-8")).items():
            if "map" not in name and "kaart" not in name:  # the map (maps.py): report.js scales it down if too wide
                assert spec["width"] == "container" and spec["autosize"]["type"] in ("fit", "fit-x"), name


def test_catalogue_names_read_the_dutch_way():
    names = pl.DataFrame(
        {
            "n": [
                "Overgewicht (BMI >= 25.0)",
                "SBSQ gemiddeld <= 2.0",
                "Sterfte per 1.000 inwoners",
                "score 0-10",
                "in de doelgroep kwetsbare_ouderen",
            ]
        }
    )
    assert names.select(nl_text_expr(pl.col("n")))["n"].to_list() == [
        "Overgewicht (BMI ≥ 25,0)",
        "SBSQ gemiddeld ≤ 2,0",
        "Sterfte per 1.000 inwoners",  # a thousands dot stays
        "score 0–10",
        "in de doelgroep kwetsbare ouderen",
    ]
