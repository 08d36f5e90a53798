"""The quality pages of a publication (published/quality/): static HTML rendered from the GX validation results.

GX's own Data Docs fill their tables with JavaScript and style them with Bootstrap, jQuery, Vega and Font
Awesome from CDNs: offline (where a regional partnership often opens a publication) they are unstyled and
empty. These pages are plain HTML with one inline style sheet: no script, no font, no image, no link that
leaves the folder. An index lists the suites of the run; a page per suite lists every expectation with its
result. Person-level suites show counts only (an offending value would be a pseudonym or a person's data);
aggregate suites name the first offending cells by their key columns.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quality.outcomes import CheckOutcome

# What an earlier version's GX site held too, so a folder of an older publication is recognised and replaced.
SITE_ENTRIES = {"index.html", "suites", "static", "expectations", "validations"}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
main{max-width:1200px;margin:0 auto;padding:1em 1.5em}
h1{font-size:1.5em;margin:.4em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}
p{max-width:60em;line-height:1.45}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;background:#fff;font-size:.9em;min-width:60%}
th,td{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#eef1f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.passed{color:#0a6b2c;font-weight:600}.failed{color:#b00020;font-weight:600}.warn{color:#8a5a00;font-weight:600}
code{font-size:.95em;overflow-wrap:anywhere}.muted{color:#666}
nav a{margin-right:1em}
"""


@dataclass(frozen=True)
class SuiteResult:
    """What a suite's page shows: the suite, its verdict and every expectation's result in GX's JSON form."""

    name: str
    description: str
    asset: str
    rows: int | None
    outcome: CheckOutcome
    results: Sequence[Mapping[str, Any]] = ()
    samples: Mapping[int, list[dict[str, Any]]] = field(default_factory=dict)  # result index -> offending rows
    validated_at: str = ""

    @property
    def met(self) -> int:
        return sum(bool(r.get("success")) for r in self.results)


def check_site_dir(site_dir: Path) -> None:
    """Refuse a folder that holds more than quality pages: writing the site empties the folder first."""
    if not site_dir.exists():
        return
    foreign = sorted(p.name for p in site_dir.iterdir() if p.name not in SITE_ENTRIES)
    if foreign:
        raise ValueError(f"{site_dir} is not a Data Docs folder (it holds {', '.join(foreign[:5])}); "
                         "give the expectation suites a folder of their own")


def write_site(site_dir: Path, suites: Iterable[SuiteResult]) -> Path:
    """Replace the pages in `site_dir` by this run's: index.html and suites/<suite>.html. Returns the index."""
    suites = list(suites)
    check_site_dir(site_dir)
    if site_dir.exists():
        for entry in site_dir.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    (site_dir / "suites").mkdir(parents=True, exist_ok=True)
    for suite in suites:
        (site_dir / "suites" / f"{suite.name}.html").write_text(suite_page(suite), encoding="utf-8")
    index = site_dir / "index.html"
    index.write_text(index_page(suites), encoding="utf-8")
    return index


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>\n")


def _status(outcome: CheckOutcome) -> str:
    css = "passed" if outcome.passed else ("failed" if outcome.severity == "error" else "warn")
    return f'<span class="{css}">{outcome.status}</span>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def index_page(suites: Sequence[SuiteResult]) -> str:
    """The run's suites: verdict, severity, how many expectations were met, and a link to each suite's page."""
    rows = [(f'<a href="suites/{html.escape(s.name)}.html">{html.escape(s.name)}</a>', html.escape(s.asset),
             _status(s.outcome), s.outcome.severity, s.outcome.kahn_category,
             f"{s.met} of {len(s.results)}" if s.results else "-",
             f"{s.rows:,}" if s.rows is not None else "-", html.escape(s.outcome.message))
            for s in suites]
    met = sum(s.met for s in suites)
    total = sum(len(s.results) for s in suites)
    when = next((s.validated_at for s in suites if s.validated_at), "")
    return _page("Data quality: expectation suites", (
        "<h1>Data quality: the expectation suites of this run</h1>"
        f"<p>{len(suites)} Great Expectations suites, {met} of {total} expectations met"
        + (f" (validated {html.escape(when)})" if when else "") + ". "
        "A failed suite of severity <em>error</em> blocks publication; one of severity <em>warn</em> (only "
        "plausibility expectations failed) is reported. Every check of the run, not only these suites, is in "
        "the table <code>quality_results</code> of monitoring.duckdb.</p>"
        + _table(["suite", "table", "status", "severity", "Kahn category", "expectations met", "rows",
                  "message"], rows, numeric={5, 6})))


def suite_page(suite: SuiteResult) -> str:
    """Every expectation of one suite with its result: what was expected, of which rows, and what was found."""
    rows = []
    for i, result in enumerate(suite.results, start=1):
        config = result.get("expectation_config") or {}
        kwargs = config.get("kwargs") or {}
        outcome = result.get("result") or {}
        severity = "error" if config.get("severity") == "critical" else "warn"
        checked = (outcome["element_count"] - (outcome.get("missing_count") or 0)
                   if "element_count" in outcome else None)
        unexpected = outcome.get("unexpected_count")
        observed = outcome.get("observed_value")
        exception = (result.get("exception_info") or {})
        found = ("could not be evaluated: " + str(exception.get("exception_message"))
                 if exception.get("raised_exception") else
                 f"{unexpected:,} unexpected ({outcome.get('unexpected_percent') or 0:.2g} %)"
                 if unexpected is not None else
                 f"observed {observed:.4g}" if isinstance(observed, float) else
                 f"observed {observed}" if observed is not None else "-")
        samples = suite.samples.get(i - 1) or []
        if samples:
            found += "; e.g. " + ", ".join(" ".join(str(v) for v in row.values()) for row in samples)
        name = f"<code>{html.escape(str(config.get('type')))}</code>"
        if config.get("description"):
            name += f'<br><span class="muted">{html.escape(str(config["description"]))}</span>'
        column = kwargs.get("column") or ", ".join(kwargs.get("column_list") or []) or ", ".join(
            str(kwargs[k]) for k in ("column_A", "column_B") if k in kwargs)
        where = condition_text(kwargs["row_condition"]) if kwargs.get("row_condition") else ""
        verdict = ('<span class="passed">met</span>' if result.get("success") else
                   f'<span class="{"failed" if severity == "error" else "warn"}">not met</span>')
        rows.append((str(i), name, html.escape(column), html.escape(where), html.escape(threshold_text(kwargs)),
                     severity, html.escape(str((config.get("meta") or {}).get("kahn_category", "-"))), verdict,
                     f"{checked:,}" if checked is not None else "-", html.escape(found)))
    o = suite.outcome
    summary = (f"<p>{html.escape(suite.description)}</p>" if suite.description else "") + (
        f"<p>Table <code>{html.escape(suite.asset)}</code>"
        + (f", {suite.rows:,} rows" if suite.rows is not None else "")
        + f". Status {_status(o)} (severity {o.severity}, {o.kahn_category}): "
        f"{suite.met} of {len(suite.results)} expectations met.</p>"
        f"<p>{html.escape(o.message)}</p>")
    table = _table(["#", "expectation", "column", "where", "expected", "severity", "Kahn category", "result",
                    "rows checked", "found"], rows, numeric={0, 8}) if rows else ""
    return _page(f"Suite {suite.name}", (
        f'<nav><a href="../index.html">All suites</a></nav><h1>Suite {html.escape(suite.name)}</h1>'
        + summary + table))


def condition_text(condition: Any) -> str:
    """`area_level != 'regio'` for GX's stored form of `Column("area_level") != "regio"`."""
    if isinstance(condition, dict) and {"column", "operator"} <= condition.keys():
        column = condition["column"]
        column = column.get("name") if isinstance(column, dict) else column
        return f"{column} {condition['operator']} {condition.get('parameter')!r}"
    return str(condition)


def threshold_text(kwargs: Mapping[str, Any]) -> str:
    """`0..110`, `in ['M', 'V']`, `mostly 95%`: what an expectation's arguments allow, in a few characters."""
    parts = []
    if "min_value" in kwargs or "max_value" in kwargs:
        low, high = (f"{kwargs[k]:g}" if kwargs.get(k) is not None else ""
                     for k in ("min_value", "max_value"))
        parts.append(f"{'>' if kwargs.get('strict_min') and low else ''}{low}..{high}")
    if "value_set" in kwargs:
        values = list(kwargs["value_set"])
        parts.append(f"in {values}" if len(values) <= 5 else f"in {len(values)} known values")
    if "regex" in kwargs:
        parts.append(kwargs["regex"])
    if kwargs.get("mostly", 1) < 1:
        parts.append(f"mostly {kwargs['mostly']:.0%}")
    return ", ".join(parts) or "-"
