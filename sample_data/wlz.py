"""Wlz (long-term care) indications: about 2 % of residents, mostly 80+, nursing-home care for many.

Elderly care (VV4-VV10) follows a steep cumulative age curve, three times as likely with dementia
and more likely in the last years of life; disability care (VG, LG, ZG, GGZ-W) is lifelong from
youth or early adulthood. An intramural indication makes the person's household `institutioneel`
in the population file, so the two sources agree. Indications end at death.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_data.conditions import logit
from sample_data.days import NEVER, date_series, year_end, year_start
from sample_data.population import People
from sample_data.sampling import lifetime_risk_scale

VV_PROFILES = np.array(["VV4", "VV5", "VV6", "VV7", "VV8", "VV9", "VV10"])
VV_WEIGHTS = np.array([0.14, 0.3, 0.25, 0.12, 0.08, 0.07, 0.04])
VV_DEMENTIA_WEIGHTS = np.array([0.05, 0.6, 0.15, 0.1, 0.05, 0.03, 0.02])
VV_INTRAMURAL = np.array([0.35, 0.8, 0.8, 0.85, 0.85, 0.75, 0.7])
VV_ANNUAL = np.array([60000, 85000, 85000, 95000, 110000, 100000, 110000], dtype=float)
DISABILITY_PROFILES = np.array(["VG", "LG", "ZG", "GGZ-W"])
DISABILITY_WEIGHTS = np.array([0.5, 0.15, 0.05, 0.3])
DISABILITY_ONSET_AGE = np.array([[2, 25], [5, 60], [5, 60], [20, 55]], dtype=float)
DISABILITY_ANNUAL = np.array([110000, 120000, 100000, 95000], dtype=float)
HOME_COST_SHARE = 0.45       # care at home (thuis) costs less than intramural care
VV_RESIDENT_SHARE = 0.016    # elderly-care clients among residents on 1 January of the first year
DISABILITY_SHARE = 0.006     # lifelong disability-care clients among residents
SWITCH_SHARE = 0.2           # elderly-care clients who move to a heavier profile after 1-3 years


@dataclass
class Wlz:
    """Wlz indications (contract columns plus `_person`) and who lives in an institution on 1 January."""

    frame: pl.DataFrame
    institutional: np.ndarray   # (persons, years) intramural indication on 1 January
    client: np.ndarray          # (persons, years) any indication during the year


def build_wlz(rng: np.random.Generator, people: People) -> Wlz:
    """Indications that run on or after 1 January of the first year, and who is institutional when."""
    n = len(people)
    first, last = people.years[0], people.years[-1]
    dementia = people.conditions.onset["dementie"] < NEVER
    chronic = sum((people.conditions.onset[c] < NEVER).astype(int) for c in people.conditions.onset)
    dies = people.death <= year_end(last)
    income = np.array([1.3, 1.1, 1.0, 0.85, 0.75])[people.quintile - 1]
    risk = np.exp(1.1 * dementia + 0.1 * chronic + 0.6 * dies) * income
    # calibrate the lifetime VV risk so that VV_RESIDENT_SHARE of first-year residents are clients
    age_now = first - people.birth_year
    curve = 1 / (1 + np.exp(-(age_now - 88) / 4.5))
    resident = people.resident(first)
    pmax = lifetime_risk_scale(curve[resident], risk[resident], VV_RESIDENT_SHARE)
    u = rng.random(n) / np.minimum(pmax * risk, 0.95)
    has_vv = u < 1
    onset_age = np.maximum(88 + 4.5 * logit(u), 50)
    vv_start = np.where(has_vv, people.birth_day + (onset_age * 365.25).astype(np.int64), NEVER)
    profile = np.where(dementia, rng.choice(len(VV_PROFILES), n, p=VV_DEMENTIA_WEIGHTS),
                       rng.choice(len(VV_PROFILES), n, p=VV_WEIGHTS))
    intramural = rng.random(n) < VV_INTRAMURAL[profile]
    # disability care: lifelong, from an onset age per profile
    dis = rng.random(n) < DISABILITY_SHARE * np.where(people.quintile == 1, 1.5, 0.9)
    dis_profile = rng.choice(len(DISABILITY_PROFILES), n, p=DISABILITY_WEIGHTS)
    low, high = DISABILITY_ONSET_AGE[dis_profile, 0], DISABILITY_ONSET_AGE[dis_profile, 1]
    dis_start = np.where(dis, people.birth_day + (rng.uniform(low, high) * 365.25).astype(np.int64), NEVER)
    dis_intramural = rng.random(n) < 0.6
    # a disability client does not also get elderly care in this simple model
    vv_start = np.where(dis, NEVER, vv_start)

    switch_after = rng.uniform(365, 3 * 365, n).astype(np.int64)
    switching = (vv_start < NEVER) & (rng.random(n) < SWITCH_SHARE) & (profile <= 3)
    heavier = np.minimum(profile + 2, 4)
    cost_noise = rng.uniform(0.9, 1.1, (2, n))

    extraction = year_end(last)
    switch_day = np.where(switching, vv_start + switch_after, NEVER)
    second = switch_day < np.minimum(people.death, extraction)
    switch_day = np.where(second, switch_day, NEVER)
    indications = (  # start, end, profile, intramural, annual cost
        (vv_start, np.minimum(people.death, switch_day - 1), VV_PROFILES[profile], intramural,
         VV_ANNUAL[profile] * cost_noise[0]),
        (switch_day, people.death, VV_PROFILES[heavier], np.ones(n, dtype=bool),
         VV_ANNUAL[heavier] * cost_noise[0]),
        (dis_start, people.death, DISABILITY_PROFILES[dis_profile], dis_intramural,
         DISABILITY_ANNUAL[dis_profile] * cost_noise[1]),
    )
    parts = []
    for s, e, p, i, a in indications:
        idx = np.flatnonzero((s < people.death) & (s <= extraction) & (e >= year_start(first)))
        parts.append((idx, s[idx], e[idx], p[idx], i[idx], a[idx]))
    person, start, end, prof_code, inside, annual = (np.concatenate(col) for col in zip(*parts, strict=True))
    annual = np.where(inside, annual, annual * HOME_COST_SHARE)
    open_ = end > extraction
    until = np.minimum(end, extraction)
    cost = np.round(annual * (until - start + 1) / 365.25, 2)

    institutional = np.zeros((n, len(people.years)), dtype=bool)
    client = np.zeros((n, len(people.years)), dtype=bool)
    for k, year in enumerate(people.years):
        on_first = (start <= year_start(year)) & (end >= year_start(year))
        institutional[:, k] = np.bincount(person[on_first & inside], minlength=n) > 0
        during = (start <= year_end(year)) & (end >= year_start(year))
        client[:, k] = np.bincount(person[during], minlength=n) > 0
    frame = pl.DataFrame({
        "_person": person,
        "pseudo_id": people.pseudo_id.gather(person),
        "care_profile": prof_code,
        "setting": np.where(inside, "intramuraal", "thuis"),
        "start_date": date_series("start_date", start),
        "end_date": date_series("end_date", end, open_),
        "cost_eur": cost,
    })
    return Wlz(frame, institutional, client)
