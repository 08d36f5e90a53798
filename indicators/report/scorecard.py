"""The quintuple-aim scorecard: indicators down, areas across, each cell a value, its interval and the
comparison with the region, coloured by the indicator's direction of better.

Cells are built with polars expressions and pivoted, not looped, so a region with many areas renders
as fast as a small one. Every cell carries its raw published value in `data-value` so a test (or an
analyst) can check the page against `indicator_values`.
"""

from __future__ import annotations

import html

import polars as pl

from indicators.report.labels import (
    AIMS,
    SUPPRESSED,
    SUPPRESSION_REASONS,
    UNITS,
    decimals_for,
    escape_expr,
    nl_number_expr,
)

ABSENT = '<td class="cell absent" title="niet berekend voor dit gebied">–</td>'
# Workforce figures count every organisation (a census, business disclosure): no sampling interval.
NO_INTERVAL_WORKFORCE = "geen interval: telling van organisaties"


def _comparison_expr(decimals: pl.Expr) -> pl.Expr:
    """Arrow and colour: 'lager' is good when lower is better, bad when higher is better, grey if neutral.

    An arrow is an "opvallend" difference: beyond the 99.8 % funnel limit around the region's value
    (indicators/methods/comparison.py), so a page of some 64 comparisons shows few arrows by chance.

    No arrow where the value reads the same as the region's once rounded as shown: a reader would see an
    arrow between two equal numbers.
    """
    same_shown = nl_number_expr(pl.col("value"), decimals) == nl_number_expr(pl.col("region_value"), decimals)
    cmp = pl.when(same_shown & pl.col("comparison").is_in(["hoger", "lager"])).then(
        pl.lit("geen_verschil")
    ).otherwise(pl.col("comparison"))
    direction = pl.col("direction")
    good = ((cmp == "hoger") & (direction == "higher_better")) | (
        (cmp == "lager") & (direction == "lower_better")
    )
    bad = ((cmp == "hoger") & (direction == "lower_better")) | (
        (cmp == "lager") & (direction == "higher_better")
    )
    css = (
        pl.when(cmp == "geen_verschil")
        .then(pl.lit("same"))
        .when(good)
        .then(pl.lit("good"))
        .when(bad)
        .then(pl.lit("bad"))
        .otherwise(pl.lit("neutral"))
    )
    arrow = (
        pl.when(cmp == "hoger")
        .then(pl.lit("▲"))
        .when(cmp == "lager")
        .then(pl.lit("▼"))
        .otherwise(pl.lit("≈"))
    )
    verdict = (
        pl.when(css == "good")
        .then(pl.lit(" (gunstig)"))
        .when(css == "bad")
        .then(pl.lit(" (ongunstig)"))
        .otherwise(pl.lit(""))
    )
    title = (
        pl.when(cmp == "geen_verschil")
        .then(pl.lit("geen opvallend verschil met de regio"))
        .otherwise(pl.concat_str([pl.lit("opvallend "), cmp, pl.lit(" dan de regio"), verdict]))
    )
    return (
        pl.when(cmp.is_null())
        .then(pl.lit(""))
        .otherwise(
            pl.concat_str(
                [
                    pl.lit('<span class="cmp '),
                    css,
                    pl.lit('" title="'),
                    title,
                    pl.lit('">'),
                    arrow,
                    pl.lit("</span>"),
                ]
            )
        )
    )


def cell_expr() -> pl.Expr:
    """One `<td>` per published row: the Dutch number (or 'onderdrukt'), the 95% interval and the arrow."""
    decimals = pl.col("unit").replace_strict({"euro": 0}, default=decimals_for(None), return_dtype=pl.Int64)
    raw = (
        pl.when(pl.col("suppressed"))
        .then(pl.lit("suppressed"))
        .when(pl.col("value").is_null())
        .then(pl.lit("none"))
        .otherwise(pl.col("value").cast(pl.String))
    )
    interval = (
        pl.when(pl.col("ci_low").is_null() & (pl.col("source") == "workforce"))
        .then(pl.lit(f'<span class="ci why">{NO_INTERVAL_WORKFORCE}</span>'))
        .when(pl.col("ci_low").is_null() | pl.col("ci_high").is_null())
        .then(pl.lit('<span class="ci why">geen interval</span>'))
        .when(pl.col("ci_low").is_not_null() & pl.col("ci_high").is_not_null())
        .then(
            pl.concat_str(
                [
                    pl.lit('<span class="ci">'),
                    nl_number_expr(pl.col("ci_low"), decimals),
                    pl.lit("–"),
                    nl_number_expr(pl.col("ci_high"), decimals),
                    pl.lit("</span>"),
                ]
            )
        )
        .otherwise(pl.lit(""))
    )
    reason = pl.col("suppression_reason").replace_strict(SUPPRESSION_REASONS, default="niet getoond")
    shown = (
        pl.when(pl.col("suppressed"))
        .then(
            pl.concat_str(
                [
                    pl.lit(f'<span class="v suppressed" title="{SUPPRESSED}: '),
                    reason,
                    pl.lit(f'">{SUPPRESSED}</span>'),
                ]
            )
        )
        .when(pl.col("value").is_null())
        .then(pl.lit('<span class="absent" title="geen waarde">–</span>'))
        .otherwise(
            pl.concat_str(
                [
                    pl.lit('<span class="v">'),
                    nl_number_expr(pl.col("value"), decimals),
                    pl.lit("</span>"),
                    _comparison_expr(decimals),
                    interval,
                ]
            )
        )
    )
    return pl.concat_str(
        [
            pl.lit('<td class="cell" data-indicator="'),
            escape_expr(pl.col("indicator_id")),
            pl.lit('" data-area="'),
            escape_expr(pl.col("area_code")),
            pl.lit('" data-period="'),
            pl.col("period").cast(pl.String),
            pl.lit('" data-value="'),
            raw,
            pl.lit('">'),
            shown,
            pl.lit("</td>"),
        ]
    )


def scorecard_rows(values: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """Every scorecard cell of the report, once: one row per indicator (aim, then catalogue order), the
    indicator's name and unit in `head`, and one `<td>` column per area code (null where not published).

    `values` is the published totaal of the latest year (queries.SCORECARD).
    """
    info = catalogue.select("indicator_id", "name_nl", "aim", "unit", "direction", "source", "catalogue_order")
    region = values.filter(pl.col("area_level") == "regio").select("indicator_id", region_value="value")
    cells = (
        values.join(info, on="indicator_id")
        .join(region, on="indicator_id", how="left")
        .with_columns(cell=cell_expr())
    )
    wide = cells.pivot(on="area_code", index="indicator_id", values="cell")
    aim_order = pl.col("aim").replace_strict({a: i for i, a in enumerate(AIMS)}, default=len(AIMS))
    return (
        info.join(wide, on="indicator_id")
        .sort(aim_order, "catalogue_order")
        .with_columns(
            head=pl.concat_str(
                [
                    pl.lit('<th scope="row">'),
                    escape_expr(pl.col("name_nl")),
                    pl.lit('</th><td class="unit">'),
                    escape_expr(pl.col("unit").replace(UNITS).fill_null("")),
                    pl.lit("</td>"),
                ]
            ),
            aim_label=pl.col("aim").replace_strict(AIMS, default=pl.col("aim")),
        )
    )


def _labelled(cell: pl.Expr, label: str) -> pl.Expr:
    """The area's name on the cell (data-label), which a narrow screen shows in place of the column header."""
    return cell.str.replace("<td ", f'<td data-label="{html.escape(label)}" ', literal=True)


def scorecard_table(rows: pl.DataFrame, columns: dict[str, str]) -> str:
    """The scorecard for `columns` (area_code -> header, the page's own area first): picked from
    `scorecard_rows`; indicators absent for an area get a dash, suppressed ones read 'onderdrukt'."""
    codes = [c for c in columns if c in rows.columns]
    if not codes:
        return '<p class="note">Geen indicatoren voor dit gebied.</p>'
    span = len(columns) + 2
    aim_header = pl.concat_str(
        [pl.lit(f'<tr class="aim"><th colspan="{span}">'), pl.col("aim_label"), pl.lit("</th></tr>")]
    )
    body = rows.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in codes])).select(
        pl.concat_str(
            [
                pl.when(pl.col("aim").ne_missing(pl.col("aim").shift()))
                .then(aim_header)
                .otherwise(pl.lit("")),  # first of its aim
                pl.lit("<tr>"),
                pl.col("head"),
                *[_labelled(pl.col(c).fill_null(pl.lit(ABSENT)) if c in codes else pl.lit(ABSENT), label)
                  for c, label in columns.items()],
                pl.lit("</tr>"),
            ],
            ignore_nulls=False,
        ).alias("row")
    )["row"]
    header = "".join(f'<th class="area" scope="col">{html.escape(label)}</th>' for label in columns.values())
    return (
        f'<div class="scroll"><table id="scorecard" class="stack"><thead><tr><th scope="col">Indicator</th>'
        f'<th scope="col">eenheid</th>{header}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )
