"""What an analyst gets from `monitoring.duckdb` on the small run: a complete grid of cells, 65+ beside the age
groups, the catalogue's strata as published, a comment on every column, and README queries that return rows."""

from __future__ import annotations

import re

import duckdb
import pytest

from indicators.catalogue import expansions_from_warehouse, load_catalogue
from pipelines.config import REPO_ROOT
from tests.regions import SMALL_YEARS

pytestmark = pytest.mark.slow


def _published(settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.published_dir / "monitoring.duckdb"), read_only=True)


def _warehouse(settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def _expected_strata(wh: duckdb.DuckDBPyConnection, catalogue) -> dict[str, set[str]]:
    """Per indicator, the strata it should publish, read straight from the marts: totaal and, per dimension, every
    value the mart holds in the run's years (plus 65+ where its age groups occur)."""
    years = ", ".join(map(str, SMALL_YEARS))
    values: dict[tuple[str, str], set[str]] = {}
    for mart in catalogue.marts.values():  # a handful of marts x dimensions
        for name, expr in mart.strata.items():
            found = {f"{name}:{v}" for (v,) in wh.execute(
                f"SELECT DISTINCT CAST(({expr}) AS VARCHAR) FROM {mart.table} m WHERE m.year IN ({years}) "
                f"AND m.{mart.area_column} IS NOT NULL AND ({expr}) IS NOT NULL").fetchall()}
            found |= {group for group, members in catalogue.stratum_groups.items() if set(members) & found}
            values[mart.name, name] = found
    out = {}
    for ind in catalogue.indicators:
        strata = {"totaal"} | {s for d in ind.strata if d != "totaal" for s in values[ind.mart.name, d]}
        extra = ind.category_strata
        if extra:
            strata |= {s for d in catalogue.marts[extra].strata for s in values[extra, d]}
        out[ind.id] = strata
    return out


def test_every_cell_of_the_catalogue_has_exactly_one_row(small_run):
    settings, _, _ = small_run
    with _warehouse(settings) as wh, _published(settings) as con:
        catalogue = load_catalogue(settings.cutoffs, expansions_from_warehouse(wh))
        strata = _expected_strata(wh, catalogue)
        areas = dict(con.execute("SELECT area_level, count(*) FROM areas GROUP BY 1").fetchall())
        # rows = years x areas of the level x strata (buurten: totaal only), summed over indicators and levels
        expected = sum(len(SMALL_YEARS) * areas[level] * (len(strata[ind.id]) if level in ind.stratum_levels else 1)
                       for ind in catalogue.indicators for level in ind.levels)
        rows, keys = con.execute("SELECT count(*), count(DISTINCT (indicator_id, period, area_code, stratum)) "
                                 "FROM indicator_values").fetchone()
        assert rows == keys == expected
        # no row outside the grid either: every stratum is one of the indicator's, every area of its level
        published = dict(con.execute("SELECT indicator_id, list(DISTINCT stratum) FROM indicator_values "
                                     "GROUP BY 1").fetchall())
        assert {i: set(s) for i, s in published.items()} == strata
        # the catalogue lists the strata as published, the Zvw cost categories included
        listed = dict(con.execute("SELECT indicator_id, strata FROM indicator_catalogue").fetchall())
        assert {i: set(s.split(",")) for i, s in listed.items()} == strata
        zvw = listed["co_zvw_per_verzekerdejaar"].split(",")
        categories = {c for (c,) in wh.execute("SELECT DISTINCT cost_category FROM marts.zvw_person_category").fetchall()}
        assert {s.removeprefix("categorie:") for s in zvw if s.startswith("categorie:")} == categories
        assert len(categories) >= 5 and zvw[0] == "totaal"
        # empty cells are suppressed as such, with nothing in them
        empty = con.execute("SELECT count(*), count(value), count(n), count(numerator), bool_and(suppressed) "
                            "FROM indicator_values WHERE suppression_reason = 'geen waarnemingen'").fetchone()
        assert empty[0] > 0 and empty[1:] == (0, 0, 0, True)


# Cells of the small run without a single respondent: no statistics in the warehouse, no row before issue 16.
EMPTY_CELLS = [("ph_eenzaam", 2022, "WK039907", "leeftijd:65-74"), ("ph_eenzaam", 2023, "WK039908", "leeftijd:65-74")]


@pytest.mark.parametrize("cell", EMPTY_CELLS)
def test_a_cell_without_respondents_is_a_suppressed_row(small_run, cell):
    settings, _, _ = small_run
    indicator, period, wijk, stratum = cell
    with _warehouse(settings) as wh, _published(settings) as con:
        # counted directly from the survey mart: adults 65-74 in the wijk with a loneliness score
        respondents = wh.execute(
            "SELECT count(*) FROM marts.survey_respondent r JOIN staging.areas a ON a.area_code = r.buurt_code "
            "WHERE a.parent_code = ? AND r.year = ? AND r.age BETWEEN 65 AND 74 AND r.djg_score IS NOT NULL",
            [wijk, period]).fetchone()[0]
        assert respondents == 0
        assert wh.execute("SELECT count(*) FROM indicators.cells WHERE (indicator_id, period, area_code, stratum) "
                          "= (?, ?, ?, ?)", list(cell)).fetchone()[0] == 0
        rows = con.execute("SELECT suppressed, suppression_reason, value, n FROM indicator_values "
                           "WHERE (indicator_id, period, area_code, stratum) = (?, ?, ?, ?)", list(cell)).fetchall()
        assert rows == [(True, "geen waarnemingen", None, None)]


def test_65_plus_is_the_residents_aged_65_and_over(small_run):
    settings, _, _ = small_run
    with _warehouse(settings) as wh, _published(settings) as con:
        for period in SMALL_YEARS:
            aged = wh.execute("SELECT count(*) FROM staging.person_year WHERE year = ? AND age >= 65",
                              [period]).fetchone()[0]
            exact = wh.execute("SELECT denominator FROM indicators.indicator_values WHERE indicator_id = 'ph_multimorbiditeit' "
                               "AND area_level = 'regio' AND period = ? AND stratum = 'leeftijd:65+'",
                               [period]).fetchone()[0]
            assert exact == aged
            published = con.execute("SELECT denominator FROM indicator_values WHERE indicator_id = "
                                    "'ph_multimorbiditeit' AND area_level = 'regio' AND period = ? "
                                    "AND stratum = 'leeftijd:65+'", [period]).fetchone()[0]
            assert abs(published - aged) <= 2.5 and published % 5 == 0
        # exact 65+ = 65-74 + 75+ in every cell that has all three, for every count
        off = wh.execute("""
            WITH v AS (SELECT * FROM indicators.indicator_values WHERE suppression_reason IS DISTINCT FROM 'geen waarnemingen')
            SELECT count(*), count(*) FILTER (WHERE abs(g.n - a.n - b.n) > 0
                                                 OR abs(g.denominator - a.denominator - b.denominator) > 1e-6
                                                 OR abs(g.numerator - a.numerator - b.numerator) > 1e-6)
            FROM v g JOIN v a USING (indicator_id, period, area_code) JOIN v b USING (indicator_id, period, area_code)
            WHERE g.stratum = 'leeftijd:65+' AND a.stratum = 'leeftijd:65-74' AND b.stratum = 'leeftijd:75+'
            """).fetchone()
        assert off[0] > 100 and off[1] == 0


def test_every_published_column_has_a_comment(small_run):
    settings, _, _ = small_run
    with _published(settings) as con:
        columns = con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal"
                              ).fetchall()
        views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert {"v_scorecard", "v_positive_health"} <= views <= {t for t, _, _ in columns}
        assert [(t, c) for t, c, comment in columns if not (comment or "").strip()] == []


def readme_analyst_queries() -> list[str]:
    """The SQL statements of the README's analyst section ("For analysts"), in order."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)
    return [s.strip() for block in blocks for s in block.split(";") if re.search(r"\bSELECT\b", s)]


def test_readme_analyst_queries_return_rows(small_run):
    settings, _, _ = small_run
    queries = readme_analyst_queries()
    assert len(queries) >= 4
    with _published(settings) as con:
        latest = con.execute("SELECT max(period) FROM indicator_values").fetchone()[0]
        for sql in queries:
            rows = con.execute(sql).fetchall()
            assert rows, sql
    # the scorecard-like examples (1 and 3) are about the latest year
    for sql in (queries[0], queries[2]):
        assert "max(period)" in sql and latest == max(SMALL_YEARS)
