"""The published contract of `monitoring.duckdb`: tables, columns and their comments (NL / EN).

Publication, the privacy check and the README read this; a column that is not listed here
never reaches `published/`.
"""

from __future__ import annotations

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "indicator_catalogue": (
        "Indicatorcatalogus: definitie van elke indicator / Indicator catalogue: definition of every indicator",
        {
            "indicator_id": "Vaste id van de indicator / Stable indicator id",
            "name_nl": "Naam in het Nederlands / Dutch name",
            "name_en": "Naam in het Engels / English name",
            "aim": "Doel van de quintuple aim of PHM / Quintuple-aim or PHM aim",
            "ph_dimension": "Dimensie van Positieve Gezondheid / Positive Health dimension",
            "unit": "Eenheid / Unit",
            "direction": "Richting van beter / Direction of better",
            "numerator": "Teller (SQL op de mart) / Numerator (SQL on the mart)",
            "denominator": "Noemer: wie telt mee (SQL-filter) / Denominator: who counts (SQL filter)",
            "source": "Bron / Source",
            "method": "Rekenmethode / Estimation method",
            "multiplier": "Vermenigvuldiger (100 = %, 1000 = per 1.000) / Multiplier",
            "strata": "Uitsplitsingen zoals in indicator_values (buurten alleen totaal), bv. categorie:farmacie / "
                      "Strata as published in indicator_values (buurten totaal only), e.g. categorie:farmacie",
            "min_denominator": "Minimale noemer / Minimum denominator",
            "levels": "Gebiedsniveaus / Area levels",
            "standard": "Standaardpopulatie bij standaardisatie: region of esp2013 / Standard population",
            "inputs": "Bronnen die de indicator nodig heeft; een jaar waarin er een onvolledig is, wordt niet als waarde "
                      "gepubliceerd / Landing sources the indicator needs; a year in which one is incomplete is not "
                      "published as a value",
            "small_area": "Modelschatting per buurt en wijk in small_area_estimates: fay_herriot, of leeg / "
                          "Model-based buurt and wijk estimate in small_area_estimates: fay_herriot, or empty",
            "price_base_year": "Geldbedragen: value_real en change_real zijn in prijzen van dit jaar (omgerekend met "
                               "de consumentenprijsindex van het CBS); leeg als de indicator geen geldbedrag is / "
                               "Money: value_real and change_real are in prices of this year (deflated with the "
                               "CBS consumer price index); empty when the indicator is not money",
            "not_in_layouts": "Bronindelingen die deze indicator niet kunnen dragen, met de reden (in een regio met zo'n "
                              "indeling: onderdrukt, reden niet geleverd); leeg als elke indeling hem draagt / Input "
                              "layouts that cannot carry the indicator, with why (suppressed there, reason niet "
                              "geleverd); empty when every layout carries it",
            "catalogue_version": "Versie van de catalogus / Catalogue version",
        },
    ),
    "areas": (
        "Gebieden: buurt, wijk, gemeente en regio / Areas: neighbourhood, district, municipality, region",
        {
            "area_code": "CBS-code van het gebied / CBS area code",
            "area_level": "Niveau: buurt, wijk, gemeente, regio / Level",
            "name": "Naam / Name",
            "parent_code": "Code van het bovenliggende gebied / Parent area code",
            "gemeente_code": "Gemeentecode / Municipality code",
            "residents": "Inwoners op 1 januari van het laatste jaar, afgerond op 5 / Residents, rounded to 5",
            "classification_year": "Jaar van de CBS-gebiedsindeling / CBS classification year",
        },
    ),
    "indicator_values": (
        "Indicatorwaarden per gebied, jaar en uitsplitsing / Indicator values per area, year and stratum",
        {
            "indicator_id": "Indicator (zie indicator_catalogue) / Indicator id",
            "period": "Jaar / Year",
            "area_code": "Gebiedscode / Area code",
            "area_level": "Gebiedsniveau / Area level",
            "stratum": "Uitsplitsing, bv. totaal, leeftijd:75+ of leeftijd:65+ (= 65-74 en 75+ samen) / Stratum, "
                       "e.g. totaal, leeftijd:75+ or leeftijd:65+ (65-74 and 75+ together)",
            "numerator": "Teller, afgerond op 5 / Numerator, rounded to 5",
            "denominator": "Noemer, afgerond op 5 / Denominator, rounded to 5",
            "n": "Aantal personen of respondenten, afgerond op 5 / Persons or respondents, rounded to 5",
            "value": "Waarde, berekend uit de afgeronde aantallen (enquête: gewogen; gemiddelde: totaal gedeeld door "
                     "het afgeronde aantal) / Value, computed from the rounded counts (survey: weighted; mean: total "
                     "over the rounded count)",
            "ci_low": "Ondergrens 95%-betrouwbaarheidsinterval, uit de afgeronde aantallen; leeg voor personeelscijfers "
                      "(een telling van organisaties) / Lower 95% confidence limit, from the rounded counts; empty "
                      "for workforce figures (a census of organisations)",
            "ci_high": "Bovengrens 95%-betrouwbaarheidsinterval / Upper 95% confidence limit",
            "suppressed": "Onderdrukt wegens onthullingsrisico / Suppressed for disclosure control",
            "suppression_reason": "Reden: primary, secondary, dominance, bron onvolledig (een bron van dit jaar "
                                  "ontbreekt of is onvolledig), geen waarnemingen (niemand in deze cel) of niet "
                                  "geleverd (de bronbestanden leveren dit gegeven niet) / Reason for suppression: "
                                  "primary, secondary, dominance, bron onvolledig (a source of this year is missing "
                                  "or incomplete), geen waarnemingen (nobody in this cell) or niet geleverd (the "
                                  "input layout does not deliver it)",
            "comparison": "Vergeleken met de regio: hoger of lager = buiten de 99,8%-controlegrens rond de regiowaarde "
                          "(trechterdiagram, Spiegelhalter 2005), anders geen_verschil / Compared with the region: "
                          "beyond the 99.8% funnel limit around the region's value, else geen_verschil",
            "value_real": "Geldbedragen: waarde in constante prijzen van price_base_year (indicator_catalogue) = value x "
                          "CPI(basisjaar) / CPI(jaar), CBS-consumentenprijsindex; leeg voor andere indicatoren en als "
                          "de cel onderdrukt is / Money: value in constant prices of price_base_year = value x "
                          "CPI(base year) / CPI(year), CBS consumer price index; empty for other indicators and when "
                          "suppressed",
            "ci_low_real": "Ondergrens 95%-interval in constante prijzen (ci_low x dezelfde factor) / Lower 95% limit "
                           "in constant prices (ci_low x the same factor)",
            "ci_high_real": "Bovengrens 95%-interval in constante prijzen / Upper 95% limit in constant prices",
        },
    ),
    "small_area_estimates": (
        "Modelschattingen (Fay-Herriot, EBLUP) van enquêtecijfers per buurt en wijk, alleen waar de directe cel "
        "gepubliceerd is / Model-based (Fay-Herriot EBLUP) survey estimates per buurt and wijk, only where the "
        "direct cell is published",
        {
            "indicator_id": "Indicator (zie indicator_catalogue, small_area) / Indicator id",
            "period": "Jaar / Year",
            "area_code": "Gebiedscode / Area code",
            "area_level": "Gebiedsniveau: buurt of wijk / Area level: buurt or wijk",
            "method": "Model: fay_herriot_reml (Fay & Herriot 1979; REML; MSE volgens Prasad-Rao) / Model",
            "direct_value": "Directe schatting, gelijk aan value in indicator_values / Direct estimate, equal to "
                            "value in indicator_values",
            "value": "Modelschatting (EBLUP, %): gewogen gemiddelde van de directe schatting en de voorspelling uit "
                     "registerkenmerken van het gebied / Model estimate (EBLUP, %): weighted mean of the direct "
                     "estimate and the prediction from the area's register characteristics",
            "ci_low": "Ondergrens 95%-interval: modelschatting - 1,96 x wortel(MSE), niet onder 0 / Lower 95% "
                      "limit: EBLUP - 1.96 sqrt(MSE), not below 0",
            "ci_high": "Bovengrens 95%-interval, niet boven 100 / Upper 95% limit, not above 100",
            "direct_weight": "Gewicht van de directe schatting in de modelschatting (0-1) / Weight of the direct "
                             "estimate in the model estimate (0-1)",
        },
    ),
    "equity_gaps": (
        "Gezondheidsverschillen naar inkomen per indicator, gebied en jaar / Income gradients per indicator",
        {
            "indicator_id": "Indicator / Indicator id",
            "period": "Jaar / Year",
            "area_code": "Gebiedscode / Area code",
            "area_level": "Gebiedsniveau / Area level",
            "q1_value": "Waarde in inkomenskwintiel 1 (laagste) / Value in the lowest income quintile",
            "q5_value": "Waarde in inkomenskwintiel 5 (hoogste) / Value in the highest income quintile",
            "gap": "Verschil Q1 - Q5 / Absolute gap Q1 - Q5",
            "ratio": "Verhouding Q1 / Q5 / Ratio Q1 / Q5",
            "sii": "Hellingsindex SII: verschil tussen laagste en hoogste inkomen volgens de regressielijn over de "
                   "kwintielen, geplaatst naar hun bevolkingsaandeel (bij enquête-indicatoren: volwassen inwoners, "
                   "niet respondenten) / Slope index of inequality, lowest minus highest income, quintiles placed by "
                   "their population share (survey indicators: adult residents, not respondents)",
            "sii_ci_low": "Ondergrens 95%-interval SII / Lower 95% limit of the SII",
            "sii_ci_high": "Bovengrens 95%-interval SII / Upper 95% limit of the SII",
            "rii": "Relatieve ongelijkheidsindex RII = SII / waarde van de hele bevolking (totaal), niet de "
                   "verhouding van de geschatte waarden bij laagste en hoogste inkomen / Relative index of "
                   "inequality RII = SII / overall (totaal) value, not the ratio of the fitted values at both ends",
            "rii_ci_low": "Ondergrens 95%-interval RII (deltamethode) / Lower 95% limit of the RII (delta method)",
            "rii_ci_high": "Bovengrens 95%-interval RII (deltamethode) / Upper 95% limit of the RII (delta method)",
            "suppressed": "Onderdrukt (een kwintiel- of totaalcel onderdrukt of < 10 gebeurtenissen) / Suppressed "
                          "(a quintile or totaal cell suppressed, or fewer than 10 events)",
        },
    ),
    "evaluation_results": (
        "Evaluatie van interventies (verschil-in-verschillen); samenhang, geen bewijs / Evaluation of interventions",
        {
            "intervention_id": "Interventie / Intervention id",
            "indicator_id": "Uitkomstindicator / Outcome indicator",
            "law": "Wet van een kostenuitkomst (zvw, wlz, wmo, jeugdwet, participatiewet; leeg bij zorggebruik) / "
                   "Law of a cost outcome (empty for care use)",
            "payer": "Betaler van die kosten: zorgverzekeraar, zorgkantoor of gemeente (indicators/payers.py; leeg "
                     "bij zorggebruik) / Payer of that cost: health insurer, care office or municipality (empty for "
                     "care use)",
            "method": "Methode: did_area_panel of did_participants_matched / Method",
            "estimate": "Geschat verschil-in-verschillen, bij kosten in euro per persoonjaar (Zvw: per verzekerdenjaar) "
                        "/ Difference-in-differences estimate; for costs euro per person-year (Zvw: per insured "
                        "year)",
            "ci_low": "Ondergrens 95%-interval / Lower 95% limit",
            "ci_high": "Bovengrens 95%-interval / Upper 95% limit",
            "n_areas_treated": "Aantal interventiegebieden (of deelnemers) / Treated areas (or participants)",
            "n_areas_comparison": "Aantal vergelijkingsgebieden (of personen) / Comparison areas (or persons)",
            "periods": "Perioden voor en na de start / Periods before and after the start",
            "status": "estimated of not_estimable / estimated or not_estimable",
            "reason": "Reden als niet schatbaar, of toelichting / Reason when not estimable, or a note",
            "caveat": "Voorbehoud: monitoring is geen bewijs / Caveat: monitoring is not proof",
            "estimand": "Wat geschat wordt: intention_to_treat_buurt (alle inwoners van de interventiebuurten) of "
                        "effect_on_participants (deelnemers tegen gematchte niet-deelnemers) / Estimand: "
                        "intention-to-treat in the buurt or effect on participants",
            "inference": "Inferentie: wild cluster bootstrap (Webb-gewichten, nulhypothese opgelegd) bij weinig "
                         "buurten, of cluster-robuust met t(G-1) / Inference: restricted wild cluster bootstrap "
                         "(Webb weights) or cluster-robust t(G-1)",
            "p_value": "Tweezijdige p-waarde voor geen effect / Two-sided p-value for no effect",
            "mde": "Kleinste effect dat met 80% onderscheidingsvermogen (5% tweezijdig) te zien is, in de eenheid "
                   "van de schatting / Minimum detectable effect at 80% power, 5% two-sided",
        },
    ),
    "trends": (
        "Trends: verandering tussen opeenvolgende jaren en over de hele periode / Trends: change between years",
        {
            "indicator_id": "Indicator / Indicator id",
            "area_code": "Gebiedscode / Area code",
            "area_level": "Gebiedsniveau / Area level",
            "stratum": "Uitsplitsing / Stratum",
            "from_period": "Beginjaar / From year",
            "to_period": "Eindjaar / To year",
            "from_value": "Waarde in het beginjaar / Value in the first year",
            "to_value": "Waarde in het eindjaar / Value in the last year",
            "change": "Verandering (eindwaarde - beginwaarde) / Change (last - first)",
            "ci_low": "Ondergrens 95%-interval van de verandering / Lower 95% limit of the change",
            "ci_high": "Bovengrens 95%-interval van de verandering / Upper 95% limit of the change",
            "significant": "Verandering significant (interval zonder 0) / Change significant (interval excludes 0)",
            "change_real": "Geldbedragen: verandering in constante prijzen van price_base_year (reëel, na aftrek van "
                           "inflatie) = value_real eindjaar - value_real beginjaar; change blijft nominaal; leeg voor "
                           "andere indicatoren / Money: change in constant prices of price_base_year (real, net of "
                           "inflation) = value_real last - value_real first; change stays nominal; empty otherwise",
            "ci_low_real": "Ondergrens 95%-interval van change_real (standaardfout van elk jaar x zijn deflator) / "
                           "Lower 95% limit of change_real (each year's standard error x its deflator)",
            "ci_high_real": "Bovengrens 95%-interval van change_real / Upper 95% limit of change_real",
            "suppressed": "Onderdrukt (een van beide jaren onderdrukt) / Suppressed (either year suppressed)",
        },
    ),
    "impact_scenarios": (
        "Scenario's voor interventie-impact: bereikte personen x verwacht effect (aannames, geen voorspelling) / "
        "Intervention impact scenarios: people reached x assumed effect",
        {
            "period": "Jaar / Year",
            "area_code": "Gebiedscode / Area code",
            "area_level": "Gebiedsniveau (gemeente, regio) / Area level",
            "scenario": "Scenario (zie impact_scenarios.csv) / Scenario",
            "segment": "PHM-segment waarop het scenario zich richt / Target segment",
            "outcome": "Uitkomst: acute_admissions of seh_visits / Outcome",
            "persons": "Personen in het segment, afgerond op 5 / Persons in the segment, rounded to 5",
            "baseline_events": "Gebeurtenissen in het jaar, afgerond op 5 / Events in the year, rounded to 5",
            "reach_share": "Aangenomen bereik (aandeel) / Assumed reach (share)",
            "assumed_effect": "Aangenomen relatief effect / Assumed relative effect",
            "persons_reached": "Bereikte personen bij deze aanname / Persons reached under the assumption",
            "expected_change_in_events": "Verwachte verandering in gebeurtenissen per jaar / Expected change in events",
            "suppressed": "Onderdrukt (segment onderdrukt, < 10 personen, of gebeurtenissen van 1-9 personen) / "
                          "Suppressed (segment suppressed, fewer than 10 persons, or events of 1-9 persons)",
        },
    ),
    "cost_ledger": (
        "Kostenoverzicht: wie betaalt wat, voor wie; per jaar, gebied, bevolkingsgroep en wet (betaler), de "
        "gepubliceerde cellen van de indicatoren co_ledger_<wet>. Laat zien waar het geld heen gaat, niet wat het "
        "oplevert of wat zorg zou moeten kosten / Cost ledger: who pays what, for whom; per year, area, population "
        "group and law (payer), the published cells of the co_ledger_<law> indicators. Shows where the money goes, "
        "not what it achieves or what care should cost",
        {
            "period": "Jaar / Year",
            "area_code": "Gebiedscode / Area code",
            "area_level": "Gebiedsniveau (buurt: alleen totaal) / Area level (buurt: totaal only)",
            "population_group": "Bevolkingsgroep: totaal, segment, opstapeling (0, 1, 2, 3+, 2+) of doelgroep (IZA; "
                                "doelgroepen overlappen en tellen niet op tot totaal) / Population group: totaal, "
                                "segment, opstapeling or doelgroep (IZA target groups overlap and do not add up)",
            "group_value": "De groep, bv. 3+ of kwetsbare_ouderen / The group, e.g. 3+ or kwetsbare_ouderen",
            "stratum": "Uitsplitsing zoals in indicator_values / Stratum as in indicator_values",
            "payer": "Betaler: zorgverzekeraar, zorgkantoor of gemeente (indicators/payers.py) / Payer",
            "law": "Wet: zvw, wlz, wmo, jeugdwet, participatiewet / Law",
            "law_nl": "Naam van de wet / Name of the law",
            "indicator_id": "De indicator waarvan de rij de cel herhaalt / The indicator whose cell the row repeats",
            "persons": "Inwoners in de groep (1 januari), afgerond op 5 / Residents in the group, rounded to 5",
            "total_eur": "Kosten in euro in het jaar, afgerond op 5 / Cost in euros in the year, rounded to 5",
            "eur_per_resident": "Euro per inwoner = total_eur / persons / Euros per resident",
            "eur_per_person_year": "Euro per persoonsjaar (jaar als inwoner, tot overlijden) / Euros per person-year "
                                   "(time resident, up to death)",
            "share_of_area_total": "Aandeel (%) van de kosten van alle wetten samen in het gebied en jaar (totaal); leeg "
                                   "als een wet in dat gebied onderdrukt is / Share (%) of the area's cost over all "
                                   "laws (totaal); empty when a law's cell of the area is suppressed",
            "laws_in_total": "Aantal wetten met gegevens in dat totaal (Participatiewet ontbreekt als de levering geen "
                             "bedragen heeft) / Laws with data in that total (no Participatiewet when the delivery "
                             "carries no amounts)",
            "suppressed": "Onderdrukt (zoals de cel in indicator_values) / Suppressed (as the indicator_values cell)",
            "suppression_reason": "Reden (zoals in indicator_values) / Reason (as in indicator_values)",
        },
    ),
    "payment_scenarios": (
        "Scenario's voor bekostiging: normbedrag, gedeelde besparingen, regiobudget, gebundeld budget en wat-als, "
        "per betaler (aannames uit phm.toml, geen voorspelling) / Payment-model scenarios per payer",
        {
            "period": "Jaar / Year",
            "area_code": "Gebiedscode / Area code",
            "area_level": "Gebiedsniveau (gemeente, regio) / Area level",
            "scenario": "population_budget (normbedrag), shared_savings (gedeelde besparingen), regiobudget, "
                        "pooled_budget (gebundeld budget doelgroep), what_if (wat-als van een interventie) / Scenario",
            "payer": "Betaler: zorgverzekeraar, zorgkantoor, gemeente, of alle / Payer, or alle (all payers)",
            "laws": "Wetten waarvan de kosten meetellen (zvw, wlz, wmo, jeugdwet, participatiewet) / Laws counted",
            "measure": "Grootheid: norm (verwachte kosten), actual (werkelijke kosten), savings (norm - werkelijk), "
                       "shared (te delen na minimum en corridor), share (deel van de betaler), contribution "
                       "(inleg), group_cost (kosten van de doelgroep), budget_effect (effect op de uitgaven in "
                       "horizonjaar), budget_effect_horizon (som over de horizon) / Measure",
            "horizon_year": "Wat-als: jaar na de start (1 = eerste jaar); leeg bij andere scenario's / What-if: "
                            "year after the start",
            "intervention_id": "Wat-als: interventie; leeg bij andere scenario's / What-if: intervention id",
            "persons": "Inwoners (of bereikte deelnemers, of leden van de doelgroep), afgerond op 5 / Residents "
                       "(or participants reached, or target-group members), rounded to 5",
            "per_person": "Euro per persoon (per inwoner, lid of deelnemer) / Euro per person",
            "amount": "Bedrag in euro = per_person x persons (afgeronde personen) / Amount in euro = per_person x "
                      "persons (rounded persons)",
            "amount_low": "Wat-als: ondergrens uit het 95%-interval van het geschatte effect / What-if: lower limit "
                          "from the 95% interval of the estimated effect",
            "amount_high": "Wat-als: bovengrens uit het 95%-interval / What-if: upper limit from the 95% interval",
            "assumptions": "De aannames achter de rij, in woorden (uit [payment] van phm.toml) / The row's "
                           "assumptions in words (from [payment] in phm.toml)",
            "suppressed": "Onderdrukt (kostenregel: < 10 personen met kosten, grootste persoon > 50% van de "
                          "kosten, of een gemeente of betaler ernaast onderdrukt) / Suppressed (cost-cell rules or "
                          "complementary suppression)",
        },
    ),
    "quality_results": (
        "Uitkomst van elke kwaliteitscontrole van de run / Result of every quality check of the run",
        {
            "run_id": "Run-id / Run id",
            "check_name": "Naam van de controle / Check name",
            "asset": "Gecontroleerde asset / Asset checked",
            "severity": "error blokkeert publicatie, warn meldt / error blocks publication, warn reports",
            "kahn_category": "Kahn-categorie: conformance, completeness, plausibility / Kahn category",
            "status": "passed of failed / passed or failed",
            "observed": "Waargenomen / Observed",
            "threshold": "Drempel / Threshold",
            "affected_indicators": "Indicatoren die risico lopen / Indicators at risk",
            "message": "Toelichting voor beheerders (Engels) / Message for operators (English)",
            "description_nl": "Wat de controle bewaakt, in het Nederlands (voor het rapport) / What the check "
                              "guards, in Dutch (for the report)",
            "message_nl": "Uitkomst in het Nederlands met Nederlandse getallen; leeg: zie description_nl / "
                          "Outcome in Dutch with Dutch number formatting; empty: see description_nl",
        },
    ),
    "run_manifest": (
        "Herkomst van de publicatie: run, code, configuratie en invoerbestanden / Provenance of the publication",
        {
            "run_id": "Run-id / Run id",
            "started_at": "Start van de run (UTC) / Run start (UTC)",
            "finished_at": "Einde van de run (UTC) / Run end (UTC)",
            "code_version": "Codeversie (git) / Code version (git)",
            "config_hash": "Hash van de configuratie / Configuration hash",
            "source": "Bron of codelijst / Source or code list",
            "path": "Bestand / File",
            "sha256": "SHA-256 van het bestand in SRI-vorm (sha256-<base64>) / File SHA-256 as SRI (sha256-<base64>)",
            "rows_read": "Gelezen rijen / Rows read",
            "rows_loaded": "Geladen rijen / Rows loaded",
            "rows_quarantined": "Rijen in quarantaine / Rows quarantined",
            "version": "Versie van een codelijst / Code-list version",
        },
    ),
}

VIEWS: dict[str, tuple[str, str]] = {
    "v_scorecard": (
        "Laatste waarde per indicator en gebied (totaal) met vergelijking met de regio / "
        "Latest value per indicator and area (total) with the comparison to the region",
        """
        SELECT c.aim, v.indicator_id, c.name_nl, c.unit, c.direction, v.area_code, v.area_level, a.name AS area_name,
               v.period, v.value, v.ci_low, v.ci_high, v.comparison, v.suppressed, v.suppression_reason
        FROM indicator_values v
        JOIN indicator_catalogue c USING (indicator_id)
        JOIN areas a USING (area_code)
        WHERE v.stratum = 'totaal' AND v.period = (SELECT max(period) FROM indicator_values)
        """,
    ),
    "v_positive_health": (
        "Positieve Gezondheid breed per gebied en jaar (gemiddelde scores) / Positive Health wide per area and year",
        """
        SELECT area_code, area_level, period,
               max(value) FILTER (WHERE indicator_id = 'pg_lichaamsfuncties') AS lichaamsfuncties,
               max(value) FILTER (WHERE indicator_id = 'pg_mentaal_welbevinden') AS mentaal_welbevinden,
               max(value) FILTER (WHERE indicator_id = 'pg_zingeving') AS zingeving,
               max(value) FILTER (WHERE indicator_id = 'pg_kwaliteit_van_leven') AS kwaliteit_van_leven,
               max(value) FILTER (WHERE indicator_id = 'pg_meedoen') AS meedoen,
               max(value) FILTER (WHERE indicator_id = 'pg_dagelijks_functioneren') AS dagelijks_functioneren
        FROM indicator_values WHERE stratum = 'totaal'
        GROUP BY area_code, area_level, period
        """,
    ),
}

_CATALOGUE, _AREAS, _VALUES = (TABLES[t][1] for t in ("indicator_catalogue", "areas", "indicator_values"))


def _positive_health(dimension_nl: str, dimension_en: str) -> str:
    return (f"Gemiddelde score {dimension_nl} (0-10) van alle inwoners (totaal); leeg als de cel onderdrukt is / "
            f"Mean {dimension_en} score (0-10) of all residents (totaal); empty when the cell is suppressed")


# Column comments of the views, like those of the tables (a column the view copies keeps its table's comment).
VIEW_COLUMNS: dict[str, dict[str, str]] = {
    "v_scorecard": {
        "aim": _CATALOGUE["aim"], "indicator_id": _VALUES["indicator_id"], "name_nl": _CATALOGUE["name_nl"],
        "unit": _CATALOGUE["unit"], "direction": _CATALOGUE["direction"], "area_code": _VALUES["area_code"],
        "area_level": _VALUES["area_level"], "area_name": "Naam van het gebied / Area name",
        "period": "Laatste jaar van de publicatie / Latest year of the publication",
        "value": _VALUES["value"], "ci_low": _VALUES["ci_low"], "ci_high": _VALUES["ci_high"],
        "comparison": _VALUES["comparison"], "suppressed": _VALUES["suppressed"],
        "suppression_reason": _VALUES["suppression_reason"],
    },
    "v_positive_health": {
        "area_code": _VALUES["area_code"], "area_level": _VALUES["area_level"], "period": _VALUES["period"],
        "lichaamsfuncties": _positive_health("lichaamsfuncties", "bodily functions"),
        "mentaal_welbevinden": _positive_health("mentaal welbevinden", "mental well-being"),
        "zingeving": _positive_health("zingeving", "meaningfulness"),
        "kwaliteit_van_leven": _positive_health("kwaliteit van leven", "quality of life"),
        "meedoen": _positive_health("meedoen", "participation"),
        "dagelijks_functioneren": _positive_health("dagelijks functioneren", "daily functioning"),
    },
}
