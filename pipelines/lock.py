"""The region lock: one run per region at a time, whichever route started it.

`phm run`, a daemon run (sensor, schedule, launchpad), a "Materialize" in the UI and a test all write the same
`warehouse.duckdb` and `published/`. The queued run coordinator limits only the runs it launches, so every run
takes this lock itself, while its resources start and before any step writes: an exclusive `flock` on
`<data_dir>/run.lock`, released when the run ends or its process dies (no stale lock after a crash). The file
names the run that holds it, so a refused run can say which run to wait for.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "run.lock"


class RegionBusy(RuntimeError):
    """Another run holds the region's lock."""


def lock_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / LOCK_NAME


def _describe(holder: dict) -> str:
    started = holder.get("started")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if started else "?"
    return (f"run {holder.get('run_id', '?')} ({holder.get('route', '?')}, job {holder.get('job', '?')}, "
            f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started {when})")


def holder(data_dir: Path | str) -> dict | None:
    """Who holds the region lock now, or None when it is free (the lock file itself may remain)."""
    path = lock_path(data_dir)
    if not path.exists():
        return None
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            try:
                return json.loads(handle.read() or "{}")
            except json.JSONDecodeError:
                return {}
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def busy_message(region: str, data_dir: Path | str, held_by: dict) -> str:
    return (f"region {region} is in use by {_describe(held_by)}: one run per region at a time "
            f"(lock {lock_path(data_dir)}). Wait for that run to finish, or stop it in the Dagster UI "
            f"(Runs, filter by tag phm/region={region}), and start again.")


@contextmanager
def region_lock(region: str, data_dir: Path | str, run_id: str, job: str, route: str) -> Iterator[Path]:
    """Hold the region's lock for the duration of the block; `RegionBusy` at once when another run holds it."""
    path = lock_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            try:
                held_by = json.loads(handle.read() or "{}")
            except json.JSONDecodeError:
                held_by = {}
            raise RegionBusy(busy_message(region, data_dir, held_by)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"region": region, "run_id": run_id, "job": job, "route": route,
                                 "pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}))
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
