"""Chronic conditions of the synthetic persons: when each starts (and, for some, ends).

Lifetime conditions follow a cumulative-risk curve by age: a person with uniform draw u has the
condition from the age at which `pmax * m * logistic((age - a50) / width)` reaches u, so the
prevalence at every age is right in every year and onsets spread naturally over the past
(a diabetes episode from 2009 is still open in 2022). `m` is the person's risk: income gradient
(Q1 highest), sex and a shared latent frailty, which makes conditions cluster (multimorbidity).
Depression and anxiety come in episodes with a yearly incidence and a duration.
`pmax` is calibrated so that the prevalence among residents matches the targets in sample_data/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sample_data.days import NEVER, uniform_day, year_end, year_start
from sample_data.demography import NATIONAL_AGE_WEIGHTS

INCOME_RR = np.array([1.45, 1.2, 1.0, 0.85, 0.72]) / 1.044  # Q1..Q5, mean 1 over national quintiles
FRAILTY_SD = 0.5  # spread of the shared latent risk on the log scale: 0.5 gives 15-16 % multimorbidity (>= 2)


@dataclass(frozen=True)
class Condition:
    """One condition: ICPC codes, target prevalence among residents and the shape of its age curve."""

    name: str
    codes: tuple[str, ...]
    weights: tuple[float, ...]
    prevalence: float                 # residents with an active episode in a year
    a50: float                        # age (year - birth_year) at half the lifetime risk
    width: float                      # years over which the risk rises
    male_rr: float = 1.0              # men relative to women
    closes: float = 0.0               # share of episodes that close (remission, cured)
    close_years: tuple[float, float] = (1.0, 5.0)
    chronic: bool = True              # on the chronic list (counts for multimorbidity)
    female_codes: tuple[str, ...] = ()
    female_weights: tuple[float, ...] = ()


LIFETIME = (
    Condition("diabetes", ("T90", "T90.02", "T90.01"), (0.35, 0.55, 0.10), 0.07, 67, 9, 1.15),
    Condition("copd", ("R95",), (1.0,), 0.03, 73, 8, 1.15),
    Condition("astma", ("R96",), (1.0,), 0.05, 14, 10, 0.9, closes=0.3, close_years=(2, 10)),
    Condition("hartfalen", ("K77",), (1.0,), 0.016, 84, 6, 1.2),
    Condition("coronaire_hartziekte", ("K74", "K75", "K76"), (0.4, 0.25, 0.35), 0.042, 73, 8, 1.7),
    Condition("beroerte_tia", ("K89", "K90"), (0.4, 0.6), 0.025, 78, 8, 1.1),
    Condition("hypertensie", ("K86", "K87"), (0.8, 0.2), 0.15, 62, 10, 1.0),
    Condition("atriumfibrilleren", ("K78",), (1.0,), 0.025, 80, 7, 1.3),
    Condition("dementie", ("P70",), (1.0,), 0.016, 88, 4.5, 0.8),
    Condition("artrose", ("L89", "L90", "L91"), (0.2, 0.45, 0.35), 0.10, 66, 10, 0.7),
    Condition("osteoporose", ("L95",), (1.0,), 0.025, 78, 7, 0.25),
    Condition("parkinson", ("N87",), (1.0,), 0.004, 79, 7, 1.4),
    Condition("kanker", ("Y77", "D75", "R84", "S77", "U76", "B72", "A79"),
              (0.35, 0.17, 0.15, 0.18, 0.07, 0.04, 0.04), 0.048, 72, 9, 1.1, closes=0.35, close_years=(2, 8),
              female_codes=("X76", "D75", "R84", "S77", "X75", "U76", "B72", "A79"),
              female_weights=(0.4, 0.15, 0.12, 0.15, 0.05, 0.03, 0.05, 0.05)),
    # incontinence: a frailty deficit (transforms/reference/frailty_deficits.csv), not on the chronic list
    Condition("incontinentie", ("U04",), (1.0,), 0.025, 83, 7, 0.6, chronic=False),
)


@dataclass(frozen=True)
class Episodic:
    """A condition that comes in episodes: yearly incidence and a duration (median, log-sd)."""

    name: str
    code: str
    prevalence: float
    female_rr: float
    median_days: float = 300.0
    log_sd: float = 0.7


EPISODIC = (Episodic("depressie", "P76", 0.04, 1.7), Episodic("angst", "P74", 0.03, 1.6))
HISTORY_YEARS = 3  # episodic episodes are drawn from this many years before the first year on


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), clipped away from 0 and 1: the inverse of a logistic age curve."""
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _pmax(c: Condition) -> float:
    """Lifetime risk that gives the target prevalence for the national age structure."""
    ages = np.arange(len(NATIONAL_AGE_WEIGHTS))
    curve = float(np.sum(NATIONAL_AGE_WEIGHTS * _logistic((ages - c.a50) / c.width)))
    still_open = 1.0 - 0.5 * c.closes  # closed episodes no longer count
    return c.prevalence / curve / still_open


def _episodic_age_factor(age: np.ndarray) -> np.ndarray:
    return np.select([age < 12, age < 18, age < 65], [0.0, 0.5, 1.0], 0.75)


def _episodic_incidence(e: Episodic) -> float:
    """Yearly incidence that gives the target prevalence: an episode touches about 1 + mean duration years."""
    ages = np.arange(len(NATIONAL_AGE_WEIGHTS))
    mean_days = e.median_days * np.exp(e.log_sd**2 / 2)
    years_touched = 1.0 + mean_days / 365.25
    return e.prevalence / years_touched / float(np.sum(NATIONAL_AGE_WEIGHTS * _episodic_age_factor(ages)))


def person_risk(female: np.ndarray, quintile: np.ndarray, frailty: np.ndarray, male_rr: float) -> np.ndarray:
    """Relative risk of a person (mean about 1): income gradient, sex, shared latent frailty."""
    income = np.where(quintile > 0, INCOME_RR[np.clip(quintile, 1, 5) - 1], 1.2)
    sex = np.where(female, 2.0 / (1.0 + male_rr), 2.0 * male_rr / (1.0 + male_rr))
    return income * sex * np.exp(FRAILTY_SD * frailty - FRAILTY_SD**2 / 2)


def draw_lifetime(rng: np.random.Generator, birth_day: np.ndarray, female: np.ndarray, quintile: np.ndarray,
                  frailty: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Onset and end day (NEVER = none) of every lifetime condition, for a batch of persons."""
    n = len(birth_day)
    out = {}
    for c in LIFETIME:
        lifetime_risk = np.minimum(_pmax(c) * person_risk(female, quintile, frailty, c.male_rr), 0.97)
        u = rng.random(n)
        share = u / lifetime_risk
        has = share < 1.0
        onset_age = c.a50 + c.width * logit(share)
        onset_age = np.maximum(onset_age, 0.3 + rng.random(n))
        onset = np.where(has, birth_day + (onset_age * 365.25).astype(np.int64), NEVER)
        closes = has & (rng.random(n) < c.closes)
        duration = rng.uniform(c.close_years[0], c.close_years[1], n) * 365.25
        end = np.where(closes, onset + duration.astype(np.int64), NEVER)
        out[c.name] = (onset, end)
    return out


@dataclass
class Conditions:
    """Every person's conditions: lifetime onsets/ends, and episodic episodes (person, start, end)."""

    onset: dict[str, np.ndarray]
    end: dict[str, np.ndarray]
    episodes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def active(self, name: str, first_day, last_day, n: int | None = None) -> np.ndarray:
        """Persons with an episode of `name` open at some time in [first_day, last_day]."""
        if name in self.onset:
            return (self.onset[name] <= last_day) & (self.end[name] >= first_day)
        person, start, end = self.episodes[name]
        size = n if n is not None else len(next(iter(self.onset.values())))
        hit = (start <= last_day) & (end >= first_day)
        return np.bincount(person[hit], minlength=size) > 0

    def active_in_year(self, name: str, year: int) -> np.ndarray:
        return self.active(name, year_start(year), year_end(year))

    def n_chronic(self, year: int) -> np.ndarray:
        """Number of chronic-list conditions active in the year, per person."""
        names = [c.name for c in LIFETIME if c.chronic] + [e.name for e in EPISODIC]
        return np.sum([self.active_in_year(name, year) for name in names], axis=0)


def draw_episodic(rng: np.random.Generator, birth_day: np.ndarray, death: np.ndarray, female: np.ndarray,
                  quintile: np.ndarray, frailty: np.ndarray, years: list[int]) -> dict[str, tuple]:
    """Depression and anxiety episodes from HISTORY_YEARS before the first year to the last year."""
    out = {}
    n = len(birth_day)
    for e in EPISODIC:
        base = _episodic_incidence(e) * person_risk(female, quintile, frailty, 1.0 / e.female_rr)
        persons, starts, ends = [], [], []
        for year in range(years[0] - HISTORY_YEARS, years[-1] + 1):
            first = np.maximum(year_start(year), birth_day + 1)
            last = np.minimum(year_end(year), death - 1)
            age = year - (birth_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970)
            p = base * _episodic_age_factor(age)
            who = np.flatnonzero((first <= last) & (rng.random(n) < p))
            start = uniform_day(rng, first[who], last[who])
            length = np.exp(np.log(e.median_days) + e.log_sd * rng.standard_normal(len(who)))
            persons.append(who)
            starts.append(start)
            ends.append(start + np.maximum(length, 14).astype(np.int64))
        out[e.name] = (np.concatenate(persons), np.concatenate(starts), np.concatenate(ends))
    return out
