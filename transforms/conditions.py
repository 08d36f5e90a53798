"""Chronic conditions per person-year from GP episodes, by the versioned ICPC list."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from transforms.sql import load_sql
from transforms.warehouse import write_years


def build_conditions(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> dict[str, int]:
    """Create `staging.gp_episodes` (deduplicated, every year: episodes span years) and
    `staging.person_conditions` (or only its rows of `only_years`)."""
    write_years(con, "staging.gp_episodes", load_sql("staging.gp_episodes"))
    write_years(con, "staging.person_conditions", load_sql("staging.person_conditions"), only_years)
    raw, kept = con.execute("SELECT (SELECT count(*) FROM raw.gp_episodes), "
                            "(SELECT count(*) FROM staging.gp_episodes)").fetchone()
    rows = con.execute("SELECT count(*) FROM staging.person_conditions").fetchone()[0]
    return {"episodes": kept, "duplicates_removed": raw - kept, "person_conditions": rows}


def build_person_events(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Create `staging.person_events`: falls/fractures and incontinence per person-year (frailty deficits)."""
    write_years(con, "staging.person_events", load_sql("staging.person_events"), only_years)
    return con.execute("SELECT count(*) FROM staging.person_events").fetchone()[0]
