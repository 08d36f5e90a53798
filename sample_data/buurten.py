"""The buurten of the synthetic region: residents per buurt and the RIVM 2020 health profile of each.

Residents come from CBS KWB 2024 wijk counts (`AantalInwoners_5`, times `scale`), split over the
wijk's buurten of the CBS 2020 classification used by the RIVM file (a buurt `BU########` belongs
to wijk `WK` + characters 3..8 of its code). Two classification years meet here:
- a 2024 wijk without 2020 buurten is skipped and its residents go to the gemeente's other wijken,
  in proportion to their size (so the gemeente keeps all of its KWB wijk residents);
- a 2020 buurt whose wijk has no 2024 count gets no residents (it stays an area of the region);
- a gemeente none of whose 2024 wijken have 2020 buurten spreads its residents over all its buurten.
CBS rounds wijk counts to multiples of 5; the region total is the sum of the scaled wijk counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_data.reference_data import kwb_wijken, rivm_buurten

# Survey-relevant RIVM 2020 18+ indicators (percentages of adults), by the name the generator uses.
RIVM_INDICATORS = {
    "good_health": "ErvarenGezondheidGoedZeerGoed_4",
    "overweight": "Overgewicht_9",
    "obese": "ErnstigOvergewicht_10",
    "smoker": "Roker_11",
    "limited": "BeperktVanwegeGezondheid_17",
    "severely_limited": "ErnstigBeperktVanwegeGezondheid_18",
    "k10_moderate": "MatigHoogRisicoOpAngstOfDepressie_24",
    "k10_high": "HoogRisicoOpAngstOfDepressie_25",
    "mastery": "MatigVeelRegieOverEigenLeven_27",
    "lonely": "Eenzaam_28",
    "severely_lonely": "ErnstigZeerErnstigEenzaam_29",
    "carer": "Mantelzorger_32",
    "volunteer": "Vrijwilligerswerk_33",
    "ends_meet": "MoeiteMetRondkomen_38",
}
NATIONAL_ENDS_MEET = 0.139  # RIVM 2020, Nederland, 18+: share with difficulty making ends meet


@dataclass(frozen=True)
class Buurten:
    """Buurten of the region, in code order; arrays are aligned with `code`."""

    code: np.ndarray           # BU########
    wijk: np.ndarray           # WK######
    gemeente: np.ndarray       # GM####
    residents: np.ndarray      # synthetic residents on 1 January of the first year (int)
    rivm: dict[str, np.ndarray]  # probability 0-1 per buurt (buurt value, else wijk, else gemeente)

    def __len__(self) -> int:
        return len(self.code)

    @property
    def gemeenten(self) -> list[str]:
        return sorted(set(self.gemeente.tolist()))


def load_buurten(gemeenten: list[str], scale: float, rng: np.random.Generator) -> Buurten:
    """Buurten with their residents (largest-remainder rounding of KWB counts x scale) and RIVM profile."""
    rivm = rivm_buurten(gemeenten, columns=list(RIVM_INDICATORS.values()))
    buurt = rivm.filter(pl.col("level") == "Buurt")
    buurt = buurt.with_columns(wijk_code="WK" + pl.col("area_code").str.slice(2, 6))
    profile = _profile(rivm, buurt)
    wijken = kwb_wijken(gemeenten).with_columns(pl.col("inhabitants").fill_null(0).cast(pl.Float64))
    with_buurten = set(buurt["wijk_code"].to_list())
    wijken = wijken.with_columns(has_buurten=pl.col("wijk_code").is_in(with_buurten))
    # skipped wijken: their residents are spread over the gemeente's other wijken, proportionally
    wijken = wijken.with_columns(
        kept=pl.when(pl.col("has_buurten")).then(pl.col("inhabitants")).otherwise(0.0),
        total=pl.col("inhabitants").sum().over("gemeente_code"),
    ).with_columns(
        kept_total=pl.col("kept").sum().over("gemeente_code"),
    ).with_columns(
        expected=pl.when(pl.col("kept_total") > 0)
        .then(pl.col("kept") / pl.col("kept_total") * pl.col("total")).otherwise(0.0) * scale
    )
    buurt = buurt.join(wijken.select("wijk_code", "expected"), on="wijk_code", how="left").sort("area_code")
    # buurt sizes within a wijk vary: seeded lognormal weights
    weight = np.exp(0.45 * rng.standard_normal(buurt.height))
    buurt = buurt.with_columns(weight=pl.Series(weight)).with_columns(
        share=pl.col("weight") / pl.col("weight").sum().over("wijk_code"))
    orphan = wijken.group_by("gemeente_code").agg(kept_total=pl.col("kept_total").first(),
                                                  total=pl.col("total").first())
    buurt = buurt.join(orphan, on="gemeente_code", how="left").with_columns(
        expected=pl.when(pl.col("kept_total") > 0)
        .then(pl.col("expected").fill_null(0.0) * pl.col("share"))
        .otherwise(pl.col("total") * scale * pl.col("weight") / pl.col("weight").sum().over("gemeente_code"))
    )
    residents = _largest_remainder(buurt["expected"].fill_null(0.0).to_numpy())
    return Buurten(
        code=buurt["area_code"].to_numpy().astype(str),
        wijk=buurt["wijk_code"].to_numpy().astype(str),
        gemeente=buurt["gemeente_code"].to_numpy().astype(str),
        residents=residents,
        rivm={key: profile[key].to_numpy() for key in RIVM_INDICATORS},
    )


def _profile(rivm: pl.DataFrame, buurt: pl.DataFrame) -> pl.DataFrame:
    """Buurt probabilities in buurt-code order; an empty buurt value falls back to its wijk, then gemeente."""
    cols = list(RIVM_INDICATORS.values())
    wijk = rivm.filter(pl.col("level") == "Wijk").select(wijk_code="area_code", **{f"w_{c}": c for c in cols})
    gem = rivm.filter(pl.col("level") == "Gemeente").select("gemeente_code", **{f"g_{c}": c for c in cols})
    joined = (buurt.join(wijk, on="wijk_code", how="left").join(gem, on="gemeente_code", how="left")
              .sort("area_code"))
    return joined.select(**{key: pl.coalesce(col, f"w_{col}", f"g_{col}") / 100.0
                            for key, col in RIVM_INDICATORS.items()})


def _largest_remainder(expected: np.ndarray) -> np.ndarray:
    """Integers that add up to round(sum(expected)), each within 1 of its expected value."""
    floor = np.floor(expected).astype(np.int64)
    short = int(round(expected.sum())) - int(floor.sum())
    order = np.argsort(-(expected - floor), kind="stable")
    floor[order[:max(short, 0)]] += 1
    return floor
