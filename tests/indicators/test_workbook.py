"""The workbook a policy officer opens: Toelichting first, Dutch headers, frozen and filtered header rows, and
numbers that are the published values rounded as in the report (checked cell by cell on a seeded sample).

The checks take a published file and its workbook, so they run on the small region of the test session and,
by hand, on any publication: `check_workbook(Path("published/monitoring.duckdb"), Path("published/exports/
monitoring.xlsx"))`.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from indicators.published_schema import TABLES

pytestmark = pytest.mark.slow  # every test reads the workbook of the session's small run

THEME_SHEETS = ["Gezondheid van de bevolking", "Ervaren kwaliteit van zorg", "Kosten",
                "Werkplezier van professionals", "Gezondheidsgelijkheid", "Positieve Gezondheid",
                "Segmenten en opstapeling"]
SHEETS = ["Toelichting", *THEME_SHEETS, "Trends", "Verschillen naar inkomen", "Evaluatie interventies",
          "Uitsplitsingen", "Indicatoren", "Gebieden"]
# The report's rule, written out here: euros as whole amounts, every other unit with one decimal.
FORMATS = {0: "#,##0", 1: "#,##0.0"}


def _decimals(unit: str | None) -> int:
    return 0 if unit == "euro" else 1


def _is_rounded(cell: float, value: float, decimals: int) -> bool:
    """`cell` is `value` rounded to `decimals`: a number with that many decimals (no 0.8300000000000001) and
    within half a step of the published value (either way on an exact tie)."""
    return cell == round(cell, decimals) and abs(cell - value) <= 10.0 ** -decimals / 2 + 1e-9


class EMPTY:
    value = None
    number_format = "General"


def _sheet_cells(workbook, sheets: list[str], keys: list[str]) -> dict[tuple, dict[str, object]]:
    """Every data row of `sheets` as {key tuple: {header: cell}}, the key read from the `keys` columns."""
    cells: dict[tuple, dict[str, object]] = {}
    for name in sheets:
        ws = workbook[name]
        rows = ws.iter_rows()
        header = [c.value for c in next(rows)]
        for row in rows:  # a read-only row stops at its last filled cell
            by_header = {h: EMPTY for h in header} | dict(zip(header, row, strict=False))
            key = tuple(by_header[k].value for k in keys)
            assert key not in cells, f"{key} twice in {name}"
            cells[key] = by_header
    return cells


# The name as a reader writes it (≥, decimal comma, en dash, no underscore), written again in SQL.
NAME_NL = (r"regexp_replace(regexp_replace(regexp_replace(replace(replace(c.name_nl, '>=', '≥'), '<=', '≤'), "
           r"'(\d)\.(\d{1,2})\b', '\1,\2', 'g'), '(\d)-(\d)', '\1–\2', 'g'), '_', ' ', 'g')")


def _published(db: Path, where: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"""
            SELECT {NAME_NL}, a.name, a.area_level, g.name, v.period, v.stratum, c.unit, v.value, v.ci_low,
                   v.ci_high, v.suppressed, p.name
            FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id) JOIN areas a USING (area_code)
            LEFT JOIN areas g ON g.area_code = a.gemeente_code LEFT JOIN areas p ON p.area_code = a.parent_code
            WHERE {where} ORDER BY ALL
            """).fetchall()


LEVELS = {"regio": "Regio", "gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}


def check_layout(xlsx: Path) -> None:
    """Sheet order, Dutch headers (no column name of the published tables), frozen header row and filter."""
    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == SHEETS
    contract_columns = {c for _, columns in TABLES.values() for c in columns}
    for name in SHEETS[1:]:
        ws = workbook[name]
        header = [c.value for c in ws[1]]
        assert all(isinstance(h, str) and h for h in header), name
        assert not contract_columns & set(header), f"{name} has raw column names"
        assert not any("_" in h for h in header), name
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", name
        assert all(ws.column_dimensions[c.column_letter].width >= 7 for c in ws[1]), name
    for name in THEME_SHEETS:
        assert workbook[name]["A1"].value in ("Indicator", "Onderdeel")
    toelichting = [r for r in workbook["Toelichting"].iter_rows(values_only=True)]
    labels = {r[0] for r in toelichting}
    assert set(SHEETS[1:]) <= labels  # every sheet is listed and explained
    assert {"Periode", "Gepubliceerd", "95%-interval", "Onderdrukt"} <= labels
    assert any(str(r[0]).startswith("Bron: ") for r in toelichting)


def check_sample(db: Path, xlsx: Path, seed: int = 16) -> int:
    """20 random non-suppressed and 5 suppressed totals of regio, gemeenten and wijken, matched by indicator,
    area and year: the theme sheet shows the published value rounded as the report does, with its interval beside it, or 'onderdrukt'."""
    workbook = load_workbook(xlsx, read_only=True)
    cells = _sheet_cells(workbook, THEME_SHEETS, ["Indicator", "Gebied", "Niveau", "Gemeente"])
    published = _published(db, "v.stratum = 'totaal' AND v.area_level <> 'buurt'")
    shown = [r for r in published if not r[10] and r[7] is not None]
    suppressed = [r for r in published if r[10]]
    rng = random.Random(seed)
    sample = rng.sample(shown, min(20, len(shown))) + rng.sample(suppressed, min(5, len(suppressed)))
    assert len(sample) >= 20
    for name, area, level, gemeente, year, _, unit, value, low, high, is_suppressed, _ in sample:
        row = cells[(name, area, LEVELS[level], gemeente if level != "regio" else None)]
        cell = row[f"Waarde {year}"]
        if is_suppressed:
            assert cell.value == "onderdrukt"
            assert row[f"Ondergrens {year}"].value is None
            assert str(year) in row["Onderdrukt: jaar en reden"].value
            continue
        d = _decimals(unit)
        assert isinstance(cell.value, int | float), (name, area, year, cell.value)
        assert _is_rounded(cell.value, value, d), (name, area, year, cell.value, value)
        assert cell.number_format == FORMATS[d]
        for bound, header in ((low, "Ondergrens"), (high, "Bovengrens")):
            if bound is None:
                assert row[f"{header} {year}"].value is None
            else:
                assert _is_rounded(row[f"{header} {year}"].value, bound, d)
    # and nothing is lost: every published total above buurt appears on exactly one theme sheet
    with duckdb.connect(str(db), read_only=True) as con:
        pairs = con.execute("SELECT count(DISTINCT (indicator_id, area_code)) FROM indicator_values "
                            "JOIN indicator_catalogue USING (indicator_id) WHERE stratum = 'totaal' "
                            "AND aim IN ('population_health', 'experienced_quality', 'costs', "
                            "'professional_wellbeing', 'health_equity', 'positive_health', 'phm') "
                            "AND area_level <> 'buurt'").fetchone()[0]
    assert len(cells) == pairs
    return len(sample)


def check_strata(db: Path, xlsx: Path, seed: int = 16) -> int:
    """Strata of regio and gemeenten in one long sheet; a seeded sample matches the published value."""
    workbook = load_workbook(xlsx, read_only=True)
    cells = _sheet_cells(workbook, ["Uitsplitsingen"], ["Indicator", "Gebied", "Niveau", "Uitsplitsing", "Groep"])
    published = _published(db, "v.stratum <> 'totaal' AND v.area_level IN ('regio', 'gemeente')")
    groups = {"geslacht:M": ("Geslacht", "Man"), "geslacht:V": ("Geslacht", "Vrouw"),
              "inkomen:q1": ("Inkomen", "Kwintiel 1 (laagste inkomen)"), "leeftijd:75+": ("Leeftijd", "75+ jaar")}
    rng = random.Random(seed)
    sample = rng.sample([r for r in published if r[5] in groups], min(10, len(published)))
    for name, area, level, _, year, stratum, unit, value, _, _, is_suppressed, _ in sample:
        cell = cells[(name, area, LEVELS[level], *groups[stratum])][f"Waarde {year}"].value
        if is_suppressed:
            assert cell == "onderdrukt"
        elif value is not None:
            assert _is_rounded(cell, value, _decimals(unit)), (name, area, stratum, year, cell, value)
    assert len({(r[0], r[1], r[2], r[5]) for r in published}) == len(cells)
    return len(sample)


def check_trends_and_gaps(db: Path, xlsx: Path, seed: int = 16) -> int:
    """A seeded sample of published changes (Trends) and income gaps (Verschillen naar inkomen)."""
    workbook = load_workbook(xlsx, read_only=True)
    trends = _sheet_cells(workbook, ["Trends"], ["Indicator", "Gebied", "Niveau"])
    gaps = _sheet_cells(workbook, ["Verschillen naar inkomen"], ["Indicator", "Gebied", "Niveau", "Jaar"])
    with duckdb.connect(str(db), read_only=True) as con:
        changes = con.execute(
            f"SELECT {NAME_NL}, a.name, a.area_level, t.from_period, t.to_period, c.unit, t.change, t.suppressed "
            "FROM trends t JOIN indicator_catalogue c USING (indicator_id) JOIN areas a USING (area_code) "
            "WHERE t.stratum = 'totaal' AND t.area_level <> 'buurt' ORDER BY ALL").fetchall()
        q1 = con.execute(
            f"SELECT {NAME_NL}, a.name, a.area_level, e.period, c.unit, e.q1_value, e.suppressed FROM equity_gaps e "
            "JOIN indicator_catalogue c USING (indicator_id) JOIN areas a USING (area_code) ORDER BY ALL").fetchall()
    rng = random.Random(seed)
    checked = 0
    for name, area, level, start, end, unit, change, suppressed in rng.sample(changes, min(10, len(changes))):
        cell = trends[(name, area, LEVELS[level])][f"Verandering {start}-{end}"].value
        assert cell == "onderdrukt" if suppressed else change is None or _is_rounded(cell, change, _decimals(unit))
        checked += 1
    for name, area, level, year, unit, value, suppressed in rng.sample(q1, min(10, len(q1))):
        cell = gaps[(name, area, LEVELS[level], year)]["Laagste inkomen (kwintiel 1)"].value
        assert cell == "onderdrukt" if suppressed else value is None or _is_rounded(cell, value, _decimals(unit))
        checked += 1
    return checked


def check_workbook(db: Path, xlsx: Path) -> None:
    check_layout(xlsx)
    check_sample(db, xlsx)
    check_strata(db, xlsx)
    check_trends_and_gaps(db, xlsx)


def test_sheets_headers_frozen_rows_and_filters(small_run):
    settings, _, _ = small_run
    check_layout(settings.published_dir / "exports" / "monitoring.xlsx")


def test_a_seeded_sample_of_totals_is_the_published_value_rounded_as_in_the_report(small_run):
    settings, _, _ = small_run
    published = settings.published_dir
    assert check_sample(published / "monitoring.duckdb", published / "exports" / "monitoring.xlsx") == 25


def test_strata_in_one_long_sheet_match_the_published_values(small_run):
    settings, _, _ = small_run
    published = settings.published_dir
    assert check_strata(published / "monitoring.duckdb", published / "exports" / "monitoring.xlsx") == 10


def test_trends_and_income_gaps_are_the_published_values(small_run):
    settings, _, _ = small_run
    published = settings.published_dir
    assert check_trends_and_gaps(published / "monitoring.duckdb", published / "exports" / "monitoring.xlsx") == 20


def test_the_toelichting_names_period_date_and_threshold_of_the_publication(small_run):
    settings, _, _ = small_run
    published = settings.published_dir
    workbook = load_workbook(published / "exports" / "monitoring.xlsx", read_only=True)
    text = dict(workbook["Toelichting"].iter_rows(min_row=3, values_only=True))
    with duckdb.connect(str(published / "monitoring.duckdb"), read_only=True) as con:
        first, last = con.execute("SELECT min(period), max(period) FROM indicator_values").fetchone()
        finished = con.execute("SELECT max(finished_at) FROM run_manifest").fetchone()[0]
        minimum = con.execute("SELECT min(min_denominator) FROM indicator_catalogue").fetchone()[0]
    assert text["Periode"] == f"{first} tot en met {last}"
    assert re.fullmatch(rf"gegevens tot en met {last}, gepubliceerd op {finished.day} [a-z]+ {finished.year}",
                        text["Gepubliceerd"])
    assert f"ten minste {minimum} personen" in text["Drempel"]
    assert "onderdrukt" in text["Onderdrukt"].lower() or "privacy" in text["Onderdrukt"]
