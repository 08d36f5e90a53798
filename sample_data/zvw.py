"""Zvw claims per person x year x cost category, calibrated to national figures, with the heavy tail.

Huisartsenzorg is an inschrijftarief plus consults, ketenzorg and POH-GGZ: everyone has it and it
varies little (a few hundred euro, rarely above 2,000). Every other category a person uses costs a
log-normal amount around a predictor (age, chronic conditions, hospital use, dying in the year, income,
frailty) shared by the person's categories, raised to the category's TAIL exponent, so that hospital
care and GGZ carry the extreme cases and paramedical care stays modest. On the first year the residual
spread is chosen so that the costliest 5 % of insured carry half of Zvw cost (which also puts about a
quarter with the costliest 1 % and two thirds with the costliest 10 %, as Vektis reports), and each
category's weight so that its mean per insured year is its national share (CATEGORY_SHARE) of
MEAN_PER_INSURED_YEAR; later years keep these parameters and differ by the population and its care use.
Newborns are insured from birth, so their birth year has a partial row; the dead are insured to death.

The seeded cost effect (`apply_cost_effect`): from their start date, participants of Welzijn op Recept have
their huisartsenzorg and medisch-specialistische zorg claims x (1 + effect), pro rata to the insured days
after the start. It is applied to the drawn claims without a random draw, so every other claim (and every
other source) of the same seed is unchanged; its truth per payer goes to the manifest.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.columns import labels
from sample_data.days import NEVER, year_end, year_of, year_start
from sample_data.hospital import SEEDED_INTERVENTION, HospitalUse
from sample_data.interventions import Intervention
from sample_data.population import People
from sample_data.wlz import Wlz

COST_CATEGORIES = np.array(["huisartsenzorg", "farmacie", "medisch_specialistisch", "ggz", "wijkverpleging",
                            "paramedisch", "hulpmiddelen", "ziekenvervoer", "overig"])
# National share of each category in Zvw cost, rounded (approximate, for realistic synthetic data):
# Vektis declaraties per verzekerdenjaar 2018 via RIVM VZinfo (medisch-specialistisch 1,376 of about
# 2,625 euro, farmacie 282, verpleging en verzorging 215, huisarts totaal 201, specialistische GGZ 187,
# hulpmiddelen 88, mondzorg 44, geriatrische revalidatie 44, liggend ziekenvervoer 34); RIVM VZinfo
# 2021 (medisch-specialistisch 1,462 of 2,727 euro); CBS StatLine 81827NED 2022* (ziekenhuiszorg 1,486
# of 2,841 euro per person, farmacie 295, GGZ 259; huisartsenzorg 2021* 192). `overig` holds mondzorg,
# geriatrische revalidatie, geboortezorg, eerstelijnsverblijf and zorg in het buitenland.
CATEGORY_SHARE = np.array([0.07, 0.095, 0.52, 0.085, 0.075, 0.025, 0.03, 0.015, 0.085])
# Vektis 2020 2,772 euro per verzekerde; CBS 81827NED 2022* 2,841 per person (CBS about 10 % below
# Vektis); with the growth of 2023-2024 about 3,000-3,500 euro per insured year in 2022-2024.
MEAN_PER_INSURED_YEAR = 3250.0
# How strongly a category follows the person's severity (exponent on the person's log-normal): hospital
# care and GGZ carry the extreme cases (Vektis 2016: of the costliest 1 %, 58 % is hospital care, 12 %
# GGZ, 11 % nursing), paramedical care or transport cannot reach hundreds of thousands of euro.
TAIL = np.array([0.0, 0.8, 1.0, 0.85, 0.4, 0.35, 0.5, 0.5, 0.6])
TOP5_SHARE = 0.5           # Vektis: the costliest 1 % of insured carry about 25 % of Zvw cost
CORRECTION_SHARE = 0.001   # rows that are a net negative correction (small categories only)


def _claims(gp_need: np.ndarray, severity: np.ndarray, noise: np.ndarray, draw: np.ndarray,
            fraction: np.ndarray, residual: float) -> np.ndarray:
    """Unscaled amount per person-year and category (huisartsenzorg first), before the category weights."""
    spread = np.exp(TAIL[1:] * (severity[:, None] + residual * noise[:, None]))
    return np.column_stack([gp_need, spread * draw]) * fraction[:, None]


def _weights(claims: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Category weights at which each category's mean per insured year is its national share of the mean.

    A category nobody uses in the calibration year (only in a tiny region) gets weight 0, not infinity.
    """
    total = claims.sum(axis=0)
    return np.where(total > 0, MEAN_PER_INSURED_YEAR * CATEGORY_SHARE * fraction.sum() / np.maximum(total, 1e-9), 0)


def _residual_for_top_share(gp_need: np.ndarray, severity: np.ndarray, noise: np.ndarray, draw: np.ndarray,
                            fraction: np.ndarray, share: float) -> float:
    """Residual log-sd at which the costliest 5 % of person-years carry `share` of the total (bisection)."""
    low, high = 0.2, 3.0
    top = max(1, len(severity) // 20)
    for _ in range(20):  # 2.8 / 2**20: far below what the share can resolve
        mid = (low + high) / 2
        claims = _claims(gp_need, severity, noise, draw, fraction, mid)
        cost = claims @ _weights(claims, fraction)
        if np.partition(cost, len(cost) - top)[-top:].sum() / cost.sum() > share:
            high = mid
        else:
            low = mid
    return (low + high) / 2


def build_zvw(rng: np.random.Generator, people: People, hospital: HospitalUse, wlz: Wlz) -> pl.DataFrame:
    """Claims per insured person, year and category (contract columns + `_person`)."""
    frames = []
    residual = 0.0
    weight = np.zeros(len(COST_CATEGORIES))
    for k, year in enumerate(people.years):
        ndays = int(year_end(year) - year_start(year) + 1)
        born = people.birth_year == year
        insured = np.where(born, year_end(year) - people.birth_day + 1, people.alive_days(year))
        who = np.flatnonzero(insured > 0)
        fraction = insured[who] / ndays
        age = people.age(year)[who]
        n_chronic = people.conditions.n_chronic(year)[who]
        psych = (people.conditions.active_in_year("depressie", year)
                 | people.conditions.active_in_year("angst", year))[who]
        admissions = hospital.admissions[year][who]
        dies = people.dies_in(year)[who]
        old = age >= 75
        # GP: capitation rising with age, consults and ketenzorg with chronic conditions, POH-GGZ
        gp_need = (1 + 0.3 * (age <= 4) + 0.4 * (age >= 65) + 0.3 * old + 0.5 * np.minimum(n_chronic, 3)
                   + 0.6 * psych) * rng.gamma(4.0, 0.25, len(who))
        # Vektis age profile 2018: children 5-17 about 0.4, 85+ about 3.5 times the mean per insured year
        severity = (0.011 * np.maximum(age - 20, 0) + 0.6 * (age <= 1) - 0.3 * ((age >= 2) & (age < 18))
                    + 0.15 * n_chronic + 0.15 * people.frailty[who] + 0.35 * np.minimum(admissions, 3)
                    + 0.05 * np.minimum(hospital.ed_visits[year][who], 3)
                    + 0.5 * dies + 0.1 * (people.quintile[who] == 1) + 0.25 * psych
                    - 0.3 * wlz.institutional[who, k])
        noise = rng.standard_normal(len(who))
        # who uses which other category (CBS 81827NED 2022*: farmacie 66 %, ziekenhuiszorg 58 %, GGZ 5 %)
        uses = rng.random((len(who), len(COST_CATEGORIES) - 1)) < np.column_stack([
            np.minimum(0.55 + 0.12 * n_chronic, 0.97),
            np.minimum(0.45 + 0.08 * n_chronic + 0.05 * (age >= 65) + 0.9 * (admissions > 0), 1.0),
            0.03 + 0.35 * psych,
            0.005 + 0.04 * (age >= 65) + 0.12 * old + 0.1 * dies,
            0.12 + 0.05 * np.minimum(n_chronic, 3),
            0.06 + 0.1 * old + 0.05 * (n_chronic >= 2),
            0.01 + 0.3 * (admissions > 0),
            0.08 + 0.15 * (age < 18) + 0.05 * old,
        ])
        draw = np.where(uses, rng.gamma(2.0, 0.5, uses.shape), 0.0)
        if k == 0:  # fix the tail and the category weights on the first year
            residual = _residual_for_top_share(gp_need, severity, noise, draw, fraction, TOP5_SHARE)
            weight = _weights(_claims(gp_need, severity, noise, draw, fraction, residual), fraction)
        amount = np.round(_claims(gp_need, severity, noise, draw, fraction, residual) * weight, 2)
        present = np.column_stack([np.ones(len(who), dtype=bool), uses])
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


# Welzijn op Recept redirects psychosocial demand from the GP and the hospital (Bickerdike et al. 2017, BMJ
# Open 7:e013384, on social prescribing: fewer GP consultations and hospital visits, weak evidence): the
# categories the seeded cost effect acts on. Wlz, Wmo, Jeugdwet and bijstand are left unchanged.
COST_EFFECT_CATEGORIES = ("huisartsenzorg", "medisch_specialistisch")
COST_EFFECT_LAW = "zvw"
UNCHANGED_LAW = "wlz"


def _per_insured_year(change: np.ndarray, rows: np.ndarray, years_insured: np.ndarray, gp_row: np.ndarray) -> float:
    """Euro of change per insured year over the selected claims (the GP row counts each person-year once)."""
    exposure = float(years_insured[rows & gp_row].sum())
    return float(change[rows].sum()) / exposure if exposure > 0 else 0.0


def apply_cost_effect(frame: pl.DataFrame, people: People, interventions: list[Intervention],
                      effect: float) -> tuple[pl.DataFrame, dict[str, dict[str, dict[str, float]]]]:
    """Claims with the seeded effect on participants' GP and hospital cost, and its truth per intervention and law.

    The truth is the change actually made (not an expectation): euro per insured year of the participants in
    the years from their own start year (what the participant difference-in-differences estimates) and of all
    insured residents of the intervention buurten from its start year (the area panel's estimand).
    """
    person = frame["_person"].to_numpy()
    year = frame["year"].to_numpy()
    insured = frame["insured_days"].to_numpy().astype(float)
    k = np.searchsorted(people.years, year)
    starts, ends = year_start(np.array(people.years))[k], year_end(np.array(people.years))[k]
    first_day = np.maximum(starts, people.birth_day[person])
    last_day = np.minimum(ends, people.death[person])
    years_insured = insured / (ends - starts + 1)
    amount = frame["amount_eur"].to_numpy()
    gp_row = (frame["cost_category"] == "huisartsenzorg").to_numpy()  # one per insured person-year
    truth: dict[str, dict[str, dict[str, float]]] = {}
    for iv in interventions:  # two interventions: the loop is over them, not over rows
        seeded = effect if iv.intervention_id == SEEDED_INTERVENTION else 0.0
        start = np.full(len(people), NEVER, dtype=np.int64)
        start[iv.person] = iv.start
        own = start[person]
        post = np.clip(last_day - np.maximum(own, first_day) + 1, 0, None) / np.maximum(insured, 1)
        acts = frame["cost_category"].is_in(COST_EFFECT_CATEGORIES).to_numpy()
        new = np.where(acts & (post > 0), np.round(amount * (1 + seeded * np.minimum(post, 1.0)), 2), amount)
        change = new - amount
        amount = new
        # the evaluation's cohort: the year of the start, or of the referral for those who never started
        cohort = np.full(len(people), np.iinfo(np.int64).max, dtype=np.int64)  # never: no year reaches it
        cohort[iv.person] = year_of(np.where(iv.start < NEVER, iv.start, iv.referral))
        participant_years = year >= cohort[person]
        in_area = (year >= iv.start_year) & np.isin(people.buurt[person, k], iv.buurt_index)
        participant_change = _per_insured_year(change, participant_years, years_insured, gp_row)
        truth[iv.intervention_id] = {
            COST_EFFECT_LAW: {"true_relative_effect": seeded,
                              "expected_participant_did_eur_per_person_year": participant_change,
                              "expected_area_effect_eur_per_person_year":
                                  _per_insured_year(change, in_area, years_insured, gp_row)},
            UNCHANGED_LAW: {"true_relative_effect": 0.0, "expected_participant_did_eur_per_person_year": 0.0,
                            "expected_area_effect_eur_per_person_year": 0.0},
        }
    return frame.with_columns(amount_eur=pl.Series("amount_eur", amount)), truth
