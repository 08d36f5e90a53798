"""The synthetic persons of the region and how they persist over the years.

Everyone alive on 1 January of the first year is drawn per buurt (age pyramid tilted a little per
buurt, sex, household type, income quintile following the buurt's RIVM MoeiteMetRondkomen share).
Each year some die (age-, sex- and condition-dependent), babies are born to women aged 20-44 and
appear on 1 January of the next year, and a few % move to another buurt. Pseudonyms are random
64-character hex strings assigned in sorted order, so person order is pseudonym order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_data.buurten import NATIONAL_ENDS_MEET, Buurten
from sample_data.columns import labels
from sample_data.conditions import Conditions, draw_episodic, draw_lifetime
from sample_data.days import NEVER, date_series, uniform_day, year_end, year_start
from sample_data.demography import (
    BIRTHS_PER_PERSON,
    HOUSEHOLD_INCOME_SHIFT,
    HOUSEHOLD_TYPES,
    INCOME_BUURT_SLOPE,
    INSTITUTIONAL,
    MAX_AGE,
    MOVE_SHARE,
    MOVE_WITHIN_GEMEENTE,
    NATIONAL_AGE_WEIGHTS,
    death_probability,
    female_share,
    household_probabilities,
)
from sample_data.random_streams import stream
from sample_data.sampling import categorical, choose_in_groups, grouped_categorical

PERSONS_PER_PRACTICE = 2300
MORTALITY_RR = {"hartfalen": 0.9, "dementie": 0.9, "kanker": 0.7, "copd": 0.45, "beroerte_tia": 0.25,
                "parkinson": 0.4}  # log rate ratios of dying, for persons with the condition


@dataclass
class People:
    """Everyone who lives in the region on 1 January of some simulated year (one entry per person)."""

    years: list[int]            # consecutive simulated years
    birth_day: np.ndarray       # day number
    birth_year: np.ndarray
    female: np.ndarray          # bool
    quintile: np.ndarray        # 1..5 (standardised household income, national quintiles)
    household: np.ndarray       # index into HOUSEHOLD_TYPES (before Wlz makes someone institutional)
    frailty: np.ndarray         # shared latent health risk, standard normal
    buurt: np.ndarray           # (persons, years) buurt index on 1 January, -1 = not a resident
    death: np.ndarray           # day number of death, NEVER when alive at the end
    practice: np.ndarray        # index into practice_codes
    practice_codes: np.ndarray
    conditions: Conditions
    pseudo_id: pl.Series        # 64-character lowercase hex, sorted

    def __len__(self) -> int:
        return len(self.birth_day)

    def k(self, year: int) -> int:
        return self.years.index(year)

    def resident(self, year: int) -> np.ndarray:
        return self.buurt[:, self.k(year)] >= 0

    def age(self, year: int) -> np.ndarray:
        return year - self.birth_year

    def dies_in(self, year: int) -> np.ndarray:
        return (self.death >= year_start(year)) & (self.death <= year_end(year))

    def alive_days(self, year: int) -> np.ndarray:
        """Days alive in the year for residents on 1 January; 0 for everyone else."""
        days = np.minimum(self.death, year_end(year)) - year_start(year) + 1
        return np.where(self.resident(year), days, 0)

    def exposure(self, year: int) -> np.ndarray:
        """Person-years in the year (alive days / days in the year), the pipeline's denominator."""
        return self.alive_days(year) / float(year_end(year) - year_start(year) + 1)


def build_people(buurten: Buurten, years: list[int], seed: int) -> People:
    """Simulate the population over the consecutive `years` (births, deaths, moves)."""
    rng = stream(seed, "population")
    rng_conditions = stream(seed, "conditions")
    first = years[0]
    buurt0 = np.repeat(np.arange(len(buurten)), buurten.residents)
    n0 = len(buurt0)
    tilt = rng.normal(0.0, 0.3, len(buurten))
    tilt -= np.average(tilt, weights=np.maximum(buurten.residents, 1))
    ages = np.arange(MAX_AGE + 1)
    age_weights = NATIONAL_AGE_WEIGHTS[None, :] * np.exp(tilt[:, None] * (ages[None, :] - 40) / 40)
    age = grouped_categorical(rng, age_weights, buurt0)
    female = rng.random(n0) < female_share(age)
    birth_year = first - age
    birth_day = uniform_day(rng, year_start(birth_year), year_end(birth_year))
    household = categorical(rng, household_probabilities(age))
    quintile = _income(rng, buurten, buurt0, household, age)
    frailty = rng.standard_normal(n0)
    onsets = draw_lifetime(rng_conditions, birth_day, female, quintile, frailty)

    buurt = np.full((n0, len(years)), -1, dtype=np.int32)
    buurt[:, 0] = buurt0
    death = np.full(n0, NEVER, dtype=np.int64)
    gemeente_of_buurt = np.unique(buurten.gemeente, return_inverse=True)[1]
    for k, year in enumerate(years):
        alive = np.flatnonzero(buurt[:, k] >= 0)
        age_now = year - birth_year[alive]
        rr = _mortality_rr(onsets, quintile, frailty, alive, age_now, year_start(year))
        q = death_probability(age_now, female[alive]) * rr
        dying = alive[rng.random(len(alive)) < q]
        death[dying] = uniform_day(rng, np.full(len(dying), year_start(year)),
                                   np.full(len(dying), year_end(year)))
        if k == len(years) - 1:
            break
        survivors = buurt[:, k] >= 0
        survivors[dying] = False
        following = np.where(survivors, buurt[:, k], -1)
        movers = np.flatnonzero(survivors & (rng.random(len(survivors)) < MOVE_SHARE))
        within = rng.random(len(movers)) < MOVE_WITHIN_GEMEENTE
        weight = np.maximum(buurten.residents, 0).astype(float)
        in_gemeente = choose_in_groups(rng, gemeente_of_buurt, weight, gemeente_of_buurt[following[movers]])
        anywhere = choose_in_groups(rng, np.zeros(len(buurten), dtype=np.int64), weight,
                                    np.zeros(len(movers), dtype=np.int64))
        following[movers] = np.where(within, in_gemeente, anywhere)
        buurt[:, k + 1] = following
        # births during the year, to resident women aged 20-44; the baby appears on 1 January next year
        mothers = alive[female[alive] & (age_now >= 20) & (age_now <= 44)]
        p_birth = BIRTHS_PER_PERSON * len(alive) / max(len(mothers), 1)
        mothers = mothers[rng.random(len(mothers)) < p_birth]
        nb = len(mothers)
        born = uniform_day(rng, np.full(nb, year_start(year)), np.minimum(death[mothers], year_end(year)))
        baby_female = rng.random(nb) < 0.488
        baby_household = np.where(household[mothers] == HOUSEHOLD_TYPES.index("eenpersoons"),
                                  HOUSEHOLD_TYPES.index("eenouder"),
                                  np.where(household[mothers] == HOUSEHOLD_TYPES.index("eenouder"),
                                           HOUSEHOLD_TYPES.index("eenouder"),
                                           HOUSEHOLD_TYPES.index("paar_met_kinderen")))
        baby_frailty = rng.standard_normal(nb)
        baby_buurt = np.full((nb, len(years)), -1, dtype=np.int32)
        baby_buurt[:, k + 1] = np.where(following[mothers] >= 0, following[mothers], buurt[mothers, k])
        baby_onsets = draw_lifetime(rng_conditions, born, baby_female, quintile[mothers], baby_frailty)
        birth_day = np.concatenate([birth_day, born])
        birth_year = np.concatenate([birth_year, np.full(nb, year)])
        female = np.concatenate([female, baby_female])
        quintile = np.concatenate([quintile, quintile[mothers]])
        household = np.concatenate([household, baby_household])
        frailty = np.concatenate([frailty, baby_frailty])
        buurt = np.concatenate([buurt, baby_buurt])
        death = np.concatenate([death, np.full(nb, NEVER, dtype=np.int64)])
        onsets = {name: (np.concatenate([o, baby_onsets[name][0]]), np.concatenate([e, baby_onsets[name][1]]))
                  for name, (o, e) in onsets.items()}

    # nothing starts after death
    onset = {name: np.where(o < death, o, NEVER) for name, (o, _) in onsets.items()}
    end = {name: np.where(onset[name] == NEVER, NEVER, e) for name, (_, e) in onsets.items()}
    conditions = Conditions(onset, end)
    conditions.episodes = draw_episodic(rng_conditions, birth_day, death, female, quintile, frailty, years)
    practice, practice_codes = _practices(rng, buurten, buurt)
    return People(years=list(years), birth_day=birth_day, birth_year=birth_year, female=female,
                  quintile=quintile, household=household, frailty=frailty, buurt=buurt, death=death,
                  practice=practice, practice_codes=practice_codes, conditions=conditions,
                  pseudo_id=pseudo_ids(stream(seed, "pseudo_ids"), len(birth_day)))


def _income(rng: np.random.Generator, buurten: Buurten, buurt: np.ndarray, household: np.ndarray,
            age: np.ndarray) -> np.ndarray:
    """Income quintile 1..5: a buurt with more difficulty making ends meet has more Q1."""
    z = (buurten.rivm["ends_meet"][buurt] - NATIONAL_ENDS_MEET) / 0.05
    age_shift = np.select([age < 18, age < 25, age < 65, age < 80], [0.0, -0.4, 0.0, -0.1], -0.3)
    eta = -INCOME_BUURT_SLOPE * z + HOUSEHOLD_INCOME_SHIFT[household] + age_shift
    steps = np.arange(5) - 2
    return (categorical(rng, np.exp(eta[:, None] * steps[None, :])) + 1).astype(np.int64)


def _mortality_rr(onsets: dict, quintile: np.ndarray, frailty: np.ndarray, alive: np.ndarray, age: np.ndarray,
                  day: int) -> np.ndarray:
    """Relative risk of dying from conditions, income and frailty, normalised within each age."""
    log_rr = 0.25 * frailty[alive] + np.array([0.26, 0.1, 0.0, -0.1, -0.22])[quintile[alive] - 1]
    for name, weight in MORTALITY_RR.items():
        onset, end = onsets[name]
        log_rr = log_rr + weight * ((onset[alive] <= day) & (end[alive] > day))
    rr = np.exp(log_rr)
    size = MAX_AGE + 2
    mean = np.bincount(age, weights=rr, minlength=size) / np.maximum(np.bincount(age, minlength=size), 1)
    return rr / mean[age]


def _practices(rng: np.random.Generator, buurten: Buurten,
               buurt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A GP practice per person in the gemeente of their first buurt; neighbouring buurten share practices."""
    gemeenten, gem_of_buurt = np.unique(buurten.gemeente, return_inverse=True)
    residents = np.bincount(gem_of_buurt, weights=buurten.residents, minlength=len(gemeenten))
    count = np.maximum(1, np.round(residents / PERSONS_PER_PRACTICE)).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(count)[:-1]])
    buurten_in = np.bincount(gem_of_buurt, minlength=len(gemeenten))
    rank = np.arange(len(buurten)) - np.concatenate([[0], np.cumsum(buurten_in)[:-1]])[gem_of_buurt]
    first_buurt = buurt[np.arange(len(buurt)), np.argmax(buurt >= 0, axis=1)]
    g = gem_of_buurt[first_buurt]
    local = (rank[first_buurt] * count[g] // buurten_in[g] + (rng.random(len(buurt)) < 0.25)) % count[g]
    codes = np.array([f"HA{gm[2:]}{i + 1:02d}"  # a few dozen practices
                      for gm, c in zip(gemeenten, count, strict=True) for i in range(c)])
    return offset[g] + local, codes


HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def pseudo_ids(rng: np.random.Generator, n: int, sort: bool = True) -> pl.Series:
    """n random 64-character lowercase hex pseudonyms (256 random bits each), sorted by default."""
    raw = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)
    chars = np.empty((n, 64), dtype=np.uint8)
    chars[:, 0::2] = HEX[raw >> 4]
    chars[:, 1::2] = HEX[raw & 15]
    ids = chars.view("S64").ravel()
    if sort:
        ids = np.sort(ids)
    return pl.Series("pseudo_id", ids).cast(pl.Utf8)


def population_frame(people: People, year: int, institutional: np.ndarray,
                     buurt_codes: np.ndarray) -> pl.DataFrame:
    """The population file of a year: residents on 1 January, with their death date if they die that year."""
    who = np.flatnonzero(people.resident(year))
    inst = institutional[who]
    household = np.where(inst, INSTITUTIONAL, people.household[who])
    dies = people.dies_in(year)[who]
    return pl.DataFrame({
        "_person": who,
        "pseudo_id": people.pseudo_id.gather(who),
        "year": np.full(len(who), year, dtype=np.int64),
        "birth_year": people.birth_year[who].astype(np.int64),
        "sex": labels("sex", ["M", "V"], people.female[who].astype(np.int64)),
        "buurt_code": labels("buurt_code", buurt_codes, people.buurt[who, people.k(year)]),
        "household_type": labels("household_type", HOUSEHOLD_TYPES, household),
        "income_quintile": pl.Series(people.quintile[who]).scatter(np.flatnonzero(inst), None),
        "death_date": date_series("death_date", people.death[who], ~dies),
    })
