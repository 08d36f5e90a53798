"""Vega-Lite specs (built with Altair) for the report's charts; the browser draws them with vendored Vega.

Altair takes tens of milliseconds per chart, so each kind of chart is built once as a skeleton whose
data are named datasets and whose few page-specific settings (series names and colours, the map's
indicator choice) are placeholders starting with '@'. A page's chart is the skeleton with the
placeholders filled and its `datasets` attached: cheap enough for hundreds of pages.

Labels written next to bars are formatted the Dutch way here; axes and tooltips get Dutch separators
from the format locale in assets/report.js.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import altair as alt
import polars as pl

from indicators.report.labels import PH_DIMENSIONS, SEGMENTS, SUPPRESSED, nl_number_expr

Spec = dict[str, Any]
AREA_COLOURS = ["#1f4e79", "#2a9d8f", "#e76f51", "#8e6fb5", "#e9a23b", "#5a8f29", "#c44e85", "#4d4d4d"]
REGION_COLOUR = "#8a8a8a"
RADIUS = 10.0
FONT = "system-ui, Segoe UI, Arial, sans-serif"


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
        x=(RADIUS + 0.8) * pl.col("angle").cos(),
        y=(RADIUS + 0.9) * pl.col("angle").sin(),
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
    scale_x = alt.Scale(domain=[-RADIUS - 7, RADIUS + 7], nice=False)
    scale_y = alt.Scale(domain=[-RADIUS - 2, RADIUS + 2], nice=False)
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
        alt.Chart(names)
        .mark_text(
            fontSize=12,
            color="#333333",
            fontWeight="bold",
            align=alt.expr("datum.align"),
            baseline=alt.expr("datum.baseline"),
        )
        .encode(x, y, text="dimensie:N")
    )
    colour = alt.Color(
        "gebied:N",
        scale=alt.Scale(domain=["@series"], range=["@colours"]),
        legend=alt.Legend(
            title=None, orient="bottom", direction="horizontal", labelLimit=260, labelFontSize=12
        ),
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
                alt.Tooltip("value:Q", title="score (0-10)", format=",.1f"),
            ],
        )
    )
    return _skeleton(alt.layer(grid, tick, labels, lines, dots).properties(width=440, height=380))


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
    return _skeleton(alt.layer(bars, text).properties(width=340, height=alt.Step(30)))


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
    return _with_data(_pyramid_skeleton(), {"segments": data}, extent_low=-widest, extent_high=widest * 1.45)


@cache
def _bars_skeleton() -> Spec:
    y = alt.Y(
        "name_nl:N",
        sort=["@order"],
        title=None,
        axis=alt.Axis(labelLimit=260, labelFontSize=12, ticks=False, domain=False),
    )
    x = alt.X(
        "bar:Q",
        title="@axis_title",
        axis=alt.Axis(format=",.0f", grid=False),
        scale=alt.Scale(domain=[0, "@extent"]),
    )
    base = alt.Chart(alt.Data(name="bars")).encode(y, x)
    return _skeleton(
        alt.layer(
            base.mark_bar(color="#2a7fb8", height={"band": 0.7}).encode(
                tooltip=[
                    alt.Tooltip("full_name:N", title="indicator"),
                    alt.Tooltip("label:N", title="waarde"),
                ]
            ),
            base.mark_text(align="left", dx=4, fontSize=12).encode(text="label:N"),
        ).properties(width=220, height=alt.Step(26))
    )


def bars(frame: pl.DataFrame, axis_title: str) -> Spec | None:
    """Horizontal bars with their value written beside them; suppressed rows keep their row and say so.

    `frame` has name_nl (shown), full_name (tooltip), value, suppressed.
    """
    if frame.is_empty():
        return None
    data = frame.with_columns(label=_value_label(), bar=pl.col("value").fill_null(0.0)).select(
        "name_nl", "full_name", "label", "bar"
    )
    extent = max(float(data["bar"].max() or 0.0), 1.0) * 1.25  # room for the label of the longest bar
    order = data.sort("bar", descending=True)["name_nl"].to_list()  # explicit: a layered sort by field warns
    return _with_data(_bars_skeleton(), {"bars": data}, axis_title=axis_title, extent=extent, order=order)


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
                axis=alt.Axis(labelLimit=240, ticks=False, domain=False, grid=True, gridColor="#eeeeee"),
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
    return _skeleton(alt.layer(reference, dots).properties(width=380, height=alt.Step(18)))


def accumulation(frame: pl.DataFrame, reference: pl.DataFrame) -> Spec | None:
    """Opstapeling per area: a dot per area for >= 2 and >= 3 problem domains, sorted by >= 2, with the
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
    return _with_data(_accumulation_skeleton(), {"accumulation": data, "reference": shape(reference)})


@cache
def _trends_skeleton() -> Spec:
    x = alt.X("period:O", title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(format=",.4~r", tickCount=4))
    colour = alt.Color(
        "gebied:N",
        scale=alt.Scale(domain=["@series"], range=["@colours"]),
        legend=alt.Legend(title=None, orient="top", labelLimit=260, labelFontSize=12),
    )
    base = alt.Chart().encode(x)
    # every series has a band row (zero height except the own area) so no facet's band is empty
    band = base.mark_area(color="@band").encode(
        alt.Y("ci_low:Q", title=None),
        alt.Y2("ci_high:Q"),
        detail="gebied:N",
        opacity=alt.condition(alt.datum.eigen, alt.value(0.15), alt.value(0)),
    )
    line = base.mark_line(point=True, strokeWidth=2).encode(
        y,
        colour,
        tooltip=[
            alt.Tooltip("gebied:N"),
            alt.Tooltip("period:O", title="jaar"),
            alt.Tooltip("value:Q", title="waarde", format=",.1f"),
        ],
    )
    chart = (
        alt.layer(band, line, data=alt.Data(name="trends"))
        .properties(width=200, height=130)
        .facet(
            facet=alt.Facet(
                "titel:N",
                title=None,
                sort=alt.EncodingSortField("rank", op="min"),
                header=alt.Header(
                    labelFontSize=12,
                    labelLimit=250,
                    labelFontWeight="bold",
                    labelExpr="split(datum.label, '|')",
                ),
            ),
            columns=4,
        )
        .resolve_scale(y="independent")
    )
    return _skeleton(chart)


def trends(frame: pl.DataFrame, series: dict[str, str], region_label: str) -> Spec | None:
    """Small multiples over the years, one per key indicator: the area (with its 95% band) against others.

    `frame` has titel (wrapped in two lines here), rank, area_code, period, value, ci_low, ci_high and
    suppressed.
    """
    own = next(iter(series))
    data = (
        frame.filter(
            pl.col("area_code").is_in(list(series)) & ~pl.col("suppressed") & pl.col("value").is_not_null()
        )
        .with_columns(
            gebied=pl.col("area_code").replace_strict(series),
            eigen=pl.col("area_code") == own,
            titel=pl.col("titel").str.replace(r"^(.{1,34})\s", "$1|"),
        )
        .with_columns(
            ci_low=pl.when(pl.col("eigen"))
            .then(pl.col("ci_low").fill_null(pl.col("value")))
            .otherwise(pl.col("value")),
            ci_high=pl.when(pl.col("eigen"))
            .then(pl.col("ci_high").fill_null(pl.col("value")))
            .otherwise(pl.col("value")),
        )
        .select("titel", "rank", "gebied", "eigen", "period", "value", "ci_low", "ci_high")
    )
    if data.is_empty():
        return None
    labels = list(series.values())
    colours = series_colours(labels, region_label)
    return _with_data(_trends_skeleton(), {"trends": data}, series=labels, colours=colours, band=colours[0])
