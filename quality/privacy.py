"""The privacy check on the publication candidate: nothing person-level may be published.

Proves on every run: only tables and columns of the published contract, no pseudonym
column, no 64-hex or BSN-like value anywhere, no dates of individual events, and no
published cell below the disclosure thresholds.
"""

from __future__ import annotations

import duckdb

from indicators.published_schema import TABLES

HEX64 = "^[0-9a-f]{64}$"
NINE_DIGITS = "^[0-9]{9}$"


def privacy_violations(con: duckdb.DuckDBPyConnection, schema: str, min_count: int = 10) -> list[str]:
    """Every reason the tables in `schema` may not be published (empty list = safe)."""
    found: list[str] = []
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
        "ORDER BY table_name, ordinal_position", [schema]
    ).fetchall()
    tables = {t for t, _, _ in columns}
    for table in sorted(tables - set(TABLES)):
        found.append(f"{schema}.{table}: table is not part of the published contract")
    for table in sorted(set(TABLES) - tables):
        found.append(f"{schema}.{table}: contract table missing from the candidate")
    for table, column, dtype in columns:
        where = f"{schema}.{table}.{column}"
        lowered = column.lower()
        if "pseudo" in lowered or "bsn" in lowered:
            found.append(f"{where}: a pseudonym or BSN column may never be published")
        if table in TABLES and column not in TABLES[table][1]:
            found.append(f"{where}: column is not part of the published contract")
        if dtype == "DATE":
            found.append(f"{where}: DATE column; dates of individual events may not be published")
        if dtype == "VARCHAR":
            hits = con.execute(
                f'SELECT count(*) FILTER (WHERE regexp_full_match("{column}", \'{HEX64[1:-1]}\')), '
                f'count(*) FILTER (WHERE regexp_full_match(trim("{column}"), \'{NINE_DIGITS[1:-1]}\')) '
                f'FROM {schema}."{table}"'
            ).fetchone()
            if hits[0]:
                found.append(f"{where}: {hits[0]} value(s) look like a 64-character hex pseudonym")
            if hits[1]:
                found.append(f"{where}: {hits[1]} value(s) look like a BSN (9 digits)")
    if "indicator_values" in tables:
        # the constant-price value (a multiple of value) is hidden with it
        real = " OR value_real IS NOT NULL" if ("indicator_values", "value_real") in {c[:2] for c in columns} else ""
        small, leaked = con.execute(
            f"""SELECT count(*) FILTER (WHERE NOT suppressed AND n BETWEEN 1 AND {min_count - 1}),
                       count(*) FILTER (WHERE suppressed AND (value IS NOT NULL OR n IS NOT NULL{real}
                                         OR numerator IS NOT NULL OR denominator IS NOT NULL))
                FROM {schema}.indicator_values"""
        ).fetchone()
        if small:
            found.append(f"{schema}.indicator_values: {small} published cell(s) rest on 1-{min_count - 1} persons")
        if leaked:
            found.append(f"{schema}.indicator_values: {leaked} suppressed cell(s) still carry a value or count")
    if "payment_scenarios" in tables:  # a cost cell of euros and persons: the cost-cell threshold applies
        small, leaked = con.execute(
            f"""SELECT count(*) FILTER (WHERE NOT CAST(suppressed AS BOOLEAN)
                                                 AND CAST(persons AS DOUBLE) BETWEEN 1 AND {min_count - 1}),
                       count(*) FILTER (WHERE CAST(suppressed AS BOOLEAN) AND (persons IS NOT NULL
                                         OR amount IS NOT NULL OR per_person IS NOT NULL OR amount_low IS NOT NULL))
                FROM {schema}.payment_scenarios"""
        ).fetchone()
        if small:
            found.append(f"{schema}.payment_scenarios: {small} published row(s) rest on 1-{min_count - 1} persons")
        if leaked:
            found.append(f"{schema}.payment_scenarios: {leaked} suppressed row(s) still carry a figure")
    return found
