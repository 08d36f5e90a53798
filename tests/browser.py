"""Headless Chromium for the report's browser tests and the README screenshots.

Headless Chromium will not make a window narrower than 500 px, so a phone width (420 px) is a frame of that
width in a wrapper page. A probe copy of the page, written beside it (it needs the page's assets/), tells
the wrapper how wide its content is once every chart is drawn (report.js marks body data-charts-drawn);
the wrapper writes that into its title, which --dump-dom returns.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]
PROBE = """<script>
(function () {
  function report() {
    if (!document.body.hasAttribute("data-charts-drawn")) { window.setTimeout(report, 50); return; }
    var root = document.documentElement, widest = root.scrollWidth, culprit = "";
    document.querySelectorAll("main *").forEach(function (el) {
      var right = el.getBoundingClientRect().right;
      if (right > root.clientWidth + 1 && !culprit) { culprit = el.tagName + "#" + el.id + "." + el.className; }
    });
    var tall = Math.ceil(document.body.getBoundingClientRect().height);  // the content, not the frame
    parent.postMessage("scrollHeight=" + tall + " scrollWidth=" + widest + " clientWidth=" +
                       root.clientWidth + " culprit=" + culprit, "*");
  }
  report();
}());
</script>
</body>"""
WRAPPER = """<!doctype html><html><head><meta charset="utf-8"><title>waiting</title></head>
<body style="margin:0"><iframe src="{page}" style="border:0;width:{width}px;height:{height}px"></iframe>
<script>window.addEventListener("message", function (e) {{ document.title = e.data; }});</script></body></html>"""


def run(args: list[str], profile: Path, budget_ms: int = 8000) -> subprocess.CompletedProcess[str]:
    """Chromium with a fresh profile; the virtual time budget lets the charts draw before dump or shot."""
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def framed(page: Path, width: int, height: int, probe: bool) -> Path:
    """A wrapper page beside `page` that shows it in a frame `width` px wide (and a probe copy if asked)."""
    shown = page
    if probe:
        shown = page.with_name(f"_probe_{page.name}")
        shown.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE, 1), encoding="utf-8")
    wrapper = page.with_name(f"_frame{width}_{page.name}")
    wrapper.write_text(WRAPPER.format(page=shown.name, width=width, height=height), encoding="utf-8")
    return wrapper


def page_size(page: Path, width: int) -> tuple[int, int, str]:
    """The content width (scrollWidth) and height of `page` shown `width` px wide, once its charts are drawn,
    and the first element that sticks out on the right (empty if none)."""
    wrapper = framed(page, width, 2000, probe=True)
    with tempfile.TemporaryDirectory() as profile:
        result = run([f"--window-size={max(width, 500) + 100},2000", "--dump-dom", wrapper.as_uri()], Path(profile))
    title = re.search(r"<title>([^<]*)</title>", result.stdout)
    found = re.search(r"scrollHeight=(\d+) scrollWidth=(\d+) clientWidth=\d+ culprit=(.*)", title.group(1) if title else "")
    if not found:
        raise RuntimeError(f"{page.name}: no size reported at {width} px; {result.stderr[-1500:]}")
    return int(found.group(2)), int(found.group(1)), found.group(3)


def page_width(page: Path, width: int = 420) -> tuple[int, str]:
    """The content width of `page` shown `width` px wide (scrollWidth), and the first element sticking out."""
    scroll_width, _, culprit = page_size(page, width)
    return scroll_width, culprit


def screenshot(page: Path, out: Path, width: int, height: int) -> Path:
    """A screenshot of `page` at `width` x `height` (a frame for widths under 500 px)."""
    target = page if width >= 500 else framed(page, width, height, probe=False)
    with tempfile.TemporaryDirectory() as profile:
        result = run([f"--window-size={max(width, 500)},{height}", f"--screenshot={out}", target.as_uri()],
                     Path(profile))
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"screenshot of {page.name} failed: {result.stderr[-1500:]}")
    return out
