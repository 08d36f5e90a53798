"""Social-domain records: Wmo provisions, Jeugdwet provisions and Participatiewet regulations.

Orders of magnitude (targets in sample_data/README.md): Wmo clients about 7 % of residents, half of them 75+,
requested 4-12 weeks before the start; youth care for 10-12 % of under-18s, more in single-parent
and low-income households; bijstand for about 3.5 % of 18-66-year-olds, concentrated in income
quintile 1 and persistent over the years; debt help about 1 %; IOAW and Bbz rare.
Provision costs are the total over the provision's days up to its end (or the end of the last year),
so the pipeline's pro-rata spreading gives the yearly cost back.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.conditions import LIFETIME, logit
from sample_data.days import NEVER, date_series, uniform_day, year_end, year_start
from sample_data.demography import HOUSEHOLD_TYPES
from sample_data.population import People
from sample_data.sampling import lifetime_risk_scale

WMO_TYPES = np.array(["huishoudelijke_hulp", "begeleiding", "dagbesteding", "hulpmiddelen",
                      "woningaanpassing", "vervoer", "beschermd_wonen"])
WMO_ANNUAL = np.array([3500, 9000, 8000, 0, 0, 700, 50000], dtype=float)   # per year of the provision
WMO_ONE_OFF = np.array([0, 0, 0, 2500, 6000, 0, 0], dtype=float)           # once, for a short provision
WMO_ELDERLY_CORE = np.array([0.55, 0.1, 0.15, 0.0, 0.0, 0.2, 0.0])
WMO_ADULT = np.array([0.12, 0.4, 0.15, 0.15, 0.03, 0.1, 0.05])
WMO_ELDERLY_75PLUS = 0.34        # clients among residents aged 75+ on 1 January of the first year
WMO_A50, WMO_WIDTH = 80.0, 6.0   # cumulative age curve of the elderly's need for lasting support
WMO_ADULT_INCIDENCE = 0.0095     # new spells per adult (18-74) per year
JEUGD_TYPES = np.array(["ambulant", "verblijf", "jeugdbescherming", "jeugdreclassering", "pgb"])
JEUGD_WEIGHTS = np.array([0.7, 0.07, 0.1, 0.04, 0.09])
JEUGD_ANNUAL = np.array([6000, 70000, 12000, 9000, 15000], dtype=float)
REFERRERS = np.array(["huisarts", "gemeente", "gecertificeerde_instelling", "medisch_specialist", "overig"])
BIJSTAND_BY_QUINTILE = np.array([0.12, 0.025, 0.007, 0.003, 0.001])
DEBT_HELP_BY_QUINTILE = np.array([0.03, 0.012, 0.006, 0.003, 0.001])
# Participatiewet: gross monthly benefit the gemeente pays per person by household type (2024 norms incl.
# holiday allowance and the gross-up for tax: single ~1,300, single parent ~1,350, a couple's norm ~1,750 paid to
# the one claimant; Rijksoverheid, "Normbedragen Participatiewet 1 januari 2024"). IOAW and Bbz (living costs)
# follow the same norms; debt help is a service, not a benefit: no euros paid to the person.
BENEFIT_MONTHLY = {"eenpersoons": 1300.0, "paar_zonder_kinderen": 1750.0, "paar_met_kinderen": 1750.0,
                   "eenouder": 1350.0, "institutioneel": 1150.0, "overig": 1300.0}
BENEFIT_REGULATIONS = ("bijstand", "ioaw", "bbz")
JEUGD_INCIDENCE = 0.055          # new trajectories per child per year (before household and income factors)
HISTORY_YEARS = 2
HOUSEHOLD = {name: i for i, name in enumerate(HOUSEHOLD_TYPES)}


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), 8))


def _history_and_years(people: People) -> list[int]:
    return list(range(people.years[0] - HISTORY_YEARS, people.years[-1] + 1))


def build_wmo(rng: np.random.Generator, people: People) -> pl.DataFrame:
    """Wmo provisions: lasting support for the elderly from a cumulative age curve, spells for adults."""
    n = len(people)
    first, last = people.years[0], people.years[-1]
    extraction = year_end(last)
    cond = people.conditions
    lifetime_chronic = sum((cond.onset[c.name] < NEVER).astype(int) for c in LIFETIME if c.chronic)
    risk = (np.exp(0.6 * (cond.onset["dementie"] < NEVER) + 0.3 * (cond.onset["beroerte_tia"] < NEVER)
                   + 0.08 * lifetime_chronic)
            * np.array([1.4, 1.15, 1.0, 0.8, 0.65])[people.quintile - 1]
            * np.where(people.household == HOUSEHOLD["eenpersoons"], 1.3, 1.0))
    age_now = first - people.birth_year
    curve = 1 / (1 + np.exp(-(age_now - WMO_A50) / WMO_WIDTH))
    old = people.resident(first) & (age_now >= 75)
    pmax = lifetime_risk_scale(curve[old], risk[old], WMO_ELDERLY_75PLUS)
    u = rng.random(n) / np.minimum(pmax * risk, 0.95)
    onset_age = WMO_A50 + WMO_WIDTH * logit(u)
    onset = np.where(u < 1, people.birth_day + (np.maximum(onset_age, 60) * 365.25).astype(np.int64), NEVER)
    # a lasting provision is re-decided every few years: the current decision starts at the latest renewal
    renewal = (rng.integers(2, 6, n) * 365.25).astype(np.int64)
    renewals = np.maximum((year_start(first) - onset) // renewal, 0)
    onset = np.where(onset < NEVER, onset + renewals * renewal, NEVER)
    core_type = rng.choice(len(WMO_TYPES), n, p=WMO_ELDERLY_CORE)
    core_end = np.where(rng.random(n) < 0.15, onset + rng.integers(365, 4 * 365, n), NEVER)
    extra = rng.random(n) < 0.35
    extra_type = np.where(rng.random(n) < 0.7, 3, 4)
    extra_start = onset + rng.integers(0, 2 * 365, n)
    parts = [
        (np.arange(n), core_type, onset, core_end),
        (np.flatnonzero(extra), extra_type[extra], extra_start[extra],
         extra_start[extra] + rng.integers(30, 181, int(extra.sum()))),
    ]
    # adults 18-74: spells of support (begeleiding, dagbesteding, beschermd wonen, ...)
    adult_rr = (np.array([2.5, 1.3, 0.9, 0.6, 0.4])[people.quintile - 1]
                * np.exp(0.6 * (cond.onset["dementie"] < NEVER)))
    for year in _history_and_years(people):
        age = year - people.birth_year
        first_day = np.maximum(year_start(year), people.birth_day + 1)
        last_day = np.minimum(year_end(year), people.death - 1)
        who = np.flatnonzero((age >= 18) & (age < 75) & (first_day <= last_day)
                             & (rng.random(n) < WMO_ADULT_INCIDENCE * adult_rr))
        start = uniform_day(rng, first_day[who], last_day[who])
        kind = rng.choice(len(WMO_TYPES), len(who), p=WMO_ADULT)
        length = np.exp(np.log(1.5 * 365) + 0.7 * rng.standard_normal(len(who))).astype(np.int64)
        length = np.where(WMO_ONE_OFF[kind] > 0, rng.integers(30, 181, len(who)), length)
        parts.append((who, kind, start, start + length))
    person = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([p[1] for p in parts])
    start = np.concatenate([p[2] for p in parts])
    end = np.minimum(np.concatenate([p[3] for p in parts]), people.death[person])
    keep = (start < people.death[person]) & (start <= extraction) & (end >= year_start(first))
    person, kind, start, end = person[keep], kind[keep], start[keep], end[keep]
    wait = 28 + np.round(56 * rng.beta(2.0, 2.5, len(person))).astype(np.int64)  # 4-12 weeks
    until = np.minimum(end, extraction)
    noise = rng.uniform(0.7, 1.3, len(person))
    cost = np.round((WMO_ANNUAL[kind] * (until - start + 1) / 365.25 + WMO_ONE_OFF[kind]) * noise, 2)
    frame = pl.DataFrame({
        "_person": person,
        "pseudo_id": people.pseudo_id.gather(person),
        "provision_type": WMO_TYPES[kind],
        "request_date": date_series("request_date", start - wait),
        "start_date": date_series("start_date", start),
        "end_date": date_series("end_date", end, end > extraction),
        "cost_eur": cost,
    }).sort("_person", "start_date", "provision_type", "cost_eur")
    return frame.select("_person", "pseudo_id", pl.Series("provision_id", _ids("WMO", frame.height)),
                        pl.exclude("_person", "pseudo_id"))


def build_jeugd(rng: np.random.Generator, people: People) -> pl.DataFrame:
    """Youth-care trajectories for under-18s: more for single-parent and low-income households."""
    n = len(people)
    first, last = people.years[0], people.years[-1]
    extraction = year_end(last)
    rr = (np.array([1.6, 1.2, 1.0, 0.85, 0.7])[people.quintile - 1]
          * np.where(people.household == HOUSEHOLD["eenouder"], 1.8, 1.0) * np.exp(0.3 * people.frailty))
    persons, starts = [], []
    for year in _history_and_years(people):
        age = year - people.birth_year
        by_age = np.select([age <= 0, age <= 3, age <= 11, age <= 17], [0.0, 0.35, 1.0, 1.1], 0.0)
        p = JEUGD_INCIDENCE * rr * by_age
        first_day = np.maximum(year_start(year), people.birth_day + 1)
        last_day = np.minimum(year_end(year), people.death - 1)
        who = np.flatnonzero((first_day <= last_day) & (rng.random(n) < p))
        persons.append(who)
        starts.append(uniform_day(rng, first_day[who], last_day[who]))
    person, start = np.concatenate(persons), np.concatenate(starts)
    age_at_start = (start - people.birth_day[person]) / 365.25
    kind = rng.choice(len(JEUGD_TYPES), len(person), p=JEUGD_WEIGHTS)
    kind = np.where((kind == 3) & (age_at_start < 12), 0, kind)  # jeugdreclassering from age 12
    length = np.exp(np.log(240) + 0.8 * rng.standard_normal(len(person))).astype(np.int64) + 14
    adult_day = people.birth_day[person] + int(18 * 365.25)
    end = np.minimum(np.minimum(start + length, adult_day), people.death[person])
    keep = (start <= extraction) & (end >= year_start(first)) & (end >= start)
    person, start, end, kind = person[keep], start[keep], end[keep], kind[keep]
    protective = np.isin(kind, [2, 3])
    referrer = np.where(protective, np.where(rng.random(len(person)) < 0.9, 2, 1),
                        rng.choice(len(REFERRERS), len(person), p=[0.4, 0.3, 0.06, 0.12, 0.12]))
    until = np.minimum(end, extraction)
    cost = np.round(JEUGD_ANNUAL[kind] * (until - start + 1) / 365.25 * rng.uniform(0.7, 1.3, len(person)), 2)
    frame = pl.DataFrame({
        "_person": person,
        "pseudo_id": people.pseudo_id.gather(person),
        "provision_type": JEUGD_TYPES[kind],
        "referrer": REFERRERS[referrer],
        "start_date": date_series("start_date", start),
        "end_date": date_series("end_date", end, end > extraction),
        "cost_eur": cost,
    }).sort("_person", "start_date", "provision_type", "cost_eur")
    return frame.select("_person", "pseudo_id", pl.Series("provision_id", _ids("JGD", frame.height)),
                        pl.exclude("_person", "pseudo_id"))


def _markov(rng: np.random.Generator, base: np.ndarray, stay: float, steps: int) -> np.ndarray:
    """(persons, steps) on/off states with stationary share `base` and persistence `stay`."""
    entry = np.clip(base * (1 - stay) / np.maximum(1 - base, 1e-9), 0, 1)
    state = np.zeros((len(base), steps), dtype=bool)
    state[:, 0] = rng.random(len(base)) < base
    for t in range(1, steps):
        u = rng.random(len(base))
        state[:, t] = np.where(state[:, t - 1], u < stay, u < entry)
    return state


def _months(rng: np.random.Generator, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Months on a regulation in a year, from whether it ran the year before and the year after."""
    n = len(before)
    partial = rng.integers(1, 12, n)
    return np.where(before & after, 12, np.where(before | after, partial, rng.integers(1, 7, n)))


def build_participatie(rng: np.random.Generator, people: People) -> pl.DataFrame:
    """Participatiewet regulations per person-year for residents aged 18-66 (months 1-12)."""
    q = people.quintile
    hh = people.household
    psych = np.zeros(len(people), dtype=bool)
    for year in people.years:
        psych |= people.conditions.active_in_year("depressie", year)
    household_rr = np.select([hh == HOUSEHOLD["eenouder"], hh == HOUSEHOLD["eenpersoons"],
                              hh == HOUSEHOLD["paar_met_kinderen"]], [2.0, 1.4, 0.8], 1.0)
    first = people.years[0]
    adult = people.resident(first) & (people.age(first) >= 18) & (people.age(first) <= 66)
    regulations = {  # relative risk by income quintile and household, share of 18-66, persistence
        "bijstand": (BIJSTAND_BY_QUINTILE[q - 1] * household_rr * np.where(psych, 1.5, 1.0), 0.035, 0.8),
        "schuldhulpverlening": (DEBT_HELP_BY_QUINTILE[q - 1] * household_rr, 0.01, 0.55),
    }
    steps = len(people.years) + 2  # a year before the first and after the last give the months
    frames = []
    for name, (base, target, stay) in regulations.items():
        base = np.clip(base * target / np.mean(base[adult]), 0, 0.9)
        state = _markov(rng, base, stay, steps)
        for k, year in enumerate(people.years):
            frames.append(_regulation_rows(people, year, name, state[:, k + 1],
                                           _months(rng, state[:, k], state[:, k + 2])))
    for name, p in (("ioaw", np.where((q <= 2), 0.006, 0.0)), ("bbz", np.full(len(people), 0.0006))):
        for year in people.years:
            on = rng.random(len(people)) < np.where((name != "ioaw") | (people.age(year) >= 55), p, 0.0)
            months = np.where(rng.random(len(people)) < 0.6, 12, rng.integers(1, 12, len(people)))
            frames.append(_regulation_rows(people, year, name, on, months))
    return _with_benefit(rng, people, pl.concat(frames))


def _with_benefit(rng: np.random.Generator, people: People, rows: pl.DataFrame) -> pl.DataFrame:
    """`benefit_eur`: months x the monthly norm of the household type, +-10 % (partial earnings deducted,
    supplements), whole euros. Drawn after every other draw of the stream, so the regulations and months are
    those of a delivery without amounts."""
    monthly = np.array([BENEFIT_MONTHLY[h] for h in HOUSEHOLD_TYPES])[people.household[rows["_person"].to_numpy()]]
    factor = rng.uniform(0.9, 1.1, rows.height)
    paid = np.where(np.isin(rows["regulation"].to_numpy(), BENEFIT_REGULATIONS),
                    np.round(monthly * rows["months"].to_numpy() * factor), 0.0)
    return rows.with_columns(pl.Series("benefit_eur", paid, dtype=pl.Float64))


def _regulation_rows(people: People, year: int, name: str, on: np.ndarray,
                     months: np.ndarray) -> pl.DataFrame:
    age = people.age(year)
    who = np.flatnonzero(on & people.resident(year) & (age >= 18) & (age <= 66))
    dies = people.dies_in(year)[who]
    death_month = (people.death[who] - year_start(year)) // 31 + 1
    m = np.where(dies, np.minimum(months[who], np.clip(death_month, 1, 12)), months[who])
    return pl.DataFrame({
        "_person": who,
        "pseudo_id": people.pseudo_id.gather(who),
        "year": np.full(len(who), year, dtype=np.int64),
        "regulation": np.full(len(who), name),
        "months": m.astype(np.int64),
    })
