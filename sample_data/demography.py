"""National demographic orders of magnitude the synthetic population is drawn from (sample_data/README.md).

Age is `year - birth_year`, the definition the pipeline uses, so 1 January residents are aged 1..105.
The age pyramid is exact by construction (0-17 19 %, 18-64 60 %, 65-74 11 %, 75+ 10 %); mortality is a
Gompertz curve scaled to 9.5 deaths per 1,000 for that pyramid; births are 9 per 1,000.
"""

from __future__ import annotations

import numpy as np

MAX_AGE = 105
AGE_GROUPS = ((1, 17, 0.19), (18, 64, 0.60), (65, 74, 0.11), (75, MAX_AGE, 0.10))
DEATHS_PER_PERSON = 0.0092  # 9.5 per 1,000 once buurt age profiles and conditions are added
BIRTHS_PER_PERSON = 0.009
MOVE_SHARE = 0.03            # residents moving to another buurt between two years
MOVE_WITHIN_GEMEENTE = 0.7   # of the movers


def _age_weights() -> np.ndarray:
    """Share of residents per age 0..MAX_AGE (age 0 does not occur on 1 January)."""
    ages = np.arange(MAX_AGE + 1, dtype=float)
    w = np.zeros(MAX_AGE + 1)
    for low, high, share in AGE_GROUPS:
        inside = (ages >= low) & (ages <= high)
        if low >= 75:  # the oldest thin out: about a quarter of the 75+ are 85+
            shape = np.exp(-0.06 * (ages - 75) - 0.004 * (ages - 75) ** 2)
        elif low >= 65:  # the baby-boom cohorts are larger than the ones turning 75 now
            shape = 1.15 - 0.03 * (ages - 65)
        elif low >= 18:  # slightly fewer young adults than middle-aged
            shape = 1.0 + 0.1 * np.sin((ages - 18) / 47 * np.pi)
        else:
            shape = np.ones_like(ages)
        w[inside] = share * shape[inside] / shape[inside].sum()
    return w


NATIONAL_AGE_WEIGHTS = _age_weights()


def female_share(age: np.ndarray) -> np.ndarray:
    """Share of women by age: about half, more at old age."""
    return np.select([age < 65, age < 75, age < 85, age < 95], [0.494, 0.515, 0.56, 0.65], 0.75)


def _gompertz(age: np.ndarray, female: np.ndarray) -> np.ndarray:
    base = 0.00025 + np.exp(-10.6 + 0.0965 * age)
    return base * np.where(female, 0.86, 1.18) + np.where(age <= 1, 0.003, 0.0)


def _mortality_scale() -> float:
    ages = np.arange(MAX_AGE + 1)
    f = female_share(ages)
    crude = np.sum(NATIONAL_AGE_WEIGHTS * (f * _gompertz(ages, True) + (1 - f) * _gompertz(ages, False)))
    return DEATHS_PER_PERSON / crude


_MORTALITY_SCALE = _mortality_scale()


def death_probability(age: np.ndarray, female: np.ndarray) -> np.ndarray:
    """Probability of dying within the year, by age and sex (about 9.5 per 1,000 for the Dutch pyramid)."""
    return np.minimum(_gompertz(np.asarray(age, dtype=float), female) * _MORTALITY_SCALE, 0.6)


HOUSEHOLD_TYPES = ("eenpersoons", "paar_zonder_kinderen", "paar_met_kinderen", "eenouder", "institutioneel",
                   "overig")
INSTITUTIONAL = HOUSEHOLD_TYPES.index("institutioneel")
# Household type by age (persons, not households), CBS-like orders of magnitude; institutional comes from Wlz.
_HOUSEHOLD_BY_AGE = (
    (17, (0.00, 0.00, 0.82, 0.16, 0.0, 0.02)),
    (24, (0.18, 0.08, 0.55, 0.15, 0.0, 0.04)),
    (44, (0.22, 0.20, 0.48, 0.07, 0.0, 0.03)),
    (64, (0.18, 0.35, 0.38, 0.07, 0.0, 0.02)),
    (79, (0.30, 0.63, 0.04, 0.02, 0.0, 0.01)),
    (MAX_AGE, (0.55, 0.40, 0.02, 0.02, 0.0, 0.01)),
)


def household_probabilities(age: np.ndarray) -> np.ndarray:
    """(persons, household types) probabilities by age."""
    bounds = np.array([b for b, _ in _HOUSEHOLD_BY_AGE])
    table = np.array([p for _, p in _HOUSEHOLD_BY_AGE])
    return table[np.minimum(np.searchsorted(bounds, age), len(bounds) - 1)]


# Income quintile: logit shift per step up the quintiles, by household type and age (lower for singles,
# single parents, young adults and the oldest); the buurt's RIVM MoeiteMetRondkomen share adds to it.
HOUSEHOLD_INCOME_SHIFT = np.array([-0.3, 0.25, 0.15, -0.6, 0.0, -0.2])
INCOME_BUURT_SLOPE = 0.35  # logit shift per 5 points of MoeiteMetRondkomen above the national 13.9 %
