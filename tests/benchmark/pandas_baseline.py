"""The core indicators the way an analyst would script them in pandas, without phm-pipeline.

Three indicators (multimorbidity, Zvw cost per insured year, K10 high risk) for the same cells the pipeline
publishes for them: every year, buurt/wijk/gemeente/regio, `totaal` and, from the wijk up, each stratum (sex,
age group, income quintile; Zvw cost also per cost category). It reads the landing files itself, skips the rows the
contracts quarantine (the defects the generator plants), and aggregates with vectorised groupbys: a fair,
competent script, not a straw man. The area hierarchy (buurt -> wijk -> gemeente -> regio) is given, as an
analyst would have it from CBS.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipelines.config import REPO_ROOT

CORE = ("ph_multimorbiditeit", "co_zvw_per_verzekerdejaar", "ph_k10_hoog_risico")
# stratum column -> dimension; 65+ is a second age column (65-74 and 75+ together), as the catalogue publishes it
STRATA = {"sex": "geslacht", "age_group": "leeftijd", "age_65plus": "leeftijd", "inkomen": "inkomen"}
K10_HIGH = 30
_reading = [0.0]  # seconds spent in read_csv during the current computation


def _read_csv(*args, **kwargs) -> pd.DataFrame:
    """pd.read_csv, timed: the report separates reading the files from computing."""
    start = time.perf_counter()
    try:
        return pd.read_csv(*args, **kwargs)
    finally:
        _reading[0] += time.perf_counter() - start


def _age_group(age: pd.Series) -> pd.Series:
    return pd.cut(age, [-1, 17, 64, 74, 200], labels=["0-17", "18-64", "65-74", "75+"]).astype(str)


def _population(landing: Path, year: int) -> pd.DataFrame:
    pop = _read_csv(landing / "population" / f"population_{year}.csv", dtype=str)
    pop = pop[pop["pseudo_id"].str.fullmatch(r"[0-9a-f]{64}") & (pop["buurt_code"] != "BU99999999")]
    pop = pop.drop_duplicates(["pseudo_id", "year"])
    age = year - pop["birth_year"].astype(int)
    return pd.DataFrame({"pseudo_id": pop["pseudo_id"], "year": year, "buurt_code": pop["buurt_code"],
                         "sex": pop["sex"], "age": age, "age_group": _age_group(age),
                         "age_65plus": age.where(age < 65, 65).map({65: "65+"}),
                         "inkomen": "q" + pop["income_quintile"].fillna("").str.replace(r"\.0$", "", regex=True)})


def _chronic_counts(episodes: pd.DataFrame, chronic: pd.DataFrame, year: int) -> pd.Series:
    """Number of distinct chronic conditions per person with an episode open in `year`."""
    open_ = episodes[(episodes["start_date"] <= f"{year}-12-31") &
                     (episodes["end_date"].isna() | (episodes["end_date"] >= f"{year}-01-01"))]
    rows = []
    for _, c in chronic.iterrows():  # the analyst's loop over the code list (a few dozen ranges)
        hit = open_[(open_["icpc3"] >= c["icpc_from"]) & (open_["icpc3"] <= c["icpc_to"])]
        rows.append(hit[["pseudo_id"]].assign(condition=c["condition"]))
    return pd.concat(rows).drop_duplicates().groupby("pseudo_id").size().rename("n_chronic")


def _zvw(landing: Path, year: int) -> pd.DataFrame:
    """Per person: total Zvw cost, insured years and cost per category (columns cat_<category>)."""
    claims = _read_csv(landing / "zvw_costs" / f"zvw_costs_{year}.csv", sep=";", decimal=",")
    claims = claims[claims["insured_days"] <= 366]
    days = 366 if year % 4 == 0 else 365
    person = claims.groupby("pseudo_id").agg(zvw_cost=("amount_eur", "sum"), insured_days=("insured_days", "max"))
    person["insured_years"] = person["insured_days"] / days
    by_cat = claims.pivot_table(index="pseudo_id", columns="cost_category", values="amount_eur", aggfunc="sum")
    return person.join(by_cat.add_prefix("cat_"))


def _survey(landing: Path, year: int, pop: pd.DataFrame) -> pd.DataFrame:
    survey = _read_csv(landing / "health_survey" / f"health_survey_{year}.csv", on_bad_lines="skip")
    survey = survey.dropna(subset=["unmet_care_need"])  # a short (malformed) line leaves its last field empty
    k10 = survey[[f"k10_{i:02d}" for i in range(1, 11)]]
    ph = survey.filter(like="ph_")  # Positive Health scores 0-10; the contract quarantines the rest
    survey = survey[(k10.isna() | ((k10 >= 1) & (k10 <= 5))).all(axis=1) & (ph.isna() | ((ph >= 0) & (ph <= 10))).all(axis=1)]
    k10_score = k10.loc[survey.index].sum(axis=1, min_count=10)  # null when an item is missing
    survey = survey.assign(k10_score=k10_score).dropna(subset=["k10_score"])
    survey = survey[["pseudo_id", "weight", "k10_score"]].merge(pop, on="pseudo_id")
    survey = survey[survey["age"] >= 18]
    return survey.assign(w_high=survey["weight"] * (survey["k10_score"] >= K10_HIGH))


def _levels(frame: pd.DataFrame, areas: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """(level name, the frame) once per area level (one at a time), with `area_code` the buurt's ancestor at
    that level."""
    for (name,), level in areas.groupby(["ancestor_level"]):
        yield name, frame.assign(area_code=frame["buurt_code"].map(level.set_index("area_code")["ancestor_code"]))


def _cells(frame: pd.DataFrame, aggregate, stratum_columns: dict[str, str]) -> pd.DataFrame:
    """`aggregate(grouped)` per (year, area) for `totaal` and per value of each stratum column ({column: name})."""
    parts = [aggregate(frame.groupby(["year", "area_code"])).reset_index().assign(stratum="totaal")]
    for column, name in stratum_columns.items():
        got = aggregate(frame[frame[column].notna() & (frame[column] != "q")].groupby(["year", "area_code", column]))
        got = got.reset_index()
        parts.append(got.assign(stratum=name + ":" + got[column].astype(str)).drop(columns=column))
    return pd.concat(parts, ignore_index=True)


def pandas_core_indicators(landing: Path, years: list[int],
                           areas: pd.DataFrame) -> tuple[float, float, pd.DataFrame]:
    """Seconds in all, seconds of those reading CSV files, and the cells: indicator_id, period, area_code,
    stratum, value.

    `areas`: buurt_code -> ancestor_code per level (buurt itself included), as given by CBS.
    """
    start, _reading[0] = time.perf_counter(), 0.0
    chronic = _read_csv(REPO_ROOT / "transforms" / "reference" / "chronic_conditions.csv")
    episodes = pd.concat([_read_csv(p, dtype=str, on_bad_lines="skip")
                          for p in sorted((landing / "gp_episodes").glob("*.csv"))]).drop_duplicates()
    episodes = episodes[episodes["end_date"].isna() | (episodes["end_date"] >= episodes["start_date"])]
    episodes["icpc3"] = episodes["icpc_code"].str[:3].str.upper()
    persons, respondents = [], []
    for year in years:
        pop = _population(landing, year)
        person = pop.merge(_chronic_counts(episodes, chronic, year), left_on="pseudo_id", right_index=True,
                           how="left").fillna({"n_chronic": 0})
        person = person.merge(_zvw(landing, year), left_on="pseudo_id", right_index=True, how="left")
        persons.append(person)
        respondents.append(_survey(landing, year, pop))
    person = pd.concat(persons, ignore_index=True).drop(columns="pseudo_id")
    person["multimorbid"] = 100.0 * (person["n_chronic"] >= 2)
    survey = pd.concat(respondents, ignore_index=True).drop(columns="pseudo_id")
    categories = [c for c in person.columns if c.startswith("cat_")]
    # cost counts only for insured person-years (the indicator's denominator)
    person["cost_insured"] = person["zvw_cost"].where(person["insured_years"] > 0).fillna(0.0)
    person["years_insured"] = person["insured_years"].where(person["insured_years"] > 0)
    parts = []
    for name, level in _levels(person, areas):
        strata = STRATA if name != "buurt" else {}  # buurten are published for `totaal` only
        both = _cells(level, lambda g: g.agg(multimorbid=("multimorbid", "mean"), cost=("cost_insured", "sum"),
                                             years=("years_insured", "sum")), strata)
        parts.append(both.assign(value=both["multimorbid"], indicator_id=CORE[0]))
        parts.append(both.assign(value=both["cost"] / both["years"].where(both["years"] > 0),
                                 indicator_id=CORE[1]))
        if name == "buurt":
            continue
        insured = level[level["insured_years"] > 0]
        per_category = insured.groupby(["year", "area_code"])[[*categories, "insured_years"]].sum()
        per_category = per_category[categories].div(per_category["insured_years"], axis=0)
        per_category.columns = [f"categorie:{c.removeprefix('cat_')}" for c in categories]
        parts.append(per_category.stack().rename("value").reset_index().rename(columns={"level_2": "stratum"})
                     .assign(indicator_id=CORE[1]))
    for name, level in _levels(survey, areas):
        parts.append(_cells(level, lambda g: (100.0 * g["w_high"].sum() / g["weight"].sum()).rename("value"),
                            STRATA if name != "buurt" else {}).assign(indicator_id=CORE[2]))
    cells = pd.concat(parts, ignore_index=True).rename(columns={"year": "period"})
    return time.perf_counter() - start, _reading[0], cells.loc[cells["value"].notna(),
                                                  ["indicator_id", "period", "area_code", "stratum", "value"]]
