"""`make bench`: end-to-end timings per stage for regions of growing size, and the same core indicators
computed by a straightforward pandas script, side by side. Not part of `make test`.

    .venv/bin/python -m tests.benchmark.run --sizes 100000 300000 1000000

Writes data/bench/results.md and results.json (and prints the tables). Generation is timed separately
from the run. Per stage: wall time from the Dagster step events, CPU time (all threads, DuckDB's
included) and peak resident memory from a sampler inside the process (every 0.1 s).

The pandas comparison is honest about what each side does: the script reads the landing files and
computes three indicators (multimorbidity, Zvw cost per insured year, K10 high risk) per buurt for
the last year; `core_pipeline_s` is the pipeline's own aggregation (indicators/aggregation.py on its
marts) of the same three indicators for every year, area level and stratum. The ratio compares those
two; the pipeline's ingest and marts are in the stage columns.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
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
STAGE_ORDER = ("ingest", "staging", "PHM steps", "indicators", "checks", "publication", "report")
STAGES = {"ingest": "ingest", "staging": "staging", "phm_step1_population": "PHM steps",
          "phm_step2_health": "PHM steps", "phm_step3_stratification": "PHM steps",
          "phm_step4_targeting": "PHM steps", "phm_step5_evaluation": "PHM steps", "indicators": "indicators",
          "publish": "publication"}
STEP_STAGES = {"quality__expectations": "checks", "publish__report": "report"}  # within the publish group
CORE = ("ph_multimorbiditeit", "co_zvw_per_verzekerdejaar", "ph_k10_hoog_risico")


class Sampler:
    """Process CPU seconds (all threads) and resident memory, sampled every `interval` seconds."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.samples = interval, []  # (wall clock, cpu seconds, rss MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), time.process_time(), self.rss_mb()))
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.time(), time.process_time(), self.rss_mb()))

    def between(self, start: float, end: float) -> tuple[float, float]:
        """CPU seconds and peak RSS (MB) between two wall-clock times."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        before = [s for s in self.samples if s[0] <= start][-1:] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= end][:1] or self.samples[-1:]
        cpu = after[0][1] - before[0][1]
        return cpu, max(s[2] for s in [*before, *inside, *after])


def stage_usage(settings, instance: dg.DagsterInstance, run_id: str, sampler: Sampler) -> dict[str, dict]:
    """Wall seconds, CPU seconds and peak RSS per stage, from the Dagster step events of the run."""
    from pipelines.definitions import build_definitions

    groups = {key.to_python_identifier(): spec.group_name
              for key, spec in ((s.key, s) for s in build_definitions(settings).resolve_all_asset_specs())}
    starts = {}
    usage = defaultdict(lambda: {"wall": 0.0, "cpu": 0.0, "peak_mb": 0.0})
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            step = event.step_key
            stage = STEP_STAGES.get(step) or STAGES.get(groups.get(step, ""), "other")
            start = starts.get(step, record.timestamp)
            cpu, peak = sampler.between(start, record.timestamp)
            usage[stage]["wall"] += record.timestamp - start
            usage[stage]["cpu"] += cpu
            usage[stage]["peak_mb"] = max(usage[stage]["peak_mb"], peak)
    return dict(usage)


def pipeline_core_indicators(settings) -> float:
    """Seconds for the pipeline's aggregation of the core indicators alone, on the marts of the run."""
    from indicators.aggregation import build_cells
    from indicators.catalogue import Catalogue, expansions_from_warehouse, load_catalogue

    with duckdb.connect(str(settings.warehouse_path), config={
            "threads": settings.duckdb_threads, "memory_limit": settings.duckdb_memory_limit}) as con:
        full = load_catalogue(settings.cutoffs, expansions_from_warehouse(con))
        core = Catalogue(full.version, full.marts, tuple(full.by_id(i) for i in CORE))
        start = time.perf_counter()
        build_cells(con, core, list(settings.years))
        return time.perf_counter() - start


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
    with Sampler() as sampler:
        cpu0, t0 = time.process_time(), time.perf_counter()
        outcome = run_main_job(settings, instance=instance)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if not outcome.success:
        raise SystemExit(f"run failed for {size}: {outcome.failures}")
    stages = stage_usage(settings, instance, outcome.run_id, sampler)
    pandas_seconds, by_buurt = pandas_core_indicators(settings.landing_dir, YEARS[-1])
    core_seconds = pipeline_core_indicators(settings)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        residents = con.execute("SELECT count(*) FROM staging.person_year WHERE year = ?", [YEARS[-1]]).fetchone()[0]
        ours = con.execute(
            "SELECT area_code AS buurt_code, indicator_id, value FROM indicators.values WHERE area_level = 'buurt' "
            "AND stratum = 'totaal' AND period = ? AND indicator_id IN ('ph_multimorbiditeit', "
            "'co_zvw_per_verzekerdejaar', 'ph_k10_hoog_risico')", [YEARS[-1]]).df()
    wide = ours.pivot(index="buurt_code", columns="indicator_id", values="value").join(by_buurt, how="inner")
    cost_abs = (wide["co_zvw_per_verzekerdejaar"] - wide["cost_per_insured_year"]).abs()
    return {
        "size": size, "residents": residents, "generation_s": round(generation, 1), "run_wall_s": round(wall, 1),
        "run_cpu_s": round(cpu, 1), "run_peak_mb": round(max(s[2] for s in sampler.samples)),
        "stages": {k: {m: round(v, 1 if m != "peak_mb" else None) for m, v in u.items()} for k, u in stages.items()},
        "pandas_core_s": round(pandas_seconds, 2), "pipeline_core_s": round(core_seconds, 2),
        "core_ratio": round(pandas_seconds / core_seconds, 1), "buurten_compared": len(wide),
        # percentage points for the shares, euro for the cost
        "max_abs_diff_multimorbid_pp": float((wide["ph_multimorbiditeit"] - 100 * wide["multimorbid"]).abs().max()),
        "max_abs_diff_k10_pp": float((wide["ph_k10_hoog_risico"] - 100 * wide["k10_high"]).abs().max()),
        "max_abs_diff_cost_eur": float(cost_abs.max()),
    }


def tables(results: list[dict]) -> str:
    """Markdown: one row per size with the run, then wall / CPU / peak memory per stage."""
    lines = ["| residents | generation s | run wall s | run CPU s | run peak MB | "
             + " | ".join(STAGE_ORDER) + " |", "|---" * (5 + len(STAGE_ORDER)) + "|"]
    for r in results:
        cells = []
        for stage in STAGE_ORDER:
            u = r["stages"].get(stage)
            cells.append(f"{u['wall']:.1f} / {u['cpu']:.1f} / {u['peak_mb']:.0f}" if u else "-")
        lines.append(f"| {r['residents']:,} | {r['generation_s']} | {r['run_wall_s']} | {r['run_cpu_s']} | "
                     f"{r['run_peak_mb']:,} | " + " | ".join(cells) + " |")
    lines += ["", "Stage cells: wall s / CPU s / peak resident MB.", "",
              "| residents | pandas 3 indicators s | pipeline 3 indicators s | ratio | buurten | "
              "max abs diff multimorbidity (pp) | K10 (pp) | Zvw cost per insured year (euro) |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['residents']:,} | {r['pandas_core_s']} | {r['pipeline_core_s']} | {r['core_ratio']}x | "
                     f"{r['buurten_compared']} | {r['max_abs_diff_multimorbid_pp']:.2g} | "
                     f"{r['max_abs_diff_k10_pp']:.2g} | {r['max_abs_diff_cost_eur']:.2g} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "bench")
    parser.add_argument("--keep", action="store_true", help="keep the generated regions (several GB at 1M)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        results.append(bench(size, args.out / f"region_{size}"))
        if not args.keep:
            shutil.rmtree(args.out / f"region_{size}", ignore_errors=True)
        table = tables(results)
        header = f"`python -m tests.benchmark.run --sizes {' '.join(map(str, args.sizes))}` ({os.cpu_count()} cores)"
        (args.out / "results.md").write_text(header + "\n\n" + table + "\n", encoding="utf-8")
        (args.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
