"""The disclosure rules re-checked on every published cell, written plainly in DuckDB SQL.

Written apart from `indicators/disclosure.py` on purpose: a mistake in the suppression is not repeated in
the check that should catch it. Each query reads the table `cells` (exact candidate columns `u_*`, published
columns `p_*`, see `quality/disclosure_audit.py`) and returns (cell, rule, message); the caller names the cell.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

# "bron onvolledig": a source of the year is missing or incomplete (quality/completeness.py); the cell is hidden.
# "geen waarnemingen": nobody falls in the cell; the reason publishes a 0, so the cell must be empty (EMPTY_SQL).
# "niet geleverd": the region's input layout (CBS microdata) does not deliver what the indicator needs.
REASONS = ("primary", "dominance", "secondary", "bron onvolledig", "geen waarnemingen", "niet geleverd")
# Numbers in messages: whole numbers without ".0", others to four decimals.
NUMBER_MACRO = """
CREATE OR REPLACE TEMP MACRO num(x) AS
    CASE WHEN x = round(x) AND abs(x) < 1e15 THEN CAST(CAST(x AS BIGINT) AS VARCHAR)
         ELSE CAST(round(x, 4) AS VARCHAR) END
"""
KINDS = ("count", "proportion", "survey", "rate", "mean", "cost", "business")

# (kind or '*' for every kind, rule, condition on the exact candidate, message). A zero is not sensitive; a
# missing input makes the cell unverifiable, which is as bad as failing.
PRIMARY_CHECKS: list[tuple[str, str, str, str]] = [
    ("*", "primary", "u_n > 0 AND u_n < $min_count", "format('n = {} persons is below {}', num(u_n), $min_count)"),
    ("count", "primary", "u_n IS NULL AND u_num IS NULL", "'count has neither n nor numerator to check'"),
    ("count", "primary", "u_num > 0 AND u_num < $min_count", "format('count {} is below {}', num(u_num), $min_count)"),
    ("proportion", "primary", "u_num IS NULL OR u_den IS NULL",
     "'proportion lacks numerator or denominator to check'"),
    ("proportion", "primary", "u_num > 0 AND u_num < $min_count",
     "format('numerator {} is below {}', num(u_num), $min_count)"),
    ("proportion", "primary", "u_den - u_num > 0 AND u_den - u_num < $min_count",
     "format('complement (denominator - numerator) {} is below {}', num(u_den - u_num), $min_count)"),
    ("proportion", "primary", "u_den > 0 AND u_den < $min_denominator",
     "format('denominator {} persons is below {}', num(u_den), $min_denominator)"),
    ("survey", "primary", "u_n IS NULL", "'survey value lacks its number of respondents'"),
    ("survey", "primary", "u_n > 0 AND u_n < $min_respondents",
     "format('{} respondents is below {}', num(u_n), $min_respondents)"),
    ("survey", "primary", "u_num > 0 AND u_num < $min_count",
     "format('{} respondents in the numerator is below {}', num(u_num), $min_count)"),
    ("survey", "primary", "u_n - u_num > 0 AND u_n - u_num < $min_count",
     "format('{} respondents outside the numerator is below {}', num(u_n - u_num), $min_count)"),
    ("rate", "primary", "u_n IS NULL", "'rate lacks the number of persons behind it'"),
    ("rate", "primary", "u_den > 0 AND u_den < $min_denominator",
     "format('rate over {} person-years is below {}', num(u_den), $min_denominator)"),
    ("rate", "primary", "u_n > 0 AND u_n < $min_denominator",
     "format('rate over {} persons is below {}', num(u_n), $min_denominator)"),
    # A death, an admission, a visit to the emergency department: each event belongs to a person.
    ("rate", "primary", "u_pwe IS NULL AND coalesce(u_num, 1) > 0",
     "'rate lacks persons_with_event, the persons behind its events'"),
    ("rate", "primary", "u_pwe > 0 AND u_pwe < $min_count",
     "format('{} events come from {} persons, below {}', num(u_num), num(u_pwe), $min_count)"),
    ("mean", "primary", "u_n IS NULL", "'mean lacks the number of persons behind it'"),
    ("mean", "primary", "u_n > 0 AND u_n < $min_count", "format('mean over {} persons is below {}', num(u_n), $min_count)"),
    ("cost", "primary", "u_n IS NULL", "'cost cell lacks the number of persons behind it'"),
    ("cost", "primary", "u_n > 0 AND u_n < $min_cost_persons",
     "format('cost over {} persons is below {}', num(u_n), $min_cost_persons)"),
    ("cost", "primary", "method = 'top_share' AND u_n > 0 "
     "AND (top_fraction IS NULL OR ceil(top_fraction * u_n - 1e-9) < $min_count)",
     "format('top group of {} persons (top_fraction {} of {}) is below {}', "
     "num(ceil(top_fraction * u_n - 1e-9)), num(top_fraction), num(u_n), $min_count)"),
    ("cost", "dominance", "u_n > 0 AND (u_max IS NULL OR u_total IS NULL)",
     "'cost cell lacks max_contribution or total to check dominance'"),
    ("cost", "dominance", "u_n > 0 AND u_max > $dominance_share * u_total",
     "format('largest person contributes {} of total {} (more than share {})', num(u_max), num(u_total), $dominance_share)"),
    ("business", "primary", "u_units IS NULL", "'business cell lacks its number of organisations'"),
    ("business", "primary", "u_units < $min_units",
     "format('{} organisation(s) behind the cell, below {}', num(u_units), $min_units)"),
    ("business", "dominance", "u_max IS NULL OR u_total IS NULL",
     "'business cell lacks max_contribution or total to check dominance'"),
    ("business", "dominance", "u_max > $unit_dominance_share * u_total",
     "format('largest organisation contributes {} of total {} (more than share {})', "
     "num(u_max), num(u_total), $unit_dominance_share)"),
    ("business", "dominance", "u_maxe > $unit_dominance_share * u_exp_total",
     "format('largest organisation carries {} of exposure {} (more than share {})', "
     "num(u_maxe), num(u_exp_total), $unit_dominance_share)"),
]

MASKING_SQL = """
SELECT cell, 'not_masked' AS rule,
    'suppressed cell still shows ' || concat_ws(', ',
        CASE WHEN p_value IS NOT NULL THEN 'value' END, CASE WHEN p_ci_low IS NOT NULL THEN 'ci_low' END,
        CASE WHEN p_ci_high IS NOT NULL THEN 'ci_high' END, CASE WHEN p_num IS NOT NULL THEN 'numerator' END,
        CASE WHEN p_den IS NOT NULL THEN 'denominator' END, CASE WHEN p_n IS NOT NULL THEN 'n' END,
        CASE WHEN p_comparison IS NOT NULL THEN 'comparison' END) AS message
FROM cells
WHERE suppressed AND (p_value IS NOT NULL OR p_ci_low IS NOT NULL OR p_ci_high IS NOT NULL
                      OR p_num IS NOT NULL OR p_den IS NOT NULL OR p_n IS NOT NULL OR p_comparison IS NOT NULL)
"""

REASON_SQL = """
SELECT cell, 'reason' AS rule,
    CASE WHEN suppressed_flag IS NULL THEN 'suppressed flag is missing'
         WHEN suppressed THEN format('suppressed cell has reason {}, expected one of {}',
                                     coalesce(reason, 'NULL'), $reasons)
         ELSE format('published cell carries suppression_reason {}', reason) END AS message
FROM cells
WHERE NOT only_published AND NOT only_candidate AND (
    suppressed_flag IS NULL
    OR (suppressed AND (reason IS NULL OR list_position(string_split($reasons, ','), reason) IS NULL))
    OR (NOT suppressed AND reason IS NOT NULL))
"""

MISSING_SQL = """
SELECT cell, 'missing_row' AS rule,
    CASE WHEN only_candidate THEN 'candidate cell has no published row'
         ELSE 'published row has no candidate cell to check it against' END AS message
FROM cells WHERE only_candidate OR only_published
"""

# A cell published as empty ("geen waarnemingen") tells every reader that its counts are 0: it must be so.
EMPTY_SQL = """
SELECT cell, 'not_empty' AS rule,
    format('cell suppressed as geen waarnemingen has persons: numerator {}, denominator {}, n {}',
           num(u_num), num(u_den), num(u_n)) AS message
FROM cells
WHERE suppressed AND reason = 'geen waarnemingen' AND NOT only_published
  AND (coalesce(u_num, 0) <> 0 OR coalesce(u_den, 0) <> 0 OR coalesce(u_n, 0) <> 0 OR coalesce(u_total, 0) <> 0)
"""

# Published counts are multiples of the base and lie within half a base of the exact count; the attacker's
# intervals rest on both.
ROUNDING_SQL = """
WITH counts AS (
    SELECT cell, 'numerator' AS name, p_num AS published, u_num AS exact
    FROM cells WHERE NOT suppressed AND p_num IS NOT NULL
    UNION ALL
    SELECT cell, 'denominator', p_den, u_den FROM cells WHERE NOT suppressed AND p_den IS NOT NULL
    UNION ALL
    SELECT cell, 'n', p_n, u_n FROM cells WHERE NOT suppressed AND p_n IS NOT NULL
    UNION ALL
    SELECT cell, 'count value', p_value, u_num FROM cells WHERE NOT suppressed AND kind = 'count' AND p_value IS NOT NULL
)
SELECT cell, 'not_rounded' AS rule,
    format('published {} {} is not a multiple of {}', name, num(published), $rounding_base) AS message
FROM counts
WHERE abs(published - $rounding_base * round(published / $rounding_base)) > 1e-6
UNION ALL
SELECT cell, 'count_mismatch' AS rule,
    format('published {} {} is more than {} from the exact {}', name, num(published), $rounding_base / 2, num(exact))
FROM counts
WHERE exact IS NOT NULL AND abs(published - exact) > $rounding_base / 2 + 1e-9 * greatest(1, abs(exact))
"""

# A rounded 0 beside a positive value tells the reader the count is not 0 after all (and the value says more).
ZERO_SQL = """
SELECT cell, 'zero_beside_value' AS rule,
    format('published {} 0 beside value {}', CASE WHEN p_num = 0 THEN 'numerator'
                                                 WHEN p_den = 0 THEN 'denominator' ELSE 'n' END, num(p_value))
FROM cells
WHERE NOT suppressed AND p_value IS NOT NULL
    AND ((p_num = 0 AND p_value <> 0) OR p_den = 0 OR p_n = 0)
"""


def _primary_sql() -> str:
    """All primary checks in one scan: a CASE per check, the ones that hold unnested into rows."""
    def case(kind: str, rule: str, condition: str, message: str) -> str:
        of_kind = "TRUE" if kind == "*" else f"kind = '{kind}'"
        return f"CASE WHEN {of_kind} AND ({condition}) THEN ['{rule}', {message}] END"

    kinds = ", ".join(f"'{k}'" for k in KINDS)
    unknown = (f"CASE WHEN NOT only_published AND (kind IS NULL OR kind NOT IN ({kinds})) "
               "THEN ['primary', format('unknown kind {} cannot be checked', kind)] END")
    checks = ",\n        ".join([*(case(*check) for check in PRIMARY_CHECKS), unknown])
    return f"""
SELECT cell, found[1] AS rule, found[2] AS message
FROM (SELECT cell, unnest([
        {checks}]) AS found
      FROM cells WHERE NOT suppressed AND NOT only_candidate)
WHERE found IS NOT NULL
"""


def rule_breaks(con: duckdb.DuckDBPyConnection, policy: Mapping[str, float]) -> list[tuple[int, str, str]]:
    """(cell, rule, message) for every rule a published cell breaks."""
    params = {name: policy[name] for name in ("min_count", "min_denominator", "min_respondents", "min_cost_persons",
                                              "dominance_share", "min_units", "unit_dominance_share")}
    con.execute(NUMBER_MACRO)
    rows = con.execute(_primary_sql(), params).fetchall()
    rows += con.execute(MASKING_SQL).fetchall()
    rows += con.execute(REASON_SQL, {"reasons": ",".join(REASONS)}).fetchall()
    rows += con.execute(MISSING_SQL).fetchall()
    rows += con.execute(EMPTY_SQL).fetchall()
    rows += con.execute(ROUNDING_SQL, {"rounding_base": policy["rounding_base"]}).fetchall()
    rows += con.execute(ZERO_SQL).fetchall()
    return rows


SENSITIVE_MAGNITUDE_SQL = """
SELECT cell,
    (kind = 'cost' AND coalesce(method, '') <> 'top_share'
        AND ((u_n > 0 AND u_n < $min_cost_persons) OR u_max > $dominance_share * u_total))
    OR (kind = 'mean' AND u_n > 0 AND u_n < $min_count)
    OR (kind = 'business' AND (u_units < $min_units OR u_max > $unit_dominance_share * u_total
                               OR u_maxe > $unit_dominance_share * u_exp_total)) AS magnitude_sensitive
FROM cells WHERE suppressed AND NOT only_candidate
"""


def sensitive_magnitudes(con: duckdb.DuckDBPyConnection, policy: Mapping[str, float]) -> list[int]:
    """Suppressed cells whose magnitude (and, for organisations, exposure) the primary rules protect."""
    params = {name: policy[name] for name in ("min_count", "min_cost_persons", "dominance_share", "min_units",
                                              "unit_dominance_share")}
    return [cell for cell, flag in con.execute(SENSITIVE_MAGNITUDE_SQL, params).fetchall() if flag]
