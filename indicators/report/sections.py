"""HTML fragments of a report page other than the scorecard: key figures, tables for evaluation and
income gaps, the data-quality verdict. Tables are built with polars expressions, like the scorecard."""

from __future__ import annotations

import html
from collections.abc import Collection
from datetime import datetime

import polars as pl

from indicators.payers import LAWS
from indicators.report.labels import (
    PAYER_LABELS,
    SUPPRESSED,
    escape_expr,
    nl_datetime,
    nl_number,
    nl_number_expr,
)
from indicators.report.labels import SOURCES as SOURCE_LABELS

METHODS = {
    "did_area_panel": "verschil-in-verschillen, buurtvergelijking",
    "did_participants_matched": "verschil-in-verschillen, deelnemersvergelijking",
}
STATUSES = {"estimated": "geschat", "not_estimable": "niet te schatten"}
SEVERITIES = {"error": "blokkerend", "warn": "waarschuwing"}
KAHN_CATEGORIES = {"conformance": "vorm", "completeness": "volledigheid", "plausibility": "aannemelijkheid"}
# What the area panel and the participant analysis count in n_areas_treated / n_areas_comparison.
COUNTED = {"did_area_panel": "buurten", "did_participants_matched": "personen"}
# Who the estimate is about (indicators/evaluation.py: ESTIMANDS).
ESTIMANDS = {
    "intention_to_treat_buurt": "effect op alle inwoners van de interventiebuurten",
    "effect_on_participants": "effect op de deelnemers",
}
# Who pays the cost of a cost outcome (indicators/payers.py), as a reader reads it.
PAYERS = {law.law: f"{law.payer_nl} ({law.name_nl})" for law in LAWS}


def cost_outcome_name(indicator_id: pl.Expr, law: pl.Expr) -> pl.Expr:
    """The name of a cost outcome the catalogue does not hold (a law's cost over all residents)."""
    name = law.replace_strict({entry.law: entry.name_nl for entry in LAWS}, default=law)
    return pl.when(law.is_not_null()).then(pl.concat_str([pl.lit("Kosten "), name, pl.lit(" per inwoner")])
                                           ).otherwise(indicator_id)


# Not in the interventions source (quality/contracts.py: interventions has no cost column), so not a number.
PROGRAMME_COST = "de kosten van de interventie per deelnemer zijn niet aangeleverd"
# The reasons indicators/evaluation.py gives (English, for operators) as a reader reads them; a reason not
# listed here is not shown (the status says 'niet te schatten').
REASONS = [
    (r"^no year before and after the start in the data$", "geen jaar vóór én na de start in de gegevens"),
    (
        r"^too few areas: (\d+) treated, (\d+) comparison \(at least (\d+) each\)$",
        "te weinig buurten: ${1} met de interventie, ${2} ter vergelijking (minstens ${3} elk nodig)",
    ),
    (
        r"^too few areas: (\d+) treated, (\d+) comparison \(at least (\d+) treated and (\d+) comparison\)$",
        "te weinig buurten: ${1} met de interventie, ${2} ter vergelijking (minstens ${3} met de interventie en "
        "${4} ter vergelijking nodig)",
    ),
    (
        r"^interval unbounded: too few areas for the bootstrap to rule out any effect$",
        "interval onbegrensd: te weinig buurten om een effect uit te sluiten",
    ),
    (
        r"^few treated areas \((\d+)\): the wild bootstrap interval is conservative$",
        "weinig buurten met de interventie (${1}): het interval is ruim (voorzichtig)",
    ),
    (
        r"^too few events: at least (\d+) needed in each group and period$",
        "te weinig gebeurtenissen: minstens ${1} nodig in elke groep en periode",
    ),
    (
        r"^no participants with a year before their start in the data$",
        "geen deelnemers met een jaar vóór hun start in de gegevens",
    ),
    (
        r"^too few persons: fewer than (\d+) participants or matched non-participants.*$",
        "te weinig personen: minder dan ${1} deelnemers of gematchte niet-deelnemers",
    ),
]


def card(section_id: str, title: str, body: str) -> str:
    return f'<section id="{section_id}" class="card"><h2>{html.escape(title)}</h2>{body}</section>'


def table_rows(cells: list[pl.Expr], numeric: Collection[int] = (), labels: list[str] | None = None) -> pl.Expr:
    """One `<tr>` per row, from cell expressions that are already escaped and formatted.

    `labels` (the column headers) go on every cell as data-label: a narrow screen stacks the cells and shows
    the header beside each value instead of a table wider than the screen.
    """
    names = labels or [""] * len(cells)

    def opening(i: int) -> str:
        label = f' data-label="{html.escape(names[i])}"' if names[i] else ""
        return f'<td{label} class="num">' if i in numeric else f"<td{label}>"

    tds = [
        pl.concat_str(
            [
                pl.lit(opening(i)),
                cell.fill_null(pl.lit("–")),
                pl.lit("</td>"),
            ]
        )
        for i, cell in enumerate(cells)
    ]
    return pl.concat_str([pl.lit("<tr>"), *tds, pl.lit("</tr>")])


def table_html(header: list[str], rows: str, numeric: Collection[int] = ()) -> str:
    head = "".join(
        f"<th{' class=num' if i in numeric else ''}>{html.escape(h)}</th>" for i, h in enumerate(header)
    )
    return f'<div class="scroll"><table class="stack"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def table(frame: pl.DataFrame, header: list[str], cells: list[pl.Expr], numeric: Collection[int] = ()) -> str:
    """A plain table whose cells are string expressions on `frame`; empty string for an empty frame."""
    if frame.is_empty():
        return ""
    rows = frame.select(table_rows(cells, numeric, header).alias("row"))["row"]
    return table_html(header, "".join(rows), numeric)


def number_or_suppressed(column: str, decimals: int = 1, suppressed: str = "suppressed") -> pl.Expr:
    return (
        pl.when(pl.col(suppressed))
        .then(pl.lit(f'<span class="suppressed">{SUPPRESSED}</span>'))
        .otherwise(nl_number_expr(pl.col(column), decimals))
    )


def interval(low: str, high: str, decimals: int | pl.Expr = 1) -> pl.Expr:
    return pl.concat_str(
        [nl_number_expr(pl.col(low), decimals), pl.lit(" – "), nl_number_expr(pl.col(high), decimals)]
    )


def facts(items: list[tuple[str, str]]) -> str:
    return (
        '<ul class="facts">'
        + "".join(f"<li><b>{html.escape(v)}</b>{html.escape(k)}</li>" for k, v in items)
        + "</ul>"
    )


def incomplete_notice(entries: list[str]) -> str:
    """A notice naming the source-years published as incomplete: their indicators show no value that year."""
    if not entries:
        return ""
    by_source: dict[str, list[str]] = {}
    for entry in entries:
        source, _, year = entry.partition(":")
        by_source.setdefault(source, []).append(year)
    parts = [f"{SOURCE_LABELS.get(source, source)} ({', '.join(sorted(years))})" for source, years in by_source.items()]
    return (
        '<p class="verdict warn">Onvolledige bronnen: ' + html.escape("; ".join(parts)) + ". Indicatoren die "
        "deze bronnen gebruiken, zijn voor die jaren niet als waarde gepubliceerd (onderdrukt, reden: bron "
        "onvolledig). Vergelijk zulke jaren niet met andere jaren.</p>"
    )


def verdict(counts: pl.DataFrame, finished_at: datetime | None) -> tuple[str, str]:
    """One sentence on the run's checks and its css class: blocking failures, warnings or all clear."""
    by = {r["severity"]: (r["passed"], r["failed"]) for r in counts.iter_rows(named=True)}  # two severities
    error_passed, error_failed = by.get("error", (0, 0))
    warn_passed, warn_failed = by.get("warn", (0, 0))
    if error_failed:
        text, css = f"Let op: {error_failed} blokkerende controle(s) mislukt.", "fail"
    else:
        text, css = f"Alle {error_passed} blokkerende controles geslaagd.", "warn" if warn_failed else ""
    text += (
        f" {warn_failed} van {warn_passed + warn_failed} waarschuwingscontroles gaven een melding."
        if warn_failed
        else f" Geen meldingen uit {warn_passed} waarschuwingscontroles."
    )
    return f"{text} Controles van de verwerking van {nl_datetime(finished_at)}.", css


def quality(
    counts: pl.DataFrame,
    failures: pl.DataFrame,
    finished_at: datetime | None,
    run_id: str | None,
    code_version: str | None,
) -> str:
    """The data-quality verdict: counts per severity and every failed check with its message."""
    sentence, css = verdict(counts, finished_at)
    summary = table(
        counts,
        ["ernst", "geslaagd", "mislukt"],
        [
            pl.col("severity").replace_strict(SEVERITIES, default=pl.col("severity")),
            pl.col("passed").cast(pl.String),
            pl.col("failed").cast(pl.String),
        ],
        numeric={1, 2},
    )
    # Dutch only: what the check guards and its outcome in Dutch; the English message, the raw check name and
    # the observed value stay in quality_results for operators.
    failed = table(
        failures,
        ["controle", "ernst", "soort", "uitkomst"],
        [
            escape_expr(pl.col("description_nl")),
            pl.col("severity").replace_strict(SEVERITIES, default=pl.lit("onbekend")),
            pl.col("kahn_category").replace_strict(KAHN_CATEGORIES, default=pl.lit("overig")),
            escape_expr(
                pl.col("message_nl").fill_null(
                    pl.lit("melding; de details staan in het technische kwaliteitsverslag (map quality)")
                )
            ),
        ],
    )
    details = (
        f"<details><summary>{failures.height} controle(s) met een melding</summary>{failed}</details>"
        if failures.height
        else ""
    )
    run = (
        f"Verwerking {html.escape(run_id or 'onbekend')}, codeversie {html.escape(code_version or 'onbekend')}."
    )
    return (
        f'<p class="verdict {css}">{html.escape(sentence)}</p>{summary}{details}'
        f'<p class="note">{run} Blokkerende controles houden publicatie tegen; '
        "waarschuwingen worden gemeld.</p>"
    )


def periods_expr(periods: pl.Expr) -> pl.Expr:
    """'pre [2022, 2023] / post [2024]' -> 'vóór: 2022 en 2023; na: 2024'."""

    def years(label: str) -> pl.Expr:
        listed = periods.str.extract(rf"{label} \[([^\]]*)\]", 1)
        return listed.str.replace(r", (\d+)$", " en $1")

    return pl.concat_str([pl.lit("vóór: "), years("pre"), pl.lit("; na: "), years("post")])


def reason_expr(reason: pl.Expr) -> pl.Expr:
    """The Dutch reading of a known reason (REASONS); null for any other."""
    dutch = pl.lit(None, dtype=pl.String)
    for pattern, text in reversed(REASONS):  # five patterns, not rows
        dutch = pl.when(reason.str.contains(pattern)).then(reason.str.replace(pattern, text)).otherwise(dutch)
    return dutch


def evaluation(results: pl.DataFrame, names: dict[str, str]) -> str:
    """Difference-in-differences estimates per intervention, with the caveat that this is not proof."""
    if results.is_empty():
        return ""
    if "law" not in results.columns:  # a publication from before the cost outcomes per payer
        results = results.with_columns(law=pl.lit(None, dtype=pl.String))
    rows = results.with_columns(
        interventie=pl.col("intervention_id").replace_strict(names, default=pl.col("intervention_id")),
        uitkomst=pl.col("indicator_id").replace_strict(
            names, default=cost_outcome_name(pl.col("indicator_id"), pl.col("law"))),
        betaler=pl.col("law").replace_strict(PAYERS, default=pl.col("law")),
        reden=reason_expr(pl.col("reason")),
        geteld=pl.col("method").replace_strict(COUNTED, default=pl.lit("")),
    )
    euro = pl.when(pl.col("law").is_not_null()).then(0).otherwise(1)  # euros as whole amounts, as elsewhere
    body = table(
        rows,
        [
            "interventie",
            "uitkomst",
            "betaler (wet)",
            "methode",
            "schatting",
            "95%-interval",
            "kleinste aantoonbare effect",
            "met interventie / ter vergelijking",
            "jaren",
            "status",
        ],
        [
            escape_expr(pl.col("interventie")),
            escape_expr(pl.col("uitkomst")),
            escape_expr(pl.col("betaler")),
            pl.concat_str(
                [
                    pl.col("method").replace_strict(METHODS, default=pl.lit("andere methode")),
                    pl.when(pl.col("estimand").is_in(list(ESTIMANDS)))
                    .then(
                        pl.concat_str(
                            [
                                pl.lit('<br><span class="note">'),
                                pl.col("estimand").replace_strict(ESTIMANDS, default=None),
                                pl.lit("</span>"),
                            ]
                        )
                    )
                    .otherwise(pl.lit("")),
                ]
            ),
            nl_number_expr(pl.col("estimate"), euro),
            interval("ci_low", "ci_high", euro),
            nl_number_expr(pl.col("mde").cast(pl.Float64), euro).fill_null(""),
            pl.concat_str(
                [
                    nl_number_expr(pl.col("n_areas_treated"), 0),
                    pl.lit(" / "),
                    nl_number_expr(pl.col("n_areas_comparison"), 0),
                    pl.lit(" "),
                    pl.col("geteld"),
                ]
            ),
            periods_expr(pl.col("periods")),
            pl.concat_str(
                [
                    pl.col("status").replace_strict(STATUSES, default=pl.lit("onbekend")),
                    pl.when(pl.col("reden").is_not_null())
                    .then(
                        pl.concat_str(
                            [pl.lit('<br><span class="note">'), escape_expr(pl.col("reden")), pl.lit("</span>")]
                        )
                    )
                    .otherwise(pl.lit("")),
                ]
            ),
        ],
        numeric={4, 5, 6, 7},
    )
    note = (
        '<p class="note">Kosten per betaler: hoeveel de kosten per persoonjaar (Zvw: per verzekerdenjaar) in '
        "euro anders veranderden dan in de vergelijkingsgroep, per wet en dus per betaler; een besparing bij de "
        "een en kosten bij de ander staan naast elkaar, niet verrekend. "
        "Buurtvergelijking: buurten met de interventie tegen vergelijkbare buurten zonder; het "
        "interval komt uit een wild cluster bootstrap (Webb-gewichten), omdat er maar enkele buurten zijn. "
        "Deelnemersvergelijking: deelnemers tegen niet-deelnemers uit dezelfde doelgroep met dezelfde leeftijd en "
        "hetzelfde geslacht, in elk jaar vanaf hun start; de aantallen zijn personen, afgerond op 5. "
        "Kleinste aantoonbare effect: het effect dat met 80% kans (5% tweezijdig) zichtbaar zou zijn; een "
        "kleiner werkelijk effect valt binnen de onzekerheid.</p>"
    )
    return f"<h3>Evaluatie</h3>{cost_summary(rows, names)}{body}{note}"


def cost_summary(rows: pl.DataFrame, names: dict[str, str]) -> str:
    """Per intervention, the sentence a steering group reads: what it costs the gemeente per participant and
    how each payer's cost per participant changed (effect on participants, with the 95 % interval)."""
    costs = rows.filter(
        pl.col("law").is_not_null(),
        pl.col("estimand") == "effect_on_participants",
        pl.col("status") == "estimated",
    ).with_columns(
        part=pl.concat_str(
            [
                escape_expr(pl.col("betaler")),
                pl.lit(" "),
                nl_number_expr(pl.col("estimate"), 0),
                pl.lit(" euro per deelnemer per jaar (95%-interval "),
                interval("ci_low", "ci_high", 0),
                pl.lit(")"),
            ]
        ).fill_null(escape_expr(pl.col("betaler")) + pl.lit(": interval onbegrensd"))
    )
    items = []
    for intervention_id in rows["intervention_id"].unique(maintain_order=True):  # a handful of interventions
        parts = costs.filter(pl.col("intervention_id") == intervention_id)["part"].to_list()
        if not parts:
            continue
        name = html.escape(names.get(intervention_id, intervention_id.replace("_", " ").capitalize()))
        items.append(f"<li><b>{name}</b>: {PROGRAMME_COST}; verandering van de kosten per betaler (effect op de "
                     f"deelnemers): {'; '.join(parts)}.</li>")
    return f"<ul>{''.join(items)}</ul>" if items else ""


EQUITY_HEADER = [
    "indicator",
    "Q1 (laagste inkomen)",
    "Q5 (hoogste inkomen)",
    "verschil Q1 – Q5",
    "verhouding Q1 / Q5",
    "hellingsindex SII (95%-interval)",
]


def equity(gaps: pl.DataFrame, catalogue: pl.DataFrame) -> dict[str, str]:
    """Income gradient per indicator (lowest vs highest quintile, slope index of inequality, in Dutch the
    hellingsindex van ongelijkheid), as the section body for every area at once (area_code -> html)."""
    numeric = {1, 2, 3, 4, 5}
    suppressed = pl.lit(f'<span class="suppressed">{SUPPRESSED}</span>')
    rows = gaps.join(catalogue.select("indicator_id", "name_nl", "catalogue_order"), on="indicator_id").sort(
        "area_code", "catalogue_order"
    )
    rows = (
        rows.with_columns(
            row=table_rows(
                [
                    escape_expr(pl.col("name_nl")),
                    number_or_suppressed("q1_value"),
                    number_or_suppressed("q5_value"),
                    number_or_suppressed("gap"),
                    number_or_suppressed("ratio", 2),
                    pl.when(pl.col("suppressed"))
                    .then(suppressed)
                    .otherwise(
                        pl.concat_str(
                            [
                                nl_number_expr(pl.col("sii"), 1),
                                pl.lit(" ("),
                                interval("sii_ci_low", "sii_ci_high"),
                                pl.lit(")"),
                            ]
                        )
                    ),
                ],
                numeric,
                EQUITY_HEADER,
            )
        )
        .group_by("area_code", maintain_order=True)
        .agg(pl.col("row").str.join(""), n=pl.len())
    )
    note = (
        '<p class="note">De hellingsindex van ongelijkheid (SII) is het geschatte verschil tussen de laagste '
        "en de hoogste inkomensgroep over alle vijf kwintielen samen, elk kwintiel naar zijn aandeel in de "
        "bevolking. De relatieve index (RII, in de tabel equity_gaps) is de SII gedeeld door de waarde voor alle "
        "inwoners samen: een RII van 0,5 betekent een verschil van de helft van het gemiddelde, niet dat de "
        "laagste inkomensgroep 0,5 keer zo vaak scoort.</p>"
    )
    return {
        code: f"<details><summary>Toon {n} indicatoren naar inkomen</summary>"
        f"{table_html(EQUITY_HEADER, body, numeric)}</details>{note}"
        for code, body, n in rows.iter_rows()
    }  # one per area


def profile(values: pl.DataFrame, series: dict[str, str], dimensions: dict[str, str]) -> str:
    """The Positive Health scores as numbers beside the radar, where overlapping lines are hard to read."""
    cells = values.filter(pl.col("area_code").is_in(list(series))).with_columns(
        cell=pl.when(pl.col("suppressed"))
        .then(pl.lit(f'<span class="suppressed">{SUPPRESSED}</span>'))
        .otherwise(nl_number_expr(pl.col("value"), 1))
    )
    if cells.is_empty():
        return ""
    wide = cells.pivot(on="area_code", index="dimension", values="cell")
    wide = wide.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c) for c in series if c not in wide.columns]
    )
    order = pl.DataFrame({"dimension": list(dimensions), "naam": list(dimensions.values())})
    rows = order.join(wide, on="dimension", how="left")
    return table(
        rows,
        ["dimensie", *series.values()],
        [pl.col("naam"), *[pl.col(c) for c in series]],
        numeric=set(range(1, len(series) + 1)),
    )


def links(pages: pl.DataFrame) -> str:
    """A list of links to area pages (`href`, `name`)."""
    if pages.is_empty():
        return ""
    items = pages.select(
        pl.concat_str(
            [
                pl.lit('<li><a href="'),
                pl.col("href"),
                pl.lit('">'),
                escape_expr(pl.col("name")),
                pl.lit("</a></li>"),
            ]
        ).alias("li")
    )["li"]
    return f'<ul class="links">{"".join(items)}</ul>'


def residents_fact(residents: int | None) -> str:
    return "onbekend" if residents is None else nl_number(residents, 0)


SMALL_AREA_NOTE = (
    '<p class="note">Enquêtecijfers van een buurt rusten op enkele tientallen respondenten. De modelschatting '
    "(Fay-Herriot) combineert het directe cijfer met een voorspelling uit registerkenmerken van het gebied "
    "(laag inkomen, multimorbiditeit, depressie, Wmo, bijstand, kwetsbare ouderen), elk naar zijn "
    "betrouwbaarheid: het gewicht zegt hoeveel van het directe cijfer erin zit. Het interval is smaller; in "
    "een controle op proefgegevens lag de modelschatting dichter bij de werkelijke waarde dan het directe "
    "cijfer. Een modelschatting staat er alleen waar het directe cijfer gepubliceerd is.</p>"
)


def small_area(rows: pl.DataFrame) -> str:
    """Direct and model-based survey values of a wijk and its buurten, with the note on the model."""
    if rows.is_empty():
        return '<p class="note">Geen modelschattingen voor deze wijk (te weinig gepubliceerde buurtcijfers).</p>'
    header = ["Gebied", "Indicator", "Direct (%)", "Model (%)", "95%-interval model", "Gewicht direct"]
    cells = [escape_expr(pl.col("area_name")), escape_expr(pl.col("name_nl")),
             nl_number_expr(pl.col("direct_value"), 1), nl_number_expr(pl.col("value"), 1),
             interval("ci_low", "ci_high"), nl_number_expr(pl.col("direct_weight"), 2)]
    return SMALL_AREA_NOTE + table(rows, header, cells, numeric=(2, 3, 5))


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + nl_number(value, 0)


def money_change(rows: pl.DataFrame | None, series: dict[str, str]) -> str:
    """Under a money indicator's trend: its change over the whole period per area drawn, nominal (euros of each
    year) and real (in prices of the base year, CBS consumer price index), so inflation is not read as more care.
    Empty when the indicator is not money or no change is published."""
    if rows is None or rows.is_empty():
        return ""
    first = rows.row(0, named=True)
    order = {code: k for k, code in enumerate(series)}
    lines = []
    for r in sorted(rows.iter_rows(named=True), key=lambda r: order.get(r["area_code"], len(order))):  # <= 3 areas
        real = ("" if r["change_real"] is None else
                f"; in prijzen van {r['price_base_year']} (reëel) {_signed(r['change_real'])} euro "
                f"(95%: {nl_number(r['ci_low_real'], 0)} tot {nl_number(r['ci_high_real'], 0)})")
        lines.append(f"{html.escape(series.get(r['area_code'], r['area_code']))}: nominaal "
                     f"{_signed(r['change'])} euro (95%: {nl_number(r['ci_low'], 0)} tot "
                     f"{nl_number(r['ci_high'], 0)}){real}")
    return (f'<p class="note money-change">Verandering {first["from_period"]}-{first["to_period"]}. '
            + "<br>".join(lines) + ". Reëel: omgerekend met de consumentenprijsindex van het CBS, dus zonder de "
            "prijsstijging; nominaal: in euro's van elk jaar.</p>")


LEDGER_NOTE = (
    '<p class="note">Euro per inwoner per jaar (laatste jaar), naar wie betaalt: de zorgverzekeraar (Zvw), het '
    "zorgkantoor (Wlz) en de gemeente (Wmo, Jeugdwet en bijstand uit de Participatiewet). Het overzicht laat zien "
    "waar het geld heen gaat, niet wat het oplevert: hogere kosten in een segment zeggen niets over doelmatigheid, "
    "en een besparing bij de ene betaler door uitgaven bij de andere is hier niet te zien (zie de evaluatie). Een "
    "onderdrukte wet ontbreekt in zijn balk. De tabel cost_ledger heeft ook opstapeling en de IZA-doelgroepen; "
    "die overlappen en tellen niet op tot het totaal.</p>"
)


def ledger(top: pl.DataFrame) -> str:
    """The share of each payer's cost spent on its costliest 5 % of residents, beside the stacked bars."""
    if top.is_empty():
        return ""
    rows = top.with_columns(order=pl.col("payer").replace_strict({p: i for i, p in enumerate(PAYER_LABELS)},
                                                                  default=99)).sort("order")
    body = rows.select(table_rows([
        escape_expr(pl.col("payer").replace_strict(PAYER_LABELS, default=pl.col("payer"))),
        pl.when(pl.col("suppressed")).then(pl.lit(f'<span class="suppressed">{SUPPRESSED}</span>'))
        .otherwise(pl.concat_str([nl_number_expr(pl.col("value"), 1), pl.lit("%")])),
    ], {1}, LEDGER_TOP_HEADER)).to_series().str.join("").item()
    return ("<h3>Duurste 5% inwoners per betaler</h3>" + table_html(LEDGER_TOP_HEADER, body, {1})
            + '<p class="note">Aandeel van de kosten van elke betaler dat naar de 5% inwoners gaat bij wie die betaler '
              "het meest uitgeeft (per betaler andere inwoners). Wlz-zorg krijgt minder dan 5% van de inwoners: "
              "daar is het aandeel 100%.</p>")


LEDGER_TOP_HEADER = ["betaler", "aandeel bij de duurste 5%"]
