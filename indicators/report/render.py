"""Render the Dutch report (index, a page per gemeente and per wijk) from the published file only."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import duckdb
import polars as pl

from indicators.report import charts, queries

CAVEAT = "Monitoring laat samenhang zien, geen bewijs van effect."
CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f4e79;color:#fff;padding:16px 28px}header a{color:#cfe3ff}
main{padding:16px 28px;max-width:1200px}section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;
padding:12px 18px;margin:14px 0}h2{margin-top:4px}table{border-collapse:collapse;width:100%;font-size:14px}
td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}td.num{text-align:right;white-space:nowrap}
.beter{color:#1a7f37;font-weight:600}.slechter{color:#b42318;font-weight:600}.muted{color:#777}
.onderdrukt{color:#777;font-style:italic}.grid{display:flex;flex-wrap:wrap;gap:18px}nav a{margin-right:10px}
.caveat{background:#fff6e0;border-left:4px solid #e0a800;padding:8px 12px}
"""


def nl(value: float | None, decimals: int = 1) -> str:
    """A number the Dutch way: 1.234,5."""
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _verdict_cell(comparison: str | None, direction: str) -> str:
    if comparison in (None, "geen_verschil"):
        return "<span class='muted'>geen verschil</span>" if comparison else ""
    good = (comparison == "lager") == (direction == "lower_better") if direction != "neutral" else None
    css = "" if good is None else ("beter" if good else "slechter")
    arrow = "▲" if comparison == "hoger" else "▼"
    return f"<span class='{css}'>{arrow} {comparison}</span>"


def scorecard_html(frame: pl.DataFrame, area_code: str, period: int) -> str:
    rows = []
    for aim, group in frame.group_by("aim", maintain_order=True):
        rows.append(f"<tr><th colspan='4'>{html.escape(queries.AIM_LABELS.get(aim[0], aim[0]))}</th></tr>")
        for r in group.iter_rows(named=True):  # one table row per indicator: rendering, not computation
            if r["suppressed"] or r["value"] is None:
                value = "<span class='onderdrukt'>onderdrukt</span>"
                raw = "suppressed"
                interval = ""
            else:
                value, raw = f"{nl(r['value'])} <span class='muted'>{html.escape(r['unit'])}</span>", repr(r["value"])
                interval = f"{nl(r['ci_low'])} – {nl(r['ci_high'])}" if r["ci_low"] is not None else ""
            rows.append(
                f"<tr data-indicator='{r['indicator_id']}' data-area='{area_code}' data-period='{period}' "
                f"data-value='{raw}'><td>{html.escape(r['name_nl'])}</td><td class='num'>{value}</td>"
                f"<td class='num muted'>{interval}</td><td>{_verdict_cell(r['comparison'], r['direction'])}</td></tr>")
    return ("<table id='scorecard'><tr><th>indicator</th><th>waarde</th><th>95%-interval</th>"
            "<th>t.o.v. regio</th></tr>" + "".join(rows) + "</table>")


def evaluation_html(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return "<p class='muted'>Geen evaluaties.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(r['intervention_id'])}</td><td>{html.escape(r['method'])}</td>"
        f"<td class='num'>{nl(r['estimate'])}</td><td class='num'>{nl(r['ci_low'])} – {nl(r['ci_high'])}</td>"
        f"<td>{html.escape(r['status'])}{(': ' + html.escape(r['reason'])) if r['reason'] else ''}</td></tr>"
        for r in frame.iter_rows(named=True))
    return ("<table><tr><th>interventie</th><th>methode</th><th>schatting (SEH per 1.000)</th><th>95%-interval</th>"
            f"<th>status</th></tr>{rows}</table><p class='caveat'>{CAVEAT}</p>")


HOW_TO_READ = """<ul>
<li>Waarden gaan over het laatste jaar; het 95%-interval laat zien hoe zeker de schatting is.</li>
<li><b>t.o.v. regio</b>: <span class='beter'>groen</span> is gunstiger, <span class='slechter'>rood</span> ongunstiger
dan de regio, alleen als het interval de regiowaarde niet bevat.</li>
<li><span class='onderdrukt'>onderdrukt</span>: te weinig personen om de waarde veilig te tonen (geen nul!).</li>
<li>Enquête-indicatoren zijn gewogen schattingen; registratie-indicatoren tellen alle inwoners.</li>
<li>Monitoring laat samenhang zien, geen bewijs dat een interventie werkt.</li></ul>"""


def _page(title: str, nav: str, body: str) -> str:
    return (f"<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body><header><h1>{html.escape(title)}</h1><nav>{nav}</nav></header>"
            f"<main>{body}</main></body></html>")


def render_report(published_db: Path, out_dir: Path, geojson_dir: Path | None = None) -> Path:
    """Write index.html plus gemeente_<code>.html and wijk_<code>.html into `out_dir`; returns index.html."""
    staging = out_dir.with_name(f".{out_dir.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        period = queries.latest_period(con)
        areas = queries.areas(con)
        region = areas.filter(pl.col("area_level") == "regio").row(0, named=True)
        counts, finished = queries.quality_verdict(con)
        failed = counts.get(("error", "failed"), 0)
        verdict = (f"Kwaliteitscontrole: {counts.get(('error', 'passed'), 0)} blokkerende controles geslaagd, "
                   f"{failed} mislukt, {counts.get(('warn', 'failed'), 0)} waarschuwing(en). Run van {finished}.")
        gemeenten = areas.filter(pl.col("area_level") == "gemeente")
        nav = "<a href='index.html'>Regio</a>" + "".join(
            f"<a href='gemeente_{g['area_code']}.html'>{html.escape(g['name'])}</a>"
            for g in gemeenten.iter_rows(named=True))
        for area in areas.filter(pl.col("area_level").is_in(["regio", "gemeente", "wijk"])).iter_rows(named=True):
            is_region = area["area_level"] == "regio"
            labels = {"area": area["name"], "region": region["name"]}
            sections = [
                f"<section><p>{html.escape(area['area_level'].capitalize())} met ongeveer "
                f"{nl(area['residents'], 0)} inwoners. Jaar {period}. {verdict}</p></section>",
                f"<section><h2>Scorekaart quintuple aim</h2>"
                f"{scorecard_html(queries.scorecard(con, area['area_code'], period), area['area_code'], period)}"
                "</section>",
                "<section class='grid'><div id='positive-health-chart'><h2>Positieve Gezondheid</h2>"
                + charts.radar(queries.positive_health(con, area["area_code"], region["area_code"], period),
                               area["area_code"], region["area_code"], labels) + "</div>",
            ]
            if area["area_level"] != "wijk":
                sections[-1] += (
                    "<div><h2>Segmenten (PHM-piramide)</h2>"
                    + charts.bars(queries.phm_shares(con, area["area_code"], period, "phm_segment_"), "")
                    + "</div><div><h2>Opstapeling van problemen</h2>"
                    + charts.bars(queries.phm_shares(con, area["area_code"], period, "phm_opstapeling_"), "")
                    + "</div><div><h2>IZA-doelgroepen</h2>"
                    + charts.bars(queries.phm_shares(con, area["area_code"], period, "phm_doelgroep_"), "")
                    + "</div></section>"
                    + f"<section><h2>Trends</h2>{charts.trends(queries.trend_series(con, area['area_code']))}</section>")
            else:
                sections[-1] += "</section>"
            if is_region:
                reach = queries.phm_shares(con, area["area_code"], period, "phm_bereik_")
                sections.append("<section><h2>Interventies: bereik en evaluatie</h2>"
                                 + charts.bars(reach, "") + evaluation_html(queries.evaluation(con)) + "</section>")
                geo = (geojson_dir or Path()) / "alkmaar_GM0361_wijken_2024_pdok.geojson"
                wijken = queries.wijk_values(con, queries.MAP_INDICATOR, period)
                drawn = charts.wijk_map(geo, wijken, "% eenzaam") if geojson_dir else None
                if drawn:
                    sections.append(f"<section id='map'><h2>Kaart: eenzaamheid per wijk (Alkmaar)</h2>{drawn}"
                                    "<p class='muted'>Grijs of ontbrekend: geen grenzen of onderdrukt.</p></section>")
                sections.append(f"<section><h2>Hoe lees je dit rapport?</h2>{HOW_TO_READ}</section>")
            if area["area_level"] == "gemeente":
                wijken = areas.filter(pl.col("parent_code") == area["area_code"])
                sections.append("<section><h2>Wijken</h2>" + " · ".join(
                    f"<a href='wijk_{w['area_code']}.html'>{html.escape(w['name'])}</a>"
                    for w in wijken.iter_rows(named=True)) + "</section>")
            name = "index.html" if is_region else f"{area['area_level']}_{area['area_code']}.html"
            (staging / name).write_text(_page(f"Monitor {area['name']}", nav, "".join(sections)), encoding="utf-8")
    finally:
        con.close()
    old = out_dir.with_name(f".{out_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return out_dir / "index.html"
