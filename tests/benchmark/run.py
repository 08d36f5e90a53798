"""`make bench`: end-to-end timings per stage for regions of growing size, and the same core indicators
computed by a straightforward pandas script, side by side. Not part of `make test`.

    .venv/bin/python -m tests.benchmark.run --sizes 100000 300000 1000000

Writes data/bench/results.md and results.json (and prints the tables). Generation is timed separately
from the run. Per stage: wall time from the Dagster step events, CPU time (all threads, DuckDB's
included) and peak resident memory from a sampler inside the process (every 0.1 s).

The pandas comparison (tests/benchmark/pandas_baseline.py) computes the same cells as the pipeline for
three core indicators (multimorbidity, Zvw cost per insured year, K10 high risk): every year, area level
and stratum, from the landing files, the way an analyst would script it. Every cell is matched with
`indicators.indicator_values` (none may be missing on either side) and the largest difference is reported.
`pipeline_core_s` is the pipeline's own aggregation of those indicators (indicators/aggregation.py on its
marts); the pandas time includes reading the files, which the pipeline does in its ingest (stage columns).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
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
from tests.benchmark.pandas_baseline import CORE, pandas_core_indicators
from tests.regions import write_config

DEFAULT_REGION = ["GM0361", "GM0399", "GM0373", "GM0383"]  # about 203,000 residents at scale 1
DEFAULT_RESIDENTS = 203_000
YEARS = [2022, 2023, 2024]
STAGE_ORDER = ("ingest", "staging", "PHM steps", "indicators", "checks", "publication", "report")
STAGES = {"ingest": "ingest", "staging": "staging", "phm_step1_population": "PHM steps",
          "phm_step2_health": "PHM steps", "phm_step3_stratification": "PHM steps",
          "phm_step4_targeting": "PHM steps", "phm_step5_evaluation": "PHM steps", "indicators": "indicators",
          "publish": "publication"}
STEP_STAGES = {"quality__expectations": "checks", "publish__report": "report"}  # within the publish group


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


def stage_usage(settings, instance: dg.DagsterInstance, run_id: str, sampler: Sampler
                ) -> tuple[dict[str, dict], dict[str, float]]:
    """Wall seconds, CPU seconds and peak RSS per stage, and wall seconds per step, from the run's step events."""
    from pipelines.definitions import build_definitions

    groups = {dg.AssetKey(key.path[1:]).to_python_identifier(): spec.group_name  # step keys have no region prefix
              for key, spec in ((s.key, s) for s in build_definitions(settings).resolve_all_asset_specs())}
    starts = {}
    usage = defaultdict(lambda: {"wall": 0.0, "cpu": 0.0, "peak_mb": 0.0})
    steps = {}
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
            steps[step] = record.timestamp - start
    return dict(usage), steps


def pipeline_core_indicators(settings) -> float:
    """Seconds for the pipeline's aggregation of the core indicators alone, on the marts of the run."""
    from indicators.aggregation import build_cells
    from indicators.catalogue import Catalogue, expansions_from_warehouse, load_catalogue
    from pipelines.resources import apply_warehouse_settings, warehouse_connection_config

    with duckdb.connect(str(settings.warehouse_path), config=warehouse_connection_config(settings)) as con:
        apply_warehouse_settings(con)
        full = load_catalogue(settings.cutoffs, expansions_from_warehouse(con))
        core = Catalogue(full.version, full.marts, tuple(full.by_id(i) for i in CORE))
        start = time.perf_counter()
        build_cells(con, core, list(settings.years))
        return time.perf_counter() - start


def measure_run(config: Path) -> dict:
    """Run the main job once and measure it (called in a fresh process, as `phm run` would be)."""
    settings = load_settings(config)
    instance = dg.DagsterInstance.ephemeral()
    with Sampler() as sampler:
        cpu0, t0 = time.process_time(), time.perf_counter()
        outcome = run_main_job(settings, instance=instance)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if not outcome.success:
        raise SystemExit(f"run failed: {outcome.failures}")
    stages, steps = stage_usage(settings, instance, outcome.run_id, sampler)
    return {"wall": wall, "cpu": cpu, "peak_mb": max(s[2] for s in sampler.samples), "stages": stages,
            "steps": steps}


def bench(size: int, root: Path, layout: str = "native") -> dict:
    """One size in one input layout: `cbs_microdata` reads the same synthetic population from CBS's files (the
    native landing folder still holds workforce and interventions, which CBS does not deliver)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    extra = "" if layout == "native" else f'[input]\nlayout = "{layout}"\npseudonym_salt = "bench"\n'
    config = write_config(root / "phm.toml", root / "data", DEFAULT_REGION, YEARS, extra=extra)
    settings = load_settings(config)
    t0 = time.perf_counter()
    generate(settings.landing_dir, DEFAULT_REGION, YEARS, seed=1, scale=size / DEFAULT_RESIDENTS)
    if layout != "native":
        generate(settings.data_dir, DEFAULT_REGION, YEARS, seed=1, scale=size / DEFAULT_RESIDENTS, layout=layout)
    generation = time.perf_counter() - t0
    os.sync()  # delivered files are on disk before a real run starts; do not time the generator's writeback
    # Each run in its own process: every size pays the same start-up (imports, Dagster) as a real `phm run`,
    # and the peak memory is the run's own.
    child = subprocess.run([sys.executable, "-m", "tests.benchmark.run", "--measure-run", str(config)],
                           capture_output=True, text=True, cwd=REPO_ROOT)
    if child.returncode:
        raise SystemExit(f"the run of {size} residents failed:\n{child.stderr[-4000:]}")
    run = json.loads(child.stdout.strip().splitlines()[-1])
    wall, cpu, stages = run["wall"], run["cpu"], run["stages"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        residents = con.execute("SELECT count(*) FROM staging.person_year WHERE year = ?", [YEARS[-1]]).fetchone()[0]
        areas = con.execute("SELECT a.area_code, a.ancestor_code, a.ancestor_level FROM staging.area_ancestors a "
                            "JOIN staging.areas b ON b.area_code = a.area_code AND b.area_level = 'buurt'").df()
        ours = con.execute("SELECT indicator_id, period, area_code, stratum, value FROM indicators.indicator_values "
                           "WHERE value IS NOT NULL AND list_contains(?, indicator_id)", [list(CORE)]).df()
    pandas_seconds, reading_seconds, theirs = pandas_core_indicators(settings.landing_dir, YEARS, areas)
    core_seconds = pipeline_core_indicators(settings)
    return {
        "size": size, "layout": layout, "residents": residents, "generation_s": round(generation, 1), "run_wall_s": round(wall, 1),
        "run_cpu_s": round(cpu, 1), "run_peak_mb": round(run["peak_mb"]),
        "stages": {k: {m: round(v, 1 if m != "peak_mb" else None) for m, v in u.items()} for k, u in stages.items()},
        "slowest_steps": {k: round(v, 1) for k, v in sorted(run["steps"].items(), key=lambda kv: -kv[1])[:10]},
        "pandas_core_s": round(pandas_seconds, 2), "pandas_reading_s": round(reading_seconds, 2),
        "pipeline_core_s": round(core_seconds, 2),
        "core_ratio": round(pandas_seconds / core_seconds, 1), **compare_cells(ours, theirs),
    }


def compare_cells(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict:
    """Cells of both sides matched on their key: how many, how many only one side has, the largest differences."""
    key = ["indicator_id", "period", "area_code", "stratum"]
    theirs = theirs.dropna(subset=["value"]).astype({"period": "int64"})
    both = ours.astype({"period": "int64"}).merge(theirs, on=key, how="outer", suffixes=("_ours", "_pandas"),
                                                  indicator=True)
    matched = both[both["_merge"] == "both"]
    diff = (matched["value_ours"] - matched["value_pandas"]).abs().groupby(matched["indicator_id"]).max()
    return {"cells_compared": len(matched), "cells_only_pipeline": int((both["_merge"] == "left_only").sum()),
            "cells_only_pandas": int((both["_merge"] == "right_only").sum()),
            # percentage points for the shares, euro for the cost
            "max_abs_diff_multimorbid_pp": float(diff.get("ph_multimorbiditeit", float("nan"))),
            "max_abs_diff_k10_pp": float(diff.get("ph_k10_hoog_risico", float("nan"))),
            "max_abs_diff_cost_eur": float(diff.get("co_zvw_per_verzekerdejaar", float("nan")))}


def tables(results: list[dict]) -> str:
    """Markdown: one row per size with the run, then wall / CPU / peak memory per stage."""
    lines = ["| residents | layout | generation s | run wall s | run CPU s | run peak MB | "
             + " | ".join(STAGE_ORDER) + " |", "|---" * (6 + len(STAGE_ORDER)) + "|"]
    for r in results:
        cells = []
        for stage in STAGE_ORDER:
            u = r["stages"].get(stage)
            cells.append(f"{u['wall']:.1f} / {u['cpu']:.1f} / {u['peak_mb']:.0f}" if u else "-")
        lines.append(f"| {r['residents']:,} | {r.get('layout', 'native')} | {r['generation_s']} | {r['run_wall_s']} | "
                     f"{r['run_cpu_s']} | "
                     f"{r['run_peak_mb']:,} | " + " | ".join(cells) + " |")
    lines += ["", "Stage cells: wall s / CPU s / peak resident MB.", "",
              "| residents | pandas 3 indicators s (of which reading files) | pipeline 3 indicators s | ratio | "
              "cells compared | "
              "only pipeline / only pandas | max abs diff multimorbidity (pp) | K10 (pp) | "
              "Zvw cost per insured year (euro) |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['residents']:,} {r.get('layout', 'native')} | {r['pandas_core_s']} ({r['pandas_reading_s']}) | "
                     f"{r['pipeline_core_s']} | {r['core_ratio']}x | "
                     f"{r['cells_compared']:,} | {r['cells_only_pipeline']} / {r['cells_only_pandas']} | "
                     f"{r['max_abs_diff_multimorbid_pp']:.2g} | "
                     f"{r['max_abs_diff_k10_pp']:.2g} | {r['max_abs_diff_cost_eur']:.2g} |")
    lines += ["", "The ten slowest steps (wall s): what to look at first when a size gets slower.", ""]
    for r in results:
        steps = ", ".join(f"{k} {v}" for k, v in r.get("slowest_steps", {}).items())
        lines.append(f"- {r['residents']:,} ({r.get('layout', 'native')}): {steps}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "bench")
    parser.add_argument("--keep", action="store_true", help="keep the generated regions (several GB at 1M)")
    parser.add_argument("--layouts", nargs="+", default=["native"], choices=["native", "cbs_microdata"],
                        help="input layouts to run each size in (cbs_microdata: the same population in CBS files)")
    parser.add_argument("--measure-run", type=Path, help=argparse.SUPPRESS)  # the child process of `bench`
    args = parser.parse_args()
    if args.measure_run:
        print(json.dumps(measure_run(args.measure_run)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        for layout in args.layouts:
            folder = args.out / (f"region_{size}" + ("" if layout == "native" else f"_{layout}"))
            results.append(bench(size, folder, layout))
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
        table = tables(results)
        header = (f"`python -m tests.benchmark.run --sizes {' '.join(map(str, args.sizes))} --layouts "
                  f"{' '.join(args.layouts)}` ({os.cpu_count()} cores)")
        (args.out / "results.md").write_text(header + "\n\n" + table + "\n", encoding="utf-8")
        (args.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
