"""Synthetic persons over the years and every source's records about them (clean; defects come later).

Each builder returns polars frames with exactly the landing columns of DESIGN section 5 plus a
`_year` column saying which yearly file a row belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sample_data.synthetic_region import (
    ACSC_CODES,
    CONDITIONS,
    COST_CATEGORIES,
    COST_SHARES,
    INCOME_GRADIENT,
    NATIONAL_ENDS_MEET,
    ORG_TYPES,
    OTHER_ADMISSION_CODES,
    Region,
    age_weights,
    day_in_year,
    days,
    first_of_year,
    pseudo_ids,
    to_date,
)


@dataclass
class People:
    """Everyone who lives in the region in any configured year (one row per person)."""

    pid: np.ndarray
    birth_year: np.ndarray
    sex: np.ndarray            # 'M' / 'V'
    quintile: np.ndarray       # 1..5, 0 = institutional (no income quintile)
    household: np.ndarray
    buurt_idx: np.ndarray      # (persons, years) buurt index per year, -1 = not resident
    death_date: np.ndarray     # datetime64[D], NaT when alive at the end
    conditions: dict[str, np.ndarray] = field(default_factory=dict)  # onset date (NaT = never)
    condition_end: dict[str, np.ndarray] = field(default_factory=dict)

    def resident(self, k: int) -> np.ndarray:
        return self.buurt_idx[:, k] >= 0


def _income(rng, region: Region, buurt_idx: np.ndarray) -> np.ndarray:
    """Income quintile whose buurt distribution follows the RIVM share with difficulty making ends meet."""
    z = (region.rivm["ends_meet"][buurt_idx] * 100 - NATIONAL_ENDS_MEET) / 6.0
    q = np.arange(1, 6)
    logits = -0.55 * z[:, None] * (q[None, :] - 3)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(len(buurt_idx))[:, None]
    return 1 + (u > np.cumsum(p, axis=1)).sum(axis=1)


def _mortality(age: np.ndarray) -> np.ndarray:
    """Yearly death probability by age (Gompertz), about 9.5 per 1,000 for a Dutch age structure."""
    return np.clip(0.0004 + np.exp(-10.9 + 0.098 * age), 0, 0.6)


def build_people(rng: np.random.Generator, region: Region, years: list[int]) -> People:
    n0 = int(round(region.weight.sum()))
    y0 = years[0]
    births_per_year = int(round(n0 * 0.009))
    total = n0 + births_per_year * (len(years) - 1)
    pid = pseudo_ids(rng, total)
    age0 = rng.choice(100, size=n0, p=age_weights())
    birth_year = np.concatenate([y0 - age0] + [np.full(births_per_year, y - 1) for y in years[1:]])
    p_female = np.where(y0 - birth_year >= 80, 0.62, np.where(y0 - birth_year >= 65, 0.54, 0.5))
    sex = np.where(rng.random(total) < p_female, "V", "M")
    buurt0 = rng.choice(len(region.buurten), size=total, p=region.weight / region.weight.sum())
    quintile = _income(rng, region, buurt0)
    age_now = y0 - birth_year
    institutional = (age_now >= 80) & (rng.random(total) < 0.07)
    quintile = np.where(institutional, 0, quintile)
    house_types = np.array(["eenpersoons", "paar_zonder_kinderen", "paar_met_kinderen", "eenouder", "overig"])
    p_house = np.where(age_now[:, None] < 18, [0.0, 0.0, 0.85, 0.15, 0.0],
                       np.where(age_now[:, None] < 65, [0.25, 0.25, 0.38, 0.08, 0.04], [0.45, 0.5, 0.02, 0.02, 0.01]))
    household = house_types[(rng.random(total)[:, None] > np.cumsum(p_house, axis=1)).sum(axis=1).clip(0, 4)]
    household = np.where(institutional, "institutioneel", household)

    buurt_idx = np.full((total, len(years)), -1, dtype=np.int64)
    death = np.full(total, np.datetime64("NaT"), dtype="datetime64[D]")
    current = buurt0.copy()
    alive = np.zeros(total, dtype=bool)
    alive[:n0] = True
    for k, year in enumerate(years):
        if k > 0:
            born = slice(n0 + births_per_year * (k - 1), n0 + births_per_year * k)
            alive[born] = True
            movers = alive & (rng.random(total) < 0.03)
            current = np.where(movers, rng.choice(len(region.buurten), size=total,
                                                  p=region.weight / region.weight.sum()), current)
        buurt_idx[alive, k] = current[alive]
        dies = alive & (rng.random(total) < _mortality(year - birth_year))
        death[dies] = day_in_year(rng, year, int(dies.sum()))
        alive &= ~dies
    people = People(pid, birth_year, sex, quintile, household, buurt_idx, death)
    _assign_conditions(rng, people, years)
    return people


def _assign_conditions(rng: np.random.Generator, people: People, years: list[int]) -> None:
    """Lifetime onset of each chronic condition: prevalence rises with age and falls with income."""
    age_last = years[-1] - people.birth_year
    income_rr = np.where(people.quintile > 0, INCOME_GRADIENT[np.clip(people.quintile, 1, 5) - 1], 1.3)
    n = len(people.pid)
    for name, (_, prevalence, a50, width, end_share) in CONDITIONS.items():
        curve = 1 / (1 + np.exp(-(age_last - a50) / width))
        scale = prevalence / np.average(curve, weights=(age_last >= 0))
        p = np.clip(curve * scale * income_rr, 0, 0.92)
        has = rng.random(n) < p
        # onset up to 15 years back, not before birth; some start during the configured years
        earliest = np.maximum(people.birth_year + 1, years[-1] - 15)
        onset_year = earliest + (rng.random(n) * (years[-1] + 1 - earliest)).astype(int)
        onset = np.where(has, day_in_year(rng, onset_year, n), np.datetime64("NaT"))
        ends = has & (rng.random(n) < end_share)
        end = np.where(ends, onset + days(rng.integers(120, 900, n)), np.datetime64("NaT"))
        people.conditions[name] = onset
        people.condition_end[name] = end


def population_rows(people: People, region: Region, years: list[int]) -> pl.DataFrame:
    frames = []
    for k, year in enumerate(years):
        here = people.resident(k)
        died = people.death_date[here]
        frames.append(pl.DataFrame({
            "pseudo_id": people.pid[here], "year": year, "birth_year": people.birth_year[here],
            "sex": people.sex[here], "buurt_code": region.buurten[people.buurt_idx[here, k]],
            "household_type": people.household[here],
            "income_quintile": pl.Series(people.quintile[here]).replace(0, None),
            "death_date": np.where(died.astype("datetime64[Y]").astype(int) + 1970 == year, died,
                                   np.datetime64("NaT")),
            "_year": year,
        }))
    return pl.concat(frames).with_columns(pl.col("income_quintile").cast(pl.Int64),
                                          pl.col("death_date").cast(pl.Date), pl.col("year").cast(pl.Int64),
                                          pl.col("_year").cast(pl.Int64))


def _episodes_file_year(start: np.ndarray, years: list[int]) -> np.ndarray:
    """File year: the start year, with everything that started earlier in the first year's file."""
    y = start.astype("datetime64[Y]").astype(int) + 1970
    return np.clip(y, years[0], None)


def gp_rows(rng: np.random.Generator, people: People, years: list[int]) -> pl.DataFrame:
    ever = people.buurt_idx.max(axis=1) >= 0
    frames = []
    end_limit = to_date(np.array(years[-1] + 1))
    for name, (codes, *_rest) in CONDITIONS.items():
        onset = people.conditions[name]
        sel = ever & ~np.isnat(onset) & (onset < end_limit)
        end = people.condition_end[name][sel]
        end = np.where(end >= end_limit, np.datetime64("NaT"), end)
        frames.append(pl.DataFrame({
            "pseudo_id": people.pid[sel], "practice_id": np.char.add("HA", (np.arange(sel.sum()) % 37).astype(str)),
            "icpc_code": np.array(codes)[rng.integers(0, len(codes), sel.sum())],
            "start_date": onset[sel], "end_date": end,
        }))
    # frailty-related and acute episodes per year: falls/fractures and incontinence among 75+, acute complaints
    for k, year in enumerate(years):
        here = people.resident(k)
        age = year - people.birth_year
        for code_pool, prob in ((["L72", "L73", "L75", "L76"], np.where(age >= 75, 0.05, 0.004)),
                                (["U04"], np.where(age >= 75, 0.08, 0.003)),
                                (["R74", "S18", "D73", "L03", "A03"], np.full(len(age), 0.35))):
            sel = here & (rng.random(len(age)) < prob)
            start = day_in_year(rng, year, int(sel.sum()))
            frames.append(pl.DataFrame({
                "pseudo_id": people.pid[sel],
                "practice_id": np.char.add("HA", (np.flatnonzero(sel) % 37).astype(str)),
                "icpc_code": np.array(code_pool)[rng.integers(0, len(code_pool), sel.sum())],
                "start_date": start, "end_date": start + days(rng.integers(7, 60, sel.sum())),
            }))
    out = pl.concat(frames).with_columns(pl.col("start_date").cast(pl.Date), pl.col("end_date").cast(pl.Date))
    out = out.with_columns(_year=pl.Series(_episodes_file_year(out["start_date"].to_numpy(), years)))
    return out.filter(pl.col("_year") <= years[-1])


def n_chronic(people: People, year: int) -> np.ndarray:
    start, stop = to_date(np.array(year)), to_date(np.array(year + 1))
    count = np.zeros(len(people.pid), dtype=int)
    for name in CONDITIONS:
        onset, end = people.conditions[name], people.condition_end[name]
        count += (~np.isnat(onset) & (onset < stop) & (np.isnat(end) | (end >= start))).astype(int)
    return count


@dataclass
class Intervention:
    intervention_id: str
    name: str
    target_group: str
    buurten: list[str]
    start: np.datetime64
    participants: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="datetime64[D]"))


def choose_interventions(rng, people: People, region: Region, years: list[int]) -> list[Intervention]:
    """Welzijn op Recept in the 6 most deprived larger buurten of the largest gemeente, from the second year."""
    largest = max(set(region.gemeente), key=lambda g: region.weight[region.gemeente == g].sum())
    candidates = np.flatnonzero((region.gemeente == largest) & (region.weight >= np.median(region.weight)))
    order = candidates[np.argsort(-region.rivm["ends_meet"][candidates], kind="stable")]
    start_year = years[1] if len(years) > 1 else years[0]
    wor = Intervention("welzijn_op_recept", "Welzijn op Recept – café-ontmoetingen", "psychische_klachten",
                       sorted(region.buurten[order[:6]]), first_of_year(start_year))
    fall = Intervention("valpreventie", "Valpreventie thuis (In Balans)", "kwetsbare_ouderen",
                        sorted(region.buurten[order[6:9]]), first_of_year(years[-1]))
    k = years.index(start_year)
    resident = people.resident(k)
    in_buurt = resident & np.isin(region.buurten[np.clip(people.buurt_idx[:, k], 0, None)], wor.buurten)
    start_d = to_date(np.array(start_year))
    psych = np.zeros(len(people.pid), dtype=bool)
    for name in ("depressie", "angst"):
        onset, end = people.conditions[name], people.condition_end[name]
        psych |= ~np.isnat(onset) & (onset < start_d) & (np.isnat(end) | (end >= start_d))
    chosen = np.flatnonzero(in_buurt & psych & (rng.random(len(psych)) < 0.6)
                            & (np.isnat(people.death_date) | (people.death_date > start_d + days(200))))
    wor.participants = chosen
    wor.starts = start_d + days(rng.integers(0, 150, len(chosen)))
    k2 = len(years) - 1
    old = people.resident(k2) & (years[-1] - people.birth_year >= 75) & np.isin(
        region.buurten[np.clip(people.buurt_idx[:, k2], 0, None)], fall.buurten)
    fall.participants = np.flatnonzero(old & (rng.random(len(old)) < 0.08))
    fall.starts = fall.start + days(rng.integers(0, 200, len(fall.participants)))
    return [wor, fall]


def hospital_rows(rng, people: People, region: Region, years: list[int], interventions: list[Intervention],
                  effect: float) -> tuple[pl.DataFrame, dict]:
    """ED visits and admissions; Welzijn op Recept participants get fewer ED visits after their start."""
    frames = []
    wor = interventions[0]
    participant_base = np.zeros(len(people.pid))
    participant_base[wor.participants] = 1.0
    start_of = np.full(len(people.pid), np.datetime64("NaT"), dtype="datetime64[D]")
    start_of[wor.participants] = wor.starts
    truth = {"participant_years": 0.0, "prevented": 0.0, "area_years": 0.0}
    for k, year in enumerate(years):
        here = people.resident(k)
        age = year - people.birth_year
        chronic = n_chronic(people, year)
        base_ed = 0.055 * (1 + 0.35 * chronic) * np.where(age >= 75, 1.8, np.where(age < 5, 1.6, 1.0))
        base_ed *= np.where(participant_base > 0, 2.5, 1.0)  # the target group uses the ED more
        # share of the year after the participant's start: the effect applies only then
        y_start, y_end = to_date(np.array(year)), to_date(np.array(year + 1))
        after = np.where(np.isnat(start_of), 0.0,
                         np.clip((y_end - np.maximum(start_of, y_start)).astype(float) / 365.0, 0, 1))
        lam = base_ed * (1 + effect * after)
        truth["prevented"] += float((base_ed * effect * after)[here].sum())
        if year == int(str(wor.start)[:4]):  # what a before/after comparison in the start year should find
            truth["start_year_prevented"] = float((base_ed * effect * after)[wor.participants].sum())
            truth["start_year_participants"] = len(wor.participants)
        truth["participant_years"] += float(after[here].sum())
        ed = rng.poisson(np.where(here, lam, 0))
        acute_lam = np.where(here, 0.02 * (1 + 0.5 * chronic) * np.where(age >= 75, 2.5, 1.0), 0)
        acute = rng.poisson(acute_lam)
        elective = rng.poisson(np.where(here, 0.02 * (1 + 0.2 * chronic), 0))
        for count, event_type, is_acute in ((ed, "seh_bezoek", False), (acute, "opname", True),
                                            (elective, "opname", False)):
            idx = np.repeat(np.arange(len(count)), count)
            start = day_in_year(rng, year, len(idx))
            stay = np.where(event_type == "opname", rng.integers(1, 9, len(idx)), 0)
            code = OTHER_ADMISSION_CODES[rng.integers(0, len(OTHER_ADMISSION_CODES), len(idx))]
            if is_acute:  # a share of acute admissions is ambulatory-care sensitive, for people with that condition
                for name, acsc in ACSC_CODES.items():
                    onset = people.conditions[name][idx]
                    has = ~np.isnat(onset) & (onset < to_date(np.array(year + 1)))
                    code = np.where(has & (rng.random(len(idx)) < 0.28), acsc, code)
            if event_type == "seh_bezoek":
                code = np.where(rng.random(len(idx)) < 0.5, "T14.9", "R10.4")
            frames.append(pl.DataFrame({
                "pseudo_id": people.pid[idx], "event_type": event_type, "start_date": start,
                "end_date": start + days(stay), "icd10_code": code, "acute": is_acute or event_type == "seh_bezoek",
                "_year": year,
            }))
        # 30-day readmissions: about 9 % of acute admissions
        idx = np.repeat(np.arange(len(acute)), acute)
        re = idx[rng.random(len(idx)) < 0.09]
        start = day_in_year(rng, year, len(re))
        frames.append(pl.DataFrame({
            "pseudo_id": people.pid[re], "event_type": "opname", "start_date": start,
            "end_date": start + days(3), "icd10_code": "I50.9", "acute": True, "_year": year}))
        if year >= int(str(wor.start)[:4]):
            in_area = here & np.isin(people.buurt_idx[:, k], np.flatnonzero(np.isin(region.buurten, wor.buurten)))
            truth["area_years"] += float(in_area.sum())
            truth["area_prevented"] = truth.get("area_prevented", 0.0) + float((base_ed * effect * after)[in_area].sum())
    out = pl.concat(frames).with_columns(pl.col("start_date").cast(pl.Date), pl.col("end_date").cast(pl.Date))
    return out, truth


def zvw_rows(rng, people: People, years: list[int]) -> pl.DataFrame:
    """Zvw claims per person x year x category: a heavy-tailed total split over categories."""
    frames = []
    for k, year in enumerate(years):
        here = people.resident(k)
        idx = np.flatnonzero(here)
        age = year - people.birth_year[idx]
        chronic = n_chronic(people, year)[idx]
        died = people.death_date[idx]
        dies = ~np.isnat(died) & (died.astype("datetime64[Y]").astype(int) + 1970 == year)
        days_in_year = 366 if year % 4 == 0 else 365
        insured = np.where(dies, (died - to_date(np.array(year))).astype(int) + 1, days_in_year)
        insured = np.where(people.birth_year[idx] == year - 1, insured, insured)
        mu = 6.55 + 0.012 * np.clip(age - 30, 0, None) + 0.28 * chronic + 0.9 * dies
        total = np.exp(mu + 1.55 * rng.standard_normal(len(idx))) * insured / days_in_year
        shares = rng.dirichlet(COST_SHARES * 3, size=len(idx))
        present = rng.random((len(idx), len(COST_CATEGORIES))) < np.clip(0.25 + 0.15 * chronic[:, None], 0, 1)
        present[:, 0] |= ~present.any(axis=1)
        shares = np.where(present, shares, 0)
        shares /= shares.sum(axis=1, keepdims=True)
        amounts = np.round(total[:, None] * shares, 2)
        rows, cols = np.nonzero(present)
        frame = pl.DataFrame({
            "pseudo_id": people.pid[idx[rows]], "year": year, "insured_days": insured[rows],
            "cost_category": COST_CATEGORIES[cols], "amount_eur": amounts[rows, cols], "_year": year})
        corrections = rng.random(frame.height) < 0.002
        frame = frame.with_columns(amount_eur=pl.when(pl.Series(corrections)).then(-pl.col("amount_eur") * 0.1)
                                   .otherwise(pl.col("amount_eur")).round(2))
        frames.append(frame)
    return pl.concat(frames)


def provision_rows(rng, people: People, years: list[int]) -> dict[str, pl.DataFrame]:
    """Wmo (mostly 75+), Jeugdwet (under 18), Wlz (mostly 80+) and Participatiewet records."""
    out: dict[str, list[pl.DataFrame]] = {"wmo": [], "jeugd": [], "wlz": [], "participatie": []}
    counter = {"wmo": 0, "jeugd": 0}
    wlz_started = np.zeros(len(people.pid), dtype=bool)
    for k, year in enumerate(years):
        here = people.resident(k)
        age = year - people.birth_year
        q = people.quintile
        first = k == 0
        # Wmo: new provisions in the year (the first file also holds ongoing ones from earlier years)
        p_wmo = np.where(age >= 75, 0.16, np.where(age >= 65, 0.04, 0.012)) * (1.6 if first else 1.0)
        sel = np.flatnonzero(here & (rng.random(len(age)) < p_wmo))
        start_years = np.where(first, year - rng.integers(0, 3, len(sel)), year)
        start = day_in_year(rng, start_years, len(sel))
        types = np.array(["huishoudelijke_hulp", "begeleiding", "dagbesteding", "hulpmiddelen",
                          "woningaanpassing", "vervoer", "beschermd_wonen"])
        kind = types[rng.choice(len(types), len(sel), p=[0.35, 0.15, 0.1, 0.15, 0.08, 0.15, 0.02])]
        end = np.where(rng.random(len(sel)) < 0.4, start + days(rng.integers(60, 700, len(sel))),
                       np.datetime64("NaT"))
        ids = np.char.add("WMO", (counter["wmo"] + np.arange(len(sel))).astype(str))
        counter["wmo"] += len(sel)
        out["wmo"].append(pl.DataFrame({
            "pseudo_id": people.pid[sel], "provision_id": ids, "provision_type": kind,
            "request_date": start - days(rng.integers(28, 85, len(sel))), "start_date": start, "end_date": end,
            "cost_eur": np.round(rng.gamma(2.0, 2500, len(sel)), 2), "_year": year}))
        # Jeugd: about 11 % of under-18s in a year
        p_j = np.where(age < 18, 0.085, 0) * np.where(q == 1, 1.6, 1.0) * (1.4 if first else 1.0)
        sel = np.flatnonzero(here & (rng.random(len(age)) < p_j))
        start = day_in_year(rng, np.where(first, year - rng.integers(0, 2, len(sel)), year), len(sel))
        jtypes = np.array(["ambulant", "verblijf", "jeugdbescherming", "jeugdreclassering", "pgb"])
        refs = np.array(["huisarts", "gemeente", "gecertificeerde_instelling", "medisch_specialist", "overig"])
        ids = np.char.add("JGD", (counter["jeugd"] + np.arange(len(sel))).astype(str))
        counter["jeugd"] += len(sel)
        out["jeugd"].append(pl.DataFrame({
            "pseudo_id": people.pid[sel], "provision_id": ids,
            "provision_type": jtypes[rng.choice(5, len(sel), p=[0.7, 0.08, 0.1, 0.04, 0.08])],
            "referrer": refs[rng.choice(5, len(sel), p=[0.35, 0.35, 0.12, 0.1, 0.08])], "start_date": start,
            "end_date": start + days(rng.integers(60, 500, len(sel))),
            "cost_eur": np.round(rng.gamma(1.5, 4000, len(sel)), 2), "_year": year}))
        # Wlz: mostly 80+, one indication per person
        p_w = np.where(age >= 85, 0.09, np.where(age >= 80, 0.035, np.where(age >= 65, 0.006, 0.0015)))
        p_w = p_w * (2.2 if first else 0.45)
        sel = np.flatnonzero(here & ~wlz_started & (rng.random(len(age)) < p_w))
        wlz_started[sel] = True
        young = age[sel] < 65
        profiles = np.where(young, np.array(["LG", "VG", "GGZ-W", "ZG"])[rng.integers(0, 4, len(sel))],
                            np.array(["VV4", "VV5", "VV6", "VV7", "VV8", "VV9", "VV10"])[rng.integers(0, 7, len(sel))])
        start = day_in_year(rng, np.where(first, year - rng.integers(0, 3, len(sel)), year), len(sel))
        out["wlz"].append(pl.DataFrame({
            "pseudo_id": people.pid[sel], "care_profile": profiles,
            "setting": np.where(rng.random(len(sel)) < 0.7, "intramuraal", "thuis"), "start_date": start,
            "end_date": np.where(np.isnat(people.death_date[sel]), np.datetime64("NaT"),
                                 np.maximum(people.death_date[sel], start)),  # ends at death, never before start
            "cost_eur": np.round(rng.normal(75000, 15000, len(sel)).clip(20000), 2), "_year": year}))
        # Participatiewet: bijstand concentrated in Q1, debt help, rare ioaw/bbz
        adult = here & (age >= 18) & (age <= 66)
        p_b = np.select([q == 1, q == 2, q == 3], [0.13, 0.03, 0.006], 0.002)
        for regulation, prob in (("bijstand", p_b), ("schuldhulpverlening", np.where(q <= 2, 0.03, 0.004)),
                                 ("ioaw", np.where(age >= 60, 0.004, 0.0)), ("bbz", np.full(len(age), 0.0008))):
            sel = np.flatnonzero(adult & (rng.random(len(age)) < prob))
            out["participatie"].append(pl.DataFrame({
                "pseudo_id": people.pid[sel], "year": year, "regulation": regulation,
                "months": np.where(rng.random(len(sel)) < 0.7, 12, rng.integers(1, 12, len(sel))), "_year": year}))
    frames = {}
    for source, parts in out.items():
        frame = pl.concat(parts)
        if "start_date" in frame.columns:
            casts = [pl.col(c).cast(pl.Date) for c in ("request_date", "start_date", "end_date") if c in frame.columns]
            frame = frame.with_columns(casts)
            frame = frame.with_columns(
                _year=pl.max_horizontal(pl.col("start_date").dt.year(), pl.lit(years[0])).cast(pl.Int64))
        frames[source] = frame
    return frames


def survey_rows(rng, people: People, region: Region, years: list[int]) -> pl.DataFrame:
    """About 4 % of adults per year; answers follow the RIVM 2020 buurt estimates; post-stratified weights."""
    frames = []
    for k, year in enumerate(years):
        age = year - people.birth_year
        adults = people.resident(k) & (age >= 18)
        idx = np.flatnonzero(adults & (rng.random(len(age)) < 0.04))
        n = len(idx)
        b = people.buurt_idx[idx, k]
        r = {key: values[b] for key, values in region.rivm.items()}
        q = people.quintile[idx]
        inc = np.where(q > 0, INCOME_GRADIENT[np.clip(q, 1, 5) - 1], 1.3)
        # income shifts risk within a buurt but keeps the buurt average at the RIVM estimate
        inc = inc / (np.bincount(b, weights=inc, minlength=len(region.buurten)) /
                     np.maximum(np.bincount(b, minlength=len(region.buurten)), 1))[b]
        inc2 = inc ** 2 / (np.bincount(b, weights=inc ** 2, minlength=len(region.buurten)) /
                           np.maximum(np.bincount(b, minlength=len(region.buurten)), 1))[b]
        u = rng.random((n, 12))
        srh_good = u[:, 0] < np.clip(1 - (1 - r["good_health"]) * inc, 0, 1)
        self_rated = np.where(srh_good, rng.integers(1, 3, n), rng.choice([3, 4, 5], n, p=[0.7, 0.22, 0.08]))
        k10_high = u[:, 1] < r["k10_high"] * inc
        k10_mod = ~k10_high & (u[:, 1] < r["k10_moderate"] * inc)
        k10_total = np.where(k10_high, rng.integers(30, 46, n),
                             np.where(k10_mod, rng.integers(16, 30, n), rng.integers(10, 16, n)))
        severe = u[:, 2] < r["severely_lonely"] * inc
        lonely = severe | (u[:, 2] < r["lonely"] * inc)
        djg_total = np.where(severe, rng.integers(9, 12, n), np.where(lonely, rng.integers(3, 9, n),
                                                                       rng.integers(0, 3, n)))
        limited = u[:, 3] < r["limited"] * inc
        gali = np.where(limited, np.where(u[:, 4] < r["severely_limited"] / np.maximum(r["limited"], 0.01), 1, 2), 3)
        mastery_ok = u[:, 5] < r["mastery"]
        mastery_total = np.where(mastery_ok, rng.integers(20, 36, n), rng.integers(7, 20, n))
        obese = u[:, 6] < r["obese"]
        over = obese | (u[:, 6] < r["overweight"])
        bmi = np.where(obese, rng.uniform(30, 40, n), np.where(over, rng.uniform(25, 30, n), rng.uniform(18.5, 25, n)))
        height = np.round(np.where(people.sex[idx] == "M", rng.normal(181, 7, n), rng.normal(167, 6.5, n)), 0)
        weight_kg = np.round(bmi * (height / 100) ** 2, 1)
        sbsq_limited = u[:, 7] < 0.22 * inc
        sbsq_total = np.where(sbsq_limited, rng.integers(0, 7, n), rng.integers(7, 13, n))
        ph_base = 7.4 - 1.4 * k10_high - 0.6 * k10_mod - 0.9 * lonely - 0.8 * limited + 0.3 * srh_good
        frame = {
            "pseudo_id": people.pid[idx], "survey_year": year, "weight": 1.0, "self_rated_health": self_rated,
        }
        frame |= _items("k10", k10_total, 10, 1)
        frame |= _items("djg", djg_total, 11, 0)
        frame["gali"] = gali
        frame |= _items("mastery", mastery_total, 7, 1)
        frame |= _items("sbsq", sbsq_total, 3, 0)
        frame |= {"height_cm": height, "weight_kg": weight_kg, "smoker": u[:, 8] < r["smoker"] * inc,
                  "informal_carer": u[:, 9] < r["carer"], "volunteer": u[:, 10] < r["volunteer"] * (2 - inc),
                  "difficulty_making_ends_meet": u[:, 11] < np.clip(r["ends_meet"] * inc2, 0, 1)}
        for offset, dim in enumerate(["lichaamsfuncties", "mentaal_welbevinden", "zingeving", "kwaliteit_van_leven",
                                      "meedoen", "dagelijks_functioneren"]):
            frame[f"ph_{dim}"] = np.round(np.clip(ph_base + (offset - 2.5) * 0.1 + rng.normal(0, 1.1, n), 0, 10), 1)
        has_care = rng.random(n) < 0.8
        frame["care_rating"] = np.where(has_care, np.clip(np.round(rng.normal(7.9, 1.0, n)), 1, 10), np.nan)
        frame["unmet_care_need"] = rng.random(n) < 0.05 * inc
        frame["_year"] = year
        frame["_stratum"] = np.char.add(np.char.add(region.gemeente[b].astype(str), people.sex[idx]),
                                        np.select([age[idx] < 45, age[idx] < 65, age[idx] < 75], ["a", "b", "c"], "d"))
        pop_strata = np.char.add(np.char.add(region.gemeente[people.buurt_idx[adults, k]].astype(str),
                                             people.sex[adults]),
                                 np.select([age[adults] < 45, age[adults] < 65, age[adults] < 75], ["a", "b", "c"], "d"))
        keys, pop_counts = np.unique(pop_strata, return_counts=True)
        resp_keys, resp_counts = np.unique(frame["_stratum"], return_counts=True)
        w = pop_counts[np.searchsorted(keys, frame["_stratum"])] / resp_counts[np.searchsorted(resp_keys, frame["_stratum"])]
        frame["weight"] = np.round(w / w.mean(), 4)
        frames.append(pl.DataFrame(frame).drop("_stratum").with_columns(
            pl.col("care_rating").fill_nan(None)))
    return pl.concat(frames)


def _items(prefix: str, totals: np.ndarray, items: int, low: int) -> dict[str, np.ndarray]:
    """Item answers that add up exactly to the drawn scale total (spread as evenly as possible)."""
    excess = totals - low * items
    base, rest = excess // items, excess % items
    return {f"{prefix}_{i + 1:02d}": low + base + (i < rest) for i in range(items)}


def workforce_rows(rng, region: Region, years: list[int]) -> pl.DataFrame:
    frames = []
    gemeenten = sorted(set(region.gemeente))
    for year in years:
        for gm in gemeenten:
            size = region.weight[region.gemeente == gm].sum()
            n_orgs = np.maximum(1, np.round(size / 15000 * np.array([3, 1, 1, 0.5, 1.2, 0.6, 0.6]))).astype(int)
            org_type = np.repeat(ORG_TYPES, n_orgs)
            n = len(org_type)
            employees = np.maximum(5, rng.lognormal(3.6, 0.8, n)).astype(int)
            fte = np.round(employees * rng.uniform(0.6, 0.8, n), 1)
            contract = np.round(fte * 220, 0)
            frames.append(pl.DataFrame({
                "org_id": [f"ORG{gm[2:]}{t[:3].upper()}{i:02d}" for i, t in enumerate(org_type)],
                "org_type": org_type, "gemeente_code": gm, "year": year, "fte": fte, "employees": employees,
                "sick_leave_days": np.round(contract * rng.normal(0.07, 0.015, n).clip(0.01), 0),
                "contract_days": contract, "leavers": rng.binomial(employees, 0.14),
                "open_vacancies": rng.poisson(fte * 0.06), "survey_respondents": rng.binomial(employees, 0.6),
                "work_satisfaction_mean": np.round(rng.normal(7.2, 0.4, n), 1),
                "burnout_complaints_pct": np.round(rng.normal(20, 4, n).clip(2, 60), 1), "_year": year}))
    return pl.concat(frames)
