"""The cost ledger (issue 20): shares worked by hand, suppressed cells stay empty, NULL Participatiewet euros."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from indicators.candidate import ledger_laws
from indicators.catalogue import load_catalogue
from indicators.payers import LAWS
from quality.derived_disclosure import ledger_findings
from tests.indicators.test_catalogue import CATALOGUE_PATH, _cutoffs
from transforms.sql import load_sql

# area G1: every law's totaal published, 5,000 euros together; area G2: the Wlz totaal is suppressed
CELLS = [  # indicator law, area, stratum, numerator (euros), n (residents), value (per person-year), suppressed
    ("zvw", "G1", "totaal", 3000.0, 10, 310.0, False),
    ("wlz", "G1", "totaal", 1000.0, 10, 103.0, False),
    ("wmo", "G1", "totaal", 500.0, 10, 51.0, False),
    ("jeugdwet", "G1", "totaal", 250.0, 10, 26.0, False),
    ("participatiewet", "G1", "totaal", 250.0, 10, 26.0, False),
    ("zvw", "G1", "segment:gezond", 600.0, 5, 121.0, False),
    ("wlz", "G1", "segment:gezond", None, None, None, True),
    ("zvw", "G2", "totaal", 2000.0, 20, 101.0, False),
    ("wlz", "G2", "totaal", None, None, None, True),
]


def _ledger(cells=CELLS, amounts: bool = True) -> pl.DataFrame:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA candidate; CREATE SCHEMA staging")
    # 2023's Participatiewet delivery with euros (3,900 for one resident) or, as CBS delivers it, without
    con.execute(f"CREATE TABLE staging.person_care AS SELECT 2023 AS year, "
                f"{'3900.0' if amounts else 'NULL::DOUBLE'} AS bijstand_cost")
    con.execute("CREATE TABLE candidate.indicator_values (indicator_id VARCHAR, period INTEGER, area_code VARCHAR, "
                "area_level VARCHAR, stratum VARCHAR, numerator DOUBLE, denominator DOUBLE, n BIGINT, value DOUBLE, "
                "suppressed BOOLEAN, suppression_reason VARCHAR)")
    con.executemany("INSERT INTO candidate.indicator_values VALUES (?, 2023, ?, 'gemeente', ?, ?, NULL, ?, ?, ?, ?)",
                    [(f"co_ledger_{law}", area, stratum, num, n, value, hidden, "primary" if hidden else None)
                     for law, area, stratum, num, n, value, hidden in cells])
    return con.execute(load_sql("candidate.cost_ledger", d=4, laws=ledger_laws())).pl()


def test_share_of_the_area_total_by_hand():
    ledger = _ledger()
    g1 = {(r["law"], r["stratum"]): r for r in ledger.filter(pl.col("area_code") == "G1").iter_rows(named=True)}
    # 3,000 of 3,000 + 1,000 + 500 + 250 + 250 = 5,000 euros: 60 %; the gezond segment's 600: 12 %
    assert g1["zvw", "totaal"]["share_of_area_total"] == pytest.approx(60.0)
    assert g1["zvw", "segment:gezond"]["share_of_area_total"] == pytest.approx(12.0)
    assert g1["participatiewet", "totaal"]["share_of_area_total"] == pytest.approx(5.0)
    # per resident = euros / residents, from the published numbers: 3,000 / 10
    assert g1["zvw", "totaal"]["eur_per_resident"] == 300.0
    assert (g1["zvw", "segment:gezond"]["population_group"], g1["zvw", "segment:gezond"]["group_value"]) == (
        "segment", "gezond")
    assert {g1[k]["payer"] for k in g1} == {"zorgverzekeraar", "zorgkantoor", "gemeente"}
    assert g1["jeugdwet", "totaal"]["payer"] == "gemeente" and g1["wlz", "totaal"]["payer"] == "zorgkantoor"


def test_a_year_without_participatiewet_euros_says_so_and_shares_cover_four_laws():
    ledger = _ledger(amounts=False)
    g1 = {(r["law"], r["stratum"]): r for r in ledger.filter(pl.col("area_code") == "G1").iter_rows(named=True)}
    row = g1["participatiewet", "totaal"]
    assert row["suppression_reason"] == "niet geleverd" and row["total_eur"] is None
    # 3,000 of 3,000 + 1,000 + 500 + 250 = 4,750 euros of the four laws with data
    assert g1["zvw", "totaal"]["share_of_area_total"] == pytest.approx(100 * 3000 / 4750, abs=1e-4)
    assert g1["zvw", "totaal"]["laws_in_total"] == 4
    assert not ledger_findings(ledger, _published_cells())


def test_a_suppressed_cell_is_an_empty_row_and_hides_the_areas_shares():
    ledger = _ledger()
    hidden = ledger.filter(pl.col("suppressed"))
    assert hidden.height == 2
    assert hidden.select("persons", "total_eur", "eur_per_resident", "eur_per_person_year",
                         "share_of_area_total").null_count().row(0) == (2, 2, 2, 2, 2)
    # G2's Wlz totaal is suppressed: a share of G2's total would give it back (2,000 / share - 2,000)
    assert ledger.filter(pl.col("area_code") == "G2")["share_of_area_total"].is_null().all()
    assert not ledger_findings(ledger, _published_cells()), "the ledger repeats the published cells"


def _published_cells() -> pl.DataFrame:
    return pl.DataFrame(
        [(f"co_ledger_{law}", 2023, area, stratum, hidden, value, num, n, "primary" if hidden else None)
         for law, area, stratum, num, n, value, hidden in CELLS],
        schema=["indicator_id", "period", "area_code", "stratum", "suppressed", "p_value", "p_num", "p_n", "reason"],
        orient="row")


def test_the_audit_finds_a_ledger_that_shows_a_suppressed_cell():
    ledger = _ledger().with_columns(  # a ledger built wrongly: the suppressed G2 Wlz euros shown after all
        total_eur=pl.when(pl.col("indicator_id").eq("co_ledger_wlz") & pl.col("area_code").eq("G2"))
        .then(pl.lit(700.0)).otherwise("total_eur"),
        share_of_area_total=pl.when(pl.col("area_code") == "G2").then(pl.lit(74.0)).otherwise("share_of_area_total"))
    rules = {(f[2], f[3], f[4]) for f in ledger_findings(ledger, _published_cells())}
    assert ("G2", "totaal", "derived_reveals") in rules
    assert sum(1 for f in ledger_findings(ledger, _published_cells()) if "share of the area's total" in f[5]) == 2


def test_every_law_has_its_ledger_indicator_and_groups_overlap_only_in_doelgroep():
    import yaml

    entries = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["indicators"]
    catalogue = load_catalogue(_cutoffs(entries))
    ids = {i.id: i for i in catalogue.indicators}
    for law in LAWS:
        ind = ids[f"co_ledger_{law.law}"]
        assert law.cost_column in ind.numerator and ind.disclosure == "cost"
        assert ind.category_strata == "target_group_member"  # doelgroep: one row per member, overlapping
    # indicators that list no strata keep sex, age and income: the ledger's dimensions are opt-in
    assert ids["co_wmo_per_inwoner"].strata == ("totaal", "geslacht", "leeftijd", "inkomen")


def _person_care(participatie: list[tuple]) -> dict[tuple[str, int], float | None]:
    """staging.person_care's bijstand_cost for residents a, b (2023, 2024) with the given participatie rows
    (pseudo_id, year, regulation, months, benefit_eur)."""
    from transforms.care_use import CATEGORY_COSTS

    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA raw")
    con.execute("CREATE TABLE staging.person_year AS SELECT * FROM (VALUES ('a', 2023, 'B1'), ('b', 2023, 'B1'), "
                "('a', 2024, 'B1'), ('b', 2024, 'B1')) t(pseudo_id, year, buurt_code)")
    con.execute("CREATE TABLE staging.hospital_events (pseudo_id VARCHAR, year INTEGER, event_type VARCHAR, "
                "acute BOOLEAN, acsc BOOLEAN)")
    con.execute("CREATE TABLE raw.zvw_costs (pseudo_id VARCHAR, year INTEGER, insured_days INTEGER, "
                "cost_category VARCHAR, amount_eur DOUBLE)")
    con.execute("CREATE TABLE staging.provision_years (law VARCHAR, pseudo_id VARCHAR, year INTEGER, cost_eur DOUBLE)")
    con.execute("CREATE TABLE raw.medicines (pseudo_id VARCHAR, year INTEGER, atc4 VARCHAR)")
    con.execute("CREATE TABLE raw.participatie (pseudo_id VARCHAR, year INTEGER, regulation VARCHAR, months BIGINT, "
                "benefit_eur DOUBLE)")
    con.executemany("INSERT INTO raw.participatie VALUES (?, ?, ?, ?, ?)", participatie)
    sql = load_sql("staging.person_care", category_costs=CATEGORY_COSTS)
    return {(p, y): c for p, y, c in con.execute(f"SELECT pseudo_id, year, bijstand_cost FROM ({sql})").fetchall()}


def test_bijstand_cost_is_zero_without_benefit_and_null_without_amounts():
    cost = _person_care([
        # 2023 with amounts: a has 3 months of bijstand (3 x 1,300) and debt help (a service: not counted)
        ("a", 2023, "bijstand", 3, 3900.0), ("a", 2023, "schuldhulpverlening", 5, 0.0),
        # 2024 as CBS delivers it: months, no amounts
        ("a", 2024, "bijstand", 12, None),
    ])
    assert cost["a", 2023] == 3900.0
    assert cost["b", 2023] == 0.0          # a resident without a benefit costs nothing
    assert cost["a", 2024] is None and cost["b", 2024] is None  # no amounts delivered: unknown, not 0


def test_report_stacks_payers_per_group_and_lists_top_shares():
    from indicators.report import charts, sections

    frame = pl.DataFrame({"group": ["Alle inwoners"] * 3 + ["Gezond"] * 3,
                          "payer": ["zorgverzekeraar", "zorgkantoor", "gemeente"] * 2,
                          "eur_per_resident": [3000.0, 1500.0, 700.0, 900.0, None, 50.0]})
    spec = charts.ledger(frame)
    bars = spec["datasets"]["ledger"]
    # a suppressed payer has no bar segment; the others stack in the order of indicators/payers.py
    assert len(bars) == 5 and {b["k"] for b in bars if b["group"] == "Gezond"} == {0, 2}
    assert spec["encoding"]["x"]["stack"] == "zero"
    top = pl.DataFrame({"area_code": ["G"] * 3, "payer": ["gemeente", "zorgverzekeraar", "zorgkantoor"],
                        "value": [80.7, 48.26, None], "suppressed": [False, False, True]})
    text = sections.ledger(top)
    # zorgverzekeraar first (as in PAYER_LABELS), 48,26 % written the Dutch way to one decimal, Wlz suppressed
    assert text.index("Zorgverzekeraar") < text.index("Zorgkantoor") < text.index("Gemeente (Wmo")
    assert "48,3%" in text and "onderdrukt" in text


def test_overlapping_target_groups_never_become_a_sum_to_totaal():
    """Relation 2 of indicators/quantities.py on the doelgroep strata: 6 + 7 members of 10 residents overlap, so
    no sum is formed; 3 + 4 of 10 only bound the total from below (a true <=, never an equality)."""
    from indicators.protection import LE
    from indicators.quantities import _rows

    quantities = pl.DataFrame({"qid": [0, 1, 2, 3, 4, 5], "value": [10.0, 6.0, 7.0, 10.0, 3.0, 4.0]})
    members = pl.DataFrame({"qid": [1, 2, 4, 5], "area_code": ["A", "A", "B", "B"]})
    totals = pl.DataFrame({"_tid": [0, 3], "area_code": ["A", "B"]})
    rows = _rows(members, totals, ["area_code"], quantities)
    assert set(rows["qid"]) == {3, 4, 5}  # area A (overlap beyond the total) has no relation
    assert set(rows["kind"]) == {LE}


def test_top_share_is_capped_at_the_total_and_empty_without_cost():
    from indicators.estimates import top_share_values

    entries = __import__("yaml").safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["indicators"]
    catalogue = load_catalogue(_cutoffs(entries))
    cells = pl.DataFrame({"indicator_id": ["co_aandeel_top5pct_zorgkantoor"] * 2, "period": [2023, 2023],
                          "area_code": ["A", "B"], "area_level": ["wijk", "wijk"], "n": [100.0, 100.0],
                          # all of A's Wlz cost sits with its costliest 5 (the double sum 1 ulp above the exact
                          # total); B has no Wlz cost at all (or a delivery without it)
                          "total": [300.0, 0.0], "top_total": [300.00000000000006, 0.0], "mx": [120.0, 0.0]})
    values = top_share_values(cells, catalogue)
    assert values["area_code"].to_list() == ["A", "B"] and values["value"].to_list() == [100.0, None]
