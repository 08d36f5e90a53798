"""Tables derived from the published cells (trends, equity gaps, impact scenarios) must not show more.

A trend or equity row uses published cells; it is empty whenever one of them is suppressed, and the cell
values it repeats are the published ones (not values recomputed from exact counts). An impact scenario
repeats a segment's persons: it is empty where that segment cell is suppressed, and its derived numbers
(persons reached = persons x reach share, expected change = events x reach x effect) follow from the rounded
counts it publishes. Where they do not, the attacker divides them back into the exact counts, and the
recovered persons feed the bound propagation. A payment scenario (indicators/payment_scenarios.py) is a
cost cell of a gemeente or the region: it shows figures only above the cost-cell thresholds, with persons
rounded, euros that are euros per person x the rounded persons (so dividing gives back no exact count), and
no region row beside a suppressed gemeente row of the same figure.
"""

from __future__ import annotations

import polars as pl

Finding = tuple[str, int, str, str, str, str]  # indicator_id, period, area_code, stratum, rule, message

TREND_COLUMNS = ("from_value", "to_value", "change", "ci_low", "ci_high", "significant", "change_real",
                 "ci_low_real", "ci_high_real")
EQUITY_QUINTILE_COLUMNS = ("q1_value", "q5_value", "gap", "ratio", "sii", "sii_ci_low", "sii_ci_high")
EQUITY_TOTAL_COLUMNS = ("rii", "rii_ci_low", "rii_ci_high")
QUINTILES = tuple(f"inkomen:q{i}" for i in range(1, 6))
SCENARIO_COLUMNS = ("persons", "baseline_events", "persons_reached", "expected_change_in_events")
# persons_reached is published rounded to a whole person, expected_change_in_events to one decimal.
REACHED_PRECISION, CHANGE_PRECISION = 0.5, 0.05


def _same(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a == b) | ((a - b).abs() <= 1e-9 * pl.max_horizontal(pl.lit(1.0), b.abs()))


def _shown(columns: tuple[str, ...], present: list[str]) -> pl.Expr:
    return pl.concat_str([pl.when(pl.col(c).is_not_null()).then(pl.lit(c)) for c in columns if c in present],
                         separator=", ", ignore_nulls=True)


def _findings(frame: pl.DataFrame) -> list[Finding]:
    return [tuple(row) for row in frame.select("indicator_id", "period", "area_code", "stratum", "rule", "message")
            .iter_rows()]


def trend_findings(trends: pl.DataFrame, cells: pl.DataFrame) -> list[Finding]:
    """Trend rows that show a change over a suppressed cell or repeat a value that is not the published one."""
    published = cells.select("indicator_id", "period", "area_code", "stratum", "suppressed", "p_value")
    key = ["indicator_id", "area_code", "stratum"]
    rows = (trends.join(published.rename({"period": "from_period", "suppressed": "from_hidden", "p_value": "from_cell"}),
                        on=[*key, "from_period"], how="left")
            .join(published.rename({"period": "to_period", "suppressed": "to_hidden", "p_value": "to_cell"}),
                  on=[*key, "to_period"], how="left")
            .with_columns(hidden=pl.col("from_hidden").fill_null(True) | pl.col("to_hidden").fill_null(True),
                          shown=_shown(TREND_COLUMNS, trends.columns), period=pl.col("to_period")))
    reveals = rows.filter(pl.col("hidden") & (pl.col("shown") != "")).with_columns(
        rule=pl.lit("derived_reveals"),
        message=pl.format("trend {}-{} shows {} although a cell it uses is suppressed or missing",
                          "from_period", "to_period", "shown"))
    differs = rows.filter(~pl.col("hidden") & ~(_same(pl.col("from_value"), pl.col("from_cell"))
                                                & _same(pl.col("to_value"), pl.col("to_cell"))).fill_null(True))
    differs = differs.with_columns(
        rule=pl.lit("derived_mismatch"),
        message=pl.format("trend {}-{} repeats values {} and {}, the published cells show {} and {}",
                          "from_period", "to_period", "from_value", "to_value", "from_cell", "to_cell"))
    return _findings(reveals) + _findings(differs)


def equity_findings(gaps: pl.DataFrame, cells: pl.DataFrame) -> list[Finding]:
    """Equity rows that show a gap over a suppressed quintile (or an RII over a suppressed totaal)."""
    published = cells.select("indicator_id", "period", "area_code", "stratum", "suppressed", "p_value")
    key = ["indicator_id", "period", "area_code"]
    wide = (published.filter(pl.col("stratum").is_in([*QUINTILES, "totaal"]))
            .pivot(on="stratum", index=key, values=["suppressed", "p_value"], aggregate_function="first"))
    for stratum in (*QUINTILES, "totaal"):
        for name in ("suppressed", "p_value"):
            if f"{name}_{stratum}" not in wide.columns:
                wide = wide.with_columns(pl.lit(None, pl.Boolean if name == "suppressed" else pl.Float64)
                                         .alias(f"{name}_{stratum}"))
    rows = gaps.join(wide, on=key, how="left").with_columns(
        quintile_hidden=pl.any_horizontal(pl.col(f"suppressed_{q}").fill_null(True) for q in QUINTILES),
        total_hidden=pl.col("suppressed_totaal").fill_null(True),
        quintile_shown=_shown(EQUITY_QUINTILE_COLUMNS, gaps.columns),
        total_shown=_shown(EQUITY_QUINTILE_COLUMNS + EQUITY_TOTAL_COLUMNS, gaps.columns),
        stratum=pl.lit("inkomen"))
    reveals = rows.filter((pl.col("quintile_hidden") & (pl.col("quintile_shown") != ""))
                          | (pl.col("total_hidden") & (pl.col("total_shown") != ""))).with_columns(
        rule=pl.lit("derived_reveals"),
        message=pl.format("equity gap shows {} although a quintile or totaal cell it uses is suppressed or missing",
                          pl.when(pl.col("quintile_hidden")).then("quintile_shown").otherwise("total_shown")))
    differs = rows.filter(~pl.col("quintile_hidden") & ~(_same(pl.col("q1_value"), pl.col("p_value_inkomen:q1"))
                                                         & _same(pl.col("q5_value"), pl.col("p_value_inkomen:q5")))
                          .fill_null(True)).with_columns(
        rule=pl.lit("derived_mismatch"),
        message=pl.format("equity gap repeats q1 {} and q5 {}, the published cells show {} and {}",
                          "q1_value", "q5_value", "p_value_inkomen:q1", "p_value_inkomen:q5"))
    return _findings(reveals) + _findings(differs)


def small_area_findings(estimates: pl.DataFrame, cells: pl.DataFrame) -> list[Finding]:
    """Model estimates of a buurt or wijk whose direct cell is suppressed or missing (an EBLUP mixes in the
    direct value: where that is protected, its mix must not appear), or that repeat another direct value."""
    published = cells.filter(pl.col("stratum") == "totaal").select(
        "indicator_id", "period", "area_code", "suppressed", "p_value")
    rows = (estimates.join(published, on=["indicator_id", "period", "area_code"], how="left")
            .with_columns(stratum=pl.lit("totaal"), hidden=pl.col("suppressed").fill_null(True)))
    reveals = rows.filter(pl.col("hidden") & pl.col("value").is_not_null()).with_columns(
        rule=pl.lit("derived_reveals"),
        message=pl.lit("model estimate published although the direct cell is suppressed or missing"))
    differs = rows.filter(~pl.col("hidden") & ~_same(pl.col("direct_value"), pl.col("p_value")).fill_null(True))
    differs = differs.with_columns(
        rule=pl.lit("derived_mismatch"),
        message=pl.format("model row repeats direct value {}, the published cell shows {}", "direct_value", "p_value"))
    return _findings(reveals) + _findings(differs)


def scenario_findings(scenarios: pl.DataFrame, cells: pl.DataFrame, rounding_base: float,
                      segment_keys: dict[str, str]) -> tuple[list[Finding], pl.DataFrame]:
    """Scenario rows over a suppressed segment or whose derived numbers give back exact counts.

    `segment_keys` maps a segment to the quantity key of its persons (the segment indicator's numerator_key).
    Returns the findings and what the attacker learns about segment persons (key, period, area_code, stratum,
    lo, hi): only when the table shows it computes from exact counts, since a number computed from a rounded
    count says nothing about the exact one.
    """
    segment_cells = cells.filter(pl.col("stratum") == "totaal").select(
        "period", "area_code", pl.col("indicator_id"), pl.col("suppressed").alias("segment_hidden"))
    rows = (scenarios.with_columns(indicator_id=pl.lit("phm_segment_") + pl.col("segment"),
                                   stratum=pl.lit("totaal"),
                                   shown=_shown(SCENARIO_COLUMNS, scenarios.columns))
            .join(segment_cells, on=["indicator_id", "period", "area_code"], how="left")
            .with_columns(indicator_id=pl.lit("impact_scenarios:") + pl.col("scenario")))
    persons, events = pl.col("persons").cast(pl.Float64), pl.col("baseline_events").cast(pl.Float64)
    share, effect = pl.col("reach_share").cast(pl.Float64), pl.col("assumed_effect").cast(pl.Float64)
    reached = pl.col("persons_reached").cast(pl.Float64)
    change = pl.col("expected_change_in_events").cast(pl.Float64)
    rows = rows.with_columns(
        reached_off=(reached - persons * share).abs() > REACHED_PRECISION + 1e-9 * reached.abs(),
        change_off=(change - events * share * effect).abs() > CHANGE_PRECISION + 1e-9 * change.abs(),
    )
    reveals = rows.filter(pl.col("segment_hidden").fill_null(True) & (pl.col("shown") != "")).with_columns(
        rule=pl.lit("derived_reveals"),
        message=pl.format("scenario for segment {} shows {} although the segment cell is suppressed or missing",
                          "segment", "shown"))
    unrounded = rows.filter(
        ((persons - rounding_base * (persons / rounding_base).round()).abs() > 1e-6)
        | ((events - rounding_base * (events / rounding_base).round()).abs() > 1e-6)).with_columns(
        rule=pl.lit("not_rounded"),
        message=pl.format("scenario persons {} or baseline events {} is not a multiple of {}",
                          "persons", "baseline_events", pl.lit(rounding_base)))
    leaky = rows.filter(pl.col("reached_off").fill_null(False) | pl.col("change_off").fill_null(False)).with_columns(
        rule=pl.lit("derived_reveals_counts"),
        message=pl.format("scenario for segment {}: persons reached {} / reach {} or expected change {} / "
                          "(reach x effect) gives back counts other than the published {} persons and {} events",
                          "segment", "persons_reached", "reach_share", "expected_change_in_events", "persons",
                          "baseline_events"))
    findings = _findings(reveals) + _findings(unrounded) + _findings(leaky)
    knowledge = rows.filter(pl.col("reached_off").any() & reached.is_not_null() & (share > 0)).select(
        key=pl.col("segment").replace_strict(segment_keys, default=None),
        period=pl.col("period").cast(pl.Int64), area_code=pl.col("area_code"), stratum=pl.col("stratum"),
        lo=(reached - REACHED_PRECISION) / share, hi=(reached + REACHED_PRECISION) / share,
    ).filter(pl.col("key").is_not_null())
    return findings, knowledge


LEDGER_COLUMNS = ("persons", "total_eur", "eur_per_resident", "eur_per_person_year", "share_of_area_total")
LEDGER_PRECISION = 0.5e-4  # the ledger repeats values at the candidate's 4 decimals


def ledger_findings(ledger: pl.DataFrame, cells: pl.DataFrame) -> list[Finding]:
    """Cost-ledger rows that show a number over a suppressed or missing cell, repeat a number other than the
    published cell's (persons = n, total_eur = numerator, eur_per_person_year = value), or show a share of the
    area's cross-domain total while one law's totaal cell of that area and year is suppressed (the share would
    give the hidden total back)."""
    published = cells.select("indicator_id", "period", "area_code", "stratum", "p_value", "p_num", "p_n", "reason",
                             cell_hidden=pl.col("suppressed"))
    rows = (ledger.drop("suppressed", "suppression_reason", strict=False)
            .join(published, on=["indicator_id", "period", "area_code", "stratum"], how="left")
            .with_columns(hidden=pl.col("cell_hidden").fill_null(True), shown=_shown(LEDGER_COLUMNS, ledger.columns)))
    reveals = rows.filter(pl.col("hidden") & (pl.col("shown") != "")).with_columns(
        rule=pl.lit("derived_reveals"),
        message=pl.format("cost ledger shows {} although its cell is suppressed or missing", "shown"))
    near = (pl.col("eur_per_person_year") - pl.col("p_value")).abs() <= LEDGER_PRECISION + 1e-9 * pl.col(
        "p_value").abs()
    differs = rows.filter(~pl.col("hidden") & (pl.col("shown") != "") & ~(_same(pl.col("persons").cast(pl.Float64), pl.col("p_n").cast(
        pl.Float64)) & _same(pl.col("total_eur"), pl.col("p_num")) & near).fill_null(True)).with_columns(
        rule=pl.lit("derived_mismatch"),
        message=pl.format("cost ledger repeats persons {}, euros {}, per person-year {}; the cell shows {}, {}, {}",
                          "persons", "total_eur", "eur_per_person_year", "p_n", "p_num", "p_value"))
    totals = (rows.filter(pl.col("stratum") == "totaal")
              .group_by("period", "area_code")
              .agg(total_hidden=(pl.col("hidden") & ~pl.col("reason").fill_null("").is_in(
                  ["geen waarnemingen", "niet geleverd"])).any()))
    shares = rows.join(totals, on=["period", "area_code"], how="left").filter(
        pl.col("total_hidden").fill_null(True) & pl.col("share_of_area_total").is_not_null()).with_columns(
        rule=pl.lit("derived_reveals"),
        message=pl.lit("cost ledger shows a share of the area's total although a law's totaal cell is suppressed"))
    return _findings(reveals) + _findings(differs) + _findings(shares)


PAYMENT_COLUMNS = ("persons", "per_person", "amount", "amount_low", "amount_high")
# per_person and amount are published to 4 decimals: their quotient is the rounded persons within this
PAYMENT_PRECISION = 1e-3


def payment_findings(payments: pl.DataFrame, rounding_base: float, min_cost_persons: float) -> list[Finding]:
    """Payment-scenario rows that break the cost-cell rules or let a difference or quotient give more back."""
    rows = payments.with_columns(
        indicator_id=pl.lit("payment_scenarios:") + pl.col("scenario"),
        stratum=pl.col("payer") + pl.lit(":") + pl.col("measure")
        + pl.when(pl.col("intervention_id").is_not_null()).then(pl.lit(":") + pl.col("intervention_id")).otherwise(
            pl.lit("")) + pl.when(pl.col("horizon_year").is_not_null()).then(
            pl.lit(":h") + pl.col("horizon_year").cast(pl.Utf8)).otherwise(pl.lit("")),
        shown=_shown(PAYMENT_COLUMNS, payments.columns))
    persons = pl.col("persons").cast(pl.Float64)
    reveals = rows.filter(pl.col("suppressed") & (pl.col("shown") != "")).with_columns(
        rule=pl.lit("derived_reveals"), message=pl.format("suppressed payment row shows {}", "shown"))
    small = rows.filter(~pl.col("suppressed") & (persons < min_cost_persons)).with_columns(
        rule=pl.lit("min_cost_persons"),
        message=pl.format("payment row rests on {} persons (< {})", "persons", pl.lit(min_cost_persons)))
    unrounded = rows.filter((persons - rounding_base * (persons / rounding_base).round()).abs() > 1e-6).with_columns(
        rule=pl.lit("not_rounded"),
        message=pl.format("payment persons {} is not a multiple of {}", "persons", pl.lit(rounding_base)))
    quotient = pl.col("amount").cast(pl.Float64) / pl.col("per_person").cast(pl.Float64)
    leaky = rows.filter(pl.col("per_person").is_not_null() & (pl.col("per_person").abs() > 1e-2)
                        & ((quotient - persons).abs() > PAYMENT_PRECISION * persons.abs().clip(1.0))).with_columns(
        rule=pl.lit("derived_reveals_counts"),
        message=pl.format("payment amount {} / per person {} gives back a count other than the published {}",
                          "amount", "per_person", "persons"))
    figure = ["period", "scenario", "payer", "measure", "intervention_id", "horizon_year"]
    gemeente = rows.filter(pl.col("area_level") == "gemeente").group_by(figure).agg(
        any_hidden=pl.col("suppressed").any())
    complement = rows.filter((pl.col("area_level") == "regio") & ~pl.col("suppressed")).join(
        gemeente, on=figure, how="inner", nulls_equal=True).filter("any_hidden").with_columns(
        rule=pl.lit("derived_reveals"),
        message=pl.lit("region payment row shown beside a suppressed gemeente row: the difference gives it back"))
    return (_findings(reveals) + _findings(small) + _findings(unrounded) + _findings(leaky)
            + _findings(complement))
