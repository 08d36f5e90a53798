"""The README's screenshots of the steering-group report, taken in headless Chromium (`make screenshots`).

    python -m tests.screenshots [REPORT_DIR] [OUT_DIR]      (defaults: data/published/report, docs/img)

Writes report_region.png (the top of the region page: key figures and the scorecard) and report_wijk_map.png
(the #kaart section of a wijk page, under the page header). The report folder is copied to a temporary folder
first: the published folder is never written to.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from tests.browser import page_size, screenshot

WIDTH = 1280
REGION_HEIGHT = 1500
# Only the page header and the map section of a wijk page: the rest of the page is hidden in the copy.
MAP_ONLY = """<style>
main > section:not(#kaart), nav.toc, footer { display: none !important; }
main > section#kaart { margin-top: 14px; }
</style>
</head>"""
MAP_HEIGHT = 1400  # at most


def wijk_page_with_map(report: Path) -> Path:
    """The first wijk page (by code) that has a map section."""
    for page in sorted(report.glob("wijk_*.html")):
        if re.search(r'<section id="kaart"', page.read_text(encoding="utf-8")):
            return page
    raise SystemExit(f"no wijk page in {report} has a map section (#kaart)")


def take(report: Path, out: Path) -> list[Path]:
    """Both screenshots of the report in `report`, written into `out`."""
    if not (report / "index.html").is_file():
        raise SystemExit(f"{report}/index.html not found: run `make run` (or `phm report`) first")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "report"
        shutil.copytree(report, copy)
        region = screenshot(copy / "index.html", out / "report_region.png", WIDTH, REGION_HEIGHT)
        wijk = wijk_page_with_map(copy)
        only_map = wijk.with_name(f"_map_{wijk.name}")
        only_map.write_text(wijk.read_text(encoding="utf-8").replace("</head>", MAP_ONLY, 1), encoding="utf-8")
        _, height, _ = page_size(only_map, WIDTH)  # as tall as the header and the map section
        shot = screenshot(only_map, out / "report_wijk_map.png", WIDTH, min(height + 16, MAP_HEIGHT))
    return [region, shot]


def main(argv: list[str]) -> None:
    report = Path(argv[0]) if argv else Path("data/published/report")
    out = Path(argv[1]) if len(argv) > 1 else Path("docs/img")
    for path in take(report, out):
        print(f"{path} ({path.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main(sys.argv[1:])
