"""Dutch texts of the quality checks, for the steering-group report; the English `message` stays for operators.

Every check (by `check_name`) has a one-sentence Dutch description of what it guards; an outcome may add a
Dutch message with its numbers (`CheckOutcome.message_nl`). Numbers here are written the Dutch way
(1.234,5; 63,9%), segment and source names as a reader knows them, never as raw ids.
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "rows_accounted_for": "Elke ingelezen rij van een bronbestand is geladen of apart gezet (quarantaine): er "
                          "verdwijnt geen rij.",
    "quarantine_share": "Hoogstens een klein deel van de rijen van een bronbestand is onbruikbaar; meer wijst op "
                        "een kapotte levering.",
    "person_year_unique": "Iedere inwoner komt per jaar één keer voor, zodat niemand dubbel meetelt.",
    "linkage_coverage": "Vrijwel alle zorg- en enquêterecords zijn te koppelen aan een inwoner van hetzelfde jaar.",
    "source_completeness": "Elke bron is voor elk jaar van de monitor volledig aangeleverd.",
    "incomplete_sources_allowed": "Bronnen die voor een jaar onvolledig zijn, worden voor dat jaar niet als "
                                  "waarde gepubliceerd.",
    "one_segment_per_person_year": "Iedere inwoner valt per jaar in precies één segment van de PHM-piramide.",
    "kaiser_pyramid": "De verdeling over de segmenten lijkt op de bekende Kaiser-piramide (ongeveer 70–80% gezond "
                      "of met verhoogd risico, 15–30% chronisch ziek, 1–5% complex).",
    "values_in_range": "Percentages liggen tussen 0 en 100 en elk interval omvat zijn waarde.",
    "rivm_plausibility": "Enquêtecijfers per gemeente en wijk liggen binnen de steekproefmarge van de "
                         "RIVM-schattingen van 2020.",
    "suppression_by_level": "Per gebiedsniveau is hoogstens de helft van de cijfers onderdrukt voor privacy.",
    "privacy": "De publicatie bevat geen pseudoniem, geen gegevens van één persoon, geen datum van een "
               "gebeurtenis en geen te kleine aantallen.",
    "disclosure_policy": "Een onafhankelijke aanval op de publicatie kan geen onderdrukt cijfer terugrekenen.",
    "run_to_run_values": "Cijfers van eerder gepubliceerde jaren veranderen alleen als hun brongegevens, de code "
                         "of de instellingen veranderd zijn.",
    "run_to_run_coverage": "Geen jaar, gebied of indicator van de vorige publicatie verdwijnt zonder gewijzigde "
                           "instellingen.",
    "output_check": "De map voor de outputcontrole van CBS bevat geen persoonssleutels, geen minima of maxima, en "
                    "elke variabele is beschreven.",
}
# The Great Expectations suites, by the table they check (check_name gx_<suite>).
SUITES: dict[str, str] = {
    "staging_person_year": "de inwoners per jaar",
    "marts_person_year": "de gegevens per inwoner en jaar",
    "marts_survey_respondent": "de enquêterespondenten",
    "candidate_indicator_values": "de indicatorwaarden van de publicatie",
    "candidate_areas": "de gebieden van de publicatie",
}
SEGMENT_BANDS = {"gezond_of_risico": "gezond of verhoogd risico", "chronisch": "chronisch ziek",
                 "complex": "kwetsbaar, complex of levenseinde"}
LEVELS = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten", "regio": "regio"}


def description(check_name: str) -> str:
    """The Dutch description of a check; a Great Expectations suite is described by the table it checks."""
    if check_name in DESCRIPTIONS:
        return DESCRIPTIONS[check_name]
    suite = check_name.removeprefix("gx_")
    what = SUITES.get(suite, "een tabel")
    return f"Vaste verwachtingen over {what} (Great Expectations): volledigheid, unieke sleutels en bereik."


def nl_number(value: float, decimals: int = 1) -> str:
    """1234.5 -> '1.234,5': the Dutch way, as the report writes numbers."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def nl_percent(share: float, decimals: int = 1) -> str:
    """63.94 -> '63,9%' (a percentage already times 100)."""
    return f"{nl_number(share, decimals)}%"
