"""The seeded cost effect: participants' Zvw GP and hospital claims x (1 + effect) pro rata from their start,
nothing else changed, and the truth per law worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pytest

from sample_data.days import NEVER, year_start
from sample_data.interventions import Intervention
from sample_data.zvw import apply_cost_effect


@dataclass
class Residents:  # the four attributes apply_cost_effect reads of sample_data.population.People
    years: list[int]
    birth_day: np.ndarray
    death: np.ndarray
    buurt: np.ndarray

    def __len__(self) -> int:
        return len(self.birth_day)


def test_participants_gp_and_hospital_claims_change_from_their_start_only():
    day = int(year_start(2023))
    july_1 = day + 181  # 184 days left in 2023 (1 July - 31 December)
    people = Residents([2022, 2023], np.full(3, day - 40 * 365), np.full(3, NEVER), np.zeros((3, 2), dtype=int))
    # person 0 starts on 1 July 2023; person 2 was referred in 2023 but never started; person 1 is no participant
    wor = Intervention("welzijn_op_recept", "WoR", "psychische_klachten", ["B0"], np.array([0]), day,
                       np.array([0, 2]), np.array([july_1 - 20, day + 10]), np.array([july_1, NEVER]),
                       np.array([-1, -1]))
    claims = pl.DataFrame({
        "_person": [0, 0, 0, 0, 1, 2], "year": [2022, 2023, 2023, 2023, 2023, 2023],
        "insured_days": [365] * 6,
        "cost_category": ["huisartsenzorg", "huisartsenzorg", "medisch_specialistisch", "farmacie",
                          "huisartsenzorg", "huisartsenzorg"],
        "amount_eur": [400.0, 400.0, 1000.0, 200.0, 300.0, 500.0]})
    changed, truth = apply_cost_effect(claims, people, [wor], -0.15)
    # 400 x (1 - 0.15 x 184/365) = 369.753...; 1000 x (1 - 0.15 x 184/365) = 924.383...
    assert changed["amount_eur"].to_list() == [400.0, 369.75, 924.38, 200.0, 300.0, 500.0]
    zvw = truth["welzijn_op_recept"]["zvw"]
    # participants' insured years from their cohort year (2023: persons 0 and 2): (-30.25 - 75.62) / 2
    assert zvw["expected_participant_did_eur_per_person_year"] == pytest.approx(-105.87 / 2)
    # everyone in the buurt from 2023: three insured years
    assert zvw["expected_area_effect_eur_per_person_year"] == pytest.approx(-105.87 / 3)
    assert truth["welzijn_op_recept"]["wlz"]["expected_participant_did_eur_per_person_year"] == 0.0
    unchanged, none = apply_cost_effect(claims, people, [wor], 0.0)
    assert unchanged.equals(claims) and none["welzijn_op_recept"]["zvw"]["expected_area_effect_eur_per_person_year"] == 0
