"""Zvw claims per person x year x cost category, with the heavy tail of real health-insurance costs.

A person-year's total is log-normal around a predictor (age, chronic conditions, hospital use,
dying in the year, income, frailty). The residual spread is chosen (on the first year) so that the
costliest 5 % carry half of the cost; the shape is close to a log-normal with log-sd 1.645, which
then also puts about a quarter with the costliest 1 % and two thirds with the costliest 10 %
(DESIGN section 14). The level is set to about EUR 3,250 per insured year.
Newborns are insured from birth, so their birth year has a partial row; the dead are insured to death.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.columns import labels
from sample_data.days import year_end, year_start
from sample_data.hospital import HospitalUse
from sample_data.population import People
from sample_data.wlz import Wlz

COST_CATEGORIES = np.array(["huisartsenzorg", "farmacie", "medisch_specialistisch", "ggz", "wijkverpleging",
                            "paramedisch", "hulpmiddelen", "ziekenvervoer", "overig"])
CATEGORY_WEIGHT = np.array([0.08, 0.14, 0.48, 0.3, 0.25, 0.05, 0.05, 0.03, 0.05])
MEAN_PER_INSURED_YEAR = 3250.0
TOP5_SHARE = 0.5
CORRECTION_SHARE = 0.001   # rows that are a net negative correction (small categories only)


def _residual_for_top_share(predictor: np.ndarray, noise: np.ndarray, share: float) -> float:
    """Residual log-sd at which the costliest 5 % of person-years carry `share` of the total (bisection)."""
    low, high = 0.2, 3.0
    top = max(1, len(predictor) // 20)
    for _ in range(30):
        mid = (low + high) / 2
        cost = np.exp(predictor + mid * noise)
        if np.partition(cost, len(cost) - top)[-top:].sum() / cost.sum() > share:
            high = mid
        else:
            low = mid
    return (low + high) / 2


def build_zvw(rng: np.random.Generator, people: People, hospital: HospitalUse, wlz: Wlz) -> pl.DataFrame:
    """Claims per insured person, year and category (contract columns + `_person`)."""
    frames = []
    level = residual = 0.0
    for k, year in enumerate(people.years):
        ndays = int(year_end(year) - year_start(year) + 1)
        born = people.birth_year == year
        insured = np.where(born, year_end(year) - people.birth_day + 1, people.alive_days(year))
        who = np.flatnonzero(insured > 0)
        age = people.age(year)[who]
        n_chronic = people.conditions.n_chronic(year)[who]
        psych = (people.conditions.active_in_year("depressie", year)
                 | people.conditions.active_in_year("angst", year))[who]
        admissions = hospital.admissions[year][who]
        dies = people.dies_in(year)[who]
        predictor = (0.012 * np.maximum(age - 20, 0) + 0.4 * (age <= 1) + 0.15 * n_chronic
                     + 0.15 * people.frailty[who] + 0.35 * np.minimum(admissions, 3)
                     + 0.05 * np.minimum(hospital.ed_visits[year][who], 3)
                     + 0.5 * dies + 0.1 * (people.quintile[who] == 1) + 0.25 * psych
                     - 0.3 * wlz.institutional[who, k])
        noise = rng.standard_normal(len(who))
        if k == 0:  # fix the tail and the level on the first year
            residual = _residual_for_top_share(predictor, noise, TOP5_SHARE)
            level = np.log(MEAN_PER_INSURED_YEAR / np.mean(np.exp(predictor + residual * noise)))
        total = np.exp(level + predictor + residual * noise) * insured[who] / ndays
        present = rng.random((len(who), len(COST_CATEGORIES))) < np.column_stack([
            np.ones(len(who)),
            np.minimum(0.45 + 0.12 * n_chronic, 0.97),
            np.minimum(0.22 + 0.1 * n_chronic + 0.9 * (admissions > 0), 1.0),
            0.03 + 0.35 * psych,
            0.01 + 0.12 * (age >= 75) + 0.1 * dies,
            np.full(len(who), 0.18),
            0.05 + 0.1 * (age >= 75),
            0.01 + 0.3 * (admissions > 0),
            np.full(len(who), 0.12),
        ])
        weight = np.where(present, CATEGORY_WEIGHT * rng.gamma(2.0, 1.0, present.shape), 0.0)
        amount = np.round(total[:, None] * weight / weight.sum(axis=1, keepdims=True), 2)
        rows, cols = np.nonzero(present)
        amounts = amount[rows, cols]
        small = np.isin(cols, [1, 5, 8])
        correction = small & (rng.random(len(rows)) < CORRECTION_SHARE)
        amounts = np.where(correction, -np.round(rng.uniform(5, 150, len(rows)), 2), amounts)
        frames.append(pl.DataFrame({
            "_person": who[rows],
            "pseudo_id": people.pseudo_id.gather(who[rows]),
            "year": np.full(len(rows), year, dtype=np.int64),
            "insured_days": insured[who][rows].astype(np.int64),
            "cost_category": labels("cost_category", COST_CATEGORIES, cols),
            "amount_eur": amounts,
        }))
    return pl.concat(frames)
