"""Dutch labels and Dutch number formatting: everything a steering-group reader sees as words or digits."""

from __future__ import annotations

from datetime import datetime

import polars as pl

AIMS: dict[str, str] = {
    "population_health": "Gezondheid van de bevolking",
    "experienced_quality": "Ervaren kwaliteit van zorg",
    "costs": "Kosten",
    "professional_wellbeing": "Werkplezier van professionals",
    "health_equity": "Gezondheidsgelijkheid",
    "positive_health": "Positieve Gezondheid",
    "phm": "Populatiemanagement",
}
PH_DIMENSIONS: dict[str, str] = {
    "lichaamsfuncties": "Lichaamsfuncties",
    "mentaal_welbevinden": "Mentaal welbevinden",
    "zingeving": "Zingeving",
    "kwaliteit_van_leven": "Kwaliteit van leven",
    "meedoen": "Meedoen",
    "dagelijks_functioneren": "Dagelijks functioneren",
}
# Top of the pyramid first: the few with the heaviest care needs above the many who are healthy.
SEGMENTS: dict[str, str] = {
    "levenseinde": "Levenseinde",
    "langdurige_zorg": "Langdurige zorg",
    "kwetsbaar_complex": "Kwetsbaar / complex",
    "multimorbide": "Multimorbide",
    "chronisch": "Chronisch ziek",
    "risico": "Verhoogd risico",
    "gezond": "Gezond",
}
PAYER_LABELS: dict[str, str] = {  # indicators/payers.py PAYERS, as the report names them
    "zorgverzekeraar": "Zorgverzekeraar (Zvw)",
    "zorgkantoor": "Zorgkantoor (Wlz)",
    "gemeente": "Gemeente (Wmo, Jeugdwet, Participatiewet)",
}
PAYER_COLOURS = ["#1f4e79", "#8e6fb5", "#2a9d8f"]
LEVELS: dict[str, str] = {"regio": "Regio", "gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}
SUPPRESSION_REASONS: dict[str, str] = {
    "primary": "te weinig personen om de waarde veilig te tonen",
    "secondary": "aanvullend onderdrukt zodat een andere onderdrukte cel niet terug te rekenen is",
    "dominance": "één persoon of aanbieder bepaalt het grootste deel van de waarde",
    "bron onvolledig": "een bron van dit jaar ontbreekt of is onvolledig, dus de waarde zou misleiden",
    "geen waarnemingen": "niemand in dit gebied en deze groep: er is geen waarde",
    "niet geleverd": "de bronbestanden van deze regio (CBS-microdata) leveren dit gegeven niet",
}
# Landing sources as a steering group knows them (the completeness notice of the report).
SOURCES: dict[str, str] = {
    "population": "bevolking (BRP)", "gp_episodes": "huisartsenzorg", "hospital_events": "ziekenhuiszorg",
    "zvw_costs": "Zvw-declaraties", "wmo": "Wmo", "jeugd": "Jeugdwet", "participatie": "Participatiewet",
    "wlz": "Wlz", "medicines": "geneesmiddelen", "health_survey": "gezondheidsmonitor", "workforce": "personeelsgegevens",
    "interventions": "interventies", "intervention_participants": "interventiedeelnemers",
}
UNITS: dict[str, str] = {"per 1000": "per 1.000"}
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
CAVEAT = "Monitoring laat samenhang zien, geen bewijs van effect."
SUPPRESSED = "onderdrukt"


def decimals_for(unit: str | None) -> int:
    """Euros are read as whole amounts; shares, rates, scores and days with one decimal."""
    return 0 if unit == "euro" else 1


def nl_number(value: float | None, decimals: int = 1) -> str:
    """One number the Dutch way (1.234,5); '–' when there is none."""
    if value is None:
        return "–"
    return pl.select(nl_number_expr(pl.lit(float(value), dtype=pl.Float64), decimals)).item()


def nl_number_expr(expr: pl.Expr, decimals: pl.Expr | int) -> pl.Expr:
    """A column of numbers the Dutch way (1.234,5), as `nl_number` does for one; null stays null.

    Digits are built from a scaled integer so the result does not depend on float printing, and the
    thousands dots are set by reversing the digits (Rust regex has no look-ahead).
    """
    dec = decimals if isinstance(decimals, pl.Expr) else pl.lit(decimals)
    factor = pl.lit(10, dtype=pl.Int64).pow(dec)
    scaled = (expr.abs() * factor).round(0).cast(pl.Int64)
    whole = (
        (scaled // factor)
        .cast(pl.String)
        .str.reverse()
        .str.replace_all(r"(\d{3})", "$1.")
        .str.strip_chars_end(".")
        .str.reverse()
    )
    fraction = (scaled % factor).cast(pl.String).str.zfill(dec)
    sign = pl.when((expr < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return (
        pl.when(expr.is_null())
        .then(None)
        .when(dec == 0)
        .then(sign + whole)
        .otherwise(pl.concat_str([sign, whole, pl.lit(","), fraction]))
    )


def escape_expr(expr: pl.Expr) -> pl.Expr:
    """HTML-escape a text column (names come from the catalogue and may hold '<' or '&')."""
    return (
        expr.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
        .str.replace_all("'", "&#x27;", literal=True)
    )


def nl_text_expr(expr: pl.Expr) -> pl.Expr:
    """Catalogue names as a Dutch reader writes them: '≥' for '>=', '≤' for '<=', a decimal comma (BMI ≥ 25,0)
    and a dash in a range (0–10).

    Only a point followed by one or two digits is a decimal point; '1.000' keeps its thousands dot.
    """
    return (
        expr.str.replace_all(">=", "≥", literal=True)
        .str.replace_all("<=", "≤", literal=True)
        .str.replace_all(r"(\d)\.(\d{1,2})\b", "$1,$2")
        .str.replace_all(r"(\d)-(\d)", "$1–$2")
        .str.replace_all("_", " ", literal=True)  # a target group's id inside a name (kwetsbare_ouderen)
    )


def nl_date(moment: datetime | None) -> str:
    """'7 december 2026': the publication date as a reader says it; 'onbekend' without a manifest."""
    if moment is None:
        return "onbekend"
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def nl_datetime(moment: datetime | None) -> str:
    """'23 november 2026, 00:28 UTC' for the run date; 'onbekend' when the manifest has none."""
    if moment is None:
        return "onbekend"
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} UTC"
