"""Dispensed medicines: one row per resident x ATC4 code x year (the native twin of CBS MEDICIJNTAB).

Each code is dispensed to a person in a year with probability 1 - exp(-h), where the hazard h adds a base
rate by age band and sex (antibiotics, NSAIDs, PPIs, contraceptives, ...) to the codes of every condition
active in the year (metformin and other glucose-lowering drugs A10B for diabetes, statins C10A, beta blockers
C07A, ACE inhibitors C09A, antidepressants N06A for depression, inhalers R03A for COPD and asthma, ...), times
the person's shared latent frailty, which also makes their conditions cluster. The number of distinct codes
per person-year therefore rises with age and with the number of conditions. Orders of magnitude (Stichting
Farmaceutische Kengetallen, GIP databank; sample_data/README.md): among residents aged 65+ about 60 % get at
least one code in a year, about 13 % 5 or more distinct ATC4 codes and about 3 % 10 or more (this generator's
definition: distinct 4-character codes in a year, any duration); about 40 % of all residents get one.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.columns import labels
from sample_data.conditions import EPISODIC, LIFETIME
from sample_data.population import People

AGE_BANDS = np.array([18, 45, 65, 75])  # bands 0-17, 18-44, 45-64, 65-74, 75+
# Yearly probability (before calibration) per age band (0-17, 18-44, 45-64, 65-74, 75+) and who can get it (M, V or both).
COMMON: tuple[tuple[str, tuple[float, float, float, float, float], str], ...] = (
    ("J01C", (0.14, 0.09, 0.09, 0.10, 0.12), "MV"),   # penicillins
    ("J01F", (0.03, 0.02, 0.02, 0.03, 0.03), "MV"),   # macrolides
    ("J01M", (0.00, 0.01, 0.02, 0.03, 0.05), "MV"),   # quinolones
    ("J01X", (0.01, 0.03, 0.03, 0.04, 0.07), "MV"),   # other antibacterials (nitrofurantoin)
    ("M01A", (0.03, 0.09, 0.11, 0.10, 0.08), "MV"),   # NSAIDs
    ("N02B", (0.02, 0.02, 0.04, 0.06, 0.10), "MV"),   # other analgesics
    ("N02A", (0.00, 0.02, 0.04, 0.05, 0.07), "MV"),   # opioids
    ("A02B", (0.01, 0.05, 0.11, 0.16, 0.22), "MV"),   # proton pump inhibitors
    ("R06A", (0.05, 0.05, 0.04, 0.03, 0.03), "MV"),   # antihistamines
    ("R01A", (0.05, 0.05, 0.05, 0.04, 0.03), "MV"),   # nasal decongestants and corticosteroids
    ("D07A", (0.07, 0.06, 0.07, 0.08, 0.09), "MV"),   # dermal corticosteroids
    ("D01A", (0.02, 0.03, 0.03, 0.04, 0.05), "MV"),   # dermal antifungals
    ("S01A", (0.04, 0.01, 0.01, 0.02, 0.03), "MV"),   # eye anti-infectives
    ("S01E", (0.00, 0.00, 0.01, 0.03, 0.05), "MV"),   # glaucoma
    ("H02A", (0.01, 0.02, 0.03, 0.04, 0.05), "MV"),   # systemic corticosteroids
    ("H03A", (0.00, 0.02, 0.04, 0.05, 0.06), "V"),    # thyroid hormones
    ("N05C", (0.00, 0.02, 0.03, 0.05, 0.08), "MV"),   # hypnotics
    ("A06A", (0.02, 0.01, 0.02, 0.05, 0.12), "MV"),   # laxatives
    ("A11C", (0.03, 0.01, 0.02, 0.04, 0.08), "MV"),   # vitamins A and D
    ("B01A", (0.00, 0.00, 0.02, 0.05, 0.08), "MV"),   # antithrombotics (beyond the conditions below)
    ("C10A", (0.00, 0.01, 0.06, 0.10, 0.08), "MV"),   # statins (primary prevention)
    ("C09A", (0.00, 0.00, 0.02, 0.04, 0.05), "MV"),   # ACE inhibitors
    ("G03A", (0.03, 0.30, 0.02, 0.00, 0.00), "V"),    # hormonal contraceptives
    ("G04C", (0.00, 0.00, 0.03, 0.10, 0.16), "M"),    # benign prostatic hyperplasia
    ("G04B", (0.00, 0.01, 0.02, 0.03, 0.04), "MV"),   # urologicals
)
# Codes prescribed for a condition active in the year, with their yearly probability (before calibration).
BY_CONDITION: dict[str, tuple[tuple[str, float], ...]] = {
    "diabetes": (("A10B", 0.85), ("A10A", 0.25), ("C10A", 0.6), ("C09A", 0.35), ("B01A", 0.15)),
    "hypertensie": (("C09A", 0.35), ("C07A", 0.3), ("C03A", 0.3), ("C08C", 0.25), ("C09C", 0.2), ("C10A", 0.25)),
    "coronaire_hartziekte": (("C10A", 0.8), ("B01A", 0.7), ("C07A", 0.6), ("C09A", 0.35), ("C01D", 0.25),
                             ("A02B", 0.3)),
    "hartfalen": (("C03C", 0.7), ("C07A", 0.6), ("C09A", 0.45), ("C03D", 0.3), ("B01A", 0.5)),
    "atriumfibrilleren": (("B01A", 0.85), ("C07A", 0.5), ("C01A", 0.15)),
    "beroerte_tia": (("B01A", 0.8), ("C10A", 0.7), ("C09A", 0.3)),
    "copd": (("R03A", 0.75), ("R03B", 0.45), ("H02A", 0.25), ("J01C", 0.25)),
    "astma": (("R03A", 0.7), ("R03B", 0.3), ("R06A", 0.2)),
    "dementie": (("N06D", 0.2), ("N05A", 0.2), ("N05C", 0.1)),
    "artrose": (("M01A", 0.3), ("N02B", 0.3), ("N02A", 0.1)),
    "osteoporose": (("M05B", 0.5), ("A12A", 0.5), ("A11C", 0.4)),
    "parkinson": (("N04B", 0.85), ("N04A", 0.1)),
    "kanker": (("L02B", 0.15), ("A04A", 0.15), ("N02A", 0.2), ("L01X", 0.1)),
    "incontinentie": (("G04B", 0.4),),
    "depressie": (("N06A", 0.7), ("N05B", 0.15), ("N05C", 0.15)),
    "angst": (("N06A", 0.4), ("N05B", 0.3)),
}
CODES = tuple(sorted({c for c, _, _ in COMMON} | {c for pairs in BY_CONDITION.values() for c, _ in pairs}))
CHUNK = 200_000   # persons per batch: the persons x codes matrices stay below 100 MB
# Calibration (sample_data/README.md): the hazards of the tables above are scaled by these factors, and the
# personal multiplier's log-sd gives the tail of heavy users, who are frail and ill at once (the 10+ codes).
BASE_SCALE, CONDITION_SCALE, FRAILTY_SD = 0.5, 0.3, 1.0


def _hazards(people: People, who: np.ndarray, year: int) -> np.ndarray:
    """Yearly hazard per code (column, in CODES order) for the persons `who`, before the personal multiplier."""
    band = np.searchsorted(AGE_BANDS, people.age(year)[who], side="right")
    female = people.female[who]
    column = {code: k for k, code in enumerate(CODES)}
    hazard = np.zeros((len(who), len(CODES)))
    for code, by_band, sexes in COMMON:
        allowed = np.where(female, "V" in sexes, "M" in sexes)
        hazard[:, column[code]] += np.where(allowed, -BASE_SCALE * np.log1p(-np.asarray(by_band)[band]), 0.0)
    names = {c.name for c in LIFETIME} | {e.name for e in EPISODIC}
    for condition, pairs in BY_CONDITION.items():
        if condition not in names:
            raise ValueError(f"medicines: unknown condition {condition!r}")
        active = people.conditions.active_in_year(condition, year)[who]
        for code, p in pairs:
            hazard[:, column[code]] += active * (-CONDITION_SCALE * np.log1p(-p))
    return hazard


def build_medicines(rng: np.random.Generator, people: People) -> pl.DataFrame:
    """Medicines per resident and year: one row per distinct ATC4 code dispensed (residents on 1 January)."""
    multiplier = np.exp(FRAILTY_SD * people.frailty - FRAILTY_SD**2 / 2)
    frames = []
    for year in people.years:
        residents = np.flatnonzero(people.resident(year))
        for first in range(0, max(len(residents), 1), CHUNK):  # a persons x codes matrix per chunk
            who = residents[first:first + CHUNK]
            hazard = _hazards(people, who, year) * multiplier[who, None]
            drawn = rng.random(hazard.shape) < -np.expm1(-hazard)
            person, code = np.nonzero(drawn)  # row-major: by person, then code
            frames.append(pl.DataFrame({
                "_person": who[person],
                "pseudo_id": people.pseudo_id.gather(who[person]),
                "year": np.full(len(person), year, dtype=np.int64),
                "atc4": labels("atc4", CODES, code),
            }))
    return pl.concat(frames)
