"""PHM step 5: does an intervention plausibly help? Difference-in-differences on area panels,
and a before/after comparison of participants with matched non-participants.

Monitoring shows association, not proof: every result carries that caveat, and too few
areas or events give `not_estimable` with the reason instead of a number.

Few treated buurten: the area panel's interval and p-value come from the restricted wild cluster bootstrap
with Webb weights (`indicators/methods/few_clusters.py`), not from normal critical values, and an
intervention in fewer than `min_treated_areas` buurten is refused. Each row names its inference, its
estimand and its minimum detectable effect (80 % power, 5 % two-sided), so a null result can be read as
"too small to see" when the MDE is large.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import polars as pl

from indicators.methods.few_clusters import (
    REPLICATIONS,
    cluster_robust_t,
    minimum_detectable_effect,
    wild_cluster_inference,
)
from indicators.payers import LAWS, delivered

CAVEAT = ("Monitoring laat samenhang zien, geen bewijs van effect: andere veranderingen in dezelfde buurten "
          "en periode kunnen het verschil verklaren. / Monitoring shows association, not proof of effect.")
# Treated buurten below which no area-panel result is published. With one or two treated clusters no
# cluster-robust method holds its size: t(G-1) over-rejects and the restricted wild bootstrap cannot reject
# at all (MacKinnon & Webb 2017, 2018: "The wild bootstrap for few (treated) clusters", Econometrics J. 21).
# Three is the least at which the Webb-weight bootstrap can give a bounded interval; [evaluation] in phm.toml.
MIN_TREATED_AREAS = 3
FEW_TREATED_AREAS = 6    # below this a note says the interval is conservative (MacKinnon & Webb 2018)
MIN_COMPARISON_AREAS = 2
MIN_PARTICIPANTS = 10    # participants and matched non-participants each (as the disclosure policy's min_count)
MIN_EVENTS = 10          # persons with the outcome (an ED visit, any cost) in each group and period
COMPARISON_PER_TREATED = 3
NOT_DELIVERED = "niet geleverd: de bronbestanden van deze regio (CBS-microdata) bevatten deze uitkomst niet"


@dataclass(frozen=True)
class Outcome:
    """An outcome per person-year of marts.person_year: its value (events or euro), exposure and multiplier,
    the same numerator and exposure as the catalogue indicator of the same id; a cost outcome names its law
    and payer (indicators/payers.py)."""

    value: str
    exposure: str
    multiplier: float
    law: str | None = None
    payer: str | None = None


# The cost outcome of each law: euro per insured year (Zvw) or per resident-year (the others), under the
# catalogue's id where the catalogue has that cost indicator over all residents. The gemeente pays Wmo,
# Jeugdwet and Participatiewet, so the three rows of a payer "gemeente" are read side by side, not summed
# with the programme's own cost (which the interventions source does not deliver).
COST_OUTCOME_IDS = {
    "zvw": ("co_zvw_per_verzekerdejaar", "insured_years"),
    "wlz": ("co_wlz_per_inwoner", "1.0"),
    "wmo": ("co_wmo_per_inwoner", "1.0"),
    "jeugdwet": ("co_jeugd_per_inwoner", "1.0"),
    "participatiewet": ("co_bijstand_per_inwoner", "1.0"),
}
OUTCOMES = {
    "eq_seh_per_1000": Outcome("seh_visits", "person_years", 1000.0),         # ED visits per 1,000 person-years
    **{COST_OUTCOME_IDS[law.law][0]: Outcome(law.cost_column, COST_OUTCOME_IDS[law.law][1], 1.0, law.law, law.payer)
       for law in LAWS},
}


def outcomes(con: duckdb.DuckDBPyConnection) -> dict[str, Outcome]:
    """The outcomes this warehouse can evaluate: ED visits and the cost of every law whose cost column
    marts.person_year has (a law whose source is not delivered or not yet modelled is left out, not zero)."""
    columns = {c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
        "AND table_name = 'person_year'").fetchall()}
    return {i: o for i, o in OUTCOMES.items() if o.value in columns}


# What a row estimates: the effect on everyone living in the intervention buurten (whether or not they took
# part), or the effect on the persons who took part against similar persons who did not.
ESTIMANDS = {"did_area_panel": "intention_to_treat_buurt", "did_participants_matched": "effect_on_participants"}
INFERENCE_AREA = f"wild_cluster_bootstrap_webb_restricted_b{REPLICATIONS}"
INFERENCE_PARTICIPANTS = "cluster_robust_t_g_minus_1"

EVALUATION_COLUMNS = ("intervention_id", "indicator_id", "law", "payer", "method", "estimate", "ci_low", "ci_high",
                      "n_areas_treated", "n_areas_comparison", "periods", "status", "reason", "caveat",
                      "estimand", "inference", "p_value", "mde")


@dataclass(frozen=True)
class Intervention:
    intervention_id: str
    start_year: int
    buurten: tuple[str, ...]
    target_group: str


def interventions(con: duckdb.DuckDBPyConnection) -> list[Intervention]:
    rows = con.execute("SELECT intervention_id, year(min(start_date)), list(DISTINCT buurt_code ORDER BY buurt_code), "
                       "any_value(target_group) FROM raw.interventions GROUP BY 1 ORDER BY 1").fetchall()
    return [Intervention(i, int(y), tuple(b), g) for i, y, b, g in rows]


def area_panels(con: duckdb.DuckDBPyConnection, evaluated: dict[str, Outcome]) -> dict[str, pl.DataFrame]:
    """Per outcome: its value, exposure and persons with the outcome per buurt and year, with the buurt's
    baseline profile; one scan of the mart for every outcome."""
    names = list(evaluated)
    sums = ", ".join(
        f"CAST(sum(coalesce({o.value}, 0)) AS DOUBLE) AS events_{k}, CAST(sum({o.exposure}) AS DOUBLE) AS exposure_{k}, "
        f"CAST(count_if(coalesce({o.value}, 0) > 0) AS DOUBLE) AS cases_{k}" for k, o in enumerate(evaluated.values()))
    data = con.execute(
        f"""
        SELECT buurt_code, year, {sums}, count(*) AS residents,
               avg(CAST(coalesce(income_quintile = 1, false) AS DOUBLE)) AS share_q1,
               avg(CAST(age >= 65 AS DOUBLE)) AS share_65plus, avg(CAST(age < 18 AS DOUBLE)) AS share_0_17
        FROM marts.person_year GROUP BY ALL ORDER BY ALL
        """
    ).pl()
    common = ["buurt_code", "year", "residents", "share_q1", "share_65plus", "share_0_17"]
    return {name: data.select(*common[:2], pl.col(f"events_{k}").alias("events"),
                              pl.col(f"exposure_{k}").alias("exposure"), pl.col(f"cases_{k}").alias("cases"),
                              *common[2:])
            for k, name in enumerate(names)}


def match_comparison_areas(panel: pl.DataFrame, treated: tuple[str, ...], baseline_year: int,
                           per_treated: int = COMPARISON_PER_TREATED) -> list[str]:
    """Nearest buurten on baseline income mix and age structure (standardised distance, no replacement)."""
    base = panel.filter(pl.col("year") == baseline_year).to_pandas().set_index("buurt_code")
    features = ["share_q1", "share_65plus", "share_0_17"]
    z = (base[features] - base[features].mean()) / base[features].std(ddof=0).replace(0, 1)
    pool = z.drop(index=[b for b in treated if b in z.index])
    chosen: list[str] = []
    for buurt in treated:  # a handful of treated buurten: greedy nearest-neighbour matching
        if buurt not in z.index or pool.empty:
            continue
        distance = ((pool - z.loc[buurt]) ** 2).sum(axis=1).sort_values(kind="stable")
        picks = list(distance.index[:per_treated])
        chosen += picks
        pool = pool.drop(index=picks)
    return sorted(chosen)


def _row(intervention_id: str, indicator_id: str, method: str, **values) -> dict:
    outcome = OUTCOMES[indicator_id]
    return {"intervention_id": intervention_id, "indicator_id": indicator_id, "law": outcome.law,
            "payer": outcome.payer, "method": method, "estimate": None,
            "ci_low": None, "ci_high": None, "n_areas_treated": 0, "n_areas_comparison": 0, "periods": "",
            "status": "estimated", "reason": None, "caveat": CAVEAT, "estimand": ESTIMANDS[method],
            "inference": None, "p_value": None, "mde": None} | values


def _not_estimable(intervention_id: str, indicator_id: str, method: str, reason: str, treated=0, comparison=0,
                   periods: str = "") -> dict:
    return _row(intervention_id, indicator_id, method, n_areas_treated=treated, n_areas_comparison=comparison,
                periods=periods, status="not_estimable", reason=reason)


def did_area(panel: pl.DataFrame, intervention: Intervention, indicator_id: str,
             min_treated: int = MIN_TREATED_AREAS) -> dict:
    """Difference-in-differences of the area rate, two-way fixed effects (exposure-weighted), clustered by
    buurt with few-cluster inference: wild cluster bootstrap (WCR, Webb weights) for the interval and p-value,
    the CR1 standard error with t(G-1) quantiles for the minimum detectable effect."""
    method = "did_area_panel"
    years = sorted(panel["year"].unique().to_list())
    pre = [y for y in years if y < intervention.start_year]
    post = [y for y in years if y >= intervention.start_year]
    periods = f"pre {pre} / post {post}"
    if not pre or not post:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              "no year before and after the start in the data", periods=periods)
    treated = tuple(b for b in intervention.buurten if b in set(panel["buurt_code"]))
    comparison = match_comparison_areas(panel, treated, max(pre))
    if len(treated) < min_treated or len(comparison) < MIN_COMPARISON_AREAS:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              f"too few areas: {len(treated)} treated, {len(comparison)} comparison "
                              f"(at least {min_treated} treated and {MIN_COMPARISON_AREAS} comparison)",
                              len(treated), len(comparison), periods)
    data = (panel.filter(pl.col("buurt_code").is_in(list(treated) + comparison))
            .with_columns(treated=pl.col("buurt_code").is_in(list(treated)).cast(pl.Int8),
                          post=(pl.col("year") >= intervention.start_year).cast(pl.Int8))
            .filter(pl.col("exposure") > 0)
            .to_pandas())
    cells = data.groupby(["treated", "post"])["cases"].sum()
    if len(cells) < 4 or cells.min() < MIN_EVENTS:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              f"too few events: at least {MIN_EVENTS} needed in each group and period",
                              len(treated), len(comparison), periods)
    rate = data["events"] / data["exposure"] * OUTCOMES[indicator_id].multiplier
    controls = pd.get_dummies(data[["buurt_code", "year"]].astype(str)).to_numpy(float)
    fit = wild_cluster_inference(rate, data["treated"] * data["post"], controls, data["buurt_code"],
                                 data["exposure"])
    low, high = fit.boot_ci
    note = None
    if low is None or high is None:
        note = "interval unbounded: too few areas for the bootstrap to rule out any effect"
    elif len(treated) < FEW_TREATED_AREAS:
        note = f"few treated areas ({len(treated)}): the wild bootstrap interval is conservative"
    return _row(intervention.intervention_id, indicator_id, method, estimate=fit.estimate, ci_low=low,
                ci_high=high, n_areas_treated=len(treated), n_areas_comparison=len(comparison), periods=periods,
                reason=note, inference=INFERENCE_AREA, p_value=fit.p_value,
                mde=minimum_detectable_effect(fit.se, df=fit.clusters - 1))


def participant_panel(con: duckdb.DuckDBPyConnection, intervention: Intervention,
                      evaluated: dict[str, Outcome] | None = None) -> pd.DataFrame:
    """Person-years of each start-year cohort's participants and matched never-participants, with every outcome.

    Each cohort's participants and the target group's never-participants of the year before its start
    (event time -1), exactly matched on age group x sex within the cohort, followed in every later year
    (event time 0, 1, ...). One query for all outcomes: `events_<outcome>` and `exposure_<outcome>`.
    """
    values = ", ".join(f"CAST(coalesce(m.{o.value}, 0) AS DOUBLE) AS events_{i}, "
                       f"CAST({o.exposure} AS DOUBLE) AS exposure_{i}"
                       for i, o in (outcomes(con) if evaluated is None else evaluated).items())
    data = con.execute(
        f"""
        WITH starts AS (
            SELECT pseudo_id, year(min(coalesce(start_date, referral_date))) AS cohort
            FROM raw.intervention_participants WHERE intervention_id = ? GROUP BY 1
        ),
        cohorts AS (  -- start years with a year before them in the data
            SELECT DISTINCT cohort FROM starts
            WHERE cohort >= ? AND cohort - 1 IN (SELECT DISTINCT year FROM marts.person_year)
        ),
        members AS (  -- target-group members in the year before each cohort's start, with their profile then
            SELECT c.cohort, t.pseudo_id, m.age_group, m.sex
            FROM cohorts c JOIN marts.person_targeting t ON t.year = c.cohort - 1
            JOIN marts.person_year m ON m.pseudo_id = t.pseudo_id AND m.year = t.year
            WHERE t.doelgroep_{intervention.target_group}
        ),
        stacked AS (  -- a cohort's own participants and the never-participants
            SELECT mb.*, s.pseudo_id IS NOT NULL AS participant
            FROM members mb LEFT JOIN starts s USING (pseudo_id)
            WHERE s.pseudo_id IS NULL OR s.cohort = mb.cohort
        ),
        matched AS (  -- exact matching on age group x sex per cohort: only strata that have participants
            SELECT * FROM stacked
            WHERE (cohort, age_group, sex) IN (SELECT (cohort, age_group, sex) FROM stacked WHERE participant)
        )
        SELECT st.cohort, st.pseudo_id, st.participant, st.age_group, st.sex, m.year, {values}
        FROM matched st JOIN marts.person_year m ON m.pseudo_id = st.pseudo_id AND m.year >= st.cohort - 1
        """,
        [intervention.intervention_id, intervention.start_year],
    ).df()
    return data.assign(person=pd.factorize(data["pseudo_id"])[0], post=(data["year"] >= data["cohort"]).astype(int))


def did_participants(panel: pd.DataFrame, intervention: Intervention, indicator_id: str) -> dict:
    """Participants against matched never-participants of the same target group, in event time
    (`participant_panel`): a stacked difference-in-differences (Cengiz, Dube, Lindner & Zipperer 2019) with
    fixed effects per cohort x group and cohort x year, age group and sex; SE clustered by person (a
    never-participant can sit in several cohorts' comparisons), t(G-1).
    """
    method = "did_participants_matched"
    outcome = OUTCOMES[indicator_id]
    data = panel.rename(columns={f"events_{indicator_id}": "events", f"exposure_{indicator_id}": "exposure"})
    if data.empty or data["participant"].sum() == 0:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              "no participants with a year before their start in the data")
    pre = sorted(int(c) - 1 for c in data["cohort"].unique())
    post = sorted(int(y) for y in data.loc[data["post"] == 1, "year"].unique())
    periods = f"pre {pre} / post {post}"
    persons = data.groupby("participant")["pseudo_id"].nunique()
    if persons.get(True, 0) < MIN_PARTICIPANTS or persons.get(False, 0) < MIN_PARTICIPANTS:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              f"too few persons: fewer than {MIN_PARTICIPANTS} participants or matched "
                              f"non-participants (exact counts are not published)", periods=periods)
    data = data[data["exposure"] > 0]
    cases = data.assign(case=data["events"] > 0).groupby(["participant", "post"])["case"].sum()
    if len(cases) < 4 or cases.min() < MIN_EVENTS:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              f"too few events: at least {MIN_EVENTS} needed in each group and period",
                              periods=periods)
    rate = data["events"] / data["exposure"] * outcome.multiplier
    treated = data["participant"].astype(float)
    # fixed effects: cohort x group, cohort x year, age group and sex (dummies; collinear ones are dropped)
    controls = np.column_stack([
        pd.get_dummies(data["cohort"].astype(str)).to_numpy(float) * treated.to_numpy()[:, None],
        pd.get_dummies(data[["age_group", "sex"]].astype(str)).to_numpy(float),
        pd.get_dummies(data["cohort"].astype(str) + "_" + data["year"].astype(str)).to_numpy(float)])
    fit = cluster_robust_t(rate, treated * data["post"], controls, data["person"], data["exposure"])
    return _row(intervention.intervention_id, indicator_id, method, estimate=fit.estimate, ci_low=fit.ci[0],
                ci_high=fit.ci[1], n_areas_treated=int(persons.get(True, 0)),
                n_areas_comparison=int(persons.get(False, 0)), periods=periods,
                reason="participant-level analysis: n_areas_* count persons, not areas (published rounded to 5); "
                       "event time: every year from each participant's start year",
                inference=INFERENCE_PARTICIPANTS, p_value=fit.p_value,
                mde=minimum_detectable_effect(fit.se, df=fit.clusters - 1))


def evaluate(con: duckdb.DuckDBPyConnection, min_treated: int = MIN_TREATED_AREAS,
             not_delivered: Sequence[str] = ()) -> pl.DataFrame:
    """Every intervention x outcome: the area-panel DiD and the participant-level comparison.

    `not_delivered` (the catalogue's indicators the input layout cannot carry) makes an outcome whose data never
    arrived (CBS microdata: no ED visits, no Wmo, Jeugdwet or bijstand euros) `not_estimable`, not an estimate of 0."""
    rows = []
    evaluated = outcomes(con)
    kept = {entry.law for entry in delivered(LAWS, not_delivered)}
    absent = {i for i, o in evaluated.items() if i in not_delivered or (o.law is not None and o.law not in kept)}
    areas = area_panels(con, {i: o for i, o in evaluated.items() if i not in absent})
    for intervention in interventions(con):
        participants = participant_panel(con, intervention, {i: o for i, o in evaluated.items() if i not in absent})
        for indicator_id in evaluated:
            if indicator_id in absent:
                for method in ESTIMANDS:
                    rows.append(_not_estimable(intervention.intervention_id, indicator_id, method, NOT_DELIVERED))
                continue
            rows.append(did_area(areas[indicator_id], intervention, indicator_id, min_treated))
            rows.append(did_participants(participants, intervention, indicator_id))
    numbers = ("estimate", "ci_low", "ci_high", "p_value", "mde")
    schema = {c: pl.Utf8 for c in EVALUATION_COLUMNS} | {c: pl.Float64 for c in numbers} | {
        "n_areas_treated": pl.Int64, "n_areas_comparison": pl.Int64}
    return (pl.DataFrame(rows, schema=schema).with_columns(pl.col(c).fill_nan(None) for c in numbers)
            .sort("intervention_id", "indicator_id", "method"))
