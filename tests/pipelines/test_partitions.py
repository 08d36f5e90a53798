"""Year partitions: adding next year's files recomputes that year's person-level data, not the history.

A region is generated for 2022-2024 and first run with only 2022 and 2023 delivered; then the 2024 files
arrive and only the 2024 partition runs. The 2024 rows must equal those of a run that had every year from
the start, and the 2022/2023 rows must be exactly as the first run left them.
"""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from pipelines.config import load_settings
from pipelines.run import run_main_job
from sample_data.generator import generate
from tests.regions import write_config

PERSON_TABLES = ["staging.person_year", "staging.person_conditions", "staging.person_care",
                 "marts.survey_respondent", "marts.person_year", "marts.person_stratification",
                 "marts.person_targeting", "marts.population_denominators"]
GEMEENTEN = ["GM0399"]


def _deliver(generated, landing, years) -> None:
    """Copy the generated files of `years` into a landing folder (what a data supplier drops)."""
    for path in generated.glob("*/*"):
        if int(path.stem.rsplit("_", 1)[1]) in years:
            (landing / path.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, landing / path.parent.name / path.name)


def _fingerprints(settings) -> dict[tuple[str, int], tuple[int, int]]:
    """(table, year) -> (rows, order-free hash of the rows): equal only when every row is equal."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return {(table, year): (rows, digest) for table in PERSON_TABLES
                for year, rows, digest in con.execute(
                    f"SELECT year, count(*), sum(hash(t)::HUGEINT) FROM {table} t GROUP BY year").fetchall()}


def _partitions(instance, run_id: str) -> set[str]:
    records = instance.fetch_materializations(dg.AssetKey(["rg_test", "marts", "person_year"]), limit=100).records
    return {r.partition_key for r in records if r.run_id == run_id}


@pytest.fixture(scope="module")
def runs(module_tmp):
    root = module_tmp("years")
    generate(root / "generated", GEMEENTEN, [2022, 2023, 2024], seed=11, scale=0.3)
    instance = dg.DagsterInstance.ephemeral()

    # the partnership starts with two years, then the 2024 files arrive and only 2024 runs
    config = write_config(root / "phm.toml", root / "incremental", years=[2022, 2023])
    settings = load_settings(config)
    _deliver(root / "generated", settings.landing_dir, {2022, 2023})
    first = run_main_job(settings, instance=instance)
    assert first.success, first.failures
    before = _fingerprints(settings)
    _deliver(root / "generated", settings.landing_dir, {2024})
    settings = load_settings(write_config(root / "phm.toml", root / "incremental", years=[2022, 2023, 2024]))
    second = run_main_job(settings, instance=instance, years=[2024])
    assert second.success, second.failures

    # the same three years delivered at once, run whole
    full = load_settings(write_config(root / "full.toml", root / "full", years=[2022, 2023, 2024]))
    _deliver(root / "generated", full.landing_dir, {2022, 2023, 2024})
    whole = run_main_job(full, instance=instance)
    assert whole.success, whole.failures
    return {"instance": instance, "first": first, "second": second, "before": before,
            "after": _fingerprints(settings), "full": _fingerprints(full), "settings": settings,
            "full_settings": full}


@pytest.mark.slow
def test_only_the_new_year_partition_is_materialised(runs):
    assert _partitions(runs["instance"], runs["first"].run_id) == {"2022", "2023"}
    assert _partitions(runs["instance"], runs["second"].run_id) == {"2024"}


@pytest.mark.slow
def test_earlier_years_are_left_exactly_as_they_were(runs):
    before, after = runs["before"], runs["after"]
    for table in PERSON_TABLES:
        for year in (2022, 2023):
            assert after[(table, year)] == before[(table, year)], (table, year)
        assert (table, 2024) not in before and after[(table, 2024)][0] > 0


@pytest.mark.slow
def test_the_new_year_equals_a_run_that_had_every_year(runs):
    for table in PERSON_TABLES:
        assert runs["after"][(table, 2024)] == runs["full"][(table, 2024)], table


@pytest.mark.slow
def test_publication_covers_every_year_and_2024_matches_the_full_run(runs):
    query = ("SELECT indicator_id, area_code, stratum, numerator, denominator, value, ci_low, ci_high, suppressed, "
             "suppression_reason, comparison "
             "FROM indicator_values WHERE period = 2024 ORDER BY ALL")
    published = {}
    for name in ("settings", "full_settings"):
        path = runs[name].published_dir / "monitoring.duckdb"
        with duckdb.connect(str(path), read_only=True) as con:
            periods = [r[0] for r in con.execute("SELECT DISTINCT period FROM indicator_values ORDER BY 1").fetchall()]
            assert periods == [2022, 2023, 2024]
            published[name] = con.execute(query).fetchall()
    incremental, full = published["settings"], published["full_settings"]
    assert len(incremental) == len(full) > 1000
    for ours, theirs in zip(incremental, full, strict=True):
        # keys, counts, suppression and comparison exactly; values up to the order of floating-point sums
        assert ours[:5] + ours[8:] == theirs[:5] + theirs[8:]
        assert _numbers(ours[5:8]) == pytest.approx(_numbers(theirs[5:8]), rel=1e-9, nan_ok=True)


def _numbers(values) -> list[float]:
    return [float("nan") if v is None else v for v in values]


def test_a_year_that_is_not_configured_is_refused_before_any_work(tmp_path):
    settings = load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", years=[2022, 2023, 2024]))
    outcome = run_main_job(settings, years=[2025])
    assert not outcome.success and "year(s) [2025] are not configured for RG_TEST" in outcome.failures[0]
    outcome = run_main_job(settings, years=[2022, 2024])
    assert not outcome.success and "not consecutive" in outcome.failures[0]
    assert not settings.data_dir.exists() or not any(settings.data_dir.iterdir())
