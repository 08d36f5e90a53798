"""Who pays for what: the laws behind the cross-domain cost columns and the payer that funds each.

The "wrong pocket" problem of regional tables (issue 20) is a question per payer: an intervention paid by
the gemeente may save costs at the insurer or the zorgkantoor. Every part that splits cost by payer (the
cost ledger, cost outcomes of the evaluation, payment scenarios) reads this one table, so a law is never
assigned to two payers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Law:
    """A law whose spending the pipeline sees, the payer that funds it, and its cost column per person-year."""

    law: str          # zvw, wlz, wmo, jeugdwet, participatiewet
    name_nl: str
    payer: str        # zorgverzekeraar, zorgkantoor, gemeente
    payer_nl: str
    cost_column: str  # euros per person-year in staging.person_care / marts.person_year


LAWS: tuple[Law, ...] = (
    Law("zvw", "Zorgverzekeringswet", "zorgverzekeraar", "zorgverzekeraar", "zvw_cost"),
    Law("wlz", "Wet langdurige zorg", "zorgkantoor", "zorgkantoor", "wlz_cost"),
    Law("wmo", "Wet maatschappelijke ondersteuning", "gemeente", "gemeente", "wmo_cost"),
    Law("jeugdwet", "Jeugdwet", "gemeente", "gemeente", "jeugd_cost"),
    Law("participatiewet", "Participatiewet (bijstand)", "gemeente", "gemeente", "bijstand_cost"),
)
PAYERS: tuple[str, ...] = tuple(dict.fromkeys(law.payer for law in LAWS))


def ledger_indicator(entry: Law) -> str:
    """The catalogue's cost-ledger indicator of a law (`co_ledger_<law>`): its `not_in_layouts` says in which input
    layouts the law's euros are not delivered (CBS microdata have no Wmo, Jeugdwet or bijstand amounts)."""
    return f"co_ledger_{entry.law}"


def delivered(laws, not_delivered) -> list[Law]:
    """`laws` without those whose euros the input layout does not deliver (`Catalogue.not_delivered(layout)`):
    a payer's cost that was never delivered is left out, not counted as 0."""
    absent = set(not_delivered)
    return [entry for entry in laws if ledger_indicator(entry) not in absent]


def law(name: str) -> Law:
    """The law called `name`; an unknown name is an error that lists the known ones."""
    for entry in LAWS:
        if entry.law == name:
            return entry
    raise KeyError(f"unknown law {name!r}; known: {', '.join(e.law for e in LAWS)}")
