"""Chronic conditions per person-year from GP episodes, by the versioned ICPC list."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from transforms.warehouse import write_years

EPISODES_SQL = """
CREATE OR REPLACE TABLE staging.gp_episodes AS
SELECT pseudo_id, practice_id, icpc_code, upper(substr(icpc_code, 1, 3)) AS icpc3, start_date, end_date
FROM raw.gp_episodes
GROUP BY ALL  -- an exact repeat of an episode is one episode
"""

PERSON_CONDITIONS_SQL = """
CREATE OR REPLACE TABLE staging.person_conditions AS
SELECT DISTINCT s.pseudo_id, s.year, c.condition
FROM staging.person_year s
JOIN staging.gp_episodes e
  ON e.pseudo_id = s.pseudo_id
 AND e.start_date <= make_date(s.year, 12, 31)
 AND (e.end_date IS NULL OR e.end_date >= make_date(s.year, 1, 1))
JOIN ref.chronic_conditions c ON e.icpc3 BETWEEN c.icpc_from AND c.icpc_to
"""


def build_conditions(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> dict[str, int]:
    """Create `staging.gp_episodes` (deduplicated, every year: episodes span years) and
    `staging.person_conditions` (or only its rows of `only_years`)."""
    con.execute(EPISODES_SQL)
    write_years(con, PERSON_CONDITIONS_SQL, only_years)
    raw, kept = con.execute("SELECT (SELECT count(*) FROM raw.gp_episodes), "
                            "(SELECT count(*) FROM staging.gp_episodes)").fetchone()
    rows = con.execute("SELECT count(*) FROM staging.person_conditions").fetchone()[0]
    return {"episodes": kept, "duplicates_removed": raw - kept, "person_conditions": rows}


PERSON_EVENTS_SQL = """
CREATE OR REPLACE TABLE staging.person_events AS
SELECT s.pseudo_id, s.year,
       bool_or(e.icpc3 BETWEEN 'L72' AND 'L76' AND year(e.start_date) = s.year) AS fall_fracture,
       bool_or(e.icpc3 = 'U04') AS incontinence
FROM staging.person_year s
JOIN staging.gp_episodes e
  ON e.pseudo_id = s.pseudo_id
 AND e.start_date <= make_date(s.year, 12, 31)
 AND (e.end_date IS NULL OR e.end_date >= make_date(s.year, 1, 1))
WHERE e.icpc3 BETWEEN 'L72' AND 'L76' OR e.icpc3 = 'U04'
GROUP BY ALL
"""


def build_person_events(con: duckdb.DuckDBPyConnection, only_years: Sequence[int] | None = None) -> int:
    """Create `staging.person_events`: falls/fractures and incontinence per person-year (frailty deficits)."""
    write_years(con, PERSON_EVENTS_SQL, only_years)
    return con.execute("SELECT count(*) FROM staging.person_events").fetchone()[0]
