"""`make bench`: end-to-end timings per stage for regions of growing size, and the same core indicators
computed by a straightforward pandas script, side by side. Not part of `make test`.

    .venv/bin/python -m tests.benchmark.run --sizes 100000 300000 1000000

Writes data/bench/results.md (and prints it). Generation is timed separately from the run.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from collections import defaultdict
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from pipelines.config import REPO_ROOT, load_settings
from pipelines.run import run_main_job
from sample_data.generator import generate
from tests.conftest import write_config

DEFAULT_REGION = ["GM0361", "GM0399", "GM0373", "GM0383"]  # about 203,000 residents at scale 1
DEFAULT_RESIDENTS = 203_000
YEARS = [2022, 2023, 2024]
STAGES = {"ingest": "ingest", "staging": "staging", "phm_step1_population": "PHM steps",
          "phm_step2_health": "PHM steps", "phm_step3_stratification": "PHM steps",
          "phm_step4_targeting": "PHM steps", "phm_step5_evaluation": "PHM steps", "indicators": "indicators",
          "publish": "checks + publication"}


def _peak_mb() -> float:
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stage_times(settings, instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Seconds per stage, from the Dagster step events of the run."""
    from pipelines.definitions import build_definitions

    groups = {key.to_python_identifier(): spec.group_name
              for key, spec in ((s.key, s) for s in build_definitions(settings).resolve_all_asset_specs())}
    starts, totals = {}, defaultdict(float)
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            stage = STAGES.get(groups.get(event.step_key, ""), "other")
            totals[stage] += record.timestamp - starts.get(event.step_key, record.timestamp)
    return dict(totals)


def pandas_core_indicators(landing: Path, year: int) -> tuple[float, pd.DataFrame]:
    """The same core indicators per buurt, the way an analyst would script them in pandas."""
    start = time.perf_counter()
    pop = pd.read_csv(landing / "population" / f"population_{year}.csv", dtype=str)
    pop = pop[pop["pseudo_id"].str.fullmatch(r"[0-9a-f]{64}") & (pop["buurt_code"] != "BU99999999")]
    pop = pop.drop_duplicates(["pseudo_id", "year"])
    chronic = pd.read_csv(REPO_ROOT / "transforms" / "reference" / "chronic_conditions.csv")
    episodes = pd.concat([pd.read_csv(p, dtype=str, on_bad_lines="skip")
                          for p in sorted((landing / "gp_episodes").glob("*.csv"))])
    episodes = episodes.drop_duplicates()
    episodes["icpc3"] = episodes["icpc_code"].str[:3]
    episodes = episodes[(episodes["start_date"] <= f"{year}-12-31") &
                        (episodes["end_date"].isna() | (episodes["end_date"] >= f"{year}-01-01"))]
    episodes = episodes[episodes["end_date"].isna() | (episodes["end_date"] >= episodes["start_date"])]
    rows = []
    for _, c in chronic.iterrows():  # the analyst's loop over the code list
        hit = episodes[(episodes["icpc3"] >= c["icpc_from"]) & (episodes["icpc3"] <= c["icpc_to"])]
        rows.append(hit[["pseudo_id"]].assign(condition=c["condition"]))
    conditions = pd.concat(rows).drop_duplicates()
    counts = conditions.groupby("pseudo_id").size().rename("n_chronic")
    pop = pop.merge(counts, left_on="pseudo_id", right_index=True, how="left").fillna({"n_chronic": 0})
    pop["multimorbid"] = pop["n_chronic"] >= 2
    claims = pd.read_csv(landing / "zvw_costs" / f"zvw_costs_{year}.csv", sep=";", decimal=",")
    claims = claims[(claims["insured_days"] <= 366)]
    person = claims.groupby("pseudo_id").agg(cost=("amount_eur", "sum"), days=("insured_days", "max"))
    person["insured_years"] = person["days"] / (366 if year % 4 == 0 else 365)
    pop = pop.merge(person, left_on="pseudo_id", right_index=True, how="left")
    survey = pd.read_csv(landing / "health_survey" / f"health_survey_{year}.csv", on_bad_lines="skip")
    survey = survey.dropna(subset=["unmet_care_need"])  # a short (malformed) line leaves its last field empty
    k10 = survey[[f"k10_{i:02d}" for i in range(1, 11)]]
    ph = survey.filter(like="ph_")  # Positive Health scores 0-10; the contract quarantines the rest
    survey = survey[(k10 >= 1).all(axis=1) & (k10 <= 5).all(axis=1) & ((ph >= 0) & (ph <= 10)).all(axis=1)]
    survey["high"] = k10.loc[survey.index].sum(axis=1) >= 30
    survey = survey.merge(pop[["pseudo_id", "buurt_code", "birth_year"]], on="pseudo_id")
    survey = survey[year - survey["birth_year"].astype(int) >= 18]
    survey["w_high"] = survey["weight"] * survey["high"]
    by_buurt = pop.groupby("buurt_code").agg(multimorbid=("multimorbid", "mean"), cost=("cost", "sum"),
                                              insured_years=("insured_years", "sum"))
    by_buurt["cost_per_insured_year"] = by_buurt["cost"] / by_buurt["insured_years"]
    sv = survey.groupby("buurt_code").agg(w_high=("w_high", "sum"), w=("weight", "sum"))
    by_buurt["k10_high"] = sv["w_high"] / sv["w"]
    return time.perf_counter() - start, by_buurt


def bench(size: int, root: Path) -> dict:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    settings = load_settings(write_config(root / "phm.toml", root / "data", DEFAULT_REGION, YEARS))
    t0 = time.perf_counter()
    generate(settings.landing_dir, DEFAULT_REGION, YEARS, seed=1, scale=size / DEFAULT_RESIDENTS)
    generation = time.perf_counter() - t0
    instance = dg.DagsterInstance.ephemeral()
    cpu0, t0 = _cpu(), time.perf_counter()
    outcome = run_main_job(settings, instance=instance)
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    if not outcome.success:
        raise SystemExit(f"run failed for {size}: {outcome.failures}")
    stages = stage_times(settings, instance, outcome.run_id)
    pandas_seconds, by_buurt = pandas_core_indicators(settings.landing_dir, YEARS[-1])
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        ours = con.execute(
            "SELECT area_code AS buurt_code, indicator_id, value FROM indicators.values WHERE area_level = 'buurt' "
            "AND stratum = 'totaal' AND period = ? AND indicator_id IN ('ph_multimorbiditeit', "
            "'co_zvw_per_verzekerdejaar', 'ph_k10_hoog_risico')", [YEARS[-1]]).df()
    wide = ours.pivot(index="buurt_code", columns="indicator_id", values="value").join(by_buurt, how="inner")
    differences = [
        (wide["ph_multimorbiditeit"] / 100 - wide["multimorbid"]).abs().max(),
        ((wide["co_zvw_per_verzekerdejaar"] - wide["cost_per_insured_year"]) / wide["cost_per_insured_year"]).abs().max(),
        (wide["ph_k10_hoog_risico"] / 100 - wide["k10_high"]).abs().max(),
    ]
    return {"residents": size, "generation_s": round(generation, 1), "run_wall_s": round(wall, 1),
            "run_cpu_s": round(cpu, 1), "peak_mb": round(_peak_mb()), **{k: round(v, 1) for k, v in stages.items()},
            "pandas_core_s": round(pandas_seconds, 2), "buurten_compared": len(wide),
            "max_difference": float(max(differences))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "bench")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = [bench(size, args.out / f"region_{size}") for size in args.sizes]
    frame = pd.DataFrame(results).fillna("")
    table = frame.to_string(index=False)
    (args.out / "results.md").write_text("```\n" + table + "\n```\n", encoding="utf-8")
    (args.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
