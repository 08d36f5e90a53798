"""The Excel workbook `monitoring.xlsx`: what a policy officer opens without help, Dutch throughout.

A *Toelichting* sheet first, then one sheet per theme (the five aims, Positive Health, segments and
opstapeling, trends, income gaps, evaluation), the strata in one long sheet, and the catalogue and areas
to look things up. Numbers are rounded as in the report (`labels.decimals_for`) and stored as numbers with
a number format, so filters and sums work; a suppressed cell reads "onderdrukt".

Every sheet is a DuckDB query on the published file shaped in Polars (joins, labels, rounding, years side
by side); openpyxl only serialises the finished rows. openpyxl without lxml writes about 100,000 cells a
second, so the sheets hold what the report's pages show (regio, gemeenten and wijken; strata for regio and
gemeenten), with the years side by side instead of one row per year: the full tables are the CSV and
Parquet exports beside the workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from indicators.report.labels import (
    AIMS,
    LEVELS,
    PH_DIMENSIONS,
    SOURCES,
    SUPPRESSED,
    SUPPRESSION_REASONS,
    UNITS,
    decimals_for,
    nl_date,
    nl_number_expr,
    nl_text_expr,
)
from indicators.report.sections import ESTIMANDS, PAYERS, cost_outcome_name

QUINTUPLE_AIMS = ["population_health", "experienced_quality", "costs", "professional_wellbeing", "health_equity"]
PHM_SHEET = "Segmenten en opstapeling"
# The levels of the report's pages; buurt values (a third suppressed) and wijk strata (half) would triple
# the cells to write, and are in indicator_values.csv/.parquet.
THEME_LEVELS = ("regio", "gemeente", "wijk")
STRATA_LEVELS = ("regio", "gemeente")
LEVEL_ORDER = ["regio", "gemeente", "wijk", "buurt"]
NUMBER_FORMATS = {0: "#,##0", 1: "#,##0.0", 2: "#,##0.00"}
RATIO_DECIMALS = 2  # ratios and the relative index read as 1,35

STRATUM_DIMENSIONS = {
    "geslacht": "Geslacht", "leeftijd": "Leeftijd", "inkomen": "Inkomen",
    "categorie": "Zvw-kostensoort", "org_type": "Type organisatie",
}
STRATUM_GROUPS = {
    "geslacht:M": "Man", "geslacht:V": "Vrouw",
    "inkomen:q1": "Kwintiel 1 (laagste inkomen)", "inkomen:q2": "Kwintiel 2", "inkomen:q3": "Kwintiel 3",
    "inkomen:q4": "Kwintiel 4", "inkomen:q5": "Kwintiel 5 (hoogste inkomen)",
    "categorie:ggz": "Geestelijke gezondheidszorg", "categorie:medisch_specialistisch": "Medisch-specialistische zorg",
    "categorie:paramedisch": "Paramedische zorg", "org_type:ggz": "Geestelijke gezondheidszorg",
    "org_type:vvt": "Verpleging, verzorging en thuiszorg",
}
PHM_PARTS = {"segment": "PHM-segment", "opstapeling": "Opstapeling", "doelgroep": "IZA-doelgroep",
             "bereik": "Bereik interventie"}
DIRECTIONS = {"higher_better": "hoger is beter", "lower_better": "lager is beter", "neutral": "geen richting"}
EVALUATION_METHODS = {
    "did_area_panel": "verschil-in-verschillen: interventiegebieden tegen vergelijkingsgebieden",
    "did_participants_matched": "verschil-in-verschillen: deelnemers tegen vergelijkbare niet-deelnemers "
                                "(aantallen zijn personen, afgerond op 5)",
}
EVALUATION_STATUS = {"estimated": "geschat", "not_estimable": "niet te schatten (te weinig gebieden, personen of "
                                                              "jaren voor en na de start)"}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: a header and the frame column it shows.

    A number column gives its decimals (a constant or a frame column, per row) and may name a boolean
    column that makes the cell read "onderdrukt" instead.
    """

    header: str
    field: str
    decimals: int | str | None = None
    suppressed: str | None = None
    width: float | None = None


@dataclass
class Sheet:
    """One worksheet: its title, the line the Toelichting gives it, its rows and their columns."""

    title: str
    description: str
    frame: pl.DataFrame
    columns: list[Column]


# --------------------------------------------------------------------------- queries on the published file

def _catalogue(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The catalogue with its display fields: Dutch name, unit and decimals, in catalogue order."""
    catalogue = con.execute(
        "SELECT indicator_id, coalesce(name_nl, indicator_id) AS indicator, unit, aim, ph_dimension, direction, "
        "source, inputs, strata, min_denominator, row_number() OVER () AS catalogue_order FROM indicator_catalogue"
    ).pl()
    decimals = pl.Series("decimals", [decimals_for(unit) for unit in catalogue["unit"]], dtype=pl.Int32)
    return catalogue.with_columns(decimals, indicator=nl_text_expr(pl.col("indicator")),
                                  eenheid=pl.col("unit").replace(UNITS))


def _areas(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Areas with their Dutch level and the name of their gemeente, and the order the sheets list them in."""
    return con.execute(
        """
        SELECT a.area_code, a.area_level, coalesce(a.name, a.area_code) AS gebied, g.name AS gemeente,
               CASE a.area_level WHEN 'wijk' THEN a.name WHEN 'buurt' THEN w.name END AS wijk, a.residents, list_position($levels, a.area_level) AS level_order
        FROM areas a LEFT JOIN areas g ON g.area_code = a.gemeente_code AND g.area_level = 'gemeente'
        LEFT JOIN areas w ON w.area_code = a.parent_code AND w.area_level = 'wijk'
        """,
        {"levels": LEVEL_ORDER},
    ).pl().with_columns(niveau=pl.col("area_level").replace(LEVELS))


def _labelled(frame: pl.DataFrame, catalogue: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Indicator and area labels joined to rows keyed by indicator_id and area_code."""
    return (
        frame.join(catalogue.select("indicator_id", "indicator", "eenheid", "aim", "ph_dimension", "decimals",
                                    "catalogue_order"), on="indicator_id", how="left")
        .join(areas.select("area_code", "gebied", "niveau", "gemeente", "wijk", "level_order"), on="area_code",
              how="left")
        .with_columns(pl.col("indicator").fill_null(pl.col("indicator_id")), pl.col("gebied").fill_null(pl.col(
            "area_code")), pl.col("decimals").fill_null(decimals_for(None)))
    )


def rounded(expr: pl.Expr, decimals: pl.Expr | int) -> pl.Expr:
    """A number rounded as the report prints it: Polars' `round` (ties to even) gives the digits of
    `labels.nl_number_expr`, and unlike a division by a power of ten it leaves no 0.8300000000000001."""
    if isinstance(decimals, int):
        return expr.round(decimals)
    chain = pl.when(decimals == 0).then(expr.round(0))
    for d in sorted(NUMBER_FORMATS)[1:]:
        chain = chain.when(decimals == d).then(expr.round(d))
    return chain


def _reasons(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """'2022, 2023: te weinig personen ...' per key: the years a row is suppressed and why, in Dutch."""
    return (
        frame.filter(pl.col("suppressed"))
        .with_columns(reden=pl.col("suppression_reason").replace_strict(SUPPRESSION_REASONS, default=pl.col(
            "suppression_reason")).fill_null("onderdrukt"))
        .group_by([*keys, "reden"])
        .agg(pl.col("period").sort().cast(pl.String).str.join(", ").alias("years"))
        .sort("years")
        .group_by(keys)
        .agg((pl.col("years") + ": " + pl.col("reden")).str.join("; ").alias("reden_onderdrukt"))
    )


def _years_side_by_side(frame: pl.DataFrame, keys: list[str], years: list[int]) -> pl.DataFrame:
    """One row per key with value, interval and 'suppressed' of every year as columns, and the reasons."""
    per_year = []
    for year in years:
        in_year = pl.col("period") == year
        per_year += [
            pl.col("value").filter(in_year).first().alias(f"value_{year}"),
            pl.col("ci_low").filter(in_year).first().alias(f"low_{year}"),
            pl.col("ci_high").filter(in_year).first().alias(f"high_{year}"),
            pl.col("suppressed").filter(in_year).first().fill_null(False).alias(f"suppressed_{year}"),
        ]
    latest = pl.col("period") == (years[-1] if years else 0)
    wide = frame.group_by(keys, maintain_order=True).agg(
        *per_year, pl.col("comparison").filter(latest).first().str.replace_all("_", " ").alias("comparison"))
    ids = [k for k in ("indicator_id", "area_code", "stratum") if k in keys]  # never null, unlike the labels
    return wide.join(_reasons(frame, ids), on=ids, how="left", maintain_order="left")


def _value_columns(years: list[int]) -> list[Column]:
    columns = []
    for year in years:
        columns += [Column(f"Waarde {year}", f"value_{year}", "decimals", f"suppressed_{year}", 11),
                    Column(f"Ondergrens {year}", f"low_{year}", "decimals", None, 11),
                    Column(f"Bovengrens {year}", f"high_{year}", "decimals", None, 11)]
    return columns


AREA_COLUMNS = [Column("Gebied", "gebied"), Column("Niveau", "niveau", width=10), Column("Gemeente", "gemeente")]



def _values(con: duckdb.DuckDBPyConnection, catalogue: pl.DataFrame, areas: pl.DataFrame, years: list[int],
            where: str) -> pl.DataFrame:
    """Published values of `years` (rows chosen by `where`), labelled, rounded, with the years side by side."""
    frame = _labelled(con.execute(
        "SELECT indicator_id, area_code, stratum, period, value, ci_low, ci_high, suppressed, suppression_reason, "
        f"comparison FROM indicator_values WHERE ({where}) AND period IN ({', '.join(map(str, years)) or 'NULL'})").pl(),
        catalogue, areas)
    frame = frame.with_columns(rounded(pl.col(c), pl.col("decimals")) for c in ("value", "ci_low", "ci_high"))
    frame = frame.sort("catalogue_order", "level_order", "gemeente", "area_code", "stratum", nulls_last=False)
    keys = ["indicator_id", "area_code", "stratum", "indicator", "eenheid", "aim", "ph_dimension", "decimals",
            "gebied", "niveau", "gemeente", "wijk"]
    return _years_side_by_side(frame, keys, years)


def _theme_sheets(values: pl.DataFrame, years: list[int]) -> list[Sheet]:
    """One sheet per quintuple aim, Positive Health and the PHM indicators, totals of every area."""
    latest = years[-1] if years else ""
    tail = [Column(f"Vergelijking met de regio {latest}", "comparison", width=14),
            Column("Onderdrukt: jaar en reden", "reden_onderdrukt", width=40)]
    head = [Column("Indicator", "indicator"), Column("Eenheid", "eenheid", width=10)]
    sheets = []
    for aim in QUINTUPLE_AIMS:
        sheets.append(Sheet(AIMS[aim], f"Doel '{AIMS[aim]}' van de quintuple aim: elke indicator per regio, gemeente en "
                            "wijk.",
                            values.filter(pl.col("aim") == aim),
                            [*head, *AREA_COLUMNS, *_value_columns(years), *tail]))
    ph = values.filter(pl.col("aim") == "positive_health").with_columns(
        dimensie=pl.col("ph_dimension").replace(PH_DIMENSIONS))
    sheets.append(Sheet("Positieve Gezondheid", "De zes dimensies van Positieve Gezondheid: gemiddelde score (0-10) "
                        "en het aandeel met een lage score.", ph,
                        [head[0], Column("Dimensie", "dimensie", width=22), head[1], *AREA_COLUMNS,
                         *_value_columns(years), *tail]))
    phm = values.filter(pl.col("aim") == "phm").with_columns(
        onderdeel=pl.col("indicator_id").str.split("_").list.get(1, null_on_oob=True).replace_strict(
            PHM_PARTS, default="Populatiemanagement"))
    sheets.append(Sheet(PHM_SHEET, "Populatiemanagement: de PHM-segmenten (piramide), opstapeling van problemen in "
                        "meerdere domeinen, de IZA-doelgroepen en het bereik van interventies.", phm,
                        [Column("Onderdeel", "onderdeel", width=18), *head, *AREA_COLUMNS, *_value_columns(years),
                         *tail]))
    return sheets


def _strata_sheet(strata: pl.DataFrame, years: list[int]) -> Sheet:
    """All published strata in one long sheet: filter on 'Uitsplitsing' and 'Groep'."""
    dimension = pl.col("stratum").str.split(":").list.first()
    group = pl.col("stratum").str.split(":").list.last()
    frame = strata.with_columns(
        thema=pl.col("aim").replace_strict(AIMS, default=pl.col("aim")),
        uitsplitsing=dimension.replace_strict(STRATUM_DIMENSIONS, default=dimension),
        groep=pl.col("stratum").replace_strict(STRATUM_GROUPS, default=pl.when(dimension == "leeftijd").then(
            group + " jaar").otherwise(group.str.replace_all("_", " ").str.to_titlecase())),
    )
    return Sheet("Uitsplitsingen", "Elke indicator uitgesplitst naar geslacht, leeftijd, inkomen, Zvw-kostensoort of "
                 "type organisatie, voor de regio en de gemeenten (filter op Uitsplitsing en Groep).",
                 frame,
                 [Column("Thema", "thema", width=24), Column("Indicator", "indicator"),
                  Column("Eenheid", "eenheid", width=10), *AREA_COLUMNS, Column("Uitsplitsing", "uitsplitsing",
                                                                              width=16),
                  Column("Groep", "groep", width=22), *_value_columns(years),
                  Column("Onderdrukt: jaar en reden", "reden_onderdrukt", width=40)])


def _trends_sheet(con: duckdb.DuckDBPyConnection, catalogue: pl.DataFrame, areas: pl.DataFrame) -> Sheet:
    """The published changes side by side: every year on the year before, then the whole period; for money
    indicators the nominal change and, apart, the real change in prices of the base year (indicators/prices.py)."""
    base = _price_base_year(con)
    real = ("change_real", "ci_low_real", "ci_high_real") if base is not None else ()
    frame = _labelled(con.execute(
        "SELECT indicator_id, area_code, from_period, to_period, change, ci_low, ci_high, significant, suppressed"
        + "".join(f", {c}" for c in real)
        + f" FROM trends WHERE stratum = 'totaal' AND area_level IN {THEME_LEVELS}").pl(), catalogue, areas)
    pairs = frame.select("from_period", "to_period").unique().sort(
        pl.col("to_period") - pl.col("from_period"), "from_period").rows()
    frame = frame.with_columns(
        *(rounded(pl.col(c), pl.col("decimals")) for c in ("change", "ci_low", "ci_high", *real)),
        significant=pl.when(pl.col("significant")).then(pl.lit("ja")).when(~pl.col("significant")).then(
            pl.lit("nee")),
        pair=pl.col("from_period").cast(pl.String) + "-" + pl.col("to_period").cast(pl.String),
    ).sort("catalogue_order", "level_order", "gemeente", "area_code", nulls_last=False)
    per_pair, columns = [], []
    for start, end in pairs:
        name, in_pair = f"{start}-{end}", pl.col("pair") == f"{start}-{end}"
        per_pair += [pl.col(c).filter(in_pair).first().alias(f"{c}_{name}")
                     for c in ("change", "ci_low", "ci_high", "significant", *real)]
        per_pair.append(pl.col("suppressed").filter(in_pair).first().fill_null(False).alias(f"suppressed_{name}"))
        columns += [Column(f"Verandering {start}-{end}", f"change_{name}", "decimals", f"suppressed_{name}", 12),
                    Column(f"Ondergrens {start}-{end}", f"ci_low_{name}", "decimals", None, 11),
                    Column(f"Bovengrens {start}-{end}", f"ci_high_{name}", "decimals", None, 11),
                    Column(f"Significant {start}-{end}", f"significant_{name}", width=11)]
        if real:  # empty for indicators that are not money
            columns += [Column(f"Reëel {start}-{end} (prijzen {base})", f"change_real_{name}", "decimals", None, 12),
                        Column(f"Ondergrens reëel {start}-{end}", f"ci_low_real_{name}", "decimals", None, 11),
                        Column(f"Bovengrens reëel {start}-{end}", f"ci_high_real_{name}", "decimals", None, 11)]
    wide = frame.group_by(["indicator_id", "area_code", "aim", "indicator", "eenheid", "decimals", "gebied",
                           "niveau", "gemeente"], maintain_order=True).agg(*per_pair).with_columns(
        thema=pl.col("aim").replace_strict(AIMS, default=pl.col("aim")))
    money = (f" Geldbedragen: Verandering is nominaal (euro's van elk jaar), Reëel in prijzen van {base} "
             "(omgerekend met de consumentenprijsindex van het CBS, dus zonder prijsstijging)." if real else "")
    return Sheet("Trends", "Verandering van elk jaar op het jaar ervoor en over de hele periode, met 95%-interval; "
                 "significant: ja als het interval de 0 niet bevat. Regio, gemeenten en wijken." + money, wide,
                 [Column("Thema", "thema", width=24), Column("Indicator", "indicator"),
                  Column("Eenheid", "eenheid", width=10), *AREA_COLUMNS, *columns])


def _price_base_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The year of the constant prices (indicator_catalogue.price_base_year); None for an older publication."""
    present = con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'indicator_catalogue' "
                          "AND column_name = 'price_base_year'").fetchone()[0]
    return con.execute("SELECT max(price_base_year) FROM indicator_catalogue").fetchone()[0] if present else None


def _equity_sheet(con: duckdb.DuckDBPyConnection, catalogue: pl.DataFrame, areas: pl.DataFrame) -> Sheet:
    frame = _labelled(con.execute("SELECT * FROM equity_gaps").pl(), catalogue, areas)
    frame = frame.with_columns(
        *(rounded(pl.col(c), pl.col("decimals")) for c in ("q1_value", "q5_value", "gap", "sii", "sii_ci_low",
                                                             "sii_ci_high")),
        *(rounded(pl.col(c), RATIO_DECIMALS) for c in ("ratio", "rii", "rii_ci_low", "rii_ci_high")),
    ).sort("catalogue_order", "level_order", "gemeente", "area_code", "period", nulls_last=False)
    return Sheet("Verschillen naar inkomen", "Verschil tussen de laagste en de hoogste inkomensgroep (kwintiel 1 en "
                 "5) en de ongelijkheidsindex over alle vijf kwintielen samen (absoluut: SII, relatief: RII = SII / "
                 "waarde van alle inwoners).",
                 frame,
                 [Column("Indicator", "indicator"), Column("Eenheid", "eenheid", width=10), *AREA_COLUMNS,
                  Column("Jaar", "period", width=7),
                  Column("Laagste inkomen (kwintiel 1)", "q1_value", "decimals", "suppressed", 13),
                  Column("Hoogste inkomen (kwintiel 5)", "q5_value", "decimals", "suppressed", 13),
                  Column("Verschil kwintiel 1 - 5", "gap", "decimals", "suppressed", 12),
                  Column("Verhouding kwintiel 1 / 5", "ratio", RATIO_DECIMALS, "suppressed", 12),
                  Column("Ongelijkheidsindex absoluut (SII)", "sii", "decimals", "suppressed", 14),
                  Column("SII ondergrens", "sii_ci_low", "decimals", None, 11),
                  Column("SII bovengrens", "sii_ci_high", "decimals", None, 11),
                  Column("RII (SII / totaal)", "rii", RATIO_DECIMALS, "suppressed", 14),
                  Column("RII ondergrens", "rii_ci_low", RATIO_DECIMALS, None, 11),
                  Column("RII bovengrens", "rii_ci_high", RATIO_DECIMALS, None, 11)])


def _evaluation_sheet(con: duckdb.DuckDBPyConnection, catalogue: pl.DataFrame) -> Sheet:
    frame = con.execute("SELECT * FROM evaluation_results").pl().join(
        catalogue.select("indicator_id", "indicator", "eenheid", "decimals"), on="indicator_id", how="left")
    years = r"\[([^\]]*)\]"
    words = pl.col("intervention_id").str.replace_all("_", " ")  # valpreventie -> Valpreventie
    if "law" not in frame.columns:  # a publication from before the cost outcomes per payer
        frame = frame.with_columns(law=pl.lit(None, dtype=pl.String))
    frame = frame.with_columns(  # a law's cost outside the catalogue (Jeugdwet, bijstand over all residents)
        pl.col("indicator").fill_null(cost_outcome_name(pl.col("indicator_id"), pl.col("law"))),
        pl.col("eenheid").fill_null(pl.when(pl.col("law").is_not_null()).then(pl.lit("euro"))),
        pl.col("decimals").fill_null(pl.when(pl.col("law").is_not_null()).then(decimals_for("euro"))
                                     .otherwise(decimals_for(None))),
        betaler=pl.col("law").replace_strict(PAYERS, default=pl.col("law")))
    frame = frame.with_columns(
        *(rounded(pl.col(c), pl.col("decimals")) for c in ("estimate", "ci_low", "ci_high", "mde")),
        interventie=words.str.slice(0, 1).str.to_uppercase() + words.str.slice(1),
        methode=pl.col("method").replace_strict(EVALUATION_METHODS, default=pl.col("method")),
        voor=pl.col("periods").str.extract("pre " + years, 1),
        na=pl.col("periods").str.extract("post " + years, 1),
        uitkomst=pl.col("status").replace_strict(EVALUATION_STATUS, default=pl.col("status")),
        voorbehoud=pl.col("caveat").str.split(" / ").list.first(),
        geschat_voor=pl.col("estimand").replace_strict(ESTIMANDS, default=pl.col("estimand")),
        not_estimable=pl.col("status") == "not_estimable",
    ).sort("intervention_id", "method")
    return Sheet("Evaluatie interventies", "Verschil-in-verschillen per interventie: hoeveel de uitkomst in de "
                 "interventiegroep anders veranderde dan in de vergelijkingsgroep. Samenhang, geen bewijs van "
                 "effect.", frame,
                 [Column("Interventie", "interventie", width=20), Column("Uitkomst", "indicator"),
                  Column("Betaler (wet)", "betaler", width=34),
                  Column("Eenheid", "eenheid", width=10), Column("Methode", "methode", width=50),
                  Column("Geschat voor", "geschat_voor", width=30),
                  Column("Geschat verschil", "estimate", "decimals", "not_estimable", 12),
                  Column("Ondergrens", "ci_low", "decimals", None, 11),
                  Column("Bovengrens", "ci_high", "decimals", None, 11),
                  Column("Kleinste aantoonbare effect (80% kans)", "mde", "decimals", None, 14),
                  Column("Interventiegroep (gebieden of deelnemers)", "n_areas_treated", 0, None, 14),
                  Column("Vergelijkingsgroep (gebieden of personen)", "n_areas_comparison", 0, None, 14),
                  Column("Jaren voor de start", "voor", width=14), Column("Jaren na de start", "na", width=14),
                  Column("Resultaat", "uitkomst", width=20), Column("Voorbehoud", "voorbehoud", width=60)])


def _catalogue_sheet(catalogue: pl.DataFrame) -> Sheet:
    sources = pl.col("inputs").str.split(",").list.eval(
        pl.element().str.strip_chars().replace(SOURCES)).list.join(", ")
    frame = catalogue.with_columns(
        thema=pl.col("aim").replace_strict(AIMS, default=pl.col("aim")),
        richting=pl.col("direction").replace_strict(DIRECTIONS, default=pl.col("direction")),
        bronnen=sources,
        uitsplitsingen=pl.col("strata").str.split(",").list.eval(pl.element().str.strip_chars().replace(
            STRATUM_DIMENSIONS | {"totaal": "Totaal"})).list.join(", "),
    ).sort("catalogue_order")
    return Sheet("Indicatoren", "Wat elke indicator meet: thema, eenheid, richting, bronnen en uitsplitsingen.",
                 frame,
                 [Column("Indicator", "indicator"), Column("Thema", "thema", width=24),
                  Column("Eenheid", "eenheid", width=10), Column("Richting", "richting", width=16),
                  Column("Bronnen", "bronnen", width=40), Column("Uitsplitsingen", "uitsplitsingen", width=30),
                  Column("Minimale noemer", "min_denominator", 0, None, 11), Column("Code", "indicator_id")])


def _areas_sheet(areas: pl.DataFrame) -> Sheet:
    return Sheet("Gebieden", "Alle gebieden met hun CBS-code en het aantal inwoners (afgerond op 5).",
                 areas.sort("level_order", "gemeente", "area_code", nulls_last=False),
                 [*AREA_COLUMNS[:2], Column("Wijk", "wijk"), AREA_COLUMNS[2], Column("CBS-code", "area_code", width=12),
                  Column("Inwoners", "residents", 0, None, 11)])


# --------------------------------------------------------------------------- the Toelichting

def _explanation(con: duckdb.DuckDBPyConnection, areas: pl.DataFrame, catalogue: pl.DataFrame, years: list[int],
                 sheets: list[Sheet]) -> list[tuple[str, str]]:
    """The Toelichting as (label, text) rows: what, where, when, sources, how to read, the sheets."""
    region = areas.filter(pl.col("area_level") == "regio")["gebied"].to_list()
    gemeenten = areas.filter(pl.col("area_level") == "gemeente").sort("gebied")["gebied"].to_list()
    run = con.execute("SELECT max(finished_at), any_value(run_id), any_value(code_version) FROM run_manifest"
                      ).fetchone()
    sources = con.execute(
        """
        SELECT source, count(*) AS files, sum(rows_loaded) AS loaded, sum(rows_quarantined) AS quarantined
        FROM run_manifest WHERE rows_read IS NOT NULL GROUP BY source ORDER BY source
        """).pl().with_columns(
        label=pl.col("source").replace(SOURCES),
        text=pl.col("files").cast(pl.String) + " bestand(en), " + nl_number_expr(pl.col("loaded"), 0)
        + " rijen gebruikt, " + nl_number_expr(pl.col("quarantined"), 0) + " rijen afgekeurd")
    # the version number only: the text after it describes the list in English
    code_lists = con.execute("SELECT path, split_part(version, ' (', 1) FROM run_manifest WHERE version IS NOT NULL "
                             "ORDER BY path").fetchall()
    checks = con.execute("SELECT count(*), count(*) FILTER (WHERE status = 'failed' AND severity = 'warn') "
                         "FROM quality_results").fetchone()
    minimum = catalogue["min_denominator"].drop_nulls()
    period = f"{years[0]} tot en met {years[-1]}" if years else "geen jaren gepubliceerd"
    rows = [
        ("Wat is dit", "De monitor populatiegezondheid van de regio: de indicatoren van de quintuple aim, Positieve "
                       "Gezondheid en populatiemanagement (PHM) per regio, gemeente en wijk. Elk getal komt uit "
                       "de publicatie monitoring.duckdb; het rapport toont dezelfde getallen."),
        ("Regio", f"{region[0] if region else 'onbekend'}: {', '.join(gemeenten)}"),
        ("Periode", period),
        ("Gepubliceerd", f"gegevens tot en met {years[-1] if years else '-'}, gepubliceerd op {nl_date(run[0])}"),
        ("Herkomst", f"run {run[1] or 'onbekend'}, codeversie {run[2] or 'onbekend'}"),
    ]
    rows += [(f"Bron: {label}", text) for label, text in sources.select("label", "text").iter_rows()]
    rows += [(f"Codelijst: {path}", f"versie {version}") for path, version in code_lists]
    rows += [
        ("Kwaliteitscontroles", f"{checks[0]} controles uitgevoerd, {checks[1]} waarschuwing(en); zie de "
                                "kwaliteitspagina's bij het rapport."),
        ("Waarde", "Afgerond zoals in het rapport: euro's op hele euro's, andere eenheden op één decimaal. De "
                   "getallen zijn echte getallen, dus filteren, sorteren en optellen werkt."),
        ("95%-interval", "Ondergrens en bovengrens van het 95%-betrouwbaarheidsinterval: de echte waarde ligt met "
                         "95% zekerheid daartussen. Hoe kleiner het gebied, hoe breder het interval. Twee waarden "
                         "verschillen pas duidelijk als hun intervallen elkaar niet overlappen. Personeelscijfers "
                         "zijn een telling van organisaties en hebben geen interval."),
        ("Vergelijking met de regio", "hoger of lager: het interval van het gebied ligt helemaal boven of onder de "
                                      "regiowaarde; geen verschil: het interval bevat de regiowaarde."),
        ("Onderdrukt", "De waarde wordt niet getoond om de privacy van inwoners te beschermen. Het is géén nul en "
                       "géén ontbrekende meting. Redenen: " + "; ".join(
                           f"{reason}" for reason in SUPPRESSION_REASONS.values()) + "."),
    ]
    if len(minimum):
        rows.append(("Drempel", f"Een waarde wordt alleen getoond als de noemer ten minste {minimum.min()} personen "
                                "telt (per indicator in het blad Indicatoren); aantallen zijn afgerond op 5."))
    rows.append(("Volledige tabellen", "Deze werkmap toont de regio, de gemeenten en de wijken. De CSV- en "
                                       "Parquet-bestanden ernaast bevatten alles, ook de waarden per buurt en de "
                                       "uitsplitsingen per wijk; monitoring.duckdb is de bron."))
    rows.append(("Bladen", ""))
    rows += [(sheet.title, f"{sheet.description} ({sheet.frame.height} rijen)") for sheet in sheets]
    return rows


# --------------------------------------------------------------------------- serialisation

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


def _cell_makers(ws, columns: list[Column], frame: pl.DataFrame) -> list[Callable[[tuple], object]]:
    """Per column a function from a row tuple to what openpyxl writes: a value, "onderdrukt" or a styled number.

    One styled cell per column and number format is reused for every row: write-only openpyxl writes a row
    as soon as it is appended, so the cell is free again for the next row (a new cell per number costs more
    than the number itself).
    """
    index = {name: i for i, name in enumerate(frame.columns)}
    makers = []
    for col in columns:
        i = index[col.field]
        if col.decimals is None:
            makers.append(lambda row, i=i: row[i])
            continue
        styled: dict[int, WriteOnlyCell] = {}
        for decimals, number_format in NUMBER_FORMATS.items():
            styled[decimals] = WriteOnlyCell(ws)
            styled[decimals].number_format = number_format
        d = index[col.decimals] if isinstance(col.decimals, str) else None
        s = index[col.suppressed] if col.suppressed else None

        def make(row, i=i, d=d, s=s, styled=styled, fixed=col.decimals):
            if s is not None and row[s]:
                return SUPPRESSED
            if row[i] is None:
                return None
            cell = styled[row[d] if d is not None else fixed]
            cell.value = row[i]
            return cell

        makers.append(make)
    return makers


def _widths(frame: pl.DataFrame, columns: list[Column]) -> list[float]:
    """Column widths: the given width, or the longest text of the column (header included), within 10..60."""
    text = [c.field for c in columns if c.width is None]
    longest = frame.select(pl.col(text).cast(pl.String).str.len_chars().max()).row(0) if text and frame.height \
        else [0] * len(text)
    measured = dict(zip(text, longest, strict=True))
    return [c.width or max(10, min(60, max(measured[c.field] or 0, len(c.header)) + 2)) for c in columns]


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    ws = workbook.create_sheet(sheet.title)
    for i, width in enumerate(_widths(sheet.frame, sheet.columns), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last = get_column_letter(len(sheet.columns))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{sheet.frame.height + 1}"
    ws.row_dimensions[1].height = 45
    header = []
    for col in sheet.columns:
        cell = WriteOnlyCell(ws, col.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        header.append(cell)
    ws.append(header)
    makers = _cell_makers(ws, sheet.columns, sheet.frame)
    for row in sheet.frame.iter_rows():  # serialising only: every value was computed in the frame
        ws.append([make(row) for make in makers])


def _write_explanation(workbook: Workbook, rows: list[tuple[str, str]], title: str) -> None:
    ws = workbook.create_sheet("Toelichting")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 120
    heading = WriteOnlyCell(ws, title)
    heading.font = Font(bold=True, size=14)
    ws.append([heading])
    ws.append([])
    wrap = Alignment(wrap_text=True, vertical="top")
    for label, text in rows:
        key = WriteOnlyCell(ws, label)
        key.font, key.alignment = Font(bold=True), Alignment(vertical="top")
        value = WriteOnlyCell(ws, text)
        value.alignment = wrap
        ws.append([key, value])


def write_workbook(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """Write `monitoring.xlsx` from the published file behind `con`; returns the data rows per sheet."""
    catalogue, areas = _catalogue(con), _areas(con)
    years = [y for (y,) in con.execute("SELECT DISTINCT period FROM indicator_values ORDER BY 1").fetchall()]
    totals = _values(con, catalogue, areas, years, f"stratum = 'totaal' AND area_level IN {THEME_LEVELS}")
    sheets = [
        *_theme_sheets(totals, years),
        _trends_sheet(con, catalogue, areas),
        _equity_sheet(con, catalogue, areas),
        _evaluation_sheet(con, catalogue),
        _strata_sheet(_values(con, catalogue, areas, years, f"stratum <> 'totaal' AND area_level IN {STRATA_LEVELS}"),
                      years),
        _catalogue_sheet(catalogue),
        _areas_sheet(areas),
    ]
    region = areas.filter(pl.col("area_level") == "regio")["gebied"].to_list()
    workbook = Workbook(write_only=True)
    _write_explanation(workbook, _explanation(con, areas, catalogue, years, sheets),
                       f"Monitor populatiegezondheid {region[0] if region else ''}".strip())
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    workbook.save(path)
    return {"Toelichting": 0} | {sheet.title: sheet.frame.height for sheet in sheets}
