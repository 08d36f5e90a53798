"""The folder for CBS's output check (`published/output_check/`): what may leave Remote Access, documented.

Output leaves CBS Remote Access only after CBS checks it by hand: aggregate tables only, no keys, no minimum
or maximum values, every variable documented, and the disclosure rules stated (CBS, "Output guidelines" of
Remote Access; docs/cbs_microdata.md, "Output"). This module writes that folder from the
published `monitoring.duckdb` alone, like the other exports (docs/architecture.md, "Publication, exports and
report"):

- every published aggregate table as CSV, and all of them in one XLSX (`tabellen.xlsx`);
- `beschrijving_tabellen.csv` and `LEESMIJ.md`: every table and variable with its Dutch and English description
  (the column comments of the published file, which come from `indicators/published_schema.py`);
- `onthullingsregels.md`: the disclosure rules of this run (its `DisclosurePolicy`) and the audit's verdict, in Dutch.

A column whose name or comment says it is a minimum or maximum of values, or that looks like a person key,
is left out (and named in LEESMIJ.md); `quality/output_check.py` then scans the written files on every run.
The XLSX is written as SpreadsheetML built by Polars string expressions (ECMA-376 part 1, §18.3), because
openpyxl writes ~100,000 cells a second and indicator_values of a 1M-resident region has millions of cells.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from indicators.disclosure_policy import DisclosurePolicy

FOLDER = "output_check"
WORKBOOK = "tabellen.xlsx"
DESCRIPTION = "beschrijving_tabellen.csv"
README = "LEESMIJ.md"
NOTE = "onthullingsregels.md"
# The aggregate tables of the publication, in the order a reader meets them.
OUTPUT_TABLES = ("indicator_catalogue", "areas", "indicator_values", "small_area_estimates", "equity_gaps",
                 "trends", "evaluation_results", "impact_scenarios", "payment_scenarios", "cost_ledger")
# Published tables that stay inside: they are about the run, not about the population, and carry exact numbers.
LEFT_OUT = {
    "quality_results": "uitkomsten van de controles met exacte aantallen rijen per bronbestand (niet afgerond) / "
                       "check outcomes with exact, unrounded row counts of the input files",
    "run_manifest": "bestandspaden, hashes en exacte aantallen rijen per bronbestand / file paths, hashes and "
                    "exact row counts of the input files",
}
# A minimum or maximum: as a whole word of the column name, or a phrase of the comment naming the extreme of a
# value (not "minimum detectable effect", which is a property of the design, not of anyone's value).
MIN_MAX_NAME = re.compile(r"(^|_)(min|max|minimum|maximum|minima|maxima|largest|smallest)(_|$)", re.IGNORECASE)
MIN_MAX_COMMENT = re.compile(
    r"\b(min|max)\s*\(|\b(minimum|maximum|minimale?|maximale?|hoogste|laagste|grootste|kleinste|largest|"
    r"smallest|highest|lowest)\s+(waarde|value|bijdrage|contribution|bedrag|amount|kosten|cost|leeftijd|age)\b",
    re.IGNORECASE)
KEY_NAME = re.compile(r"pseudo|rinpersoon|(^|_)rin(_|$)|bsn|person_id|persoon_id|(^|_)hkw(_|$)", re.IGNORECASE)
XLSX_ROWS = 1_048_575  # Excel's rows per sheet, less the header


@dataclass
class TablePlan:
    """What of one published table goes into the folder."""

    table: str
    comment: str
    rows: int = 0
    columns: list[tuple[str, str, str]] = field(default_factory=list)  # name, type, comment
    dropped: list[tuple[str, str]] = field(default_factory=list)  # name, reason


def refusal(name: str, comment: str) -> str | None:
    """Why a column may not leave Remote Access (a key, a minimum or a maximum), or None."""
    if KEY_NAME.search(name):
        return "lijkt een persoonssleutel / looks like a person key"
    if MIN_MAX_NAME.search(name) or MIN_MAX_COMMENT.search(comment):
        return "minimum of maximum (CBS-regel: geen minima of maxima) / a minimum or maximum (CBS rule)"
    return None


def split_comment(comment: str) -> tuple[str, str]:
    """'Nederlands / English' -> both halves; the English half starts after the last ' / '."""
    dutch, sep, english = (comment or "").rpartition(" / ")
    return (dutch, english) if sep else (comment or "", "")


def plan_tables(con: duckdb.DuckDBPyConnection) -> list[TablePlan]:
    """The tables and columns of the published file that go into the folder, with their comments."""
    comments = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
    plans = []
    for table in OUTPUT_TABLES:
        if table not in comments:
            continue
        plan = TablePlan(table, comments[table] or "")
        for name, dtype, comment in con.execute(
                "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = ? "
                "ORDER BY column_index", [table]).fetchall():
            reason = refusal(name, comment or "")
            if reason:
                plan.dropped.append((name, reason))
            else:
                plan.columns.append((name, dtype, comment or ""))
        plan.rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        plans.append(plan)
    return plans


def write_output_check(published_db: Path, target: Path, policy: DisclosurePolicy) -> dict[str, Path]:
    """Write the output-check folder for the publication `published_db` into `target` (replaced whole)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    written: dict[str, Path] = {}
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        plans = plan_tables(con)
        frames = {}
        for plan in plans:
            cols = ", ".join(f'"{name}"' for name, _, _ in plan.columns)
            path = target / f"{plan.table}.csv"
            frames[plan.table] = con.execute(f"SELECT {cols} FROM {plan.table} ORDER BY ALL").pl()
            frames[plan.table].write_csv(path)
            written[path.name] = path
        description = description_frame(plans)
        description.write_csv(target / DESCRIPTION)
        written[DESCRIPTION] = target / DESCRIPTION
        write_xlsx(target / WORKBOOK, {"beschrijving": description, **frames})
        written[WORKBOOK] = target / WORKBOOK
        (target / README).write_text(readme_text(plans), encoding="utf-8")
        written[README] = target / README
        (target / NOTE).write_text(disclosure_note(con, policy), encoding="utf-8")
        written[NOTE] = target / NOTE
    finally:
        con.close()
    return written


def description_frame(plans: list[TablePlan]) -> pl.DataFrame:
    """One row per table (kolom empty) and per variable, with type and Dutch and English description."""
    rows = []
    for plan in plans:
        nl, en = split_comment(plan.comment)
        rows.append((plan.table, "", "tabel", nl, en))
        rows.extend((plan.table, name, dtype, *split_comment(comment)) for name, dtype, comment in plan.columns)
    return pl.DataFrame(rows, schema=["tabel", "kolom", "type", "omschrijving_nl", "omschrijving_en"], orient="row")


def readme_text(plans: list[TablePlan]) -> str:
    """LEESMIJ.md: what the folder holds, every table and variable, and what was left out and why."""
    lines = ["# Uitvoer voor de outputcontrole van CBS", "",
             "Geaggregeerde tabellen van de PHM-monitor, geschreven uit de gepubliceerde `monitoring.duckdb`. "
             "Elke tabel staat als CSV in deze map en als tabblad in `tabellen.xlsx`; elke tabel en variabele is "
             f"beschreven in `{DESCRIPTION}` (Nederlands en Engels). De toegepaste onthullingsregels staan in "
             f"`{NOTE}`. Er staan geen persoonssleutels (RINPERSOON, pseudoniemen), geen records van personen en "
             "geen minima of maxima in deze map; `quality/output_check.py` controleert dat bij elke run.", ""]
    for plan in plans:
        nl, en = split_comment(plan.comment)
        lines += [f"## {plan.table} ({plan.rows} rijen)", "", f"{nl}  ", f"*{en}*", "",
                  "| variabele | type | omschrijving | description |", "|---|---|---|---|"]
        for name, dtype, comment in plan.columns:
            cell_nl, cell_en = (text.replace("|", "\\|") for text in split_comment(comment))
            lines.append(f"| `{name}` | {dtype} | {cell_nl} | {cell_en} |")
        for name, reason in plan.dropped:
            lines.append(f"\nWeggelaten variabele `{name}`: {reason}.")
        lines.append("")
    lines += ["## Niet in deze map", ""]
    lines += [f"- `{table}`: {reason}." for table, reason in LEFT_OUT.items()]
    return "\n".join(lines) + "\n"


def disclosure_note(con: duckdb.DuckDBPyConnection, policy: DisclosurePolicy) -> str:
    """onthullingsregels.md: the rules of this run's DisclosurePolicy and what the audit found, in Dutch."""
    p = policy
    reasons = dict(con.execute("SELECT coalesce(suppression_reason, 'gepubliceerd'), count(*) FROM indicator_values "
                               "GROUP BY ALL").fetchall())
    catalogue_thresholds = con.execute(
        "SELECT min_denominator, string_agg(indicator_id, ', ' ORDER BY indicator_id) FROM indicator_catalogue "
        "WHERE min_denominator <> ? GROUP BY ALL ORDER BY 1", [p.min_denominator]).fetchall()
    checks = con.execute("SELECT check_name, status, message FROM quality_results "
                         "WHERE check_name IN ('privacy', 'disclosure_policy') ORDER BY check_name").fetchall()
    share, magnitude, unit_share = (f"{round(100 * x)}%" for x in
                                    (p.dominance_share, p.magnitude_protection, p.unit_dominance_share))
    lines = [
        "# Toegepaste onthullingsregels", "",
        "Regels van deze run (`[disclosure]` in phm.toml; code: indicators/disclosure.py, indicators/protection.py, "
        "quality/disclosure_audit.py):", "",
        f"- **Drempel personen**: een cel met 1 tot {p.min_count - 1} personen (teller, of noemer min teller) is "
        f"onderdrukt; een noemer van 1 tot {p.min_denominator - 1} personen bij percentages en cijfers per "
        "persoonsjaar"
        + "".join(f" ({ids}: {n})" for n, ids in catalogue_thresholds) + ".",
        f"- **Enquête**: minder dan {p.min_respondents} respondenten in een cel: onderdrukt.",
        f"- **Kosten**: minder dan {p.min_cost_persons} personen in een cel: onderdrukt; **dominantie**: één persoon "
        f"draagt meer dan {share} van het totaal van de cel: onderdrukt.",
        f"- **Organisaties** (personeel): minder dan {p.min_units} organisaties, of één met meer dan {unit_share} "
        "van teller of noemer: onderdrukt.",
        f"- **Afronding**: alle aantallen zijn afgerond op een veelvoud van {p.rounding_base}; waarden en intervallen "
        "zijn berekend uit de afgeronde aantallen.",
        "- **Secundaire onderdrukking**: extra cellen zijn onderdrukt zodat geen onderdrukt aantal is terug te "
        "rekenen uit totalen over gebiedsniveaus, uitsplitsingen, jaren, trends en inkomensverschillen; een exact "
        f"lineair programma (HiGHS) bewijst dat elk beschermd aantal minstens {p.protection_width} personen en "
        f"elk beschermd kostentotaal minstens {magnitude} onzeker blijft.",
        "- Geen persoonssleutels, geen gegevens van één persoon, geen datums van gebeurtenissen, geen minima of "
        "maxima.", "",
        "## Uitkomst van deze run", "",
        "Cellen van indicator_values: " + ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items())) + ".",
        "",
    ]
    verdict = {"passed": "geslaagd", "failed": "MISLUKT"}
    for name, status, message in checks:
        what = ("Onafhankelijke aanval op de publicatie (quality/disclosure_audit.py)" if name == "disclosure_policy"
                else "Privacycontrole van de publicatie (quality/privacy.py)")
        lines.append(f"- {what}: **{verdict.get(status, status)}**. Melding (Engels, voor beheerders): {message}")
    if not checks:
        lines.append("- De publicatie bevat geen uitkomst van de privacycontrole of de aanval: niet vrijgeven.")
    return "\n".join(lines) + "\n"


# --- the XLSX ------------------------------------------------------------------------------------------------

def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(expr: pl.Expr) -> pl.Expr:
    """XML-escaped text; characters XML 1.0 does not allow are dropped."""
    return (expr.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
            .str.replace_all(">", "&gt;", literal=True).str.replace_all(r"[\x00-\x08\x0B\x0C\x0E-\x1F]", ""))


def _cell(name: str, dtype: pl.DataType, letter: str, row: pl.Expr) -> pl.Expr:
    """The <c> element of one column for every row: a number, a boolean or an inline string; empty for NULL."""
    col = pl.col(name)
    ref = pl.concat_str([pl.lit(f'<c r="{letter}'), row, pl.lit('"')])
    if dtype.is_numeric():
        finite = col.cast(pl.Float64).is_finite() if dtype.is_float() else pl.lit(True)
        value = pl.concat_str([ref, pl.lit("><v>"), col.cast(pl.String), pl.lit("</v></c>")])
        return pl.when(col.is_not_null() & finite).then(value).otherwise(pl.lit(""))
    if dtype == pl.Boolean:
        value = pl.concat_str([ref, pl.lit(' t="b"><v>'), col.cast(pl.Int8).cast(pl.String), pl.lit("</v></c>")])
        return pl.when(col.is_not_null()).then(value).otherwise(pl.lit(""))
    value = pl.concat_str([ref, pl.lit(' t="inlineStr"><is><t xml:space="preserve">'),
                           _xml_text(col.cast(pl.String)), pl.lit("</t></is></c>")])
    return pl.when(col.is_not_null()).then(value).otherwise(pl.lit(""))


def _sheet_xml(frame: pl.DataFrame, chunk_rows: int = 100_000):
    """A worksheet as XML pieces: the header row, then the rows of `frame` (at most XLSX_ROWS) in chunks, so a
    table of millions of cells never stands in memory as one string."""
    letters = [_column_letter(i) for i in range(frame.width)]
    header = pl.DataFrame({n: [n] for n in frame.columns}, schema={n: pl.String for n in frame.columns})
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
           'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    parts = [(1, header)] + [(2 + start, frame.slice(start, chunk_rows)) for start in range(0, frame.height, chunk_rows)]
    for offset, part in parts:
        row = (pl.int_range(0, pl.len()) + offset).cast(pl.String)
        cells = [_cell(n, part.schema[n], letter, row) for n, letter in zip(part.columns, letters, strict=True)]
        yield part.select(pl.concat_str([pl.lit('<row r="'), row, pl.lit('">'), *cells, pl.lit("</row>")])
                          .str.join("")).item()
    yield "</sheetData></worksheet>"


def write_xlsx(path: Path, sheets: dict[str, pl.DataFrame]) -> Path:
    """A workbook with one sheet per frame (a frame longer than Excel allows continues on `<name>_2`, ...)."""
    parts: list[tuple[str, pl.DataFrame]] = []
    for name, frame in sheets.items():
        for i, start in enumerate(range(0, max(frame.height, 1), XLSX_ROWS)):
            parts.append((name if i == 0 else f"{name[:28]}_{i + 1}", frame.slice(start, XLSX_ROWS)))
    ns = "http://schemas.openxmlformats.org/"
    sheet_type = ns + "officeDocument/2006/relationships/worksheet"
    content_types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     f'<Types xmlns="{ns}package/2006/content-types">'
                     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     '<Override PartName="/xl/workbook.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                     '<Override PartName="/xl/styles.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                     + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                               'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                               for i in range(1, len(parts) + 1)) + "</Types>")
    root_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 f'<Relationships xmlns="{ns}package/2006/relationships"><Relationship Id="rId1" '
                 f'Type="{ns}officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                 "</Relationships>")
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{ns}spreadsheetml/2006/main" xmlns:r="{ns}officeDocument/2006/relationships">'
                "<sheets>" + "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                                     for i, (name, _) in enumerate(parts, 1)) + "</sheets></workbook>")
    workbook_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     f'<Relationships xmlns="{ns}package/2006/relationships">'
                     + "".join(f'<Relationship Id="rId{i}" Type="{sheet_type}" Target="worksheets/sheet{i}.xml"/>'
                               for i in range(1, len(parts) + 1))
                     + f'<Relationship Id="rId{len(parts) + 1}" Type="{ns}officeDocument/2006/relationships/styles" '
                       'Target="styles.xml"/></Relationships>')
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<styleSheet xmlns="{ns}spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/>'
              '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
              '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders>'
              '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="1"><xf xfId="0"/></cellXfs>'
              '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        zf.writestr("xl/styles.xml", styles)
        for i, (_, frame) in enumerate(parts, 1):
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w") as out:
                for piece in _sheet_xml(frame):
                    out.write(piece.encode("utf-8"))
    return path
