"""PHM step 5: the evaluation recovers the generator's seeded effect, finds none where there is none,
and says `not_estimable` (with the reason) instead of a number when the data cannot carry it."""

from __future__ import annotations

import dagster as dg
import duckdb
import polars as pl
import pytest

from indicators.evaluation import CAVEAT, Intervention, did_area
from pipelines.config import load_settings
from pipelines.run import run_main_job
from sample_data.generator import generate
from tests.regions import write_config

pytestmark = pytest.mark.slow
GEMEENTEN, YEARS, SCALE = ["GM0361"], [2022, 2023], 0.4  # Alkmaar at 40 %: the intervention buurten are there


def _evaluate(tmp_path, effect: float | None):
    settings = load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", GEMEENTEN, YEARS))
    manifest = generate(settings.landing_dir, GEMEENTEN, YEARS, seed=3, scale=SCALE, intervention_effect=effect)
    outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())
    assert outcome.success, outcome.failures
    with duckdb.connect(str(settings.published_dir / "monitoring.duckdb"), read_only=True) as con:
        results = con.execute("SELECT * FROM evaluation_results").pl()
    truth = manifest["interventions"][0]
    rows = results.filter(pl.col("intervention_id") == truth["intervention_id"],
                          pl.col("indicator_id") == "eq_seh_per_1000")  # the outcome the generator seeds
    return {r["method"]: r for r in rows.to_dicts()}, truth


@pytest.fixture(scope="module")
def seeded(module_tmp):
    return _evaluate(module_tmp("effect"), None)


def test_area_panel_interval_contains_the_seeded_effect(seeded):
    rows, truth = seeded
    area = rows["did_area_panel"]
    expected = truth["expected_area_effect_per_1000_residents"]  # from the generator's own rates
    assert expected < 0
    assert area["status"] == "estimated" and area["ci_low"] <= expected <= area["ci_high"]
    assert area["n_areas_treated"] == len(truth["buurten"]) and area["n_areas_comparison"] >= 2


def test_participant_level_interval_contains_the_seeded_effect(seeded):
    rows, truth = seeded
    participants = rows["did_participants_matched"]
    expected = truth["expected_participant_did_per_1000"]
    assert expected < 0 and participants["ci_low"] <= expected <= participants["ci_high"]
    assert "participant-level" in participants["reason"]


def test_every_row_carries_the_caveat(seeded):
    rows, _ = seeded
    assert all(r["caveat"] == CAVEAT for r in rows.values())


def test_rows_publish_estimand_inference_and_mde(seeded):
    rows, _ = seeded
    area, participants = rows["did_area_panel"], rows["did_participants_matched"]
    assert area["estimand"] == "intention_to_treat_buurt" and area["inference"].startswith("wild_cluster_bootstrap")
    assert participants["estimand"] == "effect_on_participants"
    # participants: hundreds of person clusters, so t(G-1) ~ normal; the interval's half-width is 1.959964 SE
    # and the MDE (1.959964 + 0.841621) SE: MDE = half-width x 2.801585 / 1.959964 = half-width x 1.429408
    half = (participants["ci_high"] - participants["ci_low"]) / 2
    assert participants["mde"] == pytest.approx(half * 1.429408, rel=2e-3)
    assert area["mde"] > 0 and 0 <= area["p_value"] <= 1 and 0 <= participants["p_value"] <= 1


def test_no_effect_gives_an_interval_around_zero(tmp_path):
    rows, truth = _evaluate(tmp_path, 0.0)
    assert truth["expected_area_effect_per_1000_residents"] == 0.0
    for method in ("did_area_panel", "did_participants_matched"):
        assert rows[method]["ci_low"] <= 0.0 <= rows[method]["ci_high"], method


def test_too_few_areas_is_not_estimable_with_reason():
    # one treated buurt: few-cluster inference needs at least MIN_TREATED_AREAS (3) treated buurten
    panel = pl.DataFrame({
        "buurt_code": ["B1", "B1", "B2", "B2", "B3", "B3"], "year": [2022, 2023] * 3,
        "events": [50.0] * 6, "exposure": [1000.0] * 6, "residents": [1000] * 6,
        "share_q1": [0.2, 0.2, 0.3, 0.3, 0.1, 0.1], "share_65plus": [0.2] * 6, "share_0_17": [0.2] * 6})
    row = did_area(panel, Intervention("x", 2023, ("B1",), "psychische_klachten"), "eq_seh_per_1000")
    assert row["status"] == "not_estimable" and row["estimate"] is None
    assert row["reason"].startswith("too few areas: 1 treated")


def test_no_year_before_the_start_is_not_estimable():
    panel = pl.DataFrame({"buurt_code": ["B1", "B2"], "year": [2023, 2023], "events": [50.0, 40.0],
                          "exposure": [1000.0, 900.0], "residents": [1000, 900], "share_q1": [0.2, 0.3],
                          "share_65plus": [0.2, 0.2], "share_0_17": [0.2, 0.2]})
    row = did_area(panel, Intervention("x", 2023, ("B1",), "g"), "eq_seh_per_1000")
    assert row["status"] == "not_estimable" and "no year before and after" in row["reason"]
