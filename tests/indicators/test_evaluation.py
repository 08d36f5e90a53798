"""PHM step 5: the evaluation recovers the generator's seeded effect, finds none where there is none,
and says `not_estimable` (with the reason) instead of a number when the data cannot carry it."""

from __future__ import annotations

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

from indicators.evaluation import (
    CAVEAT,
    ESTIMANDS,
    OUTCOMES,
    Intervention,
    did_area,
    did_participants,
    outcomes,
)
from pipelines.config import load_settings
from pipelines.run import run_main_job
from sample_data.generator import generate
from tests.regions import write_config

pytestmark = pytest.mark.slow
GEMEENTEN, YEARS, SCALE = ["GM0361"], [2022, 2023], 0.4  # Alkmaar at 40 %: the intervention buurten are there


def _evaluate(tmp_path, effect: float | None, cost_effect: float | None = None):
    settings = load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", GEMEENTEN, YEARS))
    manifest = generate(settings.landing_dir, GEMEENTEN, YEARS, seed=3, scale=SCALE, intervention_effect=effect,
                        cost_effect=cost_effect)
    outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())
    assert outcome.success, outcome.failures
    with duckdb.connect(str(settings.published_dir / "monitoring.duckdb"), read_only=True) as con:
        results = con.execute("SELECT * FROM evaluation_results").pl()
    truth = manifest["interventions"][0]
    rows = results.filter(pl.col("intervention_id") == truth["intervention_id"])
    ed = rows.filter(pl.col("indicator_id") == "eq_seh_per_1000")  # the outcome the generator seeds
    costs = {(r["law"], r["method"]): r for r in rows.filter(pl.col("law").is_not_null()).to_dicts()}
    return {r["method"]: r for r in ed.to_dicts()} | {"costs": costs}, truth


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


def test_cost_per_payer_recovers_the_seeded_zvw_effect_and_no_wlz_effect(seeded):
    rows, truth = seeded
    costs, seeded_costs = rows["costs"], truth["cost_effects"]
    zvw = seeded_costs["zvw"]["expected_participant_did_eur_per_person_year"]  # the change the generator made
    assert seeded_costs["zvw"]["true_relative_effect"] == -0.15 and zvw < 0
    participants = costs[("zvw", "did_participants_matched")]
    assert participants["payer"] == "zorgverzekeraar" and participants["estimand"] == "effect_on_participants"
    assert participants["ci_low"] <= zvw <= participants["ci_high"]
    area = costs[("zvw", "did_area_panel")]
    assert area["ci_low"] <= seeded_costs["zvw"]["expected_area_effect_eur_per_person_year"] <= area["ci_high"]
    # Wlz: nothing seeded; where the data carry an estimate, its interval covers 0
    assert seeded_costs["wlz"]["expected_participant_did_eur_per_person_year"] == 0.0
    for method in ("did_area_panel", "did_participants_matched"):
        wlz = costs[("wlz", method)]
        assert wlz["payer"] == "zorgkantoor"
        assert wlz["status"] == "not_estimable" or wlz["ci_low"] <= 0.0 <= wlz["ci_high"], method
    # every law whose cost column the mart has gets both estimands; bijstand_cost only once it is modelled
    assert {law for law, _ in costs} >= {"zvw", "wlz", "wmo", "jeugdwet"}


def test_every_row_carries_the_caveat(seeded):
    rows, _ = seeded
    assert all(r["caveat"] == CAVEAT for r in [rows[m] for m in ESTIMANDS] + list(rows["costs"].values()))


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
    rows, truth = _evaluate(tmp_path, 0.0, cost_effect=0.0)
    assert truth["expected_area_effect_per_1000_residents"] == 0.0
    assert truth["cost_effects"]["zvw"]["expected_participant_did_eur_per_person_year"] == 0.0
    for method in ("did_area_panel", "did_participants_matched"):
        assert rows[method]["ci_low"] <= 0.0 <= rows[method]["ci_high"], method
        zvw = rows["costs"][("zvw", method)]
        assert zvw["ci_low"] <= 0.0 <= zvw["ci_high"], method


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


def test_a_law_is_evaluated_only_when_the_mart_has_its_cost_column():
    # bijstand_cost arrives with the cost ledger (issue 20): before it, no Participatiewet row, not a row of zeros
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.person_year (seh_visits INT, zvw_cost DOUBLE, wlz_cost DOUBLE, "
                    "wmo_cost DOUBLE, jeugd_cost DOUBLE, person_years DOUBLE, insured_years DOUBLE)")
        before = outcomes(con)
        con.execute("ALTER TABLE marts.person_year ADD COLUMN bijstand_cost DOUBLE")
        after = outcomes(con)
    assert {o.law for o in before.values()} == {None, "zvw", "wlz", "wmo", "jeugdwet"}
    assert set(after) - set(before) == {"co_bijstand_per_inwoner"}
    assert after["co_bijstand_per_inwoner"].payer == "gemeente"
    # the cost outcomes already published keep their catalogue id, numerator and exposure
    zvw, wmo = OUTCOMES["co_zvw_per_verzekerdejaar"], OUTCOMES["co_wmo_per_inwoner"]
    assert (zvw.value, zvw.exposure, zvw.law, wmo.value, wmo.exposure) == (
        "zvw_cost", "insured_years", "zvw", "wmo_cost", "1.0")


def test_participant_cost_did_is_the_difference_of_mean_changes():
    # a balanced panel: 12 participants and 12 matched never-participants, one cohort (start 2023), Zvw cost
    # per insured year in 2022 and 2023; participants' 2023 cost is 150 euro lower than their trend. With equal
    # exposure and one stratum the regression coefficient is the plain difference of the four means.
    rng = np.random.default_rng(7)
    n = 24
    participant = np.repeat([True, False], n // 2)
    base = rng.gamma(2.0, 1500.0, n)
    cost_2022 = base + rng.normal(0, 200, n)
    cost_2023 = base + 300 + rng.normal(0, 200, n) - 150 * participant
    panel = pd.DataFrame({
        "cohort": 2023, "pseudo_id": np.tile([f"P{i}" for i in range(n)], 2), "participant": np.tile(participant, 2),
        "age_group": "45-64", "sex": "v", "year": np.repeat([2022, 2023], n),
        "events_co_zvw_per_verzekerdejaar": np.concatenate([cost_2022, cost_2023]),
        "exposure_co_zvw_per_verzekerdejaar": 1.0})
    panel = panel.assign(person=pd.factorize(panel["pseudo_id"])[0], post=(panel["year"] >= 2023).astype(int))
    row = did_participants(panel, Intervention("x", 2023, ("B1",), "g"), "co_zvw_per_verzekerdejaar")
    by_hand = ((cost_2023[participant] - cost_2022[participant]).mean()
               - (cost_2023[~participant] - cost_2022[~participant]).mean())
    assert row["status"] == "estimated" and row["law"] == "zvw" and row["payer"] == "zorgverzekeraar"
    assert row["estimate"] == pytest.approx(by_hand, rel=1e-9)
    assert row["ci_low"] <= -150 <= row["ci_high"]
