"""A synthetic region: persons, their care, costs, survey answers and defects, from a seed.

Everything is vectorised numpy; the same seed and arguments give byte-identical files. Rates
are calibrated to the national orders of magnitude in DESIGN section 14; buurt differences
follow the real RIVM 2020 small-area estimates, so neighbourhood variation is realistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

REFERENCE = Path(__file__).parent / "reference"
RIVM_2020 = REFERENCE / "rivm_50090NED_gezondheid_wijk_buurt_2020_18plus_NL.csv"
KWB_2024 = REFERENCE / "cbs_85984NED_kwb2024_gemeente_wijk_basic.csv"
RIVM_COLUMNS = {
    "good_health": "ErvarenGezondheidGoedZeerGoed_4", "overweight": "Overgewicht_9", "obese": "ErnstigOvergewicht_10",
    "smoker": "Roker_11", "limited": "BeperktVanwegeGezondheid_17", "severely_limited": "ErnstigBeperktVanwegeGezondheid_18",
    "k10_moderate": "MatigHoogRisicoOpAngstOfDepressie_24", "k10_high": "HoogRisicoOpAngstOfDepressie_25",
    "mastery": "MatigVeelRegieOverEigenLeven_27", "lonely": "Eenzaam_28", "severely_lonely": "ErnstigZeerErnstigEenzaam_29",
    "carer": "Mantelzorger_32", "volunteer": "Vrijwilligerswerk_33", "ends_meet": "MoeiteMetRondkomen_38",
}
NATIONAL_ENDS_MEET = 13.9  # RIVM 2020, Nederland: % adults with difficulty making ends meet

# Chronic conditions: (ICPC codes to draw from, prevalence among all residents, age at half of the maximum,
# steepness in years, share of episodes that end). Calibrated to DESIGN section 14.
CONDITIONS = {
    "diabetes": (["T90", "T90.01", "T90.02"], 0.065, 66, 9, 0.0),
    "copd": (["R95"], 0.03, 68, 8, 0.0),
    "astma": (["R96"], 0.04, 35, 25, 0.1),
    "hartfalen": (["K77"], 0.015, 80, 6, 0.0),
    "coronaire_hartziekte": (["K74", "K75", "K76"], 0.04, 70, 8, 0.0),
    "beroerte_tia": (["K89", "K90"], 0.025, 74, 8, 0.0),
    "hypertensie": (["K86", "K87"], 0.13, 62, 10, 0.0),
    "atriumfibrilleren": (["K78"], 0.025, 76, 7, 0.0),
    "dementie": (["P70"], 0.015, 84, 5, 0.0),
    "depressie": (["P76"], 0.04, 40, 20, 0.5),
    "angst": (["P74"], 0.03, 35, 20, 0.5),
    "artrose": (["L89", "L90", "L91"], 0.08, 65, 9, 0.0),
    "osteoporose": (["L95"], 0.03, 74, 7, 0.0),
    "parkinson": (["N87"], 0.004, 76, 6, 0.0),
    "kanker": (["A79", "B72", "D74", "D75", "R84", "S77", "T71", "U76", "X76", "Y77"], 0.045, 68, 9, 0.2),
}
INCOME_GRADIENT = np.array([1.45, 1.15, 1.0, 0.85, 0.7])  # relative risk by income quintile Q1..Q5
ACSC_CODES = {"diabetes": "E11.6", "copd": "J44.1", "hartfalen": "I50.9", "astma": "J45.9", "hypertensie": "I10"}
OTHER_ADMISSION_CODES = np.array(["S72.0", "K80.2", "I21.9", "C18.9", "M17.1", "R07.4", "J18.9", "N39.0"])
COST_CATEGORIES = np.array(["huisartsenzorg", "farmacie", "medisch_specialistisch", "ggz", "wijkverpleging",
                            "paramedisch", "hulpmiddelen", "ziekenvervoer", "overig"])
COST_SHARES = np.array([0.08, 0.14, 0.48, 0.08, 0.06, 0.05, 0.04, 0.02, 0.05])
ORG_TYPES = np.array(["huisartsenpraktijk", "wijkverpleging", "sociaal_wijkteam", "ziekenhuis", "vvt", "ggz",
                      "jeugdhulp"])


@dataclass
class Region:
    """Buurten of the configured gemeenten with their weights and RIVM survey probabilities."""

    buurten: np.ndarray      # codes
    gemeente: np.ndarray     # gemeente code per buurt
    weight: np.ndarray       # residents per buurt (expected)
    rivm: dict[str, np.ndarray]  # probability (0-1) per buurt


def load_region(gemeenten: list[str], scale: float) -> Region:
    """Residents per wijk from CBS KWB 2024 spread over the wijk's 2020 buurten (RIVM classification)."""
    rivm = pl.read_csv(RIVM_2020, infer_schema_length=0).with_columns(pl.col("Codering_3").str.strip_chars())
    gm_digits = [g[2:] for g in gemeenten]
    known = set(rivm.filter(pl.col("SoortRegio_2").str.strip_chars() == "Gemeente")["Codering_3"])
    unknown = sorted(set(gemeenten) - known)
    if unknown:
        raise ValueError(f"gemeente(n) {', '.join(unknown)} not in {RIVM_2020.name}")
    rows = rivm.filter(pl.col("Codering_3").str.slice(2, 4).is_in(gm_digits))
    num = {k: pl.col(v).str.strip_chars().cast(pl.Float64, strict=False) / 100 for k, v in RIVM_COLUMNS.items()}
    buurt = rows.filter(pl.col("SoortRegio_2").str.strip_chars() == "Buurt").select(
        code=pl.col("Codering_3"), wijk="WK" + pl.col("Codering_3").str.slice(2, 6),
        gemeente="GM" + pl.col("Codering_3").str.slice(2, 4), **num)
    gem = rows.filter(pl.col("SoortRegio_2").str.strip_chars() == "Gemeente").select(
        gemeente=pl.col("Codering_3"), **{f"{k}_gm": v for k, v in num.items()})
    buurt = buurt.join(gem, on="gemeente").with_columns(
        [pl.coalesce(pl.col(k), pl.col(f"{k}_gm")).alias(k) for k in RIVM_COLUMNS]).sort("code")
    kwb = pl.read_csv(KWB_2024, infer_schema_length=0).with_columns(
        pl.col("WijkenEnBuurten").str.strip_chars(), pl.col("AantalInwoners_5").cast(pl.Float64))
    wijk_res = kwb.filter(pl.col("SoortRegio").str.strip_chars() == "Wijk").select(
        wijk="WijkenEnBuurten", res="AantalInwoners_5")
    gem_res = kwb.filter(pl.col("SoortRegio").str.strip_chars() == "Gemeente").select(
        gemeente="WijkenEnBuurten", gem_res="AantalInwoners_5")
    buurt = buurt.join(wijk_res, on="wijk", how="left").with_columns(
        n_in_wijk=pl.len().over("wijk"))
    # a 2020 wijk without a 2024 count keeps a small share; gemeente totals follow KWB exactly
    buurt = buurt.with_columns(raw=(pl.col("res").fill_null(200.0) / pl.col("n_in_wijk")))
    buurt = buurt.join(gem_res, on="gemeente").with_columns(
        weight=pl.col("raw") / pl.col("raw").sum().over("gemeente") * pl.col("gem_res") * scale)
    return Region(buurt["code"].to_numpy(), buurt["gemeente"].to_numpy(), buurt["weight"].to_numpy(),
                  {k: buurt[k].fill_null(0.1).to_numpy() for k in RIVM_COLUMNS})


def pseudo_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random 64-character lowercase hex pseudonyms."""
    raw = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 64), dtype=np.uint8)
    chars[:, 0::2] = hexdigits[raw >> 4]
    chars[:, 1::2] = hexdigits[raw & 15]
    return chars.view("S64").ravel().astype("U64")


def age_weights() -> np.ndarray:
    """Single-year age distribution 0-99 with 0-17 19 %, 18-64 60 %, 65-74 11 %, 75+ 10 %."""
    w = np.zeros(100)
    w[0:18] = 0.19 / 18
    w[18:65] = 0.60 / 47
    w[65:75] = 0.11 / 10
    tail = np.exp(-0.11 * np.arange(25))
    w[75:100] = 0.10 * tail / tail.sum()
    return w / w.sum()


def day_in_year(rng: np.random.Generator, year: np.ndarray | int, size: int) -> np.ndarray:
    """Random dates (numpy datetime64[D]) in the given year(s)."""
    year = np.broadcast_to(np.asarray(year), (size,))
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = ((year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - start).astype(int)
    return start + (rng.random(size) * length).astype(int)


def to_date(years: np.ndarray) -> np.ndarray:
    return (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]")


def days(values) -> np.ndarray:
    return np.asarray(values).astype("timedelta64[D]")


def first_of_year(year: int) -> np.datetime64:
    return np.datetime64(date(year, 1, 1))
