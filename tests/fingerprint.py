"""A content fingerprint of a publication: one hash per published table, without what differs run to run.

A refactoring must not change what users see. `python -m tests.fingerprint check <published_dir> <golden>`
compares a publication with a committed fingerprint (`tests/golden/*.json`) and names every table that
differs; `write` records a new one after an intended change. Run ids, times, the code version, the
configuration hash, absolute file paths and what the run-to-run guard says about the previous publication
are left out: they differ between two runs of the same code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

import duckdb

# columns that identify a run or a machine, not its content
RUN_COLUMNS = {"run_id", "started_at", "finished_at", "code_version", "config_hash", "path"}
# messages name the machine's paths and the seconds a check took: both are blanked
# what these checks report depends on whether a previous publication exists, not on the code: the run-to-run
# guard, and the candidate's GX suite, which has one expectation more (values stable since the last run) then
RUN_STATE_CHECKS = ("run_to_run_values", "run_to_run_coverage", "gx_candidate_indicator_values")
MESSAGE_COLUMNS = {"message", "message_nl"}
MACHINE_TEXT = r"(/[^ ()]+)|(\b[0-9]+(\.[0-9]+)? s\b)"


def table_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """sha256 of the table's rows (sorted) and column names, without RUN_COLUMNS."""
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]).fetchall()]
    kept = ", ".join(f"regexp_replace(\"{c}\", '{MACHINE_TEXT}', '…', 'g') AS \"{c}\"" if c in MESSAGE_COLUMNS
                     else f'"{c}"' for c in columns if c not in RUN_COLUMNS)
    where = (f"WHERE check_name NOT IN {RUN_STATE_CHECKS}" if table == "quality_results" else "")
    cursor = con.execute(f"SELECT {kept} FROM {table} {where} ORDER BY ALL ASC NULLS LAST")
    digest = hashlib.sha256()
    digest.update(json.dumps([d[0] for d in cursor.description]).encode())
    while rows := cursor.fetchmany(10_000):
        for row in rows:
            digest.update((json.dumps(list(row), separators=(",", ":"), ensure_ascii=False, default=str) + "\n")
                          .encode())
    return "sha256-" + base64.b64encode(digest.digest()).decode()


def fingerprint(published_dir: Path) -> dict[str, str]:
    """Every table of `published_dir/monitoring.duckdb` with its content hash."""
    with duckdb.connect(str(Path(published_dir) / "monitoring.duckdb"), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: table_hash(con, t) for t in tables}


def differences(found: dict[str, str], golden: dict[str, str]) -> list[str]:
    """The tables whose content differs from the golden fingerprint, or are missing on either side."""
    return sorted(t for t in set(found) | set(golden) if found.get(t) != golden.get(t))


GOLDEN = Path(__file__).parent / "golden"


def publish_small_region(root: Path) -> Path:
    """The test session's small region (tests/regions.py: Heiloo at half size, 2022-2023, seed 7) published
    into `root`; returns its published folder. Takes about a minute: the check to run after a refactoring."""
    import dagster as dg

    from pipelines.config import load_settings
    from pipelines.run import run_main_job
    from sample_data.generator import generate
    from tests.regions import SMALL_GEMEENTEN, SMALL_SCALE, SMALL_YEARS, write_config

    root.mkdir(parents=True, exist_ok=True)
    settings = load_settings(write_config(root / "phm.toml", root / "data"))
    generate(settings.landing_dir, SMALL_GEMEENTEN, SMALL_YEARS, seed=7, scale=SMALL_SCALE)
    outcome = run_main_job(settings, instance=dg.DagsterInstance.ephemeral())
    if not outcome.success:
        raise SystemExit("\n".join(outcome.failures))
    return settings.published_dir


def main(argv: list[str]) -> int:
    if argv[:1] == ["small"] and len(argv) in (2, 3):  # small <work dir> [write]: publish the small region, check
        published = publish_small_region(Path(argv[1]))
        return main([argv[2] if len(argv) == 3 else "check", str(published), str(GOLDEN / "small_region.json")])
    if len(argv) != 3 or argv[0] not in ("check", "write"):
        print("usage: python -m tests.fingerprint check|write <published_dir> <golden.json>\n"
              "       python -m tests.fingerprint small <work_dir> [write]", file=sys.stderr)
        return 2
    action, published, golden_path = argv[0], Path(argv[1]), Path(argv[2])
    found = fingerprint(published)
    if action == "write":
        golden_path.parent.mkdir(parents=True, exist_ok=True)
        golden_path.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote the fingerprint of {len(found)} tables to {golden_path}")
        return 0
    changed = differences(found, json.loads(golden_path.read_text(encoding="utf-8")))
    if changed:
        print(f"{published} differs from {golden_path} in: {', '.join(changed)}", file=sys.stderr)
        return 1
    print(f"{published}: all {len(found)} tables identical to {golden_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
