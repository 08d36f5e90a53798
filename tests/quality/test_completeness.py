"""Never publish a year the inputs do not cover (quality/completeness.py, issue 14).

The gate is tested on hand-made counts (every rule, with the expected bound worked out in a comment), and end
to end the way a delivery goes wrong: a missing file, an empty file, a file with a tenth of the rows, a
population year missing while the other sources have it, and an incomplete source the operator allows. A
failed run leaves the previous publication byte-identical; an allowed one publishes those cells as
suppressed, reason "bron onvolledig", and the report says so.
"""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.config import load_settings
from pipelines.run import run_main_job
from quality.completeness import assess, completeness_outcomes, incomplete_indicator_years
from quality.contracts import SOURCES
from tests.builders import file_hashes
from tests.regions import publish_small_region, write_config

GEMEENTEN, YEARS = ["GM0399"], [2022, 2023]
BOUNDS = {"min_records_per_resident": {"gp_episodes": 0.1, "zvw_costs": 0.8, "wlz": 0.0005}}


def counts(rows: list[tuple[str, int, int, int]]) -> pl.DataFrame:
    """(source, year, files, records) as records_per_year gives them; `_any` = files of the source in all."""
    frame = pl.DataFrame(rows, schema={"source": pl.String, "year": pl.Int64, "files": pl.Int64,
                                       "records": pl.Int64}, orient="row")
    return frame.with_columns(pl.col("files").sum().over("source").alias("_any"))


def verdicts(frame: pl.DataFrame) -> dict[tuple[str, int], tuple[str, int | None, bool]]:
    return {(r["source"], r["year"]): (r["status"], r["expected"], r["allowed"]) for r in frame.iter_rows(named=True)}


def test_every_rule_of_the_gate():
    rows = [
        ("population", 2023, 1, 10_000), ("population", 2024, 1, 9_950),
        ("wmo", 2023, 1, 180), ("wmo", 2024, 0, 0),                   # no file for 2024 -> missing
        ("zvw_costs", 2023, 1, 23_500), ("zvw_costs", 2024, 1, 2_350),  # a tenth -> too_few
        ("gp_episodes", 2023, 1, 500), ("gp_episodes", 2024, 1, 3_800),  # 2023 below 0.1 per resident
        ("wlz", 2023, 1, 40), ("wlz", 2024, 1, 19),                    # a drop within chance -> complete
        ("health_survey", 2023, 1, 320), ("health_survey", 2024, 1, 0),  # a file, but nobody of 2024 -> empty
    ]
    got = verdicts(assess(counts(rows), BOUNDS))
    assert got[("wmo", 2024)] == ("missing", 90, False)  # it would have needed 0.5 x 180
    assert got[("health_survey", 2024)][0] == "empty"
    # zvw 2024: 0.5 x 23,500 = 11,750 of the year before, 0.8 x 9,950 residents = 7,960 -> at least 11,750;
    # the drop of 21,150 is far beyond chance (4 x sqrt(23,500 + 2,350) = 643)
    assert got[("zvw_costs", 2024)] == ("too_few", 11_750, False)
    # gp 2023 (no year before it here): 0.1 x 10,000 residents = 1,000 > 500
    assert got[("gp_episodes", 2023)] == ("too_few", 1_000, False)
    # wlz 2024: 19 < 0.5 x 40, but 40 - 19 = 21 is less than 4 x sqrt(59) = 30.7; 0.0005 x 9,950 = 5 <= 19
    assert got[("wlz", 2024)] == ("complete", 5, False)
    # population 2024: 0.9 x 10,000 = 9,000 <= 9,950
    assert got[("population", 2024)][0] == "complete"


def test_messages_name_source_year_expected_and_found():
    rows = [("population", 2023, 1, 10_000), ("population", 2024, 1, 10_000),
            ("zvw_costs", 2023, 1, 23_500), ("zvw_costs", 2024, 1, 2_350), ("wmo", 2023, 1, 150),
            ("wmo", 2024, 0, 0)]
    gate, allowed = completeness_outcomes(assess(counts(rows), BOUNDS), [2023, 2024])
    assert not gate.passed and gate.severity == "error"
    assert "wmo 2024: no file for the year (expected landing/wmo/wmo_2024.csv or .parquet)" in gate.message
    assert ("zvw_costs 2024: 2350 records of the year, expected at least 11750 (0.5 x the 23500 of 2023; "
            "0.8 per resident x 10000 residents)") in gate.message
    assert "allow_incomplete" in gate.message
    assert allowed.passed and allowed.observed == "none"


def test_an_allowed_or_optional_gap_is_published_as_incomplete():
    rows = [("population", 2023, 1, 10_000), ("population", 2024, 1, 10_000),
            ("wmo", 2023, 1, 150), ("wmo", 2024, 0, 0),
            ("interventions", 2023, 0, 0), ("interventions", 2024, 0, 0)]  # optional by default, none at all
    assessed = assess(counts(rows), {}, ["wmo:2024"])
    gate, allowed = completeness_outcomes(assessed, [2023, 2024])
    assert gate.passed
    assert not allowed.passed and allowed.severity == "warn"
    assert allowed.observed == "wmo:2024, interventions:2023, interventions:2024"
    # an optional source that is there but broken still fails: optional covers absence only
    broken = assess(counts(rows[:2] + [("wmo", 2023, 1, 150), ("wmo", 2024, 1, 0)]), {"optional": ["wmo"]})
    assert not completeness_outcomes(broken, [2023, 2024])[0].passed
    # which indicator-years go: those whose inputs include an allowed gap of that year
    gone = incomplete_indicator_years(assessed, {"co_wmo_gebruik": ("population", "wmo"),
                                                 "ph_diabetes": ("gp_episodes", "population"),
                                                 "phm_bereik_x": ("interventions", "population")})
    assert gone.rows() == [("co_wmo_gebruik", 2024), ("phm_bereik_x", 2023), ("phm_bereik_x", 2024)]


def test_allow_incomplete_is_validated_in_the_configuration(tmp_path):
    from pipelines.config import ConfigError

    with pytest.raises(ConfigError, match="'wm:2024': 'wm' is not a source"):
        load_settings(write_config(tmp_path / "a.toml", tmp_path, GEMEENTEN, YEARS, allow_incomplete=("wm:2024",)))
    with pytest.raises(ConfigError, match="'wmo:2030': '2030' is not one of the configured years"):
        load_settings(write_config(tmp_path / "b.toml", tmp_path, GEMEENTEN, YEARS, allow_incomplete=("wmo:2030",)))
    assert load_settings(write_config(tmp_path / "c.toml", tmp_path, GEMEENTEN, YEARS,
                                      allow_incomplete=("wmo:2023", "jeugd"))).allow_incomplete == ("wmo:2023",
                                                                                                    "jeugd")


def test_the_catalogue_names_real_sources_for_every_indicator():
    from indicators.catalogue import load_catalogue
    from tests.builders import SETTINGS

    catalogue = load_catalogue(SETTINGS.cutoffs, {"segments": [{"segment": "gezond", "label_nl": "Gezond"}]})
    assert {src for i in catalogue.indicators for src in i.inputs} <= set(SOURCES)
    by_id = {i.id: i.inputs for i in catalogue.indicators}
    assert by_id["co_wmo_gebruik"] == ("population", "wmo")
    assert by_id["ph_ervaren_gezondheid_goed"] == ("health_survey", "population")
    assert by_id["pw_ziekteverzuim"] == ("workforce",)


# ---------------------------------------------------------------- end to end, the way deliveries go wrong

@pytest.fixture(scope="module")
def published_region(module_tmp):
    """Heiloo at 15 %, 2022-2023, published once: the previous publication every failed run must leave alone."""
    return publish_small_region(module_tmp("complete"), GEMEENTEN, YEARS, seed=11)


def _copy(published_region, tmp_path, allow_incomplete=()):
    shutil.copytree(published_region.landing_dir, tmp_path / "data" / "landing")
    shutil.copytree(published_region.published_dir, tmp_path / "data" / "published")
    return load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", GEMEENTEN, YEARS,
                                      allow_incomplete=allow_incomplete))


def _fails(settings, *fragments: str) -> None:
    before = file_hashes(settings.published_dir)
    outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())
    assert not outcome.success
    text = " | ".join(outcome.failures)
    assert "check source_completeness on quality/source_completeness" in text, text
    for fragment in fragments:
        assert fragment in text, text
    assert file_hashes(settings.published_dir) == before  # the previous publication, byte for byte


def _keep_fraction(path, fraction: float) -> tuple[int, int]:
    """Keep the header and the first `fraction` of the data lines of a CSV; returns (before, after) lines."""
    lines = path.read_bytes().splitlines(keepends=True)
    keep = max(1, int((len(lines) - 1) * fraction))
    path.write_bytes(b"".join(lines[: 1 + keep]))
    return len(lines) - 1, keep


@pytest.mark.slow
def test_a_missing_source_year_fails_and_names_it(published_region, tmp_path):
    settings = _copy(published_region, tmp_path)
    (settings.landing_dir / "wmo" / "wmo_2023.csv").unlink()
    _fails(settings, f"wmo 2023: no file for the year (expected {settings.landing_dir}/wmo/wmo_2023.csv or .parquet)")


@pytest.mark.slow
def test_an_empty_population_file_fails(published_region, tmp_path):
    settings = _copy(published_region, tmp_path)
    path = settings.landing_dir / "population" / "population_2023.csv"
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])  # the header alone
    _fails(settings, "population 2023: the file holds no record of 2023")


@pytest.mark.slow
def test_a_tenth_of_last_years_rows_fails(published_region, tmp_path):
    settings = _copy(published_region, tmp_path)
    before, after = _keep_fraction(settings.landing_dir / "zvw_costs" / "zvw_costs_2023.csv", 0.1)
    assert after * 9 < before
    _fails(settings, "zvw_costs 2023: ", "records of the year, expected at least")


@pytest.mark.slow
def test_a_population_year_missing_while_other_sources_have_it(published_region, tmp_path):
    settings = _copy(published_region, tmp_path)
    (settings.landing_dir / "population" / "population_2023.csv").unlink()
    _fails(settings, "population 2023: no file for the year")


@pytest.mark.slow
def test_an_allowed_incomplete_source_is_published_as_suppressed(published_region, tmp_path):
    settings = _copy(published_region, tmp_path, allow_incomplete=("wmo:2023",))
    (settings.landing_dir / "wmo" / "wmo_2023.csv").unlink()
    outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())
    assert outcome.success, outcome.failures
    with duckdb.connect(str(settings.published_dir / "monitoring.duckdb"), read_only=True) as con:
        by_year = dict(con.execute(
            "SELECT period, count(*) FILTER (WHERE suppression_reason = 'bron onvolledig') * 1.0 / count(*) "
            "FROM indicator_values WHERE indicator_id = 'co_wmo_gebruik' GROUP BY period").fetchall())
        shown = con.execute("SELECT count(*) FROM indicator_values WHERE period = 2023 AND indicator_id = "
                            "'co_wmo_gebruik' AND (value IS NOT NULL OR numerator IS NOT NULL)").fetchone()[0]
        diabetes = con.execute("SELECT count(*) FILTER (WHERE suppression_reason = 'bron onvolledig') FROM "
                               "indicator_values WHERE indicator_id = 'ph_diabetes'").fetchone()[0]
        warning = con.execute("SELECT status, observed FROM quality_results "
                              "WHERE check_name = 'incomplete_sources_allowed'").fetchone()
    assert by_year == {2022: 0.0, 2023: 1.0}  # every 2023 cell of Wmo use hidden, 2022 untouched
    assert shown == 0 and diabetes == 0  # nothing of it shows; an indicator without Wmo is published as usual
    assert warning == ("failed", "wmo:2023")
    report = (settings.published_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert "Onvolledige bronnen: Wmo (2023)" in report
