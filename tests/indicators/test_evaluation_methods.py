"""The evaluation on hand-made data: the participant analysis in event time (every post year, not only the
start year), the estimand and inference of each row, cost outcomes, and the refusal of too few treated buurten."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest

from indicators.evaluation import (
    ESTIMANDS,
    INFERENCE_AREA,
    INFERENCE_PARTICIPANTS,
    MIN_TREATED_AREAS,
    Intervention,
    did_area,
    did_participants,
    participant_panel,
)
from pipelines.config import ConfigError, load_settings
from tests.pipelines.test_config import write


def _participants_db(visits: dict[bool, dict[int, int]], starts: dict[int, int] | None = None):
    """10 participants (P0..P9, start 2023 unless `starts` says otherwise) and 10 never-participants (C0..C9),
    all in the target group in 2022-2023, same age group and sex, a whole person-year each. Person i has
    `visits[group][year] + (i % 2) x (year - 2021)` ED visits: the extra term has the same mean in both groups
    every year (0.5 x (year - 2021)), so it leaves each DiD alone and only gives the residuals a spread."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts")
    con.execute("CREATE TABLE raw.intervention_participants (intervention_id VARCHAR, pseudo_id VARCHAR, "
                "start_date DATE, referral_date DATE)")
    con.execute("CREATE TABLE marts.person_targeting (pseudo_id VARCHAR, year INTEGER, doelgroep_g BOOLEAN)")
    con.execute("CREATE TABLE marts.person_year (pseudo_id VARCHAR, year INTEGER, age_group VARCHAR, sex VARCHAR, "
                "seh_visits INTEGER, person_years DOUBLE, zvw_cost DOUBLE, insured_years DOUBLE, wmo_cost DOUBLE)")
    starts = starts or {}
    for i in range(10):
        con.execute("INSERT INTO raw.intervention_participants VALUES ('x', ?, make_date(?, 3, 1), NULL)",
                    [f"P{i}", starts.get(i, 2023)])
        for group, prefix in ((True, "P"), (False, "C")):
            for year in (2022, 2023, 2024):
                con.execute("INSERT INTO marts.person_year VALUES (?, ?, '45-64', 'v', ?, 1.0, 0, 1.0, 0)",
                            [f"{prefix}{i}", year, visits[group][year] + (i % 2) * (year - 2021)])
                if year < 2024:
                    con.execute("INSERT INTO marts.person_targeting VALUES (?, ?, true)", [f"{prefix}{i}", year])
    return con


def _did_participants(con):
    intervention = Intervention("x", 2023, ("B1",), "g")
    return did_participants(participant_panel(con, intervention), intervention, "eq_seh_per_1000")


def test_participant_analysis_uses_every_post_year():
    # participants 3, 2, 1 visits in 2022, 2023, 2024; non-participants 2, 2, 2 (per person, + its offset)
    # post mean of (P - C) = ((2 - 2) + (1 - 2)) / 2 = -0.5; pre (P - C) = 3 - 2 = 1
    # DiD = -0.5 - 1 = -1.5 visits per person-year = -1500 per 1,000 (the start year alone would give -1000)
    con = _participants_db({True: {2022: 3, 2023: 2, 2024: 1}, False: {2022: 2, 2023: 2, 2024: 2}})
    row = _did_participants(con)
    assert row["status"] == "estimated"
    assert row["estimate"] == pytest.approx(-1500.0)
    assert row["periods"] == "pre [2022] / post [2023, 2024]"
    assert row["estimand"] == "effect_on_participants" == ESTIMANDS["did_participants_matched"]
    assert row["inference"] == INFERENCE_PARTICIPANTS
    assert row["n_areas_treated"] == 10 and row["n_areas_comparison"] == 10
    assert row["ci_low"] < row["estimate"] < row["ci_high"] and row["mde"] > 0


def test_a_later_start_cohort_is_compared_in_its_own_event_time():
    # P8 and P9 start in 2024: their pre year is 2023 and their post year 2024; the 2023 cohort keeps 2022.
    # 2023 cohort (8 persons): DiD -1.5 as above. 2024 cohort (2 persons): (1 - 2) - (2 - 2) = -1.
    # Stacked with cohort x group and cohort x year effects, each stack balanced: the residual of "did" is
    # (treated - pi)(post - tau), so the estimate is the mean of the cohort DiDs weighted by
    # V = N T pi (1 - pi) tau (1 - tau) (the extra term has equal group means and drops out):
    #   2023: N 18, T 3, pi 8/18, tau 2/3 -> V = 80/27;   2024: N 12, T 2, pi 2/12, tau 1/2 -> V = 5/6
    #   (80/27 x -1.5 + 5/6 x -1) / (80/27 + 5/6) = -285/205 = -1.390244 visits per person-year
    con = _participants_db({True: {2022: 3, 2023: 2, 2024: 1}, False: {2022: 2, 2023: 2, 2024: 2}},
                           starts={8: 2024, 9: 2024})
    row = _did_participants(con)
    assert row["estimate"] == pytest.approx(-1000 * 285 / 205)
    assert row["periods"] == "pre [2022, 2023] / post [2023, 2024]"
    assert row["n_areas_treated"] == 10


def test_too_few_participants_is_not_estimable():
    con = _participants_db({True: {2022: 3, 2023: 2, 2024: 1}, False: {2022: 2, 2023: 2, 2024: 2}})
    con.execute("DELETE FROM raw.intervention_participants WHERE pseudo_id = 'P0'")
    con.execute("DELETE FROM marts.person_targeting WHERE pseudo_id = 'P0'")
    row = _did_participants(con)
    assert row["status"] == "not_estimable" and row["estimate"] is None
    assert row["reason"].startswith("too few persons: fewer than 10 participants")


def _panel(treated: int, buurten: int = 12, effect: float = 0.0) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for b in range(buurten):
        for year in (2022, 2023, 2024):
            exposure = 800.0 + 50 * b
            rate = 60 + 2 * b + rng.normal(0, 2) + effect * (b < treated) * (year >= 2023)
            rows.append({"buurt_code": f"B{b:02d}", "year": year, "events": rate * exposure / 1000,
                         "exposure": exposure, "cases": 40.0, "residents": int(exposure),
                         "share_q1": 0.1 + 0.01 * b, "share_65plus": 0.2, "share_0_17": 0.2})
    return pl.DataFrame(rows)


def test_two_treated_buurten_are_refused_with_the_reason():
    row = did_area(_panel(treated=2), Intervention("x", 2023, ("B00", "B01"), "g"), "eq_seh_per_1000")
    assert row["status"] == "not_estimable" and row["estimate"] is None
    assert row["reason"] == "too few areas: 2 treated, 6 comparison (at least 3 treated and 2 comparison)"
    assert row["estimand"] == "intention_to_treat_buurt"


def test_area_row_names_its_inference_and_mde_and_flags_few_treated_areas():
    buurten = ("B00", "B01", "B02")
    row = did_area(_panel(treated=3, effect=-5.0), Intervention("x", 2023, buurten, "g"), "eq_seh_per_1000")
    assert row["status"] == "estimated" and row["inference"] == INFERENCE_AREA
    assert row["n_areas_treated"] == 3 and row["n_areas_comparison"] == 9
    assert "few treated areas (3)" in row["reason"]
    assert 0.0 <= row["p_value"] <= 1.0 and row["mde"] > 0


def test_cost_outcome_is_evaluated_per_euro():
    buurten = ("B00", "B01", "B02")
    panel = _panel(treated=3, effect=-5.0).with_columns(events=pl.col("events") * 1000)  # euro, not visits
    row = did_area(panel, Intervention("x", 2023, buurten, "g"), "co_zvw_per_verzekerdejaar")
    visits = did_area(_panel(treated=3, effect=-5.0), Intervention("x", 2023, buurten, "g"), "eq_seh_per_1000")
    # euro per insured year (multiplier 1) on 1000x the events: the same number as visits per 1,000
    assert row["estimate"] == pytest.approx(visits["estimate"])


def test_min_treated_areas_is_configured_in_the_evaluation_table(tmp_path):
    assert load_settings(write(tmp_path)).min_treated_areas == MIN_TREATED_AREAS == 3  # one default, two places
    assert load_settings(write(tmp_path, "[evaluation]\nmin_treated_areas = 5\n")).min_treated_areas == 5
    with pytest.raises(ConfigError, match="evaluation.min_treated_areas"):
        load_settings(write(tmp_path, "[evaluation]\nmin_treated_areas = 0\n"))
    with pytest.raises(ConfigError, match="min_treated_area"):
        load_settings(write(tmp_path, "[evaluation]\nmin_treated_area = 4\n"))
    # the configured minimum reaches did_area: 3 treated buurten are refused when 4 are required
    row = did_area(_panel(treated=3), Intervention("x", 2023, ("B00", "B01", "B02"), "g"), "eq_seh_per_1000", 4)
    assert row["status"] == "not_estimable" and "at least 4 treated" in row["reason"]


def test_report_shows_estimand_mde_and_the_new_reasons_in_dutch():
    from indicators.report.sections import evaluation

    rows = pl.DataFrame({
        "intervention_id": ["v", "v", "w"], "indicator_id": ["eq_seh_per_1000"] * 3,
        "method": ["did_area_panel", "did_participants_matched", "did_area_panel"],
        "estimate": [1.37, 84.2, None], "ci_low": [-11.7, -95.2, None], "ci_high": [13.6, 263.6, None],
        "mde": [20.93, 256.46, None], "n_areas_treated": [3, 105, 2], "n_areas_comparison": [9, 8605, 6],
        "periods": ["pre [2022, 2023] / post [2024]"] * 3, "status": ["estimated", "estimated", "not_estimable"],
        "reason": ["few treated areas (3): the wild bootstrap interval is conservative", None,
                   "too few areas: 2 treated, 6 comparison (at least 3 treated and 2 comparison)"],
        "estimand": ["intention_to_treat_buurt", "effect_on_participants", "intention_to_treat_buurt"]})
    page = evaluation(rows, {})
    assert "effect op alle inwoners van de interventiebuurten" in page and "effect op de deelnemers" in page
    assert "kleinste aantoonbare effect" in page and "20,9" in page and "256,5" in page
    assert "weinig buurten met de interventie (3)" in page
    assert "te weinig buurten: 2 met de interventie, 6 ter vergelijking (minstens 3 met de interventie en 2" in page
