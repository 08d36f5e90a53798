"""Render the Dutch steering-group report (index.html plus a page per gemeente and per wijk) from the
published monitoring.duckdb only.

The file is opened read-only, read in one pass (queries.read_published) and closed before any HTML is
written. Charts are Vega-Lite specs drawn in the browser by the Vega builds vendored in assets/, copied
next to the pages, so the report opens offline. The folder is swapped in whole: a reader never sees a
half-written report.
"""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import duckdb
import polars as pl

from indicators.report import boundaries, charts, maps, queries, sections
from indicators.report.labels import CAVEAT, LEVELS, PH_DIMENSIONS, SEGMENTS, SUPPRESSED, nl_date
from indicators.report.payment import payment_section
from indicators.report.scorecard import scorecard_rows, scorecard_table

PACKAGE = Path(__file__).parent
ASSETS = PACKAGE / "assets"
TEMPLATES = PACKAGE / "templates"
Area = dict[str, Any]  # one row of the published `areas` table
SCRIPTS = ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "report.js"]


@dataclass
class Page:
    """One HTML page being assembled: its sections in order and the chart specs they reference."""

    sections: list[tuple[str, str, str]] = field(default_factory=list)  # (id, title, html)
    specs: dict[str, charts.Spec] = field(default_factory=dict)

    def chart(self, element_id: str, spec: charts.Spec | None, empty: str, kind: str = "") -> str:
        """A container the browser draws `spec` into, or the `empty` note when there is nothing to draw.

        `kind` is an extra css class: a radar takes its height from its width (report.css)."""
        if spec is None:
            return f'<p class="note">{html.escape(empty)}</p>'
        self.specs[element_id] = spec
        return f'<div id="{element_id}" class="{" ".join(["chart", kind]).strip()}" role="img"></div>'

    def add(self, section_id: str, title: str, body: str) -> None:
        self.sections.append((section_id, title, body))


@dataclass(frozen=True)
class Region:
    """The published data with lookups every page needs."""

    data: queries.Published
    areas: pl.DataFrame  # with href for areas that have a page
    region: Area  # the row of the region in `areas`
    names: dict[str, str]
    features: dict[str, boundaries.Feature]  # area_code -> boundary, every level
    scorecard: pl.DataFrame  # scorecard_rows: every cell of every page, formatted once
    phm: dict[str, pl.DataFrame]  # per area_code
    equity: dict[str, str]  # section html per area_code
    trend_points: dict[str, pl.DataFrame]  # charts.trend_points: per key indicator, formatted once
    quality_sentence: str
    quality_css: str


def _href(level: pl.Expr, code: pl.Expr) -> pl.Expr:
    return (
        pl.when(level == "regio")
        .then(pl.lit("index.html"))
        .when(level.is_in(["gemeente", "wijk"]))
        .then(pl.concat_str([level, pl.lit("_"), code, pl.lit(".html")]))
        .otherwise(None)
    )


def _phm(region: Region, area_code: str, kind: str) -> pl.DataFrame:
    own = region.phm.get(area_code)
    return region.data.phm.clear() if own is None else own.filter(pl.col("kind") == kind)


def _short_names(frame: pl.DataFrame) -> pl.DataFrame:
    """Bar labels without the 'Doelgroep' / 'Bereik van' prefix every bar would repeat."""
    short = (
        pl.col("name_nl")
        .str.strip_prefix("Doelgroep ")
        .str.strip_prefix("Bereik van ")
        .str.replace(r"\s+in de (doelgroep|interventiebuurten)\b.*$", "")
    )
    return frame.with_columns(
        full_name=pl.col("name_nl"),
        name_nl=short.str.replace(r"\s*\(.*\)$", ""),
        definition=short.str.extract(r"\((.*)\)$", 1),
    )


def _definitions(groups: pl.DataFrame) -> str:
    """The definition in brackets of each target group, left out of its bar label to keep that short."""
    defined = groups.filter(pl.col("definition").is_not_null())
    if defined.is_empty():
        return ""
    items = defined.select(
        pl.concat_str([pl.col("name_nl"), pl.lit(": "), pl.col("definition")]).alias("d")
    )["d"].to_list()
    return '<p class="note">' + html.escape("; ".join(items)) + ".</p>"


def _facts(region: Region, area: Area, children: pl.DataFrame) -> str:
    items = [
        ("inwoners", sections.residents_fact(area["residents"])),
        ("laatste jaar met gegevens", str(region.data.period)),
    ]
    if area["area_level"] == "regio":
        items.append(("gemeenten", str(children.height)))
        items.append(("wijken", str(region.areas.filter(pl.col("area_level") == "wijk").height)))
    elif area["area_level"] == "gemeente":
        items.append(("wijken", str(children.height)))
    else:
        items.append(("gemeente", region.names.get(area["gemeente_code"] or "", "onbekend")))
    return (
        sections.facts(items) + f'<p class="verdict {region.quality_css}">'
        f"Datakwaliteit: {html.escape(region.quality_sentence)} "
        '<a href="index.html#datakwaliteit">Details</a></p>'
        + sections.incomplete_notice(region.data.incomplete_sources)
    )


def _series(region: Region, area: Area) -> dict[str, str]:
    """Areas drawn against each other: the page's own area, its gemeente (for a wijk) and the region."""
    code, level = area["area_code"], area["area_level"]
    if level == "regio":
        gemeenten = region.areas.filter(pl.col("area_level") == "gemeente")
        return {code: region.names[code], **dict(zip(gemeenten["area_code"], gemeenten["name"], strict=True))}
    series = {code: region.names[code]}
    if level == "wijk" and area["gemeente_code"] in region.names:
        series[area["gemeente_code"]] = region.names[area["gemeente_code"]]
    series[region.region["area_code"]] = region.names[region.region["area_code"]]
    return series


def _legend(series: dict[str, str], region_label: str) -> str:
    """The colour of each area, once above a set of small charts (the charts themselves carry none)."""
    colours = charts.series_colours(list(series.values()), region_label)
    return '<p class="legend">' + "".join(
        f'<span><i style="background:{c}"{" class=dashed" if n == region_label else ""}></i>'
        f"{html.escape(n)}</span>"
        for n, c in zip(series.values(), colours, strict=True)
    ) + "</p>"


def _positive_health(page: Page, region: Region, area: Area, series: dict[str, str]) -> str:
    """The radar of the area against at most two others (its gemeente, the region); the region page draws a
    small radar per gemeente against the region, as five overlapping polygons cannot be read."""
    region_code, region_label = region.region["area_code"], region.names[region.region["area_code"]]
    profile = region.data.positive_health.filter(pl.col("area_code").is_in(list(series)))
    empty = "Geen Positieve Gezondheid gepubliceerd voor dit gebied."
    if area["area_level"] == "regio":
        drawn = "".join(
            f'<figure class="small"><figcaption>{html.escape(name)}</figcaption>'
            + page.chart(
                f"positive-health-chart-{code}",
                charts.radar(profile, {code: name, region_code: region_label}, region_label),
                "Geen Positieve Gezondheid gepubliceerd.",
                "radar",
            )
            + "</figure>"
            for code, name in series.items()
            if code != region_code  # a handful of gemeenten
        )
        chart = f'<div class="smalls">{drawn}</div>' if drawn else f'<p class="note">{empty}</p>'
        caption = "Iedere gemeente (doorgetrokken lijn) tegen de regio (stippellijn)."
    else:
        chart = page.chart("positive-health-chart", charts.radar(profile, series, region_label), empty, "radar")
        caption = "De regio is de stippellijn."
    hidden = profile.filter((pl.col("area_code") == area["area_code"]) & pl.col("suppressed"))["dimension"]
    note = (
        f'<p class="note">{SUPPRESSED} voor {html.escape(area["name"])}: '
        + ", ".join(PH_DIMENSIONS.get(d, d) for d in hidden)
        + " (privacy van respondenten).</p>"
        if hidden.len()
        else ""
    )
    table = (
        sections.profile(profile, series, PH_DIMENSIONS)
        + note
        + '<p class="note">Gemiddelde score (0–10) die volwassen respondenten zichzelf geven op de zes '
        "dimensies van Positieve Gezondheid; in de grafiek is verder naar buiten beter.</p>"
    )
    drawn = chart + f'<p class="note">{caption}</p>'
    if area["area_level"] == "regio":  # the small radars take the width, the numbers follow
        return drawn + table
    return f'<div class="grid"><div>{drawn}</div><div>{table}</div></div>'



def _population(page: Page, region: Region, area: Area) -> str:
    code = area["area_code"]
    # the page's wijken (all of them on the region page) against the region as a reference line;
    # a wijk page compares the wijk with its gemeente and the region
    wijken = region.areas.filter(pl.col("area_level") == "wijk")
    if area["area_level"] != "regio":
        wijken = wijken.filter(pl.col("parent_code") == code)
    shown = list(_series(region, area)) if area["area_level"] == "wijk" else wijken["area_code"].to_list()
    spread = region.data.phm.filter(pl.col("kind") == "opstapeling").with_columns(
        gebied=pl.col("area_code").replace_strict(region.names, default=pl.col("area_code"))
    )
    reference = spread.filter(pl.col("area_code") == region.region["area_code"])
    spread = spread.filter(pl.col("area_code").is_in(shown))
    where = {
        "regio": "per wijk in de regio",
        "gemeente": "per wijk in de gemeente",
        "wijk": "wijk, gemeente en regio",
    }
    return (
        '<div class="grid"><div><h3>Segmenten (PHM-piramide)</h3>'
        + page.chart(
            "segment-chart", charts.pyramid(_phm(region, code, "segment")), "Geen segmenten gepubliceerd."
        )
        + '<p class="note">Aandeel inwoners per segment; ieder inwoner valt in precies één segment.</p>'
        "<h3>Doelgroepen (IZA)</h3>"
        + page.chart(
            "target-group-chart",
            charts.bars(_short_names(_phm(region, code, "doelgroep")), "% van de inwoners"),
            "Geen doelgroepen gepubliceerd.",
        )
        + _definitions(_short_names(_phm(region, code, "doelgroep")))
        + f"</div><div><h3>Opstapeling van problemen, {where[area['area_level']]}</h3>"
        + page.chart(
            "accumulation-chart", charts.accumulation(spread, reference), "Geen opstapeling gepubliceerd."
        )
        + '<p class="note">Aandeel inwoners met problemen in 2 of meer en in 3 of meer domeinen; de '
        "stippellijnen zijn de regio. Opstapeling zit in buurten en wijken en valt weg in een "
        "regiogemiddelde. Onderdrukte wijken ontbreken.</p></div></div>"
    )


def _trends(page: Page, region: Region, series: dict[str, str]) -> str:
    """A small chart per key indicator: every area's line with its 95% interval, the y-axis from 0."""
    catalogue = region.data.catalogue.select("indicator_id", "name_nl", "unit")
    region_label = region.names[region.region["area_code"]]
    titles = catalogue.filter(pl.col("indicator_id").is_in(region.data.key_indicators)).with_columns(
        titel=pl.when(
            pl.col("unit").is_in(["score", ""])
            | pl.col("unit").str.starts_with("per ")
            | pl.col("name_nl").str.contains(pl.col("unit"), literal=True)
        )
        .then(pl.col("name_nl"))
        .otherwise(pl.concat_str([pl.col("name_nl"), pl.lit(" ("), pl.col("unit"), pl.lit(")")]))
    )
    info = {r["indicator_id"]: r for r in titles.iter_rows(named=True)}  # a handful of key indicators
    figures = []
    for indicator in region.data.key_indicators:
        if indicator not in info or indicator not in region.trend_points:
            continue
        spec = charts.trend(region.trend_points[indicator], series, region_label, info[indicator]["unit"])
        if spec is not None:
            figures.append(
                f'<figure class="small"><figcaption>{html.escape(info[indicator]["titel"])}</figcaption>'
                + page.chart(f"trend-{indicator}", spec, "")
                + sections.money_change(_money_rows(region, indicator, series), series)
                + "</figure>"
            )
    if not figures:
        return '<p class="note">Nog geen reeks over meerdere jaren.</p>'
    return (
        _legend(series, region_label)
        + f'<div class="smalls trends">{"".join(figures)}</div>'
        + '<p class="note">Kernindicator per doel over de jaren. Het streepje bij elk punt is het 95%-interval; '
        "de verticale as begint bij 0 (scores op hun schaal van 0 tot 10). Onderdrukte jaren ontbreken in de "
        "lijn.</p>"
    )


def _money_rows(region: Region, indicator: str, series: dict[str, str]) -> pl.DataFrame | None:
    """The whole-period change of a money indicator for the areas drawn (None: not money, or no change_real)."""
    changes = region.data.money_changes
    if changes is None:
        return None
    return changes.filter((pl.col("indicator_id") == indicator) & pl.col("area_code").is_in(list(series)))


def _ledger(page: Page, region: Region, area: Area) -> str:
    """Wie betaalt wat, voor wie: the stacked bars per segment and payer and the top-5 % shares per payer."""
    code = area["area_code"]
    own = region.data.ledger.filter(pl.col("area_code") == code).with_columns(
        group=pl.when(pl.col("population_group") == "totaal").then(pl.lit("Alle inwoners"))
        .otherwise(pl.col("group_value").replace_strict(SEGMENTS, default=pl.col("group_value"))))
    # totaal first, then the segments in the order of the pyramid's labels
    rank = {name: i for i, name in enumerate(["Alle inwoners", *SEGMENTS.values()])}
    own = own.with_columns(_rank=pl.col("group").replace_strict(rank, default=99)).sort("_rank", "payer")
    chart = page.chart(f"ledger-{code}", charts.ledger(own), "Geen kosten gepubliceerd voor dit gebied.")
    top = region.data.top_shares.filter(pl.col("area_code") == code) if region.data.top_shares is not None else None
    return chart + sections.LEDGER_NOTE + (sections.ledger(top) if top is not None else "")


def _interventions(page: Page, region: Region, area: Area) -> str:
    reach = _short_names(_phm(region, area["area_code"], "bereik"))
    body = "<h3>Bereik</h3>" + page.chart(
        "reach-chart",
        charts.bars(reach, "% van de doelgroep bereikt"),
        "Geen bereikcijfers gepubliceerd voor dit gebied.",
    )
    evaluation = region.data.evaluation
    if area["area_level"] == "regio" and evaluation is not None:
        names = dict(
            zip(region.data.catalogue["indicator_id"], region.data.catalogue["name_nl"], strict=True)
        )
        names |= {
            i.removeprefix("phm_bereik_"): n.removeprefix("Bereik van ").split(" in de doelgroep")[0]
            for i, n in names.items()
            if i.startswith("phm_bereik_")
        }
        body += (
            sections.evaluation(evaluation, names) or '<p class="note">Nog geen evaluaties gepubliceerd.</p>'
        )
    elif evaluation is not None:
        body += (
            '<p class="note">De evaluatie van interventies staat op de <a href="index.html#interventies">'
            "regiopagina</a>.</p>"
        )
    return body + f'<p class="caveat">{CAVEAT}</p>'


def _map(page: Page, region: Region, area: Area) -> tuple[str, str] | None:
    """Title and body of the page's map: the wijken of the region or gemeente, or the buurten of a wijk.

    The border of the areas one level up (the gemeenten, the gemeente, the wijk) is drawn on top.
    """
    level, code = area["area_level"], area["area_code"]
    drawn_level = "buurt" if level == "wijk" else "wijk"
    areas = region.areas.filter(pl.col("area_level") == drawn_level)
    if level != "regio":
        areas = areas.filter(pl.col("parent_code") == code)
    drawn = areas.filter(pl.col("area_code").is_in(list(region.features)))
    features = [region.features[c] for c in drawn["area_code"]]
    borders = [  # one for a gemeente or wijk page, one per gemeente on the region's
        boundaries.outline([region.features[c] for c in part["area_code"]], parent)
        for (parent,), part in drawn.partition_by("gemeente_code" if level == "regio" else "parent_code",
                                                  as_dict=True).items()
    ]
    outline = [b for b in borders if b is not None]
    catalogue = region.data.catalogue.filter(pl.col("indicator_id").is_in(region.data.map_indicators))
    options = {
        i: maps.legend_title(n, u)
        for i, n, u in catalogue.select("indicator_id", "name_nl", "unit").iter_rows()  # a handful
    }
    options = {i: options[i] for i in region.data.map_indicators if i in options}
    values = region.data.map_values.join(catalogue.select("indicator_id", "unit"), on="indicator_id")
    spec = maps.choropleth(features, outline, values, region.names, options, drawn_level)
    if spec is None:
        return None
    plural = "buurten" if drawn_level == "buurt" else "wijken"
    missing = (
        f" {areas.height - drawn.height} van de {areas.height} {plural} hebben geen grenzen en ontbreken."
        if drawn.height < areas.height
        else ""
    )
    return f"Kaart van de {plural}", (
        page.chart("map", spec, "")
        + f'<p class="note">Kies de indicator onder de kaart; donkerder is een hogere waarde. Grijs: '
        f"{SUPPRESSED} (te weinig inwoners of respondenten, of een onvolledige bron) of geen "
        f"waarde.{missing}</p>"
    )


def _area_links(region: Region, area: Area, children: pl.DataFrame) -> str:
    if area["area_level"] != "regio":
        return sections.links(children.filter(pl.col("href").is_not_null()))
    wijken = region.areas.filter(pl.col("area_level") == "wijk")
    parts = []
    for g in children.iter_rows(named=True):  # a handful of gemeenten
        own = wijken.filter(pl.col("gemeente_code") == g["area_code"])
        parts.append(f'<h3><a href="{g["href"]}">{html.escape(g["name"])}</a></h3>{sections.links(own)}')
    return "".join(parts)


def _page(region: Region, area: Area, template: Template, css: str, how_to_read: str) -> tuple[str, str]:
    """File name and HTML of one area's page."""
    code, level = area["area_code"], area["area_level"]
    page = Page()
    children = region.areas.filter((pl.col("parent_code") == code) & pl.col("href").is_not_null())
    series = _series(region, area)
    data = region.data
    page.add("kerncijfers", "Kerncijfers", _facts(region, area, children))
    page.add(
        "scorekaart",
        "Scorekaart quintuple aim",
        '<p class="note">Laatste jaar, alle inwoners (totaal). Pijl: opvallend verschil met de regio '
        "(buiten de 99,8%-controlegrens); groen gunstig, rood ongunstig.</p>" + scorecard_table(region.scorecard, series),
    )
    page.add("positieve-gezondheid", "Positieve Gezondheid", _positive_health(page, region, area, series))
    if not data.phm.filter(pl.col("kind").is_in(["segment", "opstapeling", "doelgroep"])).is_empty():
        page.add("populatie", "Segmenten, opstapeling en doelgroepen", _population(page, region, area))
    page.add("trends", "Trends", _trends(page, region, series))
    if level == "wijk" and data.small_area is not None and data.small_area.height:  # indicators/small_area.py
        own = data.small_area.filter((pl.col("area_code") == code) | (pl.col("parent_code") == code))
        page.add("modelschattingen", "Modelschattingen enquête: wijk en buurten", sections.small_area(own))
    if level in ("gemeente", "regio") and data.ledger is not None and not data.ledger.is_empty():
        page.add("wie-betaalt", "Wie betaalt wat, voor wie", _ledger(page, region, area))
    page.add("interventies", "Interventies: bereik en evaluatie", _interventions(page, region, area))
    if data.equity_gaps is not None:
        page.add(
            "gezondheidsverschillen",
            "Gezondheidsverschillen naar inkomen",
            region.equity.get(
                code, '<p class="note">Geen inkomensverschillen gepubliceerd voor dit gebied.</p>'
            ),
        )
    if level == "regio" and data.payment is not None:  # indicators/report/payment.py says why here
        page.add("bekostiging", "Bekostiging: wie betaalt, wie wint", payment_section(data.payment, region.names))
    drawn = _map(page, region, area)
    if drawn:
        page.add("kaart", *drawn)
    if level == "regio":
        page.add(
            "datakwaliteit",
            "Datakwaliteit",
            sections.quality(
                data.quality_counts, data.quality_failures, data.finished_at, data.run_id, data.code_version
            ),
        )
    if not children.is_empty():
        page.add(
            "gebieden",
            "Gemeenten en wijken" if level == "regio" else "Wijken",
            _area_links(region, area, children),
        )

    toc = "".join(f'<a href="#{sid}">{html.escape(title)}</a>' for sid, title, _ in page.sections)
    toc += '<a href="index.html#hoe-lees-je">Hoe lees je dit rapport?</a>'
    body = "".join(sections.card(sid, title, content) for sid, title, content in page.sections)
    if level == "regio":
        body += how_to_read
    gemeenten = region.areas.filter(pl.col("area_level") == "gemeente")
    here = code if level != "wijk" else area["gemeente_code"]
    nav = f'<a href="index.html"{" class=here" if level == "regio" else ""}>Regio</a>' + "".join(
        f'<a href="{g["href"]}"{" class=here" if g["area_code"] == here else ""}>{html.escape(g["name"])}</a>'
        for g in gemeenten.iter_rows(named=True)
    )
    crumbs = [f'<a href="index.html">{html.escape(region.region["name"])}</a>']
    if level == "wijk" and area["gemeente_code"] in region.names:
        crumbs.append(
            f'<a href="gemeente_{area["gemeente_code"]}.html">'
            f"{html.escape(region.names[area['gemeente_code']])}</a>"
        )
    meta = (
        f"{LEVELS.get(level, level)} · {sections.residents_fact(area['residents'])} inwoners · gegevens tot en "
        f"met {data.period}, gepubliceerd op {nl_date(data.finished_at)}"
    )
    specs = json.dumps(page.specs, ensure_ascii=False, separators=(",", ":"), default=str).replace(
        "</", "<\\/"
    )
    text = template.substitute(
        title=html.escape(f"Gezondheidsmonitor {area['name']}"),
        css=css,
        crumbs=" › ".join(crumbs),
        meta=html.escape(meta),
        nav=nav,
        toc=toc,
        body=body,
        specs=specs,
        footer="Gemaakt uit het gepubliceerde bestand monitoring.duckdb "
        f"(verwerking {html.escape(data.run_id or 'onbekend')}). {CAVEAT}",
    )
    name = "index.html" if level == "regio" else f"{level}_{code}.html"
    return name, text


def render_report(published_db: Path, out_dir: Path, geojson_dir: Path | None = None) -> Path:
    """Write index.html, gemeente_<code>.html and wijk_<code>.html (plus assets/) into `out_dir`.

    Reads only `published_db`; `geojson_dir` holds the boundaries (*.geojson, see boundaries.read_features)
    for the maps, which are left out where there are none. Returns the path of index.html.
    """
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        data = queries.read_published(con)
    finally:
        con.close()
    areas = data.areas.with_columns(href=_href(pl.col("area_level"), pl.col("area_code")))
    regions = areas.filter(pl.col("area_level") == "regio")
    if regions.is_empty():
        raise ValueError(
            f"{published_db} has no area with area_level 'regio'; the report starts from the region"
        )
    sentence, css_class = sections.verdict(data.quality_counts, data.finished_at)
    region = Region(
        data=data,
        areas=areas,
        region=regions.row(0, named=True),
        names=dict(zip(areas["area_code"], areas["name"], strict=True)),
        features=boundaries.read_features(
            geojson_dir, set(areas.filter(pl.col("area_level").is_in(["wijk", "buurt"]))["area_code"])
        ),
        scorecard=scorecard_rows(data.scorecard, data.catalogue),
        phm={k[0]: v for k, v in data.phm.partition_by("area_code", as_dict=True).items()},
        equity={} if data.equity_gaps is None else sections.equity(data.equity_gaps, data.catalogue),
        trend_points=charts.trend_points(
            data.trends, dict(zip(data.catalogue["indicator_id"], data.catalogue["unit"], strict=True))
        ),
        quality_sentence=sentence,
        quality_css=css_class,
    )

    staging = out_dir.with_name(f".{out_dir.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "assets").mkdir(parents=True)
    for name in SCRIPTS:
        shutil.copyfile(ASSETS / name, staging / "assets" / name)
    for licence in ASSETS.glob("LICENSE-*"):
        shutil.copyfile(licence, staging / "assets" / licence.name)
    template = Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    how_to_read = (TEMPLATES / "how_to_read.html").read_text(encoding="utf-8")
    for area in areas.filter(pl.col("href").is_not_null()).iter_rows(named=True):  # one page per area
        name, text = _page(region, area, template, css, how_to_read)
        (staging / name).write_text(text, encoding="utf-8")

    old = out_dir.with_name(f".{out_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return out_dir / "index.html"
