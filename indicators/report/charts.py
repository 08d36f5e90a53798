"""Charts as Vega-Lite specs (Altair), rendered to inline SVG at build time so the report opens offline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import altair as alt
import polars as pl
import vl_convert as vlc

from indicators.report.queries import PH_DIMENSIONS


def svg(chart: alt.Chart) -> str:
    return vlc.vegalite_to_svg(chart.to_dict())


def radar(frame: pl.DataFrame, area_code: str, region_code: str, labels: dict[str, str]) -> str:
    """Positive Health profile: six dimensions (0-10) for the area against the region, as a radar."""
    rows, grid = [], []
    for i, dim in enumerate(PH_DIMENSIONS):
        angle = math.pi / 2 - 2 * math.pi * i / len(PH_DIMENSIONS)
        for who, code in (("gebied", area_code), ("regio", region_code)):
            hit = frame.filter((pl.col("area_code") == code) & (pl.col("dimension") == dim) & ~pl.col("suppressed"))
            value = hit["value"][0] if hit.height and hit["value"][0] is not None else None
            if value is not None:
                rows.append({"wie": who, "order": i, "x": value * math.cos(angle), "y": value * math.sin(angle),
                             "dimensie": dim.replace("_", " "), "score": round(value, 1)})
        for ring in (2, 4, 6, 8, 10):
            grid.append({"ring": ring, "order": i, "x": ring * math.cos(angle), "y": ring * math.sin(angle)})
    if not rows:
        return "<p class='muted'>Positieve Gezondheid: onvoldoende respondenten (onderdrukt).</p>"
    closed = rows + [dict(r, order=len(PH_DIMENSIONS)) for r in rows if r["order"] == 0]
    grid_closed = grid + [dict(g, order=len(PH_DIMENSIONS)) for g in grid if g["order"] == 0]
    scale = alt.Scale(domain=[-11, 11])
    axis = dict(axis=None, scale=scale)
    rings = alt.Chart(alt.Data(values=grid_closed)).mark_line(color="#ddd").encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), detail="ring:N", order="order:Q")
    lines = alt.Chart(alt.Data(values=closed)).mark_line(point=True).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), order="order:Q",
        color=alt.Color("wie:N", scale=alt.Scale(domain=["gebied", "regio"], range=["#c0392b", "#7f8c8d"]),
                        legend=alt.Legend(title=None, orient="bottom", labelExpr=f"datum.label == 'gebied' ? "
                                          f"'{labels['area']}' : '{labels['region']}'")),
        tooltip=["dimensie:N", "score:Q"])
    names = alt.Chart(alt.Data(values=[
        {"x": 11.5 * math.cos(math.pi / 2 - 2 * math.pi * i / 6), "y": 11.5 * math.sin(math.pi / 2 - 2 * math.pi * i / 6),
         "t": d.replace("_", " ")} for i, d in enumerate(PH_DIMENSIONS)])).mark_text(fontSize=11).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), text="t:N")
    return svg((rings + lines + names).properties(width=320, height=320))


def bars(frame: pl.DataFrame, title: str) -> str:
    data = frame.filter(~pl.col("suppressed") & pl.col("value").is_not_null()).select("name_nl", "value").to_dicts()
    if not data:
        return "<p class='muted'>Geen gegevens (onderdrukt).</p>"
    chart = alt.Chart(alt.Data(values=data)).mark_bar(color="#2c7fb8").encode(
        x=alt.X("value:Q", title="% van de inwoners"), y=alt.Y("name_nl:N", sort="-x", title=None),
        tooltip=["name_nl:N", alt.Tooltip("value:Q", format=".1f")]).properties(width=360, title=title)
    return svg(chart)


def trends(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return "<p class='muted'>Geen trendgegevens.</p>"
    chart = alt.Chart(alt.Data(values=frame.to_dicts())).mark_line(point=True).encode(
        x=alt.X("period:O", title="jaar"), y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        facet=alt.Facet("name_nl:N", columns=2, title=None)).properties(width=240, height=120).resolve_scale(
        y="independent")
    return svg(chart)


def wijk_map(geojson: Path, values: pl.DataFrame, title: str) -> str | None:
    """Choropleth of wijken where boundaries ship with the project; suppressed wijken grey."""
    if not geojson.exists():
        return None
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    lookup = {r["area_code"]: (None if r["suppressed"] else r["value"]) for r in values.to_dicts()}
    for f in features:
        f["properties"]["waarde"] = lookup.get(f["properties"]["wijkCode"])
    codes = {f["properties"]["wijkCode"] for f in features}
    if not codes & set(lookup):
        return None
    chart = alt.Chart(alt.Data(values=features)).mark_geoshape(stroke="white").encode(
        color=alt.Color("properties.waarde:Q", title=title, scale=alt.Scale(scheme="oranges")),
        tooltip=["properties.wijkNaam:N", alt.Tooltip("properties.waarde:Q", format=".1f")],
    ).project(type="mercator").properties(width=420, height=360)
    return svg(chart)
