"""Quality checks on tiny warehouses whose expected numbers are counted by hand, and the indicators a check
puts at risk are the catalogue entries that name it (`affected_by`)."""

from __future__ import annotations

import duckdb
import yaml

from indicators.catalogue import CATALOGUE_PATH
from quality import checks

ENTRIES = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["indicators"]


def linkage_warehouse() -> duckdb.DuckDBPyConnection:
    """Residents a, b, c in 2023 only. GP: 4 records of 2023, 3 of them residents' (75 %), plus one of 2019,
    a year without residents, which is not judged. Every other source: one record of resident a in 2023."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.person_year AS SELECT * FROM (VALUES ('a', 2023), ('b', 2023), ('c', 2023)) "
                "t(pseudo_id, year)")
    con.execute("CREATE TABLE raw.gp_episodes AS SELECT pseudo_id, start_date::DATE AS start_date FROM (VALUES "
                "('a', '2023-02-01'), ('b', '2023-03-01'), ('c', '2023-04-01'), ('x', '2023-05-01'), "
                "('y', '2019-01-01')) t(pseudo_id, start_date)")
    for source in ("hospital_events", "wmo", "jeugd", "wlz"):
        con.execute(f"CREATE TABLE raw.{source} AS SELECT 'a' AS pseudo_id, DATE '2023-06-01' AS start_date")
    for source in ("zvw_costs", "participatie", "medicines"):
        con.execute(f"CREATE TABLE raw.{source} AS SELECT 'a' AS pseudo_id, 2023 AS year")
    con.execute("CREATE TABLE raw.health_survey AS SELECT 'a' AS pseudo_id, 2023 AS survey_year")
    return con


def test_linkage_is_judged_per_year_against_that_years_residents():
    outcome = checks.linkage_coverage(linkage_warehouse(), minimum=0.95)
    # 75 % < 95 %, but one unlinked record is below MIN_UNLINKED: reported, not failed; 2019 not judged
    assert outcome.passed and outcome.observed == "0.7500"
    assert "gp_episodes 75.00%" in outcome.message and "health_survey 100.00%" in outcome.message


def test_linkage_puts_at_risk_the_entries_that_name_it_listed_by_source():
    naming = {e["id"]: e["source"] for e in ENTRIES if "linkage_coverage" in e.get("affected_by", [])}
    affected = checks.linkage_coverage(linkage_warehouse(), minimum=0.95).affected_indicators
    assert set(affected) == set(naming) and len(affected) == len(naming)
    order = list(checks.LINKED_SOURCES)
    assert [order.index(naming[i]) for i in affected] == sorted(order.index(naming[i]) for i in affected)


def test_kaiser_puts_at_risk_every_segment_indicator_from_healthy_to_complex():
    template = [e for e in ENTRIES if "kaiser_pyramid" in e.get("affected_by", [])]
    assert [e["id"] for e in template] == ["phm_segment_{segment}"]
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA ref")
    # 100 persons: gezond 75 -> band 75 %; chronisch 20 -> 20 %; levenseinde 5 -> complex 5 %: plausible
    con.execute("CREATE TABLE ref.segment_rules AS SELECT * FROM (VALUES (1, 'levenseinde', 'Levenseinde'), "
                "(2, 'chronisch', 'Chronisch'), (3, 'gezond', 'Gezond')) t(priority, segment, label_nl)")
    con.execute("CREATE TABLE marts.person_stratification AS SELECT 2024 AS year, segment FROM (VALUES "
                "('gezond', 75), ('chronisch', 20), ('levenseinde', 5)) s(segment, n), range(n)")
    outcome = checks.kaiser_pyramid(con)
    assert outcome.passed and outcome.observed == "gezond_of_risico 75.0%, chronisch 20.0%, complex 5.0%"
    assert outcome.affected_indicators == ("phm_segment_gezond", "phm_segment_chronisch", "phm_segment_levenseinde")
