"""PHM step 5: does an intervention plausibly help? Difference-in-differences on area panels,
and a before/after comparison of participants with matched non-participants.

Monitoring shows association, not proof: every result carries that caveat, and too few
areas or events give `not_estimable` with the reason instead of a number.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
import polars as pl
import statsmodels.formula.api as smf

CAVEAT = ("Monitoring laat samenhang zien, geen bewijs van effect: andere veranderingen in dezelfde buurten "
          "en periode kunnen het verschil verklaren. / Monitoring shows association, not proof of effect.")
MIN_AREAS = 2            # treated and comparison areas each
MIN_EVENTS = 10          # outcome events in each of treated-pre, treated-post, comparison-pre, comparison-post
COMPARISON_PER_TREATED = 3

# Outcome per area-year from the person-year mart: events and exposure (ED visits per 1,000 person-years).
OUTCOMES = {"eq_seh_per_1000": ("seh_visits", "person_years", 1000.0)}

EVALUATION_COLUMNS = ("intervention_id", "indicator_id", "method", "estimate", "ci_low", "ci_high",
                      "n_areas_treated", "n_areas_comparison", "periods", "status", "reason", "caveat")


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


def area_panel(con: duckdb.DuckDBPyConnection, indicator_id: str) -> pl.DataFrame:
    """Outcome events, exposure and baseline profile per buurt and year."""
    events, exposure, _ = OUTCOMES[indicator_id]
    return con.execute(
        f"""
        SELECT buurt_code, year, CAST(sum({events}) AS DOUBLE) AS events, CAST(sum({exposure}) AS DOUBLE) AS exposure,
               count(*) AS residents,
               avg(CAST(coalesce(income_quintile = 1, false) AS DOUBLE)) AS share_q1,
               avg(CAST(age >= 65 AS DOUBLE)) AS share_65plus, avg(CAST(age < 18 AS DOUBLE)) AS share_0_17
        FROM marts.person_year GROUP BY ALL ORDER BY ALL
        """
    ).pl()


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


def _not_estimable(intervention_id: str, indicator_id: str, method: str, reason: str, treated=0, comparison=0,
                   periods: str = "") -> dict:
    return {"intervention_id": intervention_id, "indicator_id": indicator_id, "method": method, "estimate": None,
            "ci_low": None, "ci_high": None, "n_areas_treated": treated, "n_areas_comparison": comparison,
            "periods": periods, "status": "not_estimable", "reason": reason, "caveat": CAVEAT}


def did_area(panel: pl.DataFrame, intervention: Intervention, indicator_id: str) -> dict:
    """Difference-in-differences of the area rate, two-way fixed effects, SE clustered by buurt."""
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
    if len(treated) < MIN_AREAS or len(comparison) < MIN_AREAS:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              f"too few areas: {len(treated)} treated, {len(comparison)} comparison "
                              f"(at least {MIN_AREAS} each)", len(treated), len(comparison), periods)
    data = (panel.filter(pl.col("buurt_code").is_in(list(treated) + comparison))
            .with_columns(treated=pl.col("buurt_code").is_in(list(treated)).cast(pl.Int8),
                          post=(pl.col("year") >= intervention.start_year).cast(pl.Int8))
            .to_pandas())
    cells = data.groupby(["treated", "post"])["events"].sum()
    if len(cells) < 4 or cells.min() < MIN_EVENTS:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              f"too few events: at least {MIN_EVENTS} needed in each group and period",
                              len(treated), len(comparison), periods)
    multiplier = OUTCOMES[indicator_id][2]
    data["rate"] = data["events"] / data["exposure"] * multiplier
    data["did"] = data["treated"] * data["post"]
    fit = smf.wls("rate ~ did + C(buurt_code) + C(year)", data=data, weights=data["exposure"]).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["buurt_code"])[0]})
    low, high = fit.conf_int().loc["did"]
    return {"intervention_id": intervention.intervention_id, "indicator_id": indicator_id, "method": method,
            "estimate": float(fit.params["did"]), "ci_low": float(low), "ci_high": float(high),
            "n_areas_treated": len(treated), "n_areas_comparison": len(comparison), "periods": periods,
            "status": "estimated", "reason": None, "caveat": CAVEAT}


def did_participants(con: duckdb.DuckDBPyConnection, intervention: Intervention, indicator_id: str) -> dict:
    """Participants before/after versus matched non-participants of the same target group (person level)."""
    method = "did_participants_matched"
    events, exposure, multiplier = OUTCOMES[indicator_id]
    data = con.execute(
        f"""
        WITH starts AS (
            SELECT pseudo_id, min(coalesce(start_date, referral_date)) AS started
            FROM raw.intervention_participants WHERE intervention_id = ? GROUP BY 1
        ),
        members AS (  -- target-group members in the year before the start, with their profile then
            SELECT t.pseudo_id, m.age_group, m.sex
            FROM marts.person_targeting t JOIN marts.person_year m USING (pseudo_id, year)
            WHERE t.year = ? AND t.doelgroep_{intervention.target_group}
        ),
        cohort AS (
            SELECT mb.*, s.started IS NOT NULL AS participant, year(s.started) AS start_year
            FROM members mb LEFT JOIN starts s USING (pseudo_id)
            WHERE s.started IS NULL OR year(s.started) = ?
        )
        SELECT c.pseudo_id, c.participant, c.age_group, c.sex, m.year, CAST(m.{events} AS DOUBLE) AS events,
               CAST(m.{exposure} AS DOUBLE) AS exposure
        FROM cohort c JOIN marts.person_year m USING (pseudo_id)
        WHERE m.year IN (?, ?)
        """,
        [intervention.intervention_id, intervention.start_year - 1, intervention.start_year,
         intervention.start_year - 1, intervention.start_year],
    ).df()
    periods = f"pre [{intervention.start_year - 1}] / post [{intervention.start_year}]"
    if data.empty or data["participant"].sum() == 0:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              "no participants with a year before their start in the data", periods=periods)
    # exact matching on age group x sex: comparison persons only from strata that have participants
    strata = data[data["participant"]].groupby(["age_group", "sex"]).size().index
    data = data.set_index(["age_group", "sex"]).loc[lambda d: d.index.isin(strata)].reset_index()
    persons = data.groupby("participant")["pseudo_id"].nunique()
    if persons.get(True, 0) < MIN_AREAS * 5 or persons.get(False, 0) < MIN_AREAS * 5:
        return _not_estimable(intervention.intervention_id, indicator_id, method,
                              f"too few persons: fewer than {MIN_AREAS * 5} participants or matched "
                              f"non-participants (exact counts are not published)", periods=periods)
    data = data[data["exposure"] > 0].copy()
    data["rate"] = data["events"] / data["exposure"] * multiplier
    data["post"] = (data["year"] == intervention.start_year).astype(int)
    data["did"] = data["participant"].astype(int) * data["post"]
    fit = smf.wls("rate ~ did + C(participant) + C(year) + C(age_group) + C(sex)", data=data,
                  weights=data["exposure"]).fit(cov_type="cluster",
                                                cov_kwds={"groups": pd.factorize(data["pseudo_id"])[0]})
    low, high = fit.conf_int().loc["did"]
    return {"intervention_id": intervention.intervention_id, "indicator_id": indicator_id, "method": method,
            "estimate": float(fit.params["did"]), "ci_low": float(low), "ci_high": float(high),
            "n_areas_treated": int(persons.get(True, 0)), "n_areas_comparison": int(persons.get(False, 0)),
            "periods": periods, "status": "estimated",
            "reason": "participant-level analysis: n_areas_* count persons, not areas (published rounded to 5)",
            "caveat": CAVEAT}


def evaluate(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every intervention x outcome: the area-panel DiD and the participant-level comparison."""
    rows = []
    for intervention in interventions(con):
        for indicator_id in OUTCOMES:
            panel = area_panel(con, indicator_id)
            rows.append(did_area(panel, intervention, indicator_id))
            rows.append(did_participants(con, intervention, indicator_id))
    schema = {c: pl.Utf8 for c in EVALUATION_COLUMNS} | {
        "estimate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
        "n_areas_treated": pl.Int64, "n_areas_comparison": pl.Int64}
    return pl.DataFrame(rows, schema=schema).with_columns(pl.col(c).fill_nan(None) for c in
                                                          ("estimate", "ci_low", "ci_high"))


