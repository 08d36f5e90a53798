"""The report's payment-scenario section (region page): norm amount, shared savings, regiobudget, pooled budget
and what-if per payer, with the assumptions in words, from the published `payment_scenarios`.

On the region page, not the gemeente page: a norm amount is a gemeente measured against the region's cost
per resident, shared savings and the regiobudget are agreements between the payers of the whole region, and
the what-if uses the region's evaluation; a reader sees the gemeenten side by side only there.
"""

from __future__ import annotations

import html

import polars as pl

from indicators.report.labels import SUPPRESSED, escape_expr, nl_number_expr
from indicators.report.sections import table

PAYERS = {"zorgverzekeraar": "zorgverzekeraar (Zvw)", "zorgkantoor": "zorgkantoor (Wlz)",
          "gemeente": "gemeente (Wmo, Jeugdwet, Participatiewet)", "alle": "alle betalers"}
TITLES = {
    "population_budget": "Normbedrag per gemeente (populatiebekostiging)",
    "shared_savings": "Gedeelde besparingen",
    "regiobudget": "Regiobudget: wat elke betaler inlegt",
    "pooled_budget": "Gebundeld budget voor één doelgroep",
    "what_if": "Wat als: een interventie over meerdere jaren",
}
EXPLAIN = {
    "population_budget": "Het normbedrag is wat de inwoners van een gemeente zouden kosten als zij per "
                         "leeftijdsgroep en geslacht even veel kostten als gemiddeld in de regio. Werkelijk boven "
                         "norm betekent: duurder dan de samenstelling van de bevolking verwacht laat, niet "
                         "vanzelf ondoelmatig.",
    "shared_savings": "Besparing = normbedrag − werkelijke kosten van alle betalers samen. Een plus is een "
                      "besparing om te verdelen, een min een verlies om samen te dragen.",
    "regiobudget": "Een vast deel van de uitgaven per wet gaat in een gezamenlijk regiobudget.",
    "pooled_budget": "Elke betaler legt per lid in wat de doelgroep hem in het eerste jaar kostte; daartegenover "
                     "staat wat de doelgroep hem elk jaar werkelijk kost. Wie meer inlegt dan de groep hem kost, "
                     "betaalt mee voor een ander.",
    "what_if": "Bereik × geschat effect per deelnemer en per betaler; het effect neemt elk jaar af met de "
               "aangenomen factor. Min is minder uitgaven. Het interval komt uit de evaluatie.",
}
CAVEAT = ("Dit zijn rekenvoorbeelden met aannames, geen voorspelling en geen bewijs dat een bekostiging werkt. "
          "Een normbedrag corrigeert alleen voor leeftijd en geslacht (en eventueel segment), niet voor alles "
          "wat zorgkosten verklaart; een besparing is een verschil, geen effect van beleid.")


def _money(column: str, suppressed: str = "suppressed") -> pl.Expr:
    return (pl.when(pl.col(suppressed)).then(pl.lit(f'<span class="suppressed">{SUPPRESSED}</span>'))
            .otherwise(pl.lit("€ ") + nl_number_expr(pl.col(column), 0)))


def _payer() -> pl.Expr:
    return escape_expr(pl.col("payer").replace_strict(PAYERS, default=pl.col("payer")))


def _area(names: dict[str, str]) -> pl.Expr:
    return escape_expr(pl.col("area_code").replace_strict(names, default=pl.col("area_code")))


def _wide(rows: pl.DataFrame, measures: list[str], by: list[str]) -> pl.DataFrame:
    """One row per `by` with amount_<measure> and one suppressed flag (any of its measures)."""
    parts = [rows.filter(pl.col("measure") == m).select(*by, pl.col("amount").alias(f"amount_{m}"),
                                                        pl.col("suppressed").alias(f"hidden_{m}"))
             for m in measures]
    out = parts[0]
    for part in parts[1:]:
        out = out.join(part, on=by, how="full", coalesce=True)
    return out.with_columns(suppressed=pl.any_horizontal([pl.col(f"hidden_{m}").fill_null(True) for m in measures]))


def payment_section(rows: pl.DataFrame, names: dict[str, str]) -> str:
    """The section body: one table per scenario of the latest year, each with what it means and its
    assumptions as published (the `assumptions` column)."""
    if rows.is_empty():
        return '<p class="note">Geen bekostigingsscenario\'s gepubliceerd.</p>'
    period = int(rows["period"].max())
    latest = rows.filter(pl.col("period") == period)
    order = pl.col("area_level").replace_strict({"regio": 0, "gemeente": 1}, default=2)
    parts = [f'<p class="note">Jaar {period}. Bedragen in euro per jaar, afgerond; personen afgerond op 5. '
             f'{html.escape(CAVEAT)}</p>']
    for scenario in ("population_budget", "shared_savings", "regiobudget", "pooled_budget", "what_if"):
        own = latest.filter(pl.col("scenario") == scenario)
        if own.is_empty():
            continue
        if scenario == "population_budget":
            wide = _wide(own, ["norm", "actual"], ["area_code", "area_level", "payer"]).with_columns(
                diff=pl.col("amount_actual") - pl.col("amount_norm"),
                ratio=pl.col("amount_actual") / pl.col("amount_norm") * 100).sort(order, "area_code", "payer")
            body = table(wide, ["Gebied", "Betaler", "Normbedrag", "Werkelijk", "Werkelijk − norm", "Werkelijk / norm"],
                         [_area(names), _payer(), _money("amount_norm"), _money("amount_actual"), _money("diff"),
                          pl.when(pl.col("suppressed")).then(pl.lit(SUPPRESSED))
                          .otherwise(nl_number_expr(pl.col("ratio"), 1) + pl.lit(" %"))], numeric=[2, 3, 4, 5])
        elif scenario == "shared_savings":
            totals = _wide(own.filter(pl.col("payer") == "alle"), ["savings", "shared"], ["area_code", "area_level"])
            shares = own.filter(pl.col("measure") == "share")
            for payer in shares["payer"].unique().sort():
                totals = totals.join(shares.filter(pl.col("payer") == payer).select(
                    "area_code", pl.col("amount").alias(f"share_{payer}")), on="area_code", how="left")
            payers = shares["payer"].unique().sort().to_list()
            body = table(totals.sort(order, "area_code"),
                         ["Gebied", "Besparing", "Te verdelen", *[f"Deel {PAYERS.get(p, p)}" for p in payers]],
                         [_area(names), _money("amount_savings"), _money("amount_shared"),
                          *[_money(f"share_{p}") for p in payers]], numeric=list(range(1, 3 + len(payers))))
        elif scenario == "regiobudget":
            body = table(own.sort(order, "area_code", "payer"), ["Gebied", "Betaler", "Inleg"],
                         [_area(names), _payer(), _money("amount")], numeric=[2])
        elif scenario == "pooled_budget":
            wide = _wide(own, ["contribution", "group_cost"], ["area_code", "area_level", "payer"]).with_columns(
                gain=pl.col("amount_contribution") - pl.col("amount_group_cost")).sort(order, "area_code", "payer")
            body = table(wide, ["Gebied", "Betaler", "Inleg", "Kosten doelgroep", "Inleg − kosten"],
                         [_area(names), _payer(), _money("amount_contribution"), _money("amount_group_cost"),
                          _money("gain")], numeric=[2, 3, 4])
        else:
            first = own.filter(pl.col("horizon_year") == 1).select(
                "intervention_id", "payer", "persons", first=pl.col("amount"))
            total = own.filter(pl.col("measure") == "budget_effect_horizon").select(
                "intervention_id", "payer", "horizon_year", "amount", "amount_low", "amount_high", "suppressed")
            wide = total.join(first, on=["intervention_id", "payer"], how="left").sort("intervention_id", "payer")
            interval = (pl.when(pl.col("suppressed")).then(pl.lit(SUPPRESSED)).otherwise(
                pl.lit("€ ") + nl_number_expr(pl.col("amount_low"), 0) + pl.lit(" tot € ")
                + nl_number_expr(pl.col("amount_high"), 0)))
            body = table(wide, ["Interventie", "Betaler", "Bereik (personen)", "Effect jaar 1",
                                "Effect over de horizon", "95%-interval", "Jaren"],
                         [escape_expr(pl.col("intervention_id").str.replace_all("_", " ")), _payer(),
                          nl_number_expr(pl.col("persons").cast(pl.Float64), 0), _money("first"), _money("amount"),
                          interval, pl.col("horizon_year").cast(pl.String)], numeric=[2, 3, 4, 6])
        assumptions = "; ".join(html.escape(a) for a in own["assumptions"].unique().sort().to_list())
        parts.append(f"<h3>{html.escape(TITLES[scenario])}</h3><p>{html.escape(EXPLAIN[scenario])}</p>{body}"
                     f'<p class="note">Aannames: {assumptions}.</p>')
    return "".join(parts)
