"""Real CBS 2020 names for every area, and the report's maps: the wijken of every gemeente, the buurten of
every wijk, each with a legend that names the indicator and its unit.

Expected names are copied by hand from sample_data/reference/names_2020_regio_alkmaar.csv; expected counts
come from that file (or by hand), never from the code under test.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from indicators.report.boundaries import outline, read_features
from pipelines.config import REPO_ROOT
from transforms.areas import RIVM_2020, build_areas

REFERENCE = REPO_ROOT / "sample_data" / "reference"
NAMES_CSV = REFERENCE / "names_2020_regio_alkmaar.csv"
DEFAULT_REGION = ["GM0361", "GM0399", "GM0373", "GM0383"]
FALLBACK = re.compile(r"^(Wijk \d{2} \(.+\)|Buurt \d{2} \(BU\d{8}\))$")  # "Wijk 01 (Heiloo)", "Buurt 00 (BU…)"
CHROMIUM = Path("/usr/bin/chromium")


def _areas(reference_dir: Path, gemeenten: list[str]) -> dict[str, tuple[str, str]]:
    """area_code -> (area_level, name) as build_areas makes them."""
    con = duckdb.connect()
    build_areas(con, reference_dir, gemeenten, "RG_T", "Testregio")
    return {code: (level, name) for code, level, name in con.execute(
        "SELECT area_code, area_level, name FROM staging.areas").fetchall()}


def _names_file() -> list[dict[str, str]]:
    with NAMES_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- names ---------------------------------------------------------------------------------------------

def test_every_area_of_the_default_region_has_its_cbs_name():
    areas = _areas(REFERENCE, DEFAULT_REGION)
    assert Counter(level for level, _ in areas.values()) == {"buurt": 141, "wijk": 34, "gemeente": 4, "regio": 1}
    assert [name for _, name in areas.values() if FALLBACK.match(name)] == []
    by_hand = {  # from names_2020_regio_alkmaar.csv
        "GM0373": "Bergen (NH.)",
        "WK036101": "Zuid",
        "WK036107": "Daalmeer/Koedijk",
        "WK037301": "Wijk 01 Bergen Binnen",
        "WK038300": "Wijk 00 Centrum",
        "WK039908": "Wijk 08 Heiloo Zuid-West",
        "BU03610108": "Bloemwijk en Zocherkwartier",
        "BU03830301": "Beverwijkerstraatweg",
        "BU03990701": "Het Die",
    }
    assert {code: areas[code][1] for code in by_hand} == by_hand
    # no name repeats in this region, so every name is the file's own, unchanged
    assert {r["area_code"]: r["name"] for r in _names_file()} == {
        code: name for code, (level, name) in areas.items() if level != "regio"
    }


def test_a_gemeente_without_names_gets_fallback_names_beside_real_ones():
    # Hoorn (GM0405) is in the RIVM 2020 file but not in the names file of regio Alkmaar
    areas = _areas(REFERENCE, ["GM0399", "GM0405"])
    assert areas["GM0405"] == ("gemeente", "Hoorn")  # the RIVM file's gemeente name
    assert areas["WK040510"] == ("wijk", "Wijk 10 (Hoorn)")
    assert areas["BU04051000"] == ("buurt", "Buurt 00 (BU04051000)")
    assert areas["WK039901"] == ("wijk", "Wijk 01 Blockhovepark")
    hoorn = [name for code, (_, name) in areas.items() if code[2:6] == "0405" and code.startswith(("WK", "BU"))]
    assert hoorn and all(FALLBACK.match(name) for name in hoorn)


def test_a_missing_name_falls_back_and_a_repeated_name_says_where_it_is(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / RIVM_2020).symlink_to(REFERENCE / RIVM_2020)
    rows = [r for r in _names_file() if r["area_code"] != "WK039902"]  # Heiloo Noord-West: no name
    renamed = {"WK038300": "Centrum",  # Castricum; Alkmaar's WK036108 is "Centrum" already
               "BU03990302": "Dorp", "BU03990303": "Dorp"}  # twice in Heiloo (wijk 03)
    with (reference / "names_test.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["area_level", "area_code", "name", "gemeente_code"])
        writer.writeheader()
        writer.writerows({**r, "name": renamed.get(r["area_code"], r["name"])} for r in rows)
    areas = _areas(reference, DEFAULT_REGION)
    assert areas["WK039902"][1] == "Wijk 02 (Heiloo)"
    assert areas["WK036108"][1] == "Centrum (Alkmaar)"
    assert areas["WK038300"][1] == "Centrum (Castricum)"
    assert areas["BU03990302"][1] == "Dorp (BU03990302)"  # the gemeente alone does not tell them apart
    assert areas["BU03990303"][1] == "Dorp (BU03990303)"
    assert areas["WK036101"][1] == "Zuid"  # a name that occurs once stays as it is
    for level in ("buurt", "wijk", "gemeente"):
        names = [name for lvl, name in areas.values() if lvl == level]
        assert len(names) == len(set(names)), level


# --- boundaries ----------------------------------------------------------------------------------------

def test_every_wijk_and_buurt_has_a_boundary_wound_for_d3():
    codes = {r["area_code"] for r in _names_file() if r["area_level"] in ("wijk", "buurt")}
    features = read_features(REFERENCE, codes)
    assert set(features) == codes and len(features) == 34 + 141

    def signed_area(ring):  # shoelace in lon/lat: negative is clockwise, the exterior d3-geo expects
        return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2

    for feature in features.values():
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        assert all(signed_area(polygon[0]) < 0 for polygon in polygons), feature["properties"]


def test_outline_keeps_the_edges_that_only_one_area_has():
    # two unit squares side by side: 4 + 4 edges, the shared one (x = 1) twice -> 6 outer edges
    left = {"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}}
    right = {"geometry": {"type": "Polygon", "coordinates": [[[1, 0], [1, 1], [2, 1], [2, 0], [1, 0]]]}}
    border = outline([left, right], "WK000001")
    edges = {tuple(map(tuple, edge)) for edge in border["geometry"]["coordinates"]}
    assert len(edges) == 6 and ((1, 0), (1, 1)) not in edges
    assert ((0, 0), (0, 1)) in edges and ((1, 1), (2, 1)) in edges


# --- maps in the published report of a small run (Heiloo: 8 wijken, 20 buurten) -------------------------

def _specs(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    return json.loads(text.split('id="chart-specs">', 1)[1].split("</script>", 1)[0].replace("<\\/", "</"))


def _drawn(spec: dict) -> list[str]:
    return [f["properties"]["area_code"] for f in spec["datasets"]["vormen"]]


@pytest.fixture(scope="module")
def published(small_run):
    settings, _, _ = small_run
    return settings.published_dir


@pytest.mark.slow
def test_every_gemeente_page_maps_its_wijken_and_every_wijk_page_its_buurten(published):
    report = published / "report"
    rows = _names_file()
    wijken = {g: {r["area_code"] for r in rows if r["area_level"] == "wijk" and r["gemeente_code"] == g}
              for g in ("GM0399",)}
    buurten = Counter("WK" + r["area_code"][2:8] for r in rows if r["area_level"] == "buurt"
                      and r["gemeente_code"] == "GM0399")
    # by hand from the names file: Heiloo's wijken 01..08 have 1, 2, 4, 2, 4, 4, 1, 2 buurten
    assert [buurten[f"WK0399{i:02d}"] for i in range(1, 9)] == [1, 2, 4, 2, 4, 4, 1, 2]
    with duckdb.connect(str(published / "monitoring.duckdb"), read_only=True) as con:
        parents = dict(con.execute("SELECT area_code, parent_code FROM areas").fetchall())
    for gemeente, codes in wijken.items():
        spec = _specs(report / f"gemeente_{gemeente}.html")["map"]
        assert sorted(_drawn(spec)) == sorted(codes) and len(codes) == 8
        assert [f["properties"]["area_code"] for f in spec["datasets"]["omtrek"]] == [gemeente]
    region = _specs(report / "index.html")["map"]
    assert sorted(_drawn(region)) == sorted(wijken["GM0399"])
    for wijk, n in buurten.items():
        spec = _specs(report / f"wijk_{wijk}.html")["map"]
        drawn = _drawn(spec)
        assert len(drawn) == n, wijk
        assert {parents[code] for code in drawn} == {wijk}  # the published hierarchy agrees
        assert [f["properties"]["area_code"] for f in spec["datasets"]["omtrek"]] == [wijk]


@pytest.mark.slow
def test_map_values_are_the_published_totals_and_suppressed_cells_stay_empty(published):
    with duckdb.connect(str(published / "monitoring.duckdb"), read_only=True) as con:
        cells = {
            (i, a): (v, s) for i, a, v, s in con.execute(
                """SELECT indicator_id, area_code, value, suppressed FROM indicator_values
                   WHERE stratum = 'totaal' AND area_level = 'buurt'
                     AND period = (SELECT max(period) FROM indicator_values)"""
            ).fetchall()
        }
    shown = suppressed = 0
    for page in sorted((published / "report").glob("wijk_*.html")):
        spec = _specs(page)["map"]
        assert len(spec["datasets"]["waarden"]) == len(spec["params"][0]["bind"]["options"]) * len(_drawn(spec))
        for row in spec["datasets"]["waarden"]:
            value, is_suppressed = cells.get((row["indicator_id"], row["area_code"]), (None, None))
            if is_suppressed:
                assert row["value"] is None and row["label"] == "onderdrukt"
                suppressed += 1
            elif value is not None:
                assert row["value"] == pytest.approx(value)
                shown += 1
    assert shown > 0 and suppressed > 0  # both kinds occur at this scale


# --- the map drawn in headless Chromium -------------------------------------------------------------------

HARNESS = """<!doctype html><html><body style="margin:0">
<iframe id="f" src="{src}" style="width:{width}px;height:1200px;border:0"></iframe>
<script>
function check() {{
  var d = document.getElementById("f").contentDocument;
  if (!d || !d.body || !d.body.hasAttribute("data-charts-drawn")) {{ setTimeout(check, 50); return; }}
  var map = d.getElementById("map"), svg = map.querySelector("svg");
  var title = map.querySelector(".role-legend-title text"), lines = title ? title.querySelectorAll("tspan") : [];
  var areas = map.querySelectorAll(".layer_0_marks path").length;
  document.body.setAttribute("data-result", JSON.stringify({{
    viewport: d.defaultView.innerWidth, card: d.getElementById("kaart").clientWidth, svg: svg ? +svg.getAttribute("width") : 0,
    title: lines.length ? Array.from(lines).map(function (l) {{ return l.textContent; }}).join(" ")
                        : (title ? title.textContent : ""), areas: areas, select: map.querySelectorAll("select option").length
  }}));
}}
check();
</script></body></html>"""


def _measure(page: Path, width: int, tmp_path: Path) -> dict:
    """The map of `page` drawn in an iframe `width` px wide (headless Chromium keeps a window >= 500 px)."""
    harness = tmp_path / f"harness_{page.stem}_{width}.html"
    harness.write_text(HARNESS.format(src=page.as_uri(), width=width), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files",
             "--window-size=1500,1300", "--virtual-time-budget=10000", "--dump-dom", harness.as_uri()]
    result = subprocess.run([str(CHROMIUM), *flags], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'data-result="([^"]*)"', result.stdout)
    assert found, "the page did not finish drawing its charts"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="/usr/bin/chromium is not installed here (apt-get install chromium); CI installs it",
)
def test_maps_draw_every_area_with_indicator_and_unit_in_the_legend_and_fit_a_phone(published, tmp_path):
    report = published / "report"
    with duckdb.connect(str(published / "monitoring.duckdb"), read_only=True) as con:
        units = dict(con.execute("SELECT indicator_id, unit FROM indicator_catalogue").fetchall())
    for page, n_areas in (("gemeente_GM0399.html", 8), ("wijk_WK039903.html", 4)):  # 4 buurten: by hand
        choice = _specs(report / page)["map"]["params"][0]
        first = choice["bind"]["labels"][0]  # the indicator the map opens on
        for width in (1400, 420):
            drawn = _measure(report / page, width, tmp_path)
            assert drawn["viewport"] == width
            assert drawn["areas"] == n_areas, (page, drawn)
            assert drawn["select"] == len(choice["bind"]["options"]) > 1
            assert drawn["title"] == first, drawn  # the legend names the indicator ...
            assert drawn["title"].endswith(f"({units[choice['value']]})"), drawn  # ... and its unit
            assert 0 < drawn["svg"] <= drawn["card"] < width, (page, width, drawn)  # fits its card
