"""Synthetic Zvw costs look like the Netherlands: national figures, not the generator's own parameters.

Published figures (Zvw basic insurance, euro per insured year unless stated):
- Vektis declaraties 2018 via RIVM VZinfo (volksgezondheidenzorg.info, Zorgverzekering, Kosten):
  medisch-specialistische zorg 1,376, farmacie 282, verpleging en verzorging 215, huisarts (totaal) 201,
  specialistische GGZ 187, hulpmiddelen 88 of a mean of about 2,625 (women 2,796, men 2,450); by age
  (men/women) 5-9: 1,150/941, 10-14: 991/900, 40-44: 1,447/1,908, 70-74: 5,308/4,674, 80-84: 8,037/7,332.
- RIVM VZinfo 2021 (Vektis): 2,727 per insured year, of which medisch-specialistisch 1,462 (54 %).
- CBS StatLine 81827NED, 2022* (per person): total 2,841, ziekenhuiszorg 1,486 (52 %), farmacie 295,
  GGZ 259; huisartsenzorg 2021* 192.
- Vektis (2016 claims, published July 2018): the costliest 1 % of insured carry 25 % of Zvw cost, 58 % of
  it hospital care.
From 2022 to 2024 costs grew by some 5 % a year, so 3,000-3,500 per insured year is the 2022-2024 level.
The bands below are those figures with room for a small region's sampling noise (about 41,000 residents).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sample_data.buurten import load_buurten
from sample_data.gp_episodes import build_gp_episodes
from sample_data.hospital import build_hospital
from sample_data.population import build_people
from sample_data.random_streams import stream
from sample_data.wlz import build_wlz
from sample_data.zvw import build_zvw

GEMEENTEN, YEARS, SEED, SCALE = ["GM0361", "GM0399", "GM0373", "GM0383"], [2022, 2023, 2024], 20241, 0.2


@pytest.fixture(scope="module")
def claims():
    """Zvw claims of a fifth of the default region, straight from the generator (no files, no defects)."""
    people = build_people(load_buurten(GEMEENTEN, SCALE, stream(SEED, "buurten")), YEARS, SEED)
    wlz = build_wlz(stream(SEED, "wlz"), people)
    _, hip_fractures = build_gp_episodes(stream(SEED, "gp_episodes"), people)
    hospital = build_hospital(stream(SEED, "hospital_events"), people, [], hip_fractures, 0.0)
    frame = build_zvw(stream(SEED, "zvw_costs"), people, hospital, wlz)
    ages = pl.concat([pl.DataFrame({"_person": np.arange(len(people)), "year": year, "age": people.age(year)})
                      for year in YEARS])
    return frame.with_columns(pl.col("cost_category").cast(pl.Utf8)).join(ages, on=["_person", "year"])


def _year(claims: pl.DataFrame, year: int) -> tuple[dict[str, float], pl.DataFrame]:
    """Euro per insured year per category, and each insured person's cost, insured years and age."""
    days = 366 if year % 4 == 0 else 365
    rows = claims.filter(pl.col("year") == year)
    persons = rows.group_by("_person").agg(pl.col("amount_eur").sum().alias("cost"),
                                            (pl.col("insured_days").first() / days).alias("insured_years"),
                                            pl.col("age").first())
    insured_years = persons["insured_years"].sum()
    per_category = {c: a / insured_years for c, a in rows.group_by("cost_category").agg(pl.col("amount_eur").sum())
                    .iter_rows()}
    return per_category, persons


@pytest.mark.parametrize("year", YEARS)
def test_hospital_care_is_about_half_and_the_largest_category(claims, year):
    per_category, _ = _year(claims, year)
    hospital = per_category.pop("medisch_specialistisch")
    share = hospital / (hospital + sum(per_category.values()))
    # Vektis 2018 1,376 / 2,625 = 0.52; VZinfo 2021 0.54; CBS 2022 1,486 / 2,841 = 0.52
    assert 0.42 <= share <= 0.60, share
    # the next largest category nationally is farmacie, about a fifth of hospital care (282 / 1,376)
    assert hospital > 3 * max(per_category.values()), per_category


@pytest.mark.parametrize("year", YEARS)
def test_gp_and_pharmacy_cost_a_few_hundred_euro_gp_less(claims, year):
    per_category, _ = _year(claims, year)
    gp, pharmacy = per_category["huisartsenzorg"], per_category["farmacie"]
    assert 150 <= gp <= 350, gp               # Vektis 2018 201; CBS 2021 192 (+ growth to 2024)
    assert 200 <= pharmacy <= 400, pharmacy   # Vektis 2018 282; CBS 2022 295
    assert gp < pharmacy                      # both sources: huisartsenzorg below farmacie


@pytest.mark.parametrize("year", YEARS)
def test_total_per_insured_year_is_the_national_level(claims, year):
    per_category, _ = _year(claims, year)
    total = sum(per_category.values())
    # VZinfo 2021 2,727; CBS 2022 2,841 per person; about 3,000-3,500 in 2022-2024
    assert 2600 <= total <= 3800, total


@pytest.mark.parametrize("year", YEARS)
def test_costliest_one_percent_carry_a_quarter_mostly_hospital_care(claims, year):
    _, persons = _year(claims, year)
    cost = np.sort(persons["cost"].to_numpy())[::-1]
    top1, top10 = cost[: len(cost) // 100].sum() / cost.sum(), cost[: len(cost) // 10].sum() / cost.sum()
    assert 0.18 <= top1 <= 0.32, top1     # Vektis: 1 % of insured carry 25 %
    assert 0.55 <= top10 <= 0.75, top10   # about 60-70 % with the costliest 10 %
    costliest = persons.sort("cost", descending=True).head(len(cost) // 100)["_person"]
    rows = claims.filter((pl.col("year") == year) & pl.col("_person").is_in(costliest.implode()))
    hospital = rows.filter(pl.col("cost_category") == "medisch_specialistisch")["amount_eur"].sum()
    assert 0.45 <= hospital / rows["amount_eur"].sum() <= 0.80   # Vektis: 58 % of the top 1 % is hospital care


@pytest.mark.parametrize("year", YEARS)
def test_cost_rises_steeply_with_age(claims, year):
    _, persons = _year(claims, year)
    band = pl.when(pl.col("age") < 18).then(0).when(pl.col("age") < 65).then(1).when(pl.col("age") < 75).then(2)
    by_age = (persons.group_by(band.otherwise(3).alias("band"))
              .agg(pl.col("cost").sum() / pl.col("insured_years").sum()).sort("band")["cost"].to_list())
    assert by_age == sorted(by_age), by_age
    # Vektis 2018: 80-84 about 7,700, children 5-14 about 1,000: six to eight times as much
    assert 4 <= by_age[3] / by_age[0] <= 10, by_age
