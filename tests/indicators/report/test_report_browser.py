"""The report as a reader sees it in headless Chromium, after the charts are drawn: Dutch words and Dutch
numbers that match monitoring.duckdb, trend axes from 0, radars of at most three areas, and no sideways
scrolling on a 420 px phone. One Chromium run per page."""

from __future__ import annotations

import os
import re
import tempfile
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb
import pytest

from indicators.report import render_report
from tests.browser import CHROMIUM, page_width, run
from tests.indicators.report.test_report import ENGLISH, REFERENCE, build_published

pytestmark = [
    pytest.mark.slow,  # a headless Chromium per page: about 15 s of the fast run's minute
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="/usr/bin/chromium is not installed here (apt-get install chromium); CI installs it in .ci/run",
    ),
]


@pytest.fixture(scope="module")
def rendered(module_tmp) -> tuple[Path, Path, str]:
    """The small publication (with evaluation and income gaps), its report, and index.html's DOM after JS."""
    root = module_tmp("browser")
    published = build_published(root / "monitoring.duckdb", optional_tables=True)
    index = render_report(published, root / "report", REFERENCE)
    with tempfile.TemporaryDirectory() as profile:
        result = run(["--window-size=1400,3000", "--dump-dom", index.as_uri()], Path(profile))
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert not console, console  # no script error and no Vega warning
    assert re.search(r'<body[^>]*data-charts-drawn="\d+"', result.stdout), "report.js did not finish drawing"
    return published, index, result.stdout


def dutch(value: float, decimals: int) -> str:
    """Independent of the report's formatter: Decimal rounding, then Dutch separators (1.234,5)."""
    step = Decimal(1).scaleb(-decimals)
    text = f"{Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_EVEN):,}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def test_the_drawn_page_has_no_english_word(rendered):
    _, _, dom = rendered
    text = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)  # what is shown: html and drawn svg
    assert not [w for w in ENGLISH if w in text], [w for w in ENGLISH if w in text]
    assert "vóór: 2022 en 2023; na: 2024" in text and "hellingsindex van ongelijkheid" in text


def test_scorecard_numbers_are_the_published_values_rounded_the_dutch_way(rendered):
    published, _, dom = rendered
    shown = dict(
        ((i, a), v)
        for i, a, v in re.findall(
            r'data-indicator="([^"]+)" data-area="([^"]+)"[^>]*><span class="v">([^<]+)</span>', dom
        )
    )
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute("""SELECT indicator_id, area_code, value, unit FROM indicator_values
                              JOIN indicator_catalogue USING (indicator_id)
                              WHERE period = 2024 AND stratum = 'totaal' AND NOT suppressed AND aim <> 'phm'
                                AND area_code IN ('RG_TEST', 'GM0361', 'GM0399')""").fetchall()
    assert len(shown) == len(rows) > 30
    for indicator, area, value, unit in rows:
        assert shown[(indicator, area)] == dutch(value, 0 if unit == "euro" else 1), (indicator, area, value)
    assert shown[("ph_eenzaam", "RG_TEST")] == "12,3"  # 12.34
    assert shown[("co_totaal_domeinen_per_inwoner", "RG_TEST")] == "4.322"  # 4321.6 euro


def test_trend_axis_starts_at_zero_and_radars_show_at_most_three_areas(rendered):
    _, _, dom = rendered
    trend = dom.split('id="trend-ph_eenzaam"', 1)[1].split("</figure>", 1)[0]
    axis_labels = re.findall(r'role-axis-label"[^>]*>(.*?)</g>', trend, re.S)
    ticks = [t for group in axis_labels for t in re.findall(r"<text[^>]*>([^<]*)</text>", group)]
    assert "0" in ticks and "2022" in ticks and "2024" in ticks, ticks
    radars = re.findall(r'id="positive-health-chart-[^"]+"(.*?)</figure>', dom, re.S)
    assert len(radars) == 2  # one per gemeente on the region page
    for radar in radars:
        legend = re.findall(r'role-legend-label"[^>]*>(.*?)</g>', radar, re.S)
        names = [t for group in legend for t in re.findall(r"<text[^>]*>([^<]*)</text>", group)]
        assert 2 <= len(names) <= 3 and "Regio Test" in names, names


@pytest.mark.parametrize("page", ["index.html", "gemeente_GM0361.html", "wijk_WK036101.html"])
def test_no_sideways_scrolling_on_a_phone(rendered, page):
    _, index, _ = rendered
    width, culprit = page_width(index.parent / page, 420)
    assert width <= 420, (page, width, culprit)
