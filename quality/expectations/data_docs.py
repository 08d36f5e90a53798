"""Make the GX Data Docs site readable offline and free of the GX tracking image.

GX's index.html fills its tables with JavaScript from CDNs, so offline it is empty; we put a plain HTML
summary of this run's suites at its top, linking to the validation pages, which are static HTML. Every
GX page also loads its logo from a GX server with the context id in the URL; we point it at the copy in
`static/images/` so opening the published docs contacts nobody.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path

from quality.outcomes import CheckOutcome

TRACKING_IMAGE = re.compile(r"https://great-expectations-web-assets\.[^\"'?]*/([\w.-]+)(\?[^\"']*)?")
SUMMARY_STYLE = (
    "#phm-summary{font-family:sans-serif;margin:1em 2em}#phm-summary table{border-collapse:collapse}"
    "#phm-summary td,#phm-summary th{border:1px solid #bbb;padding:.3em .6em;text-align:left;"
    "vertical-align:top}#phm-summary .failed{color:#a00;font-weight:bold}#phm-summary .passed{color:#070}"
)
SUMMARY_HEADER = ("<tr><th>suite</th><th>table</th><th>status</th><th>severity</th><th>Kahn category</th>"
                  "<th>observed</th><th>message</th><th>pages</th></tr>")


SITE_ENTRIES = {"index.html", "static", "expectations", "validations"}


def check_site_dir(site_dir: Path) -> None:
    """Refuse a folder that holds more than a Data Docs site: GX's clean-up would delete everything in it."""
    if not site_dir.exists():
        return
    foreign = sorted(p.name for p in site_dir.iterdir() if p.name not in SITE_ENTRIES)
    if foreign:
        raise ValueError(f"{site_dir} is not a Data Docs folder (it holds {', '.join(foreign[:5])}); "
                         "give the expectation suites a folder of their own")


def make_offline(site_dir: Path, outcomes: Iterable[CheckOutcome]) -> None:
    """Point every page's logo at the local copy and put a static run summary at the top of index.html."""
    for page in site_dir.rglob("*.html"):
        depth = len(page.relative_to(site_dir).parts) - 1
        text = page.read_text(encoding="utf-8")
        local = TRACKING_IMAGE.sub(lambda m, d=depth: "../" * d + "static/images/" + m.group(1), text)
        if local != text:
            page.write_text(local, encoding="utf-8")
    index = site_dir / "index.html"
    text = index.read_text(encoding="utf-8") if index.exists() else "<html><body></body></html>"
    body = re.search(r"<body[^>]*>", text)
    at = body.end() if body else 0
    index.write_text(text[:at] + summary_html(site_dir, list(outcomes)) + text[at:], encoding="utf-8")


def summary_html(site_dir: Path, outcomes: list[CheckOutcome]) -> str:
    """A table of this run's suites that needs neither JavaScript nor a network."""
    rows = []
    for o in outcomes:
        suite = o.check_name.removeprefix("gx_")
        pages = {"validation": next(iter(sorted((site_dir / "validations" / suite).rglob("*.html"))), None),
                 "expectations": site_dir / "expectations" / f"{suite}.html"}
        links = " ".join(f'<a href="{html.escape(page.relative_to(site_dir).as_posix())}">{label}</a>'
                         for label, page in pages.items() if page is not None and page.exists())
        cells = [html.escape(v) for v in (suite, o.asset)] + [
            f'<span class="{o.status}">{o.status}</span>', o.severity, o.kahn_category,
            html.escape(o.observed), html.escape(o.message), links]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f'<section id="phm-summary"><style>{SUMMARY_STYLE}</style>'
            f"<h2>Data quality: the expectation suites of this run</h2><table>{SUMMARY_HEADER}{''.join(rows)}"
            "</table><p>A failed <em>error</em> suite blocks publication; a failed <em>warn</em> suite is "
            "reported. The interactive tables below need a network connection.</p></section>")


def remove_empty_folders(site_dir: Path) -> None:
    """GX's clean-up removes pages but leaves their folders; drop the empty ones, deepest first."""
    folders = sorted((p for p in site_dir.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True)
    for folder in folders:
        if not any(folder.iterdir()):
            folder.rmdir()
