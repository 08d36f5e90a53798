"""GP episodes (HIS): chronic conditions, falls and fractures, incontinence and everyday acute complaints.

Chronic episodes stay open (empty end_date) unless the condition closes (asthma remission, cancer
cured) or, for depression and anxiety, the episode ends; episodes open at the end of the last year
are delivered open. Everything that started before the first year and is still relevant sits in the
first year's file (the file year is assigned by the writer).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.columns import labels, text
from sample_data.conditions import EPISODIC, LIFETIME
from sample_data.days import date_series, uniform_day, year_end, year_start
from sample_data.population import People
from sample_data.sampling import pick

FALL_CODES_OLD = (("L75", "L72", "L76", "L73", "L74"), (0.3, 0.25, 0.35, 0.05, 0.05))
FALL_CODES_YOUNG = (("L72", "L74", "L73", "L76"), (0.3, 0.3, 0.15, 0.25))
# everyday complaints that are not on the chronic list (transforms/reference/chronic_conditions.csv)
ACUTE_CODES_CHILD = (("R74", "H71", "D73", "A03", "S18", "R05", "F70", "S74"),
                     (0.25, 0.2, 0.12, 0.12, 0.08, 0.1, 0.08, 0.05))
ACUTE_CODES_ADULT = (("R74", "R78", "D73", "S18", "U71", "L03", "S74", "R05", "F70", "A04", "H71"),
                     (0.2, 0.08, 0.08, 0.08, 0.08, 0.1, 0.06, 0.1, 0.04, 0.06, 0.02))

ICPC_VOCABULARY = sorted({
    *(code for c in LIFETIME for code in c.codes + c.female_codes), *(e.code for e in EPISODIC),
    *FALL_CODES_OLD[0], *FALL_CODES_YOUNG[0], *ACUTE_CODES_CHILD[0], *ACUTE_CODES_ADULT[0],
})


def build_gp_episodes(rng: np.random.Generator,
                      people: People) -> tuple[pl.DataFrame, tuple[np.ndarray, np.ndarray]]:
    """All GP episodes (contract columns plus `_person`), and the hip fractures (person, day) for hospital."""
    first, last = people.years[0], people.years[-1]
    extraction, history_end = year_end(last), year_start(first)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # person, code, start, end
    cond = people.conditions
    for c in LIFETIME:
        onset, end = cond.onset[c.name], cond.end[c.name]
        who = np.flatnonzero((onset <= extraction) & (end >= history_end))
        codes = pick(rng, (c.codes, c.weights), len(who))
        if c.female_codes:
            female_codes = pick(rng, (c.female_codes, c.female_weights), len(who))
            codes = np.where(people.female[who], female_codes, codes)
        parts.append((who, codes, onset[who], end[who]))
    for e in EPISODIC:
        person, start, end = cond.episodes[e.name]
        keep = (start <= extraction) & (end >= history_end)
        parts.append((person[keep], np.full(int(keep.sum()), e.code), start[keep], end[keep]))
    hips_person, hips_day = [], []
    for year in people.years:
        resident = people.resident(year)
        age = people.age(year)
        alive_to = np.minimum(people.death, year_end(year))
        osteoporosis = cond.active_in_year("osteoporose", year)
        p_fall = (np.select([age >= 75, age >= 65], [0.05, 0.02], 0.01)
                  * np.where(people.female & (age >= 65), 1.3, 1.0) * np.where(osteoporosis, 2.0, 1.0))
        who = np.flatnonzero(resident & (rng.random(len(people)) < p_fall))
        start = uniform_day(rng, np.full(len(who), year_start(year)), alive_to[who])
        old, young = pick(rng, FALL_CODES_OLD, len(who)), pick(rng, FALL_CODES_YOUNG, len(who))
        codes = np.where(age[who] >= 65, old, young)
        parts.append((who, codes, start, start + rng.integers(42, 121, len(who))))
        hip = codes == "L75"
        hips_person.append(who[hip])
        hips_day.append(start[hip])
        # everyday acute complaints, more for young children and the elderly
        rate = np.select([age <= 5, age < 18, age < 65], [0.6, 0.3, 0.25], 0.35) * people.exposure(year)
        count = rng.poisson(np.where(resident, rate, 0.0))
        who = np.repeat(np.arange(len(people)), count)
        start = uniform_day(rng, np.full(len(who), year_start(year)), alive_to[who])
        child = age[who] < 18
        child_codes = pick(rng, ACUTE_CODES_CHILD, len(who))
        adult_codes = pick(rng, ACUTE_CODES_ADULT, len(who))
        codes = np.where(child, child_codes, adult_codes)
        codes = np.where((codes == "U71") & ~people.female[who], "R74", codes)
        parts.append((who, codes, start, start + rng.integers(7, 43, len(who))))
    person = np.concatenate([p[0] for p in parts])
    start = np.concatenate([p[2] for p in parts])
    end = np.concatenate([p[3] for p in parts])
    frame = pl.DataFrame({
        "_person": person,
        "pseudo_id": people.pseudo_id.gather(person),
        "practice_id": labels("practice_id", people.practice_codes, people.practice[person]),
        "icpc_code": text("icpc_code", np.concatenate([p[1] for p in parts]).astype(str), ICPC_VOCABULARY),
        "start_date": date_series("start_date", start),
        "end_date": date_series("end_date", end, end > extraction),
    }).unique(subset=["pseudo_id", "practice_id", "icpc_code", "start_date", "end_date"], keep="first",
              maintain_order=True)  # an exact repeat would be removed in staging: keep the data clean
    return frame, (np.concatenate(hips_person), np.concatenate(hips_day))
