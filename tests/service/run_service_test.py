"""Service test: the deployment of deploy/ run as processes, without containers (`make service-test`, CI).

A throwaway PostgreSQL cluster holds Dagster's storage (deploy/dagster.yaml, unchanged); `dagster-daemon` loads a
workspace with one code location per region (`phm workspace`) of a temporary phm.toml with two small regions.
Then, with everything running as it would in production:

  a. a delivery of landing files arrives for region A and its landing sensor starts a run; region B's yearly
     schedule (cron every minute here) starts a run; a corrected file for A during its run makes the sensor
     request a run of that year, which the queue holds back (one run per region), as it does B's next minute;
  b. while A's daemon run is in progress, `phm run --region A` is refused, naming the run that holds the region;
  c. both daemon runs succeed (never two runs of a region in progress at once), and each region's published
     monitoring.duckdb holds only its own areas;
  d. a PASS/FAIL line per step with timings; on failure the daemon log tail and the failed runs' errors.

Not collected by pytest (pyproject.toml ignores tests/service). Needs the PostgreSQL server binaries (initdb,
pg_ctl; .ci/run installs Debian's `postgresql` when they are missing); as root the cluster runs as user postgres.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent          # the virtualenv's bin: phm, dagster, dagster-daemon
DEADLINE_SECONDS = 360                     # from the delivery until both daemon runs have finished
REGION_A = {"code": "RG_A", "name": "Servicetest A", "gemeenten": ["GM0399"]}   # Heiloo
REGION_B = {"code": "RG_B", "name": "Servicetest B", "gemeenten": ["GM0373"]}   # Bergen (NH)
YEARS = [2023]                             # one year: a run takes half as long, and the path is the same
SCALE = 0.05                               # about 1,200-1,500 residents a region: a run takes about a minute
ACTIVE = ("STARTING", "STARTED")           # a run worker exists (queued runs have none)
QUEUE_HOLD_SECONDS = 10                    # a queued run held this long while the region's run runs: the limit


@dataclass
class Step:
    name: str
    ok: bool
    detail: str
    seconds: float


class Service:
    """The throwaway deployment and the test's record of it."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.steps: list[Step] = []
        self.root = Path(tempfile.mkdtemp(prefix="phm-service-"))
        self.home = self.root / "dagster_home"
        self.data = self.root / "data"
        self.config = self.root / "phm.toml"
        self.workspace = self.home / "workspace.yaml"
        self.daemon_log = self.root / "daemon.log"
        self.pg_dir: Path | None = None
        self.pg_port = 0
        self.pg_ctl: str | None = None
        self.daemon: subprocess.Popen | None = None
        self.env: dict[str, str] = {}
        self.failed_run_ids: set[str] = set()

    # ------------------------------------------------------------------ bookkeeping

    def record(self, name: str, ok: bool, detail: str, since: float) -> bool:
        step = Step(name, ok, detail, time.monotonic() - since)
        self.steps.append(step)
        print(f"[{time.monotonic() - self.started:6.1f}s] {'PASS' if ok else 'FAIL'} {name} "
              f"({step.seconds:.1f} s): {detail}", flush=True)
        return ok

    def log(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", flush=True)

    # ------------------------------------------------------------------ PostgreSQL

    def start_postgres(self) -> None:
        since = time.monotonic()
        initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
                               "/usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql)")
        self.pg_ctl = pg_ctl
        self.pg_dir = Path(tempfile.mkdtemp(prefix="phm-service-pg-"))
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to user postgres
            import pwd

            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root but there is no user postgres to own the cluster") from exc
            os.chown(self.pg_dir, owner.pw_uid, owner.pw_gid)
        self.pg_port = _free_port()
        _as_pg_owner([initdb, "-D", str(self.pg_dir / "db"), "-U", "dagster", "-A", "trust", "-E", "UTF8",
                      "--no-locale", "--no-sync"])
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.pg_port} -c unix_socket_directories={self.pg_dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _as_pg_owner([pg_ctl, "-D", str(self.pg_dir / "db"), "-l", str(self.pg_dir / "postgres.log"), "-w",
                      "-t", "60", "-o", options, "start"])
        createdb = _pg_binary("createdb")
        subprocess.run([createdb, "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "dagster", "dagster"],
                       check=True, capture_output=True, text=True)
        version = subprocess.run([pg_ctl, "--version"], capture_output=True, text=True).stdout.strip()
        self.record("postgres", True, f"{version} on 127.0.0.1:{self.pg_port}, database dagster", since)

    def stop_postgres(self) -> None:
        if self.pg_dir is None:
            return
        if self.pg_ctl and (self.pg_dir / "db" / "postmaster.pid").exists():
            try:
                _as_pg_owner([self.pg_ctl, "-D", str(self.pg_dir / "db"), "-m", "immediate", "-w", "stop"])
            except subprocess.CalledProcessError as exc:
                print(f"stopping postgres: {exc.stderr or exc}", file=sys.stderr)
        shutil.rmtree(self.pg_dir, ignore_errors=True)

    # ------------------------------------------------------------------ configuration and data

    def write_config(self) -> None:
        """phm.toml with two small regions, every other setting as in the repository's phm.toml."""
        since = time.monotonic()
        raw = tomllib.loads((REPO / "phm.toml").read_text(encoding="utf-8"))
        raw["region"] = dict(REGION_A)
        raw["regions"] = {REGION_B["code"]: {k: v for k, v in REGION_B.items() if k != "code"}}
        raw["run"] = {**raw.get("run", {}), "years": YEARS, "data_dir": str(self.data),
                      "reference_dir": str(REPO / "sample_data" / "reference")}
        raw["generator"] = {**raw.get("generator", {}), "scale": SCALE}
        # the landing sensor looks every 5 s; the yearly schedule fires every minute (only region B's is on)
        raw["automation"] = {**raw.get("automation", {}), "sensor_interval_seconds": 5, "yearly_cron": "* * * * *"}
        if "alerts" in raw:  # failures go to the alert file only, never to a real webhook or mailbox
            raw["alerts"] = {"file": raw["alerts"].get("file", "alerts.log")}
        self.config.write_text(_toml(raw), encoding="utf-8")
        self.env = {**os.environ, "PHM_CONFIG": str(self.config), "PHM_DATA_DIR": str(self.data),
                    "DAGSTER_HOME": str(self.home), "DAGSTER_PG_HOST": "127.0.0.1",
                    "DAGSTER_PG_PORT": str(self.pg_port), "DAGSTER_PG_USER": "dagster",
                    "DAGSTER_PG_PASSWORD": "dagster", "DAGSTER_PG_DB": "dagster", "PYTHONUNBUFFERED": "1"}
        self.env.pop("PHM_REGION", None)
        os.environ.update({k: self.env[k] for k in ("PHM_CONFIG", "PHM_DATA_DIR", "DAGSTER_HOME") + tuple(
            k for k in self.env if k.startswith("DAGSTER_PG_"))})
        from pipelines.config import load_regions

        self.regions = {s.region_code: s for s in load_regions(self.config)}
        a, b = self.regions["RG_A"], self.regions["RG_B"]
        self.record("config", True, f"{self.config}: RG_A {a.gemeenten} in {a.data_dir}, RG_B {b.gemeenten} in "
                    f"{b.data_dir}, years {YEARS}, scale {SCALE}, [automation] sensor 5 s, yearly cron every minute",
                    since)

    def generate(self) -> None:
        since = time.monotonic()
        for code in ("RG_A", "RG_B"):
            done = self.phm(["generate", "--config", str(self.config), "--region", code], timeout=180)
            if done.returncode != 0:
                raise RuntimeError(f"phm generate --region {code} failed:\n{done.stdout}{done.stderr}")
        # region A's delivery is held back: it arrives (step a) once the sensor is watching
        landing = self.regions["RG_A"].landing_dir
        landing.rename(landing.with_name("landing.incoming"))
        files = sum(1 for p in landing.with_name("landing.incoming").glob("*/*") if p.is_file())
        self.record("generate", True, f"phm generate for RG_A and RG_B; RG_A's {files} files held back", since)

    def write_instance(self) -> None:
        """$DAGSTER_HOME: the committed deploy/dagster.yaml and the workspace of `phm workspace`."""
        since = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "deploy" / "dagster.yaml", self.home / "dagster.yaml")
        done = self.phm(["workspace", "--config", str(self.config)], timeout=120)
        generated = done.returncode == 0 and "load_from" in done.stdout
        if generated:
            self.workspace.write_text(done.stdout, encoding="utf-8")
        else:  # by hand, in the shape `phm workspace` writes
            self.workspace.write_text("load_from:\n" + "".join(
                f"  - python_module:\n      module_name: pipelines.definitions\n      attribute: {name}\n"
                f"      location_name: {name}\n      working_directory: {REPO}\n" for name in ("rg_a", "rg_b")),
                encoding="utf-8")
        import yaml

        entries = [e["python_module"] for e in yaml.safe_load(self.workspace.read_text())["load_from"]]
        shape = [(e["module_name"], e["attribute"], e["location_name"]) for e in entries]
        expected = [("pipelines.definitions", "rg_a", "rg_a"), ("pipelines.definitions", "rg_b", "rg_b")]
        detail = f"locations {[e['location_name'] for e in entries]}"
        if not generated:
            detail = f"`phm workspace` failed ({(done.stderr or done.stdout).strip()[-300:]}); written by hand, {detail}"
        self.record("workspace", generated and shape == expected, detail, since)

    # ------------------------------------------------------------------ processes

    def phm(self, args: list[str], timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "phm"), *args], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def dagster(self, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "dagster"), *args], cwd=REPO, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def start_automation(self) -> None:
        """Switch on A's landing sensor and B's yearly schedule, as an operator would (the CLI, or the UI).

        Each command gets a workspace of just its own location (the same entry as in workspace.yaml, so the same
        origin and selector the daemon sees): it then loads one code location instead of every region's."""
        since = time.monotonic()
        import yaml

        entries = {e["python_module"]["location_name"]: e
                   for e in yaml.safe_load(self.workspace.read_text())["load_from"]}
        single = {}
        for location in ("rg_a", "rg_b"):
            single[location] = self.home / f"workspace_{location}.yaml"
            single[location].write_text(yaml.safe_dump({"load_from": [entries[location]]}), encoding="utf-8")
        commands = {
            "landing_sensor_rg_a": self.dagster(["sensor", "start", "landing_sensor_rg_a", "-w",
                                                 str(single["rg_a"]), "-l", "rg_a"]),
            "yearly_run_rg_b": self.dagster(["schedule", "start", "yearly_run_rg_b", "-w", str(single["rg_b"]),
                                             "-l", "rg_b"]),
        }
        problems = []
        for name, proc in commands.items():
            try:
                output, _ = proc.communicate(timeout=240)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                output = "timed out after 240 s"
            if proc.returncode != 0:
                problems.append(f"{name}: {output.strip()[-1500:]}")
        if problems:
            self.record("start sensor and schedule", False, "; ".join(problems), since)
            raise StepFailed("could not switch on the sensor and the schedule")
        self.record("start sensor and schedule", True, "dagster sensor start landing_sensor_rg_a -l rg_a; "
                    "dagster schedule start yearly_run_rg_b -l rg_b", since)

    def start_daemon(self) -> None:
        since = time.monotonic()
        log = self.daemon_log.open("w", encoding="utf-8")
        self.daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)], cwd=REPO,
                                       env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.record("daemon", True, f"dagster-daemon run -w workspace.yaml (pid {self.daemon.pid}, log "
                    f"{self.daemon_log})", since)

    def stop_daemon(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            _kill_group(self.daemon)

    # ------------------------------------------------------------------ the instance

    def instance(self):
        import dagster as dg

        if not hasattr(self, "_instance"):
            self._instance = dg.DagsterInstance.get()
        return self._instance

    def instigator(self, name: str):
        from dagster._core.scheduler.instigation import InstigatorType

        for kind in (InstigatorType.SENSOR, InstigatorType.SCHEDULE):
            for state in self.instance().all_instigator_state(instigator_type=kind):
                if state.instigator_name == name:
                    return state
        return None

    def runs(self, region: str, **tags: str) -> list:
        """The region's runs, oldest first, optionally with more tags (the sensor's or schedule's name)."""
        import dagster as dg

        records = self.instance().get_run_records(dg.RunsFilter(tags={"phm/region": region, **tags}))
        return [r.dagster_run for r in sorted(records, key=lambda r: r.create_timestamp)]

    def wait_for_sensor_tick(self, name: str, timeout: float) -> str:
        """The sensor's first evaluation: proof the daemon runs it (a skip while the landing folder is empty)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_daemon_alive()
            state = self.instigator(name)
            if state is not None:
                ticks = self.instance().get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
                if ticks and ticks[0].status.value != "STARTED":  # a tick being evaluated is not yet an answer
                    tick = ticks[0]
                    if tick.status.value == "FAILURE":
                        raise StepFailed(f"{name} failed its first tick: {tick.error.to_string() if tick.error else '?'}")
                    return f"{tick.status.value}: {tick.skip_reason or tick.run_ids}"
            time.sleep(1)
        raise StepFailed(f"no tick of {name} within {timeout:.0f} s")

    def check_daemon_alive(self) -> None:
        if self.daemon is not None and self.daemon.poll() is not None:
            raise StepFailed(f"dagster-daemon exited with code {self.daemon.returncode}")

    # ------------------------------------------------------------------ the scenario

    def scenario(self) -> None:
        since = time.monotonic()
        tick = self.wait_for_sensor_tick("landing_sensor_rg_a", timeout=180)
        self.record("sensor watches", True, f"landing_sensor_rg_a first tick {tick}", since)

        # a. the delivery arrives at once (a rename), the sensor launches a run; B's schedule fires within a minute
        since = time.monotonic()
        landing = self.regions["RG_A"].landing_dir
        landing.with_name("landing.incoming").rename(landing)
        delivered = time.monotonic()
        run_a = self.wait_for_run("RG_A", {"dagster/sensor_name": "landing_sensor_rg_a"}, ACTIVE, timeout=120)
        self.record("a. sensor run", run_a is not None,
                    f"run {run_a.run_id} of {run_a.job_name}, tags {_tag_summary(run_a)}" if run_a else
                    "the landing sensor launched no run within 120 s of the delivery", since)
        if run_a is None:
            raise StepFailed("no sensor run")
        max_runtime = run_a.tags.get("dagster/max_runtime")
        self.record("max_runtime tag", bool(max_runtime),
                    f"dagster/max_runtime={max_runtime} s, enforced by run_monitoring" if max_runtime else
                    "the run has no dagster/max_runtime tag: run monitoring falls back to max_runtime_seconds",
                    time.monotonic())

        # a corrected file for A while its run runs: the sensor requests a run of that year, which has to wait
        # in the queue behind the running one (one run per region)
        corrected = self.regions["RG_A"].landing_dir / "workforce" / "workforce_2023.csv"
        corrected.write_bytes(corrected.read_bytes() + b"\n")
        self.corrected = corrected.relative_to(self.regions["RG_A"].landing_dir).as_posix()

        # b. a second run of region A from the command line while the daemon's run holds the region
        self.refuse_second_run(run_a)

        # c. both daemon runs finish; never two runs of a region in progress at once
        self.wait_for_both(run_a, delivered)
        self.check_publications()

    def wait_for_run(self, region: str, tags: dict, statuses: tuple[str, ...], timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_daemon_alive()
            for run in self.runs(region, **tags):
                if run.status.value in statuses or run.is_finished:
                    return run
            time.sleep(1)
        return None

    def refuse_second_run(self, run_a) -> None:
        since = time.monotonic()
        data_dir = self.regions["RG_A"].data_dir
        holder = None
        try:
            from pipelines.lock import holder as lock_holder
        except ImportError:
            lock_holder = None
        # wait until the daemon's run holds the region (its resources started), at most 90 s
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run = self.instance().get_run_by_id(run_a.run_id)
            if run.is_finished:
                break
            if lock_holder is not None:
                holder = lock_holder(data_dir)
                if holder and holder.get("run_id") == run_a.run_id:
                    break
            elif _has_step_started(self.instance(), run_a.run_id):
                break
            time.sleep(0.5)
        run = self.instance().get_run_by_id(run_a.run_id)
        if run.is_finished:
            self.record("b. phm run refused", False, f"the daemon's run {run_a.run_id} finished ({run.status.value}) "
                        "before it was seen holding the region lock; nothing to test", since)
            return
        held = f"lock {data_dir / 'run.lock'} held by {holder.get('run_id')}" if holder else "no lock file read"
        proc = subprocess.Popen([str(BIN / "phm"), "run", "--config", str(self.config), "--region", "RG_A"],
                                cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        output: list[str] = []
        reader = threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and run_a.run_id not in "".join(output):
            time.sleep(0.5)
        with contextlib.suppress(subprocess.TimeoutExpired):  # a refusal exits right after its message
            proc.wait(timeout=15)
        waiting = proc.poll() is None
        if waiting:  # it waits for the holder (or runs): stop it, the test has what it needs
            _kill_group(proc)
        proc.wait()
        reader.join(timeout=5)
        text = "".join(output)
        named = run_a.run_id in text
        refused = named and (waiting or proc.returncode != 0)
        how = "waits for it" if waiting else f"exit code {proc.returncode}"
        message = " ".join(line.strip() for line in text.splitlines() if run_a.run_id in line)[:600] or text[-800:]
        self.record("b. phm run refused", refused, f"{how}; {held}; `phm run --region RG_A` said: {message}", since)

    def wait_for_both(self, run_a, delivered: float) -> None:
        """Until A's sensor run and B's first scheduled run finish. Meanwhile every daemon run of a region is
        watched: never two in progress at once, and a later run (A's corrected file, B's next minute) that stays
        queued while the region's first run runs is the per-region limit at work; it is then cancelled."""
        since = time.monotonic()
        deadline = delivered + DEADLINE_SECONDS
        routes = {"RG_A": {"dagster/sensor_name": "landing_sensor_rg_a"},
                  "RG_B": {"dagster/schedule_name": "yearly_run_rg_b"}}
        final: dict[str, object] = {"RG_A": None, "RG_B": None}
        held: list[str] = []
        queued_since: dict[str, float] = {}
        overlaps: set[str] = set()
        schedule_stopped = False
        seen: dict[str, list[str]] = {}
        while time.monotonic() < deadline:
            self.check_daemon_alive()
            for region, tags in routes.items():
                runs = self.runs(region, **tags)
                if region == "RG_A":
                    runs = [r for r in runs if r.run_id == run_a.run_id] + [r for r in runs if r.run_id != run_a.run_id]
                for r in runs:
                    seen.setdefault(f"{region} {r.run_id[:8]}", []).append(r.status.value)
                active = [r.run_id for r in runs if r.status.value in ACTIVE]
                if len(active) > 1:
                    overlaps.add(f"{region}: {', '.join(active)}")
                if not runs:
                    continue
                first = runs[0]
                if first.is_finished:
                    final[region] = first
                if region == "RG_B" and (len(runs) > 1 or first.is_finished) and not schedule_stopped:
                    schedule_stopped = self.stop_instigator("yearly_run_rg_b")  # no more runs every minute
                for extra in runs[1:]:
                    if extra.status.value != "QUEUED":
                        continue
                    # max_concurrent_runs is 4: only the phm/region limit keeps it waiting for long
                    queued_at = queued_since.setdefault(extra.run_id, time.monotonic())
                    first_active = first.status.value in ACTIVE
                    if first_active and time.monotonic() - queued_at < QUEUE_HOLD_SECONDS:
                        continue
                    if first_active:
                        what = extra.tags.get("phm/changed_files") or extra.tags.get("dagster/schedule_name")
                        held.append(f"{region} {extra.run_id} ({what}, year "
                                    f"{extra.tags.get('dagster/partition', 'all')})")
                    self.instance().run_coordinator.cancel_run(extra.run_id)  # it would only take CPU here
            if final["RG_A"] is not None and final["RG_B"] is not None:
                break
            time.sleep(2)
        for region, run in final.items():
            if run is None:
                latest = self.runs(region, **routes[region])[:1]
                what = (f"run {latest[0].run_id} still {latest[0].status.value}" if latest
                        else f"no run of {routes[region]}")
                self.record(f"c. {region} daemon run", False, f"{what} {DEADLINE_SECONDS} s after the delivery", since)
                continue
            ok = run.status.value == "SUCCESS"
            if not ok:
                self.failed_run_ids.add(run.run_id)
            stats = self.instance().get_run_stats(run.run_id)
            record = self.instance().get_run_record_by_id(run.run_id)
            created = record.create_timestamp.timestamp() if record else None
            phases = [(label, end - start) for label, start, end in (
                ("queued", created, stats.launch_time), ("starting", stats.launch_time, stats.start_time),
                ("running", stats.start_time, stats.end_time)) if start and end]
            took = ", ".join(f"{label} {seconds:.0f} s" for label, seconds in phases) or "?"
            route = run.tags.get("dagster/sensor_name") or run.tags.get("dagster/schedule_name")
            self.record(f"c. {region} daemon run", ok, f"run {run.run_id} ({route}) {run.status.value}: {took}",
                        since)
        statuses = "; ".join(f"{k} {'>'.join(dict.fromkeys(v))}" for k, v in seen.items())
        self.record("c. one run per region", not overlaps and bool(held),
                    ("two runs of a region in progress at once: " + "; ".join(sorted(overlaps))) if overlaps else
                    (f"queued for {QUEUE_HOLD_SECONDS} s behind its region's running run, then cancelled: "
                     + "; ".join(held)) if held else
                    f"no second run of a region waited in the queue while its first ran: the sensor made no run "
                    f"for the corrected {self.corrected}, or the run of RG_A ended within about 20 s", since)
        self.log(f"runs seen: {statuses}")

    def stop_instigator(self, name: str) -> bool:
        from dagster._core.scheduler.instigation import InstigatorStatus

        state = self.instigator(name)
        if state is None:
            return False
        self.instance().update_instigator_state(state.with_status(InstigatorStatus.STOPPED))
        return True

    def check_publications(self) -> None:
        """Each region's monitoring.duckdb holds its own gemeenten, their wijken and buurten, and nothing else."""
        import duckdb

        since = time.monotonic()
        for code, other in (("RG_A", "RG_B"), ("RG_B", "RG_A")):
            settings = self.regions[code]
            published = settings.published_dir / "monitoring.duckdb"
            if not published.exists():
                self.record(f"c. {code} publication", False, f"{published} does not exist", since)
                continue
            own = {gm[2:] for gm in settings.gemeenten}
            foreign = {gm[2:] for gm in self.regions[other].gemeenten}
            with duckdb.connect(str(published), read_only=True) as con:
                tables = [r[0] for r in con.execute(
                    "SELECT DISTINCT table_name FROM duckdb_columns() WHERE column_name = 'area_code' "
                    "AND NOT internal AND table_name NOT LIKE 'v\\_%' ESCAPE '\\'").fetchall()]
                codes = set()
                for table in tables:
                    codes |= {r[0] for r in con.execute(f'SELECT DISTINCT area_code FROM "{table}"').fetchall()}
                gemeenten = sorted(r[0] for r in con.execute(
                    "SELECT area_code FROM areas WHERE area_level = 'gemeente'").fetchall())
            strange = sorted(c for c in codes if c != code and _gemeente_number(c) not in own)
            theirs = sorted(c for c in codes if c == other or _gemeente_number(c) in foreign)
            ok = bool(codes) and not strange and not theirs and gemeenten == sorted(settings.gemeenten)
            self.record(f"c. {code} publication", ok,
                        f"{published}: {len(codes)} area codes in {', '.join(sorted(tables))}; gemeenten {gemeenten}"
                        + (f"; not its own: {strange[:10]}" if strange else "")
                        + (f"; {other}'s: {theirs[:10]}" if theirs else ""), since)

    # ------------------------------------------------------------------ the report

    def report_failure_context(self) -> None:
        if self.daemon_log.exists():
            lines = self.daemon_log.read_text(encoding="utf-8", errors="replace").splitlines()
            print(f"\n--- dagster-daemon log, last 80 of {len(lines)} lines ({self.daemon_log}) ---")
            print("\n".join(lines[-80:]))
        if self.failed_run_ids and hasattr(self, "_instance"):
            import dagster as dg

            for run_id in sorted(self.failed_run_ids):
                print(f"\n--- errors of run {run_id} ---")
                records = self.instance().get_records_for_run(
                    run_id, of_type={dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE}).records
                for record in records[:10]:
                    entry = record.event_log_entry
                    error = entry.dagster_event.event_specific_data if entry.dagster_event else None
                    text = getattr(getattr(error, "error", None), "message", "") or entry.message
                    print(f"{entry.step_key or 'run'}: {text.strip()[:1500]}")
                checks = self.instance().get_records_for_run(
                    run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
                for record in checks:
                    evaluation = record.event_log_entry.dagster_event.event_specific_data
                    if not evaluation.passed:
                        print(f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} "
                              f"({evaluation.severity.value}): {(evaluation.description or '').strip()[:800]}")
        if self.pg_dir and (self.pg_dir / "postgres.log").exists():
            lines = (self.pg_dir / "postgres.log").read_text(errors="replace").splitlines()
            print("\n--- postgres log, last 20 lines ---\n" + "\n".join(lines[-20:]))

    def summary(self) -> bool:
        ok = bool(self.steps) and all(s.ok for s in self.steps)
        total = time.monotonic() - self.started
        print("\n=== service test summary ===")
        for s in self.steps:
            print(f"{'PASS' if s.ok else 'FAIL'}  {s.seconds:6.1f} s  {s.name}")
        print(f"{'PASS' if ok else 'FAIL'}: service test {'passed' if ok else 'failed'} in {total:.0f} s")
        return ok


class StepFailed(RuntimeError):
    """A step failed in a way that makes the following steps pointless."""


def _tag_summary(run) -> str:
    keys = ("phm/region", "dagster/partition", "dagster/asset_partition_range_start",
            "dagster/asset_partition_range_end", "phm/changed_files")
    return ", ".join(f"{k}={run.tags[k]}" for k in keys if k in run.tags)[:400]


def _has_step_started(instance, run_id: str) -> bool:
    import dagster as dg

    return bool(instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_START, limit=1).records)


def _gemeente_number(area_code: str) -> str | None:
    """0399 for GM0399, WK039901 and BU03990101; None for anything else (a region code)."""
    match = re.fullmatch(r"(?:GM|WK|BU)(\d{4})\d*", area_code or "")
    return match.group(1) if match else None


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)] or [0])
    return str(candidates[-1]) if candidates else None


def _as_pg_owner(cmd: list[str]) -> None:
    """Run a cluster command as the cluster's owner: user postgres when this process is root."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd="/")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill_group(proc: subprocess.Popen, grace: float = 15) -> None:
    """Stop a process started here in its own session, with everything it started (code servers, run workers)."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # the leader is gone; give the rest of its group a moment, then make sure
        time.sleep(1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        return


def _toml(data: dict) -> str:
    """TOML for the plain configuration tables of phm.toml (strings, numbers, booleans, lists, nested tables)."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(f"cannot write {v!r} as TOML")

    lines: list[str] = []

    def table(name: str, body: dict) -> None:
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {value(v)}" for k, v in body.items() if not isinstance(v, dict))
        lines.append("")
        for k, v in body.items():
            if isinstance(v, dict):
                table(f"{name}.{k}", v)

    for name, body in data.items():
        table(name, body)
    return "\n".join(lines)


def check_deploy_files() -> tuple[bool, str]:
    """The committed deploy/ files agree: same environment for every Dagster process, workspaces by region."""
    import yaml

    deploy = REPO / "deploy"
    compose = yaml.safe_load((deploy / "compose.yaml").read_text())
    problems = []
    services = {k: v for k, v in compose["services"].items() if k != "postgres"}
    envs = {name: {k: v for k, v in service.get("environment", {}).items()
                   if k in ("PHM_CONFIG", "PHM_DATA_DIR", "DAGSTER_HOME")} for name, service in services.items()}
    if len({json.dumps(e, sort_keys=True) for e in envs.values()}) != 1 or len(next(iter(envs.values()))) != 3:
        problems.append(f"compose services differ in PHM_CONFIG/PHM_DATA_DIR/DAGSTER_HOME: {envs}")
    for name, service in services.items():
        if not any(str(v).endswith(":/srv/phm/data") for v in service.get("volumes", [])):
            problems.append(f"compose service {name} lacks the data volume")
    from dagster._core.workspace.config_schema import ensure_workspace_config  # what dagster -w checks

    for name in ("workspace.yaml", "workspace.compose.yaml"):
        try:
            ensure_workspace_config(yaml.safe_load((deploy / name).read_text()), str(deploy / name))
        except Exception as exc:
            problems.append(f"deploy/{name} is no valid workspace: {exc}")
    grpc = yaml.safe_load((deploy / "workspace.compose.yaml").read_text())["load_from"]
    for entry in grpc:
        host, location = entry["grpc_server"]["host"], entry["grpc_server"]["location_name"]
        command = services.get(host, {}).get("command", [])
        if host != f"code_{location}" or location not in command or "--location-name" not in command:
            problems.append(f"workspace.compose.yaml location {location} has no matching code server service")
    local = yaml.safe_load((deploy / "workspace.yaml").read_text())["load_from"]
    names = [e["python_module"]["location_name"] for e in local]
    if names != [e["grpc_server"]["location_name"] for e in grpc]:
        problems.append(f"deploy/workspace.yaml locations {names} differ from workspace.compose.yaml's")
    # the committed example is what `phm workspace` prints for the repository's phm.toml (but its checkout path)
    env = {k: v for k, v in os.environ.items() if k not in ("PHM_CONFIG", "PHM_DATA_DIR", "PHM_REGION")}
    done = subprocess.run([str(BIN / "phm"), "workspace", "--config", str(REPO / "phm.toml")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        problems.append(f"`phm workspace` failed: {(done.stderr or done.stdout).strip()[-300:]}")
    else:
        def shape(entries):
            return [{k: v for k, v in e["python_module"].items() if k != "working_directory"} for e in entries]

        printed = yaml.safe_load(done.stdout)["load_from"]
        if shape(printed) != shape(local):
            problems.append(f"deploy/workspace.yaml is not what `phm workspace` prints for phm.toml: {shape(printed)}")
    dockerfile = (deploy / "Dockerfile").read_text()
    for var in ("PHM_CONFIG", "PHM_DATA_DIR", "DAGSTER_HOME"):
        if f"{var}=" not in dockerfile:
            problems.append(f"Dockerfile sets no {var}")
    return not problems, "; ".join(problems) or (
        f"compose services {sorted(services)} share PHM_CONFIG, PHM_DATA_DIR, DAGSTER_HOME and the data volume; "
        f"deploy/workspace.yaml = `phm workspace` for phm.toml, locations {names}")


def main() -> int:
    os.chdir(REPO)
    sys.path.insert(0, str(REPO))
    service = Service()
    print(f"phm service test in {service.root}", flush=True)
    try:
        since = time.monotonic()
        ok, detail = check_deploy_files()
        service.record("deploy files", ok, detail, since)
        service.start_postgres()
        service.write_config()
        service.write_instance()
        service.generate()
        service.start_automation()
        service.start_daemon()
        service.scenario()
    except StepFailed as exc:
        service.record("stopped", False, str(exc), time.monotonic())
    except Exception as exc:  # an unexpected error is a failure of the test, reported like the others
        detail = "".join(traceback.format_exception_only(exc)).strip()
        if isinstance(exc, subprocess.CalledProcessError):
            detail += f"\n{exc.stdout or ''}{exc.stderr or ''}"
        service.record("unexpected error", False, detail, time.monotonic())
        traceback.print_exc()
    finally:
        service.stop_daemon()
        ok = service.summary()
        if not ok:
            service.report_failure_context()
        if hasattr(service, "_instance"):
            service._instance.dispose()
        service.stop_postgres()
        if ok and not os.environ.get("PHM_SERVICE_KEEP"):
            shutil.rmtree(service.root, ignore_errors=True)
        else:
            print(f"\nkept for inspection: {service.root}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
