"""Interventions in a few buurten and the residents referred to them.

Welzijn op Recept (target group `psychische_klachten`) starts on 1 January 2023 (or, when 2023 is
not a configured year after the first, on 1 January of the second one) in 3-5 of the most deprived
larger buurten of the largest gemeente; adults with an open depression or anxiety episode who live
there are referred during the years after the start. Valpreventie (target group
`kwetsbare_ouderen`) starts on 1 January of the last year in the three other buurten with the most
residents aged 75+, for frail elderly. Only Welzijn op Recept has seeded effects (ED visits in hospital.py,
Zvw GP and hospital cost in zvw.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_data.buurten import Buurten
from sample_data.days import NEVER, date_series, uniform_day, year_end, year_start
from sample_data.population import People

WOR_YEAR = 2023
WOR_REFERRAL_SHARE = 0.3       # of the eligible target group in the buurten, per year
VALPREVENTIE_REFERRAL_SHARE = 0.2
PROGRAMME_DAYS = 90            # completed (or not) 90 days after the start; later: still running (empty)


@dataclass
class Intervention:
    """An intervention, its buurten and its participants (person index, referral, start, completed)."""

    intervention_id: str
    name: str
    target_group: str
    buurten: list[str]
    buurt_index: np.ndarray
    start_day: int
    person: np.ndarray
    referral: np.ndarray
    start: np.ndarray          # day number, NEVER = did not start (died, or after the last year)
    completed: np.ndarray      # 1 true, 0 false, -1 unknown (still running or not started)

    @property
    def start_year(self) -> int:
        return int(np.datetime64(int(self.start_day), "D").astype("datetime64[Y]").astype(int) + 1970)


def _start_year_wor(years: list[int]) -> int:
    """2023 when it is a configured year after the first, else the second configured year (or the only)."""
    if WOR_YEAR in years[1:]:
        return WOR_YEAR
    return years[1] if len(years) > 1 else years[0]


def choose_interventions(rng: np.random.Generator, people: People, buurten: Buurten,
                         years: list[int]) -> list[Intervention]:
    """Welzijn op Recept and Valpreventie with their buurten and participants (`years`: the configured)."""
    residents = buurten.residents.astype(float)
    gemeenten = buurten.gemeenten
    size = {g: residents[buurten.gemeente == g].sum() for g in gemeenten}
    largest = max(gemeenten, key=lambda g: (size[g], g))
    in_largest = np.flatnonzero((buurten.gemeente == largest) & (residents > 0))
    larger = in_largest[residents[in_largest] >= np.median(residents[in_largest])]
    order = larger[np.lexsort((buurten.code[larger], -buurten.rivm["ends_meet"][larger]))]
    wor_buurten = np.sort(order[:int(rng.integers(3, 6))])

    last = years[-1]
    old = np.bincount(people.buurt[:, -1][people.resident(last) & (people.age(last) >= 75)],
                      minlength=len(buurten))
    rest = np.setdiff1d(np.flatnonzero(residents > 0), wor_buurten)
    fall_buurten = np.sort(rest[np.lexsort((buurten.code[rest], -old[rest]))][:3])

    wor_year = _start_year_wor(years)
    cond = people.conditions

    def psych(year: int) -> np.ndarray:
        episode = cond.active_in_year("depressie", year) | cond.active_in_year("angst", year)
        return episode & (people.age(year) >= 18)

    def frail(year: int) -> np.ndarray:
        return (people.age(year) >= 75) & ((cond.n_chronic(year) >= 3) | cond.active_in_year("dementie", year)
                                           | cond.active_in_year("osteoporose", year))

    wor = _participants(rng, people, wor_buurten, wor_year, psych, WOR_REFERRAL_SHARE)
    fall = _participants(rng, people, fall_buurten, last, frail, VALPREVENTIE_REFERRAL_SHARE)
    return [
        Intervention("welzijn_op_recept", "Welzijn op Recept – café-ontmoetingen", "psychische_klachten",
                     buurten.code[wor_buurten].tolist(), wor_buurten, int(year_start(wor_year)), *wor),
        Intervention("valpreventie", "Valpreventie – In Balans thuis", "kwetsbare_ouderen",
                     buurten.code[fall_buurten].tolist(), fall_buurten, int(year_start(last)), *fall),
    ]


def _participants(rng: np.random.Generator, people: People, buurt_index: np.ndarray, start_year: int,
                  eligible: Callable[[int], np.ndarray], share: float) -> tuple[np.ndarray, ...]:
    """Referrals per year from the start on: target-group residents of the buurten, each person once."""
    persons, referrals = [], []
    taken = np.zeros(len(people), dtype=bool)
    for year in [y for y in people.years if y >= start_year]:
        here = people.resident(year) & np.isin(people.buurt[:, people.k(year)], buurt_index)
        who = np.flatnonzero(here & eligible(year) & ~taken & (rng.random(len(people)) < share))
        last_day = np.minimum(people.death[who] - 1, year_end(year))
        keep = last_day >= year_start(year)
        who, last_day = who[keep], last_day[keep]
        taken[who] = True
        persons.append(who)
        referrals.append(uniform_day(rng, np.full(len(who), year_start(year)), last_day))
    person = np.concatenate(persons) if persons else np.zeros(0, dtype=np.int64)
    referral = np.concatenate(referrals) if referrals else np.zeros(0, dtype=np.int64)
    start = referral + rng.integers(7, 43, len(person))
    extraction = year_end(people.years[-1])
    start = np.where((start < people.death[person]) & (start <= extraction), start, NEVER)
    finished = (start < NEVER) & (start + PROGRAMME_DAYS <= np.minimum(extraction, people.death[person]))
    completed = np.where(finished, (rng.random(len(person)) < 0.7).astype(np.int64), -1)
    return person, referral, start, completed


def intervention_frames(people: People, interventions: list[Intervention]) -> dict[str, pl.DataFrame]:
    """The `interventions` (one row per buurt) and `intervention_participants` sources."""
    rows = pl.concat([
        pl.DataFrame({
            "intervention_id": iv.intervention_id, "name": iv.name, "target_group": iv.target_group,
            "buurt_code": iv.buurten,
            "start_date": date_series("start_date", np.full(len(iv.buurten), iv.start_day)),
            "end_date": date_series("end_date", np.full(len(iv.buurten), NEVER)),
        })
        for iv in interventions
    ])
    participants = pl.concat([
        pl.DataFrame({
            "_person": iv.person,
            "pseudo_id": people.pseudo_id.gather(iv.person),
            "intervention_id": np.full(len(iv.person), iv.intervention_id),
            "referral_date": date_series("referral_date", iv.referral),
            "start_date": date_series("start_date", iv.start),
            "completed": pl.Series("completed", iv.completed == 1).scatter(np.flatnonzero(iv.completed < 0),
                                                                           None),
        })
        for iv in interventions
    ])
    return {"interventions": rows, "intervention_participants": participants}
