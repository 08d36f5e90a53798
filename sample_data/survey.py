"""Health survey (GGD Gezondheidsmonitor style, plus Positive Health): about 4 % of adults each year.

Every answer is generated at item level. For each RIVM indicator the buurt's probability is the
RIVM 2020 18+ small-area estimate; a respondent's own probability is shifted on the logit scale
by their characteristics (income, age, conditions, living alone), centred within the buurt so the
buurt's average stays at the RIVM value. The scored totals then hit the cut-offs of `[cutoffs]` in phm.toml
(K10 >= 16 / >= 30, De Jong Gierveld >= 3 / >= 9, mastery >= 20, GALI 1-2, BMI >= 25 / >= 30) with
those probabilities. Weights post-stratify respondents to the adult population by gemeente x sex x
age band (mean weight 1). Positive Health scores follow the other answers.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.buurten import Buurten
from sample_data.population import People
from sample_data.wlz import Wlz

RESPONSE_SHARE = 0.04
PH_DIMENSIONS = ("lichaamsfuncties", "mentaal_welbevinden", "zingeving", "kwaliteit_van_leven", "meedoen",
                 "dagelijks_functioneren")
AGE_BANDS = np.array([35, 50, 65, 75])  # 18-34, 35-49, 50-64, 65-74, 75+
LIMITED_LITERACY = 0.24                 # SBSQ mean <= 2 among adults (no RIVM small-area estimate)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def item_answers(rng: np.random.Generator, totals: np.ndarray, items: int, low: int, high: int) -> np.ndarray:
    """(persons, items) answers in low..high that add up exactly to `totals`.

    Each item has (high - low) slots above `low`; a person's slots are ranked by a per-item
    propensity minus a step per level, and the `totals - items * low` best slots are taken, so
    answers vary between items but are consistent within a person.
    """
    n, levels = len(totals), high - low
    propensity = rng.standard_normal((n, items))
    priority = propensity[:, :, None] - 0.8 * np.arange(levels)[None, None, :]
    flat = priority.reshape(n, items * levels)
    rank = np.argsort(np.argsort(-flat, axis=1, kind="stable"), axis=1, kind="stable")
    taken = rank < (totals - items * low)[:, None]
    return low + taken.reshape(n, items, levels).sum(axis=2)


def build_survey(rng: np.random.Generator, people: People, buurten: Buurten, wlz: Wlz) -> pl.DataFrame:
    """One survey round per year among adult residents outside institutions (contract columns + `_person`)."""
    frames = []
    gemeente_of_buurt = np.unique(buurten.gemeente, return_inverse=True)[1]
    for k, year in enumerate(people.years):
        age = people.age(year)
        adult = np.flatnonzero(people.resident(year) & (age >= 18))
        b = people.buurt[adult, k]
        a = age[adult]
        female = people.female[adult]
        q = people.quintile[adult]
        # who responds: older people and women more, young men and the lowest income less
        propensity = (np.select([a < 25, a < 45, a < 65, a < 75], [0.6, 0.75, 1.05, 1.45], 1.1)
                      * np.where(female, 1.15, 0.85) * np.array([0.8, 0.95, 1.0, 1.1, 1.15])[q - 1]
                      * ~wlz.institutional[adult, k])
        responds = rng.random(len(adult)) < RESPONSE_SHARE * propensity / propensity.mean()
        probs = _probabilities(people, buurten, year, adult, b)
        r = np.flatnonzero(responds)
        answers = _answers(rng, {key: value[r] for key, value in probs.items()}, a[r], female[r])
        answers["pseudo_id"] = people.pseudo_id.gather(adult[r])
        answers["survey_year"] = np.full(len(r), year, dtype=np.int64)
        band = np.searchsorted(AGE_BANDS, a, "right")
        stratum = (gemeente_of_buurt[b] * 2 + female) * (len(AGE_BANDS) + 1) + band
        population = np.bincount(stratum, minlength=stratum.max() + 1)
        sample = np.bincount(stratum[r], minlength=stratum.max() + 1)
        weight = population[stratum[r]] / sample[stratum[r]]
        answers["weight"] = np.round(weight / weight.mean(), 6) if len(r) else weight
        answers["_person"] = adult[r]
        frames.append(pl.DataFrame(answers))
    columns = ["_person", "pseudo_id", "survey_year", "weight", "self_rated_health",
               *[f"k10_{i:02d}" for i in range(1, 11)], *[f"djg_{i:02d}" for i in range(1, 12)], "gali",
               *[f"mastery_{i:02d}" for i in range(1, 8)], *[f"sbsq_{i:02d}" for i in range(1, 4)],
               "height_cm", "weight_kg", "smoker", "informal_carer", "volunteer",
               "difficulty_making_ends_meet", *[f"ph_{d}" for d in PH_DIMENSIONS], "care_rating",
               "unmet_care_need"]
    return pl.concat(frames).select(columns)


def _probabilities(people: People, buurten: Buurten, year: int, adult: np.ndarray, b: np.ndarray) -> dict:
    """Each adult's probability per indicator: the buurt's RIVM value shifted by personal risk (centred)."""
    cond = people.conditions
    a = people.age(year)[adult].astype(float)
    q = people.quintile[adult]
    q1, q2, q5 = (q == 1).astype(float), (q == 2).astype(float), (q == 5).astype(float)
    psych = (cond.active_in_year("depressie", year) | cond.active_in_year("angst", year))[adult].astype(float)
    chronic = cond.n_chronic(year)[adult].astype(float)
    alone = (people.household[adult] == 0).astype(float)
    shifts = {
        "good_health": -0.35 * chronic - 0.5 * q1 - 0.8 * psych - 0.01 * (a - 50),
        "k10_moderate": 1.0 * psych + 0.35 * q1 - 0.012 * (a - 50),
        "k10_high": 1.2 * psych + 0.4 * q1 - 0.01 * (a - 50),
        "lonely": 0.4 * q1 + 0.5 * alone + 0.5 * psych + 0.015 * np.maximum(a - 70, 0),
        "severely_lonely": 0.5 * q1 + 0.6 * alone + 0.6 * psych + 0.015 * np.maximum(a - 70, 0),
        "limited": 0.35 * chronic + 0.02 * (a - 50) + 0.3 * q1,
        "severely_limited": 0.35 * chronic + 0.02 * (a - 50) + 0.3 * q1,
        "mastery": -0.5 * psych - 0.3 * q1 - 0.01 * np.maximum(a - 70, 0),
        "overweight": 0.02 * (np.minimum(a, 70) - 45) + 0.2 * q1,
        "obese": 0.01 * (np.minimum(a, 70) - 45) + 0.3 * q1,
        "smoker": 0.5 * q1 - 0.025 * (a - 45) + 0.4 * psych,
        "carer": -0.0008 * (a - 55) ** 2,
        "volunteer": 0.3 * q5 - 0.3 * q1 + 0.01 * (a - 45),
        "ends_meet": 1.5 * q1 + 0.7 * q2 - 0.8 * q5 - 0.01 * (a - 45),
    }
    size = np.maximum(np.bincount(b, minlength=len(buurten)), 1)
    out = {}
    for key, shift in shifts.items():
        centred = shift - (np.bincount(b, weights=shift, minlength=len(buurten)) / size)[b]
        out[key] = _expit(_logit(buurten.rivm[key][b]) + centred)
    out["literacy_limited"] = _expit(_logit(np.full(len(adult), LIMITED_LITERACY)) + 0.8 * q1 - 0.5 * q5
                                     + 0.02 * (a - 50))
    out["chronic"] = chronic
    return out


def _answers(rng: np.random.Generator, p: dict, age: np.ndarray, female: np.ndarray) -> dict:
    n = len(age)
    u = rng.random((n, 12))
    good = u[:, 0] < p["good_health"]
    not_good = rng.choice([3, 4, 5], n, p=[0.75, 0.2, 0.05])
    self_rated = np.where(good, np.where(rng.random(n) < 0.25, 1, 2), not_good)
    k10_high = u[:, 1] < p["k10_high"]
    k10_mod = u[:, 1] < np.maximum(p["k10_moderate"], p["k10_high"])
    k10 = np.where(k10_high, 30 + np.floor(rng.beta(1.0, 2.5, n) * 21),
                   np.where(k10_mod, 16 + np.floor(rng.beta(1.0, 1.6, n) * 14),
                            10 + np.floor(rng.beta(1.2, 1.5, n) * 6))).astype(np.int64)
    severe = u[:, 2] < p["severely_lonely"]
    lonely = u[:, 2] < np.maximum(p["lonely"], p["severely_lonely"])
    djg = np.where(severe, rng.integers(9, 12, n),
                   np.where(lonely, rng.integers(3, 9, n), rng.choice([0, 1, 2], n, p=[0.4, 0.35, 0.25])))
    limited = u[:, 3] < p["limited"]
    severely = limited & (u[:, 3] < np.minimum(p["severely_limited"], p["limited"]))
    gali = np.where(severely, 1, np.where(limited, 2, 3))
    mastery_ok = u[:, 4] < p["mastery"]
    mastery = np.where(mastery_ok, 20 + np.floor(rng.beta(2.0, 1.5, n) * 16),
                       7 + np.floor(rng.beta(2.0, 1.2, n) * 13)).astype(np.int64)
    low_literacy = u[:, 5] < p["literacy_limited"]
    sbsq = np.where(low_literacy, rng.integers(0, 7, n), rng.integers(7, 13, n))
    obese = u[:, 6] < p["obese"]
    over = u[:, 6] < np.maximum(p["overweight"], p["obese"])
    bmi = np.where(obese, rng.uniform(30.3, 42, n),
                   np.where(over, rng.uniform(25.3, 29.7, n),
                            np.where(rng.random(n) < 0.04, rng.uniform(16.8, 18.3, n),
                                     rng.uniform(18.7, 24.7, n))))
    height = np.clip(np.round(np.where(female, rng.normal(168, 6.5, n), rng.normal(181, 7, n))
                              - 0.08 * np.maximum(age - 50, 0)), 140, 210)
    weight_kg = np.round(bmi * (height / 100) ** 2, 1)
    smoker = u[:, 7] < p["smoker"]
    carer = u[:, 8] < p["carer"]
    volunteer = u[:, 9] < p["volunteer"]
    ends_meet = u[:, 10] < p["ends_meet"]
    unmet = rng.random(n) < 0.04 * np.exp(0.6 * ends_meet + 0.8 * k10_mod + 0.5 * (gali == 1))
    had_care = rng.random(n) < np.minimum(0.7 + 0.05 * p["chronic"] + 0.1 * (age >= 65), 0.97)
    rating = np.clip(np.round(rng.normal(8.2 - 0.4 * k10_high - 0.8 * unmet, 0.9)), 1, 10).astype(np.int64)
    out: dict = {"self_rated_health": self_rated.astype(np.int64)}
    out |= {f"k10_{i + 1:02d}": col for i, col in enumerate(item_answers(rng, k10, 10, 1, 5).T)}
    out |= {f"djg_{i + 1:02d}": col for i, col in enumerate(item_answers(rng, djg, 11, 0, 1).T)}
    out["gali"] = gali.astype(np.int64)
    out |= {f"mastery_{i + 1:02d}": col for i, col in enumerate(item_answers(rng, mastery, 7, 1, 5).T)}
    out |= {f"sbsq_{i + 1:02d}": col for i, col in enumerate(item_answers(rng, sbsq, 3, 0, 4).T)}
    out |= {"height_cm": height.astype(np.int64), "weight_kg": weight_kg, "smoker": smoker,
            "informal_carer": carer, "volunteer": volunteer, "difficulty_making_ends_meet": ends_meet}
    base = (7.4 - 1.4 * k10_high - 0.6 * (k10_mod & ~k10_high) - 0.6 * lonely - 0.6 * severe
            - 1.2 * (gali == 1) - 0.5 * (gali == 2) + 0.3 * good - 0.3 * ends_meet + 0.3 * mastery_ok
            + 0.6 * rng.standard_normal(n))
    extra = {
        "lichaamsfuncties": -0.6 * (gali == 1) - 0.3 * (gali == 2) - 0.15 * p["chronic"],
        "mentaal_welbevinden": -0.8 * k10_high - 0.3 * k10_mod,
        "zingeving": 0.4 * mastery_ok - 0.3 * lonely,
        "kwaliteit_van_leven": 0.3 * good - 0.3 * ends_meet,
        "meedoen": -0.6 * lonely + 0.2 * volunteer,
        "dagelijks_functioneren": -0.7 * (gali == 1) - 0.3 * (gali == 2),
    }
    for dim in PH_DIMENSIONS:
        out[f"ph_{dim}"] = np.round(np.clip(base + extra[dim] + 0.7 * rng.standard_normal(n), 0, 10), 1)
    out["care_rating"] = pl.Series("care_rating", rating).scatter(np.flatnonzero(~had_care), None)
    out["unmet_care_need"] = unmet
    return out
