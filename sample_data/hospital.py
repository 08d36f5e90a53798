"""Hospital events: emergency department visits and admissions, with the seeded intervention effect.

Rates per person-year rise with age and chronic conditions and fall with income; each kind is
scaled once (on the first year) to the national orders of magnitude of sample_data/README.md: about
100 ED visits, 60 acute admissions (10-15 of them for ambulatory-care-sensitive conditions, plus
30-day readmissions) and 45 planned admissions per 1,000 residents.

Welzijn op Recept participants visit the ED more often than others (elevated baseline, all years);
from their start_date on, that rate is multiplied by 1 + effect. The expected effects are computed
here from the same rates (not estimated), for the generator manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sample_data.days import NEVER, date_series, uniform_day, year_end, year_of, year_start
from sample_data.interventions import Intervention
from sample_data.population import People
from sample_data.sampling import pick

ED_PER_PERSON = 0.100
ACUTE_OTHER_PER_PERSON = 0.040   # acute admissions that are not ACSC, hip fractures or readmissions
ACSC_PER_PERSON = 0.0115
PLANNED_PER_PERSON = 0.045
PARTICIPANT_ED_RR = 2.0          # Welzijn op Recept participants' ED use relative to similar residents
READMISSION_SHARE = 0.06         # of acute admissions (x 1.5 at 75+), within 30 days of discharge
INCOME_RR = np.array([1.35, 1.15, 1.0, 0.9, 0.8])
SEEDED_INTERVENTION = "welzijn_op_recept"

ED_CODES = (("S93.4", "S52.5", "S01.0", "S61.0", "S06.0", "R10.4", "R07.4", "J06.9", "R50.9", "T14.9",
             "R55", "N23"), (0.1, 0.06, 0.08, 0.1, 0.05, 0.14, 0.12, 0.08, 0.07, 0.1, 0.05, 0.05))
ACUTE_CODES = (("I21.9", "I63.9", "K35.8", "R07.4", "A09.9", "K56.6", "S06.0", "R55", "K80.0", "C34.9",
                "S82.8", "T81.4"), (0.1, 0.08, 0.08, 0.12, 0.08, 0.06, 0.07, 0.08, 0.08, 0.05, 0.1, 0.1))
PLANNED_CODES = (("M17.1", "M16.1", "K80.2", "C18.9", "C50.9", "I25.1", "N40", "K40.9", "H25.9", "M51.1"),
                 (0.14, 0.12, 0.1, 0.08, 0.08, 0.12, 0.08, 0.1, 0.1, 0.08))
# ambulatory-care-sensitive admissions (codes of transforms/reference/acsc_icd10.csv): condition -> code, rate
ACSC = (("diabetes", "E11.6", 0.02), ("copd", "J44.1", 0.08), ("hartfalen", "I50.9", 0.14),
        ("astma", "J45.9", 0.008), ("hypertensie", "I10", 0.004))


@dataclass
class HospitalUse:
    """Hospital events (contract columns plus `_person`), use per person-year, and the seeded truth."""

    frame: pl.DataFrame
    admissions: dict[int, np.ndarray]      # admissions per person in each year
    ed_visits: dict[int, np.ndarray]
    truth: dict[str, dict[str, float]] = field(default_factory=dict)  # per intervention


def _ed_raw(people: People, year: int, n_chronic: np.ndarray) -> np.ndarray:
    """Unscaled ED-visit rate per person-year: U-shaped in age, up with conditions, down with income."""
    age = people.age(year)
    base = np.select([age <= 5, age < 18, age < 30, age < 65, age < 75, age < 85],
                     [0.16, 0.09, 0.1, 0.08, 0.1, 0.17], 0.25)
    return base * np.exp(0.12 * n_chronic + 0.3 * people.frailty) * INCOME_RR[people.quintile - 1]


def _acute_raw(people: People, year: int, n_chronic: np.ndarray) -> np.ndarray:
    age = people.age(year)
    base = np.select([age <= 5, age < 18, age < 45, age < 65, age < 75, age < 85],
                     [0.03, 0.012, 0.018, 0.03, 0.06, 0.11], 0.18)
    return base * np.exp(0.2 * n_chronic + 0.3 * people.frailty) * INCOME_RR[people.quintile - 1]


def _planned_raw(people: People, year: int, n_chronic: np.ndarray) -> np.ndarray:
    age = people.age(year)
    return np.select([age < 18, age < 45, age < 65], [0.01, 0.025, 0.05], 0.09) * np.exp(0.1 * n_chronic)


def _acsc_raw(people: People, year: int) -> list[tuple[str, np.ndarray]]:
    """(code, raw rate) per ACSC group; UTI and pneumonia need no registered condition."""
    age = people.age(year)
    risk = np.exp(0.3 * people.frailty) * INCOME_RR[people.quintile - 1]
    out = [(code, rate * people.conditions.active_in_year(name, year) * risk) for name, code, rate in ACSC]
    uti = np.where(age >= 75, 0.012, 0.0008) * np.where(people.female, 1.5, 0.7)
    pneumonia = np.select([age >= 75, age >= 65], [0.022, 0.005], 0.001)
    return out + [("N39.0", uti * risk), ("J18.9", pneumonia * risk)]


def _post_days(started: np.ndarray, resident: np.ndarray, first_day: int, alive_to: np.ndarray) -> np.ndarray:
    """Days alive in the year on or after each person's start (0 before the start or when not resident)."""
    return np.where(resident & (started <= alive_to), alive_to - np.maximum(started, first_day) + 1, 0)


def _scale(raw: np.ndarray, exposure: np.ndarray, target: float) -> float:
    """Factor that makes the exposure-weighted mean rate equal to the target."""
    return target * exposure.sum() / max(float((raw * exposure).sum()), 1e-12)


def build_hospital(rng: np.random.Generator, people: People, interventions: list[Intervention],
                   hip_fractures: tuple[np.ndarray, np.ndarray], effect: float) -> HospitalUse:
    """ED visits and admissions for every resident-year, and the expected effect of each intervention."""
    n = len(people)
    first, last = people.years[0], people.years[-1]
    extraction = year_end(last)
    wor = next((iv for iv in interventions if iv.intervention_id == SEEDED_INTERVENTION), None)
    participant = np.zeros(n, dtype=bool)
    started = np.full(n, NEVER, dtype=np.int64)
    if wor is not None:
        participant[wor.person] = True
        started[wor.person] = wor.start
    effects = {iv.intervention_id: effect if iv is wor else 0.0 for iv in interventions}
    sums = {iv.intervention_id: dict.fromkeys(("participant_change", "participant_years", "area_change",
                                               "area_years", "did_change", "did_years"), 0.0)
            for iv in interventions}

    scales: dict[str, float] = {}
    # person, start, event type, code, acute
    events: list[tuple[np.ndarray, np.ndarray, str, np.ndarray, bool]] = []
    for year in people.years:
        resident = people.resident(year)
        exposure = people.exposure(year)
        first_day, ndays = year_start(year), float(year_end(year) - year_start(year) + 1)
        alive_to = np.minimum(people.death, year_end(year))
        n_chronic = people.conditions.n_chronic(year)
        psych = (people.conditions.active_in_year("depressie", year)
                 | people.conditions.active_in_year("angst", year))
        # ED visits, split at the participant's start: before it the baseline, then baseline x (1 + effect)
        raw = _ed_raw(people, year, n_chronic)
        if year == first:
            scales["ed"] = _scale(raw[resident], exposure[resident], ED_PER_PERSON)
        rate = raw * scales["ed"] * np.where(participant, PARTICIPANT_ED_RR, 1.0)
        post_from = np.maximum(started, first_day)
        post_days = _post_days(started, resident, first_day, alive_to)
        pre_days = np.where(resident, alive_to - first_day + 1, 0) - post_days
        segments = ((pre_days, 1.0, np.full(n, first_day), np.minimum(post_from - 1, alive_to)),
                    (post_days, 1.0 + effect, np.minimum(post_from, alive_to), alive_to))
        for days, mult, seg_first, seg_last in segments:
            count = rng.poisson(rate * mult * days / ndays)
            who = np.repeat(np.arange(n), count)
            start = uniform_day(rng, seg_first[who], seg_last[who])
            code = pick(rng, ED_CODES, len(who))
            code = np.where(psych[who] & (rng.random(len(who)) < 0.15), "F41.0", code)
            events.append((who, start, "seh_bezoek", code, True))
        for iv in interventions:  # expected change in ED visits, from the rates themselves
            member = np.zeros(n, dtype=bool)
            member[iv.person] = True
            own_start = np.full(n, NEVER, dtype=np.int64)
            own_start[iv.person] = iv.start
            own_post = _post_days(own_start, resident, first_day, alive_to)
            change = rate * effects[iv.intervention_id] * own_post / ndays
            acc = sums[iv.intervention_id]
            acc["participant_change"] += float(change[member].sum())
            acc["participant_years"] += float((own_post / ndays)[member].sum())
            if year >= iv.start_year:  # everyone living in the intervention buurten, participant or not
                in_area = resident & np.isin(people.buurt[:, people.k(year)], iv.buurt_index)
                acc["area_change"] += float(change[in_area].sum())
                acc["area_years"] += float(exposure[in_area].sum())
            if year == iv.start_year:  # participants who started in the start year, over that whole year
                cohort = member & (own_start <= year_end(year)) & resident
                acc["did_change"] += float(change[cohort].sum())
                acc["did_years"] += float(exposure[cohort].sum())
        # admissions
        admissions = (("acute", _acute_raw(people, year, n_chronic), ACUTE_OTHER_PER_PERSON),
                      ("planned", _planned_raw(people, year, n_chronic), PLANNED_PER_PERSON))
        for kind, raw_rate, target in admissions:
            if year == first:
                scales[kind] = _scale(raw_rate[resident], exposure[resident], target)
            count = rng.poisson(np.where(resident, raw_rate * scales[kind] * exposure, 0.0))
            who = np.repeat(np.arange(n), count)
            start = uniform_day(rng, np.full(len(who), first_day), alive_to[who])
            code = pick(rng, ACUTE_CODES if kind == "acute" else PLANNED_CODES, len(who))
            events.append((who, start, "opname", code, kind == "acute"))
        groups = _acsc_raw(people, year)
        if year == first:
            total = sum(r for _, r in groups)
            scales["acsc"] = _scale(total[resident], exposure[resident], ACSC_PER_PERSON)
        for code, raw_rate in groups:
            count = rng.poisson(np.where(resident, raw_rate * scales["acsc"] * exposure, 0.0))
            who = np.repeat(np.arange(n), count)
            start = uniform_day(rng, np.full(len(who), first_day), alive_to[who])
            code_arr = np.full(len(who), code)
            if code == "E11.6":
                code_arr = np.where(rng.random(len(who)) < 0.15, "E10.1", code_arr)
            events.append((who, start, "opname", code_arr, True))
    hip_person, hip_day = hip_fractures
    events.append((hip_person, hip_day, "opname", np.full(len(hip_person), "S72.0"), True))

    person = np.concatenate([e[0] for e in events])
    start = np.concatenate([e[1] for e in events])
    kind = np.concatenate([np.full(len(e[0]), e[2]) for e in events])
    code = np.concatenate([e[3] for e in events]).astype(str)
    acute = np.concatenate([np.full(len(e[0]), e[4]) for e in events])
    age = year_of(start) - people.birth_year[person]
    mean_stay = np.where(acute, 3.0 + 0.05 * np.maximum(age - 60, 0), 2.0)
    ed_overnight = (rng.random(len(person)) < 0.1).astype(int)
    stay = np.where(kind == "opname", 1 + rng.geometric(1 / mean_stay), ed_overnight)
    end = start + stay
    # 30-day readmissions after acute admissions
    index = np.flatnonzero((kind == "opname") & acute)
    p_re = READMISSION_SHARE * np.where(age[index] >= 75, 1.5, 1.0)
    index = index[rng.random(len(index)) < p_re]
    re_start = end[index] + rng.integers(1, 31, len(index))
    re_code = np.where(rng.random(len(index)) < 0.5, code[index], pick(rng, ACUTE_CODES, len(index)))
    re_end = re_start + 1 + rng.geometric(1 / mean_stay[index])
    person = np.concatenate([person, person[index]])
    start = np.concatenate([start, re_start])
    end = np.concatenate([end, re_end])
    kind = np.concatenate([kind, np.full(len(index), "opname")])
    code = np.concatenate([code, re_code])
    acute = np.concatenate([acute, np.ones(len(index), dtype=bool)])

    keep = (start <= np.minimum(people.death[person], extraction)) & (start >= year_start(first))
    person, start, end, kind, code, acute = (a[keep] for a in (person, start, end, kind, code, acute))
    end = np.minimum(end, people.death[person])
    frame = pl.DataFrame({
        "_person": person,
        "pseudo_id": people.pseudo_id.gather(person),
        "event_type": kind,
        "start_date": date_series("start_date", start),
        "end_date": date_series("end_date", end),
        "icd10_code": code,
        "acute": acute,
    })  # an exact repeat would be removed in staging: keep the generated data free of them
    frame = frame.unique(subset=["pseudo_id", "event_type", "start_date", "end_date", "icd10_code", "acute"],
                         keep="first", maintain_order=True)
    use_year = year_of(frame["start_date"].to_physical().to_numpy())
    p = frame["_person"].to_numpy()
    is_adm = (frame["event_type"] == "opname").to_numpy()
    admissions = {y: np.bincount(p[is_adm & (use_year == y)], minlength=n) for y in people.years}
    ed_visits = {y: np.bincount(p[~is_adm & (use_year == y)], minlength=n) for y in people.years}
    return HospitalUse(frame, admissions, ed_visits,
                       {name: _truth(total, effects[name]) for name, total in sums.items()})


def _truth(sums: dict[str, float], effect: float) -> dict[str, float]:
    """The seeded effect in the units an evaluation reports (ED visits per 1,000 person-years)."""
    def per_1000(change: str, years: str) -> float:
        return 1000.0 * sums[change] / sums[years] if sums[years] > 0 else 0.0

    return {
        "true_relative_effect": effect,
        "true_participant_effect_per_1000_participant_years":
            per_1000("participant_change", "participant_years"),
        "expected_area_effect_per_1000_residents": per_1000("area_change", "area_years"),
        "expected_participant_did_per_1000": per_1000("did_change", "did_years"),
        "participant_years_after_start": sums["participant_years"],
        "area_person_years_after_start": sums["area_years"],
    }
