"""Workforce of care and welfare organisations per gemeente and year (professional wellbeing).

A handful of organisations of each type per gemeente (more in larger gemeenten), persisting over
the years with their own level plus yearly variation: sick leave about 7 % of contract days,
turnover 12-16 %, burnout complaints about 20 % of surveyed staff (sample_data/README.md).
The number of organisations follows the real KWB gemeente size, not the synthetic `scale`.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.reference_data import kwb_gemeenten

ORG_TYPES = ("huisartsenpraktijk", "wijkverpleging", "sociaal_wijkteam", "ziekenhuis", "vvt", "ggz",
             "jeugdhulp")
ORG_PER_RESIDENTS = np.array([8000, 20000, 15000, 100000, 25000, 40000, 30000], dtype=float)
EMPLOYEES = np.array([12, 120, 25, 2500, 400, 300, 80], dtype=float)        # typical size
SICK_LEAVE = np.array([0.045, 0.075, 0.06, 0.065, 0.085, 0.075, 0.07])      # of contract days
TURNOVER = np.array([0.12, 0.15, 0.14, 0.12, 0.16, 0.14, 0.16])
MAX_PER_TYPE = 6
CONTRACT_DAYS_PER_FTE = 220


def build_workforce(rng: np.random.Generator, gemeenten: list[str], years: list[int]) -> pl.DataFrame:
    """One row per organisation and year."""
    size = kwb_gemeenten(gemeenten)
    counts = np.clip(np.round(size["inhabitants"].to_numpy()[:, None] / ORG_PER_RESIDENTS[None, :]), 1,
                     MAX_PER_TYPE).astype(np.int64)
    gem = np.repeat(np.repeat(size["gemeente_code"].to_numpy(), len(ORG_TYPES)), counts.ravel())
    kind = np.repeat(np.tile(np.arange(len(ORG_TYPES)), len(size)), counts.ravel())
    n = len(gem)
    number = np.arange(n) - np.repeat(np.cumsum(counts.ravel()) - counts.ravel(), counts.ravel()) + 1
    abbreviation = np.array([t[:3].upper() for t in ORG_TYPES])
    org_id = (pl.DataFrame({"g": gem, "t": abbreviation[kind], "i": number})
              .select(pl.format("ORG-{}-{}{}", pl.col("g").str.slice(2), "t",
                                pl.col("i").cast(pl.Utf8).str.zfill(2)))
              .to_series().to_numpy())
    employees_level = EMPLOYEES[kind] * np.exp(0.5 * rng.standard_normal(n))
    sick_level = SICK_LEAVE[kind] * np.exp(0.2 * rng.standard_normal(n))
    turnover_level = TURNOVER[kind] * np.exp(0.15 * rng.standard_normal(n))
    burnout_level = 20 + 4 * rng.standard_normal(n)
    satisfaction_level = 7.1 + 0.35 * rng.standard_normal(n)
    frames = []
    for year in years:
        employees = np.round(employees_level * np.exp(0.05 * rng.standard_normal(n)))
        employees = np.maximum(3, employees).astype(np.int64)
        fte = np.round(employees * rng.uniform(0.6, 0.8, n), 1)
        contract_days = np.round(fte * CONTRACT_DAYS_PER_FTE, 1)
        sick_share = np.clip(sick_level * np.exp(0.1 * rng.standard_normal(n)), 0.005, 0.3)
        sick = np.round(contract_days * sick_share, 1)
        satisfaction = np.round(np.clip(satisfaction_level + 0.15 * rng.standard_normal(n), 1, 10), 2)
        frames.append(pl.DataFrame({
            "org_id": org_id,
            "org_type": np.array(ORG_TYPES)[kind],
            "gemeente_code": gem,
            "year": np.full(n, year, dtype=np.int64),
            "fte": fte,
            "employees": employees,
            "sick_leave_days": sick,
            "contract_days": contract_days,
            "leavers": rng.binomial(employees, np.clip(turnover_level, 0.02, 0.5)).astype(np.int64),
            "open_vacancies": rng.poisson(fte * 0.05).astype(np.int64),
            "survey_respondents": rng.binomial(employees, 0.45).astype(np.int64),
            "work_satisfaction_mean": satisfaction,
            "burnout_complaints_pct": np.round(np.clip(burnout_level + 2 * rng.standard_normal(n), 2, 60), 1),
        }))
    return pl.concat(frames)
