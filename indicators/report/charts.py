"""Vega-Lite specs (built with Altair) for the report's charts; the browser draws them with vendored Vega.

Altair takes tens of milliseconds per chart, so each kind of chart is built once as a skeleton whose
data are named datasets and whose few page-specific settings (series names and colours, the map's
indicator choice) are placeholders starting with '@'. A page's chart is the skeleton with the
placeholders filled and its `datasets` attached: cheap enough for hundreds of pages.

Labels written next to bars are formatted the Dutch way here; axes and tooltips get Dutch separators
from the format locale in assets/report.js. Charts are as wide as their box on the page (width 'container'),
so a phone shows them whole.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import altair as alt
import polars as pl

from indicators.report.labels import (
    PAYER_COLOURS,
    PAYER_LABELS,
    PH_DIMENSIONS,
    SEGMENTS,
    SUPPRESSED,
    nl_number_expr,
)

Spec = dict[str, Any]
AREA_COLOURS = ["#1f4e79", "#2a9d8f", "#e76f51", "#8e6fb5", "#e9a23b", "#5a8f29", "#c44e85", "#4d4d4d"]
REGION_COLOUR = "#8a8a8a"
RADIUS = 10.0
FONT = "system-ui, Segoe UI, Arial, sans-serif"


def _container(chart: alt.TopLevelMixin, height: int | str) -> Spec:
    """As wide as the chart's box on the page (a phone or a desktop column): width 'container', fitted.

    `height` is 'container', pixels, or '@height' for a chart whose height follows its number of rows (a step
    height would make vega-lite drop the fit with a warning)."""
    spec = _skeleton(chart.properties(width="container"))
    spec["height"] = height  # set after Altair: it would refuse the '@height' placeholder
    spec["autosize"] = {"type": "fit" if height == "container" else "fit-x", "contains": "padding"}
    return spec


def _skeleton(chart: alt.TopLevelMixin) -> Spec:
    """Skip Altair's JSON-schema validation (slow); Vega-Lite reports a bad spec in the browser anyway."""
    return chart.configure(font=FONT, view=alt.ViewConfig(stroke=None)).to_dict(validate=False)


def _fill(node: Any, values: dict[str, Any]) -> Any:
    """A copy of a skeleton with '@placeholders' (alone, or alone in a list) replaced by their values."""
    if isinstance(node, dict):
        return {k: _fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        if len(node) == 1 and isinstance(node[0], str) and node[0] in values:
            return values[node[0]]
        return [_fill(v, values) for v in node]
    if isinstance(node, str) and node in values:
        return values[node]
    return node


def _with_data(skeleton: Spec, datasets: dict[str, pl.DataFrame | list], **values: Any) -> Spec:
    spec = _fill(skeleton, {f"@{k}": v for k, v in values.items()})
    spec["datasets"] = spec.get("datasets", {}) | {  # the skeleton's own (constant) data stay
        name: data.to_dicts() if isinstance(data, pl.DataFrame) else data for name, data in datasets.items()
    }
    return spec


def series_colours(labels: list[str], region_label: str) -> list[str]:
    """The page's own area first and strongest; the region always grey."""
    return [
        REGION_COLOUR if label == region_label else AREA_COLOURS[i % len(AREA_COLOURS)]
        for i, label in enumerate(labels)
    ]


def _value_label(unit: pl.Expr | str = "%") -> pl.Expr:
    """'12,3%' or 'onderdrukt' next to a bar: never a blank or a zero for a suppressed share."""
    unit_expr = pl.lit(unit) if isinstance(unit, str) else unit
    return (
        pl.when(pl.col("suppressed") | pl.col("value").is_null())
        .then(pl.lit(SUPPRESSED))
        .otherwise(nl_number_expr(pl.col("value"), 1) + unit_expr)
    )


def _radar_axes() -> pl.DataFrame:
    n = len(PH_DIMENSIONS)
    return pl.DataFrame(
        {"dimension": list(PH_DIMENSIONS), "dimensie": list(PH_DIMENSIONS.values()), "order": list(range(n))}
    ).with_columns(angle=math.pi / 2 - 2 * math.pi * pl.col("order") / n)


# Pixels per score point: as large as the chart's box allows, keeping room for the dimension names beside
# the polygon (LABEL_ROOM px each side) and above and below it; both axes share it, so the polygon stays regular
# at any width.
LABEL_ROOM = 96
RADAR_PPU = f"max(2, min((height / 2 - 30) / {RADIUS}, (width / 2 - {LABEL_ROOM}) / {RADIUS}))"


@cache
def _radar_skeleton() -> Spec:
    """The polar grid (rings at 2, 4, ..., 10 and six spokes) and the labels are constant data."""
    n = len(PH_DIMENSIONS)
    axes = _radar_axes()
    rings = (
        pl.DataFrame({"ring": [2.0, 4.0, 6.0, 8.0, RADIUS]})
        .join(pl.concat([axes, axes.head(1).with_columns(order=pl.lit(n, dtype=pl.Int64))]), how="cross")
        .select(
            line=pl.format("ring{}", pl.col("ring")),
            order=pl.col("order"),
            x=pl.col("ring") * pl.col("angle").cos(),
            y=pl.col("ring") * pl.col("angle").sin(),
        )
    )
    spokes = pl.concat(
        [
            axes.select(
                line=pl.format("spoke{}", pl.col("order")),
                order=pl.lit(0, dtype=pl.Int64),
                x=pl.lit(0.0),
                y=pl.lit(0.0),
            ),
            axes.select(
                line=pl.format("spoke{}", pl.col("order")),
                order=pl.lit(1, dtype=pl.Int64),
                x=RADIUS * pl.col("angle").cos(),
                y=RADIUS * pl.col("angle").sin(),
            ),
        ]
    )
    names = axes.select(
        "dimensie",
        # on the outer ring, pushed outwards in pixels: the gap stays the same however small the radar is
        x=RADIUS * pl.col("angle").cos(),
        y=RADIUS * pl.col("angle").sin(),
        dx=(9 * pl.col("angle").cos()).round(1),
        dy=(-12 * pl.col("angle").sin()).round(1),
        align=pl.when(pl.col("angle").cos() > 0.2)
        .then(pl.lit("left"))
        .when(pl.col("angle").cos() < -0.2)
        .then(pl.lit("right"))
        .otherwise(pl.lit("center")),
        baseline=pl.when(pl.col("angle").sin() > 0.9)
        .then(pl.lit("bottom"))
        .when(pl.col("angle").sin() < -0.9)
        .then(pl.lit("top"))
        .otherwise(pl.lit("middle")),
    )
    ticks = pl.DataFrame({"x": [0.3] * 5, "y": [2.0, 4.0, 6.0, 8.0, RADIUS], "t": ["2", "4", "6", "8", "10"]})
    scale_x = alt.Scale(domain=alt.ExprRef(expr="[-width / 2 / ppu, width / 2 / ppu]"), nice=False, zero=False)
    scale_y = alt.Scale(domain=alt.ExprRef(expr="[-height / 2 / ppu, height / 2 / ppu]"), nice=False, zero=False)
    x, y = alt.X("x:Q", axis=None, scale=scale_x), alt.Y("y:Q", axis=None, scale=scale_y)
    grid = (
        alt.Chart(pl.concat([rings, spokes]))
        .mark_line(color="#dddddd", strokeWidth=1)
        .encode(x, y, detail="line:N", order="order:Q")
    )
    tick = (
        alt.Chart(ticks).mark_text(color="#8a8a8a", fontSize=9, align="left", dy=-5).encode(x, y, text="t:N")
    )
    labels = (
        alt.Chart(names.with_columns(dimensie=pl.col("dimensie").str.replace(r"^(\S+( van)?) ", "$1|")))
        .mark_text(
            fontSize=12,
            color="#333333",
            fontWeight="bold",
            lineBreak="|",
            align=alt.expr("datum.align"),
            baseline=alt.expr("datum.baseline"),
            dx=alt.expr("datum.dx"),
            dy=alt.expr("datum.dy"),
        )
        .encode(x, y, text="dimensie:N")
    )
    colour = alt.Color(
        "gebied:N",
        scale=alt.Scale(domain=["@series"], range=["@colours"]),
        legend=alt.Legend(title=None, orient="bottom", direction="vertical", labelLimit=260, labelFontSize=12),
    )
    dash = alt.StrokeDash(
        "regio:N", scale=alt.Scale(domain=[False, True], range=[[1, 0], [5, 3]]), legend=None
    )
    lines = (
        alt.Chart(alt.Data(name="polygon"))
        .mark_line(strokeWidth=2.5)
        .encode(x, y, colour, dash, detail="gebied:N", order="order:Q")
    )
    dots = (
        alt.Chart(alt.Data(name="points"))
        .mark_circle(size=55, opacity=1)
        .encode(
            x,
            y,
            colour,
            tooltip=[
                alt.Tooltip("gebied:N", title="gebied"),
                alt.Tooltip("dimensie:N", title="dimensie"),
                alt.Tooltip("value:Q", title="score (0–10)", format=",.1f"),
            ],
        )
    )
    chart = alt.layer(grid, tick, labels, lines, dots).add_params(alt.param(name="ppu", expr=RADAR_PPU))
    return _container(chart, height="container")


def radar(profile: pl.DataFrame, series: dict[str, str], region_label: str) -> Spec | None:
    """Positive Health profile: six dimensions (0-10) as a closed polygon per area, on a polar grid.

    `profile` has area_code, dimension, value, suppressed; `series` maps area_code to its legend label
    in drawing order. Suppressed dimensions are left out of the polygon (the page says which).
    """
    points = (
        profile.filter(
            pl.col("area_code").is_in(list(series)) & ~pl.col("suppressed") & pl.col("value").is_not_null()
        )
        .join(_radar_axes(), on="dimension")
        .with_columns(
            gebied=pl.col("area_code").replace_strict(series),
            x=pl.col("value") * pl.col("angle").cos(),
            y=pl.col("value") * pl.col("angle").sin(),
        )
        .with_columns(regio=pl.col("gebied") == region_label)
        .select("gebied", "regio", "dimensie", "order", "value", "x", "y")
    )
    if points.is_empty():
        return None
    first = points.filter(pl.col("order") == pl.col("order").min().over("gebied"))
    polygon = pl.concat([points, first.with_columns(order=pl.lit(len(PH_DIMENSIONS), dtype=pl.Int64))])
    labels = list(series.values())
    return _with_data(
        _radar_skeleton(),
        {"points": points, "polygon": polygon},
        series=labels,
        colours=series_colours(labels, region_label),
    )


@cache
def _pyramid_skeleton() -> Spec:
    y = alt.Y(
        "segment:N",
        sort=list(SEGMENTS.values()),
        title=None,
        axis=alt.Axis(ticks=False, domain=False, labelFontSize=12, labelPadding=6),
    )
    bars = (
        alt.Chart(alt.Data(name="segments"))
        .mark_bar(height={"band": 0.85}, cornerRadius=2)
        .encode(
            alt.X("left:Q", axis=None, scale=alt.Scale(domain=["@extent_low", "@extent_high"])),
            alt.X2("right:Q"),
            y,
            alt.Color(
                "rank:O",
                scale=alt.Scale(scheme="redyellowgreen", domain=list(range(len(SEGMENTS)))),
                legend=None,
            ),
            tooltip=[alt.Tooltip("segment:N"), alt.Tooltip("label:N", title="aandeel inwoners")],
        )
    )
    text = (
        alt.Chart(alt.Data(name="segments"))
        .mark_text(align="left", dx=5, fontSize=12)
        .encode(alt.X("right:Q"), y, text="label:N")
    )
    return _container(alt.layer(bars, text), height="@height")


def pyramid(segments: pl.DataFrame) -> Spec | None:
    """The PHM segment pyramid: one centred bar per segment, heaviest care needs on top."""
    order = pl.DataFrame(
        {"item": list(SEGMENTS), "segment": list(SEGMENTS.values()), "rank": list(range(len(SEGMENTS)))}
    )
    data = (
        segments.join(order, on="item")
        .with_columns(half=pl.col("value").fill_null(0.0) / 2, label=_value_label())
        .with_columns(left=-pl.col("half"), right=pl.col("half"))
        .sort("rank")
        .select("segment", "rank", "label", "left", "right")
    )
    if data.is_empty():
        return None
    widest = max(float(data["right"].max() or 0.0), 1.0)
    # room on the right for the label of the widest bar
    return _with_data(
        _pyramid_skeleton(),
        {"segments": data},
        extent_low=-widest,
        extent_high=widest * 1.45,
        height=30 * data.height,
    )


@cache
def _bars_skeleton() -> Spec:
    # names are wrapped on '|' (bars()), so a long target group reads in full on a phone too
    y = alt.Y(
        "name_nl:N",
        sort=["@order"],
        title=None,
        axis=alt.Axis(
            labelLimit=400, labelFontSize=12, ticks=False, domain=False, labelExpr="split(datum.label, '|')"
        ),
    )
    x = alt.X(
        "bar:Q",
        title="@axis_title",
        axis=alt.Axis(format=",.0f", grid=False, tickMinStep=1),
        scale=alt.Scale(domain=[0, "@extent"]),
    )
    base = alt.Chart(alt.Data(name="bars")).encode(y, x)
    return _container(
        alt.layer(
            base.mark_bar(color="#2a7fb8", height={"band": 0.7}).encode(
                tooltip=[
                    alt.Tooltip("full_name:N", title="indicator"),
                    alt.Tooltip("label:N", title="waarde"),
                ]
            ),
            base.mark_text(align="left", dx=4, fontSize=12).encode(text="label:N"),
        ),
        height="@height",
    )


WRAP = 24  # characters per line of a bar's name


def wrap_expr(text: pl.Expr, width: int) -> pl.Expr:
    """Break a name into lines of about `width` characters at spaces, joined by '|' (at most three lines)."""
    line = rf"^(.{{1,{width}}})\s+"
    first = text.str.extract(line, 1)
    rest = text.str.replace(line, "")
    second = rest.str.extract(line, 1)
    tail = rest.str.replace(line, "")
    return (
        pl.when(text.str.len_chars() <= width)
        .then(text)
        .when(first.is_null())
        .then(text)
        .when((rest.str.len_chars() <= width) | second.is_null())
        .then(pl.concat_str([first, pl.lit("|"), rest]))
        .otherwise(pl.concat_str([first, pl.lit("|"), second, pl.lit("|"), tail]))
    )


def bars(frame: pl.DataFrame, axis_title: str) -> Spec | None:
    """Horizontal bars with their value written beside them; suppressed rows keep their row and say so.

    `frame` has name_nl (shown), full_name (tooltip), value, suppressed.
    """
    if frame.is_empty():
        return None
    data = frame.with_columns(
        label=_value_label(),
        bar=pl.col("value").fill_null(0.0),
        name_nl=wrap_expr(pl.col("name_nl"), WRAP),
    ).select("name_nl", "full_name", "label", "bar")
    # room for the label of the longest bar; at least 0-10 % so an all-suppressed chart has whole-number ticks
    extent = max(float(data["bar"].max() or 0.0), 8.0) * 1.25
    order = data.sort("bar", descending=True)["name_nl"].to_list()  # explicit: a layered sort by field warns
    lines = data["name_nl"].str.count_matches("|", literal=True).max() or 0
    return _with_data(
        _bars_skeleton(),
        {"bars": data},
        axis_title=axis_title,
        extent=extent,
        order=order,
        height=(28 + 12 * lines) * data.height,
    )


@cache
def _accumulation_skeleton() -> Spec:
    colour = alt.Color(
        "domeinen:N",
        scale=alt.Scale(domain=["2 of meer domeinen", "3 of meer domeinen"], range=["#e9a23b", "#b42318"]),
        legend=alt.Legend(title=None, orient="top"),
    )
    x = alt.X("value:Q", title="% van de inwoners", axis=alt.Axis(format=",.0f"))
    dots = (
        alt.Chart(alt.Data(name="accumulation"))
        .mark_circle(size=90, opacity=0.9)
        .encode(
            x,
            alt.Y(
                "gebied:N",
                title=None,
                sort=alt.EncodingSortField("sort_value", order="descending"),
                axis=alt.Axis(labelLimit=170, ticks=False, domain=False, grid=True, gridColor="#eeeeee"),
            ),
            colour,
            tooltip=[
                alt.Tooltip("gebied:N"),
                alt.Tooltip("domeinen:N"),
                alt.Tooltip("label:N", title="aandeel"),
            ],
        )
    )
    reference = (
        alt.Chart(alt.Data(name="reference"))
        .mark_rule(strokeDash=[5, 3], strokeWidth=1.5)
        .encode(
            x,
            colour,
            tooltip=[
                alt.Tooltip("gebied:N"),
                alt.Tooltip("domeinen:N"),
                alt.Tooltip("label:N", title="aandeel"),
            ],
        )
    )
    return _container(alt.layer(reference, dots), height="@height")


def accumulation(frame: pl.DataFrame, reference: pl.DataFrame) -> Spec | None:
    """Opstapeling per area: a dot per area for 2 or more and 3 or more problem domains, sorted by >= 2, with the
    `reference` area (the region) as dashed lines.

    Shown per wijk because accumulation concentrates in neighbourhoods and disappears in a region mean;
    suppressed areas are left out (the note under the chart says so).
    """

    def shape(rows: pl.DataFrame) -> pl.DataFrame:
        return (
            rows.filter(pl.col("item").is_in(["2plus", "3plus"]) & pl.col("value").is_not_null())
            .with_columns(
                domeinen=pl.col("item").replace_strict(
                    {"2plus": "2 of meer domeinen", "3plus": "3 of meer domeinen"}
                ),
                label=_value_label(),
                sort_value=pl.col("value")
                .filter(pl.col("item") == "2plus")
                .first()
                .over("area_code")
                .fill_null(0.0),
            )
            .select("gebied", "domeinen", "label", "value", "sort_value")
        )

    data = shape(frame)
    if data.is_empty():
        return None
    return _with_data(
        _accumulation_skeleton(),
        {"accumulation": data, "reference": shape(reference)},
        height=18 * data["gebied"].n_unique(),
    )


# Score indicators are drawn on their whole scale (Positive Health 0-10, a report mark 1-10, read from 0);
# every other unit (%, per 1.000, euro, days) from 0, so a small change does not look like a large one.
SCORE_SCALE = (0.0, 10.0)
STEP = 0.07  # years between the series of one year, so their intervals do not hide one another


@cache
def _trend_skeleton() -> Spec:
    x = alt.X(
        "x:Q",
        title=None,
        scale=alt.Scale(domain=["@x_low", "@x_high"], nice=False, zero=False),
        axis=alt.Axis(values=["@periods"], format="d", labelAngle=0, grid=False, tickCount=3),
    )
    y_scale = alt.Scale(domainMin=0, zero=True, nice=True)
    colour = alt.Color("gebied:N", scale=alt.Scale(domain=["@series"], range=["@colours"]), legend=None)
    tooltip = [
        alt.Tooltip("gebied:N", title="gebied"),
        alt.Tooltip("period:O", title="jaar"),
        alt.Tooltip("label:N", title="waarde"),
        alt.Tooltip("interval:N", title="95%-interval"),
    ]
    base = alt.Chart(alt.Data(name="trend")).encode(x, colour)
    interval = base.mark_rule(strokeWidth=2, opacity=0.45).encode(
        alt.Y("ci_low:Q", title=None, scale=y_scale, axis=alt.Axis(format=",.4~r", tickCount=4)),
        alt.Y2("ci_high:Q"),
        tooltip=tooltip,
    )
    line = base.mark_line(strokeWidth=2).encode(
        alt.Y("value:Q", scale=y_scale),
        detail="gebied:N",
        strokeDash=alt.StrokeDash(
            "regio:N", scale=alt.Scale(domain=[False, True], range=[[1, 0], [5, 3]]), legend=None
        ),
    )
    points = base.mark_circle(size=40, opacity=1).encode(alt.Y("value:Q", scale=y_scale), tooltip=tooltip)
    return _container(alt.layer(interval, line, points), height=150)


def trend_points(frame: pl.DataFrame, units: dict[str, str]) -> dict[str, pl.DataFrame]:
    """The published points of every key indicator and area, formatted once for all pages: indicator_id ->
    area_code, period, value, ci_low, ci_high (the value where none is published), label and interval.

    `frame` has indicator_id, area_code, period, value, ci_low, ci_high, suppressed; `units` maps
    indicator_id to its unit (euros without decimals)."""
    decimals = pl.col("indicator_id").replace_strict(
        {i: 0 if u == "euro" else 1 for i, u in units.items()}, default=1, return_dtype=pl.Int64
    )
    points = frame.filter(~pl.col("suppressed") & pl.col("value").is_not_null()).with_columns(
        ci_low=pl.col("ci_low").fill_null(pl.col("value")),
        ci_high=pl.col("ci_high").fill_null(pl.col("value")),
        label=nl_number_expr(pl.col("value"), decimals),
        interval=pl.when(pl.col("ci_low").is_null())
        .then(pl.lit("geen"))
        .otherwise(
            pl.concat_str(
                [nl_number_expr(pl.col("ci_low"), decimals), pl.lit(" – "), nl_number_expr(pl.col("ci_high"), decimals)]
            )
        ),
    )
    return {
        key[0]: rows.select("area_code", "period", "value", "ci_low", "ci_high", "label", "interval")
        for key, rows in points.partition_by("indicator_id", as_dict=True).items()
    }


def trend(points: pl.DataFrame, series: dict[str, str], region_label: str, unit: str | None) -> Spec | None:
    """One key indicator over the years: a line per area with its 95% interval as a vertical bar per year.

    `points` are one indicator's rows of `trend_points`. The y-axis starts at 0; a score (unit 'score') is
    drawn on its whole scale (SCORE_SCALE). The areas' points of a year stand a little apart (STEP).
    """
    codes = list(series)
    areas = pl.DataFrame(
        {
            "area_code": codes,
            "gebied": list(series.values()),
            "offset": [(i - (len(codes) - 1) / 2) * STEP for i in range(len(codes))],
        }
    )
    data = (
        points.join(areas, on="area_code")
        .with_columns(regio=pl.col("gebied") == region_label, x=pl.col("period") + pl.col("offset"))
        .select("gebied", "regio", "period", "x", "value", "ci_low", "ci_high", "label", "interval")
    )
    if data.is_empty():
        return None
    periods = sorted(data["period"].unique().to_list())
    labels = list(series.values())
    spec = _with_data(
        _trend_skeleton(),
        {"trend": data},
        series=labels,
        colours=series_colours(labels, region_label),
        periods=periods,
        x_low=periods[0] - 0.4,
        x_high=periods[-1] + 0.4,
    )
    if unit == "score":
        top = max(SCORE_SCALE[1], float(data["ci_high"].max() or 0.0))
        for layer in spec["layer"]:
            layer["encoding"]["y"]["scale"] = {"domain": [SCORE_SCALE[0], top], "nice": False}
    return spec


@cache
def _ledger_skeleton() -> Spec:
    y = alt.Y("group:N", sort=["@order"], title=None, axis=alt.Axis(labelLimit=400, labelFontSize=12, ticks=False,
                                                                   domain=False))
    x = alt.X("eur:Q", stack="zero", title="euro per inwoner per jaar", axis=alt.Axis(format=",.0f", grid=False, tickCount=6, labelOverlap=True))
    colour = alt.Color("payer:N", title=None, sort=list(PAYER_LABELS.values()),
                       scale=alt.Scale(domain=list(PAYER_LABELS.values()), range=PAYER_COLOURS),
                       legend=alt.Legend(orient="top", direction="vertical", labelLimit=400))
    return _container(
        alt.Chart(alt.Data(name="ledger")).mark_bar(height={"band": 0.7}).encode(
            y, x, colour, order=alt.Order("k:Q"),
            tooltip=[alt.Tooltip("group:N", title="groep"), alt.Tooltip("payer:N", title="betaler"),
                     alt.Tooltip("label:N", title="euro per inwoner")]),
        height="@height",
    )



def ledger(frame: pl.DataFrame) -> Spec | None:
    """Stacked bars: per population group (totaal, then the segments) the euros per resident of each payer.

    `frame` has group (shown), payer (key of PAYER_LABELS), eur_per_resident (null when suppressed)."""
    data = frame.filter(pl.col("eur_per_resident").is_not_null())
    if data.is_empty():
        return None
    k = {p: i for i, p in enumerate(PAYER_LABELS)}
    data = data.select(
        "group", pl.col("payer").replace_strict(k, return_dtype=pl.Int64).alias("k"),
        pl.col("payer").replace_strict(PAYER_LABELS).alias("payer"), pl.col("eur_per_resident").alias("eur"),
        nl_number_expr(pl.col("eur_per_resident"), 0).alias("label"))
    order = list(dict.fromkeys(frame["group"].to_list()))
    return _with_data(_ledger_skeleton(), {"ledger": data}, order=order, height=34 * len(order) + 60)
