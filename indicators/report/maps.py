"""Choropleth maps for the report: the wijken of a gemeente or region, the buurten of a wijk.

One Vega-Lite skeleton (built once with Altair, see charts.py) serves every page and level: the
areas are filled by the indicator the reader picks under the map, the border of the areas one level
up is drawn on top, and the legend names the chosen indicator with its unit. Grey is an area
without a value (suppressed or not published); the page says so next to the map.
"""

from __future__ import annotations

import json
import textwrap
from functools import cache
from typing import Any

import altair as alt
import polars as pl

from indicators.report.charts import Spec, _skeleton, _with_data
from indicators.report.labels import SUPPRESSED, UNITS, nl_number_expr

NO_VALUE = "#c8c8c8"  # grey, distinct from the lightest colour of the scheme
SCHEME = "yellowgreenblue"  # one hue ramp: darker is more, with no judgement of good or bad
TITLE_WIDTH = 38  # characters per legend-title line: fits a phone's width


def legend_title(name: str, unit: str | None) -> str:
    """'Ervaren gezondheid goed of zeer goed (%)': the indicator with its unit, unless the name says it."""
    unit = UNITS.get(unit or "", unit or "")
    if not unit or unit.lower() in name.lower():
        return name
    return f"{name} ({unit})"


def _value_label() -> pl.Expr:
    """'12,3 %' for the tooltip; 'onderdrukt' where suppressed, 'geen waarde' where nothing is published."""
    unit = pl.col("unit").fill_null("")
    decimals = pl.when(unit == "euro").then(0).otherwise(1)  # as labels.decimals_for
    number = nl_number_expr(pl.col("value"), decimals)
    return (
        pl.when(pl.col("suppressed").fill_null(False))
        .then(pl.lit(SUPPRESSED))
        .when(pl.col("value").is_null())
        .then(pl.lit("geen waarde"))
        .when(unit.is_in(["", "score"]))
        .then(number)
        .otherwise(pl.concat_str([number, pl.lit(" "), unit.replace(UNITS)]))
    )


@cache
def _map_skeleton() -> Spec:
    choice = alt.param(
        name="indicator",
        value="@first",
        bind=alt.binding_select(options=["@options"], labels=["@labels"], name="Indicator op de kaart: "),
    )
    lookup = alt.LookupData(data=alt.Data(name="vormen"), key="properties.area_code")
    fill = alt.condition(
        "datum.value == null",
        alt.value(NO_VALUE),
        alt.Color(
            "value:Q",
            scale=alt.Scale(scheme={"name": SCHEME, "extent": [0.05, 0.8]}),  # darkest stays apart from the border
            # Vega-Lite takes a legend title as fixed text only, but passes a Vega signal object through
            # untouched: '@legend' becomes one, so the title follows the chosen indicator (one line per item).
            legend=alt.Legend(
                title="@legend",
                orient="top",
                direction="horizontal",
                format=",.1f",
                gradientLength=220,
                titleLimit=0,
            ),
        ),
    )
    areas = (
        alt.Chart(alt.Data(name="waarden"))
        .mark_geoshape(stroke="#ffffff", strokeWidth=1, invalid="show")  # null is grey, not left out
        .encode(
            shape="geo:G",
            color=fill,
            tooltip=[alt.Tooltip("gebied:N", title="@level"), alt.Tooltip("label:N", title="waarde")],
        )
        .transform_filter(alt.datum.indicator_id == choice)
        .transform_lookup(lookup="area_code", from_=lookup, as_="geo")
        .add_params(choice)
    )
    outline = alt.Chart(alt.Data(name="omtrek")).mark_geoshape(
        filled=False, stroke="#333333", strokeWidth=2, strokeCap="round"  # loose edges: round hides the seams
    )
    chart = alt.layer(areas, outline).project(type="mercator").properties(width="container", height=460)
    spec = _skeleton(chart)
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    return spec


def choropleth(
    features: list[dict[str, Any]],
    outline: list[dict[str, Any]],
    values: pl.DataFrame,
    names: dict[str, str],
    options: dict[str, str],
    level: str,
) -> Spec | None:
    """A map of `features` (areas of one level, property area_code) with a chooser for the indicator.

    `outline` are borders drawn on top (boundaries.outline of the areas one level up); `values` has indicator_id,
    area_code, value, suppressed, unit; `names` maps area_code to the name in the tooltip; `options`
    maps indicator_id to its legend title (`legend_title`); `level` names an area in the tooltip.
    Every drawn area gets a row per indicator, so an area without a published value is grey too.
    """
    codes = [f["properties"]["area_code"] for f in features]
    if not codes or not options:
        return None
    grid = pl.DataFrame({"indicator_id": list(options)}).join(pl.DataFrame({"area_code": codes}), how="cross")
    data = (
        grid.join(values, on=["indicator_id", "area_code"], how="left")
        .with_columns(
            gebied=pl.col("area_code").replace_strict(names, default=pl.col("area_code")),
            label=_value_label(),
            value=pl.when(pl.col("suppressed").fill_null(False)).then(None).otherwise(pl.col("value")),
        )
        .select("indicator_id", "area_code", "gebied", "value", "label")
    )
    titles = [textwrap.wrap(title, TITLE_WIDTH) or [title] for title in options.values()]
    legend = f"{json.dumps(titles, ensure_ascii=False)}[indexof({json.dumps(list(options))}, indicator)]"
    return _with_data(
        _map_skeleton(),
        {"vormen": features, "waarden": data, "omtrek": outline},
        first=next(iter(options)),
        options=list(options),
        labels=list(options.values()),
        legend={"signal": legend},
        level=level,
    )
