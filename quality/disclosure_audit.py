"""Independent privacy audit of a publication candidate (DESIGN §10), the blocking check before publishing.

It deliberately shares no rule code with `indicators/disclosure.py`: the checks are written again, plainly,
in DuckDB SQL, so a mistake in the suppression code is not repeated in the check that should catch it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

# The defaults of the policy are repeated here on purpose (see module docstring); a test keeps them equal.
POLICY_DEFAULTS: dict[str, float] = {
    "min_count": 10, "min_denominator": 50, "min_respondents": 30, "min_cost_persons": 10,
    "dominance_share": 0.5, "rounding_base": 5,
}
KEY = ("indicator_id", "period", "area_code", "stratum")
REASONS = ("primary", "dominance", "secondary")


@dataclass(frozen=True, order=True)
class Violation:
    """One published cell that breaks the disclosure policy, with an English message naming it."""

    rule: str
    indicator_id: str
    period: int
    area_code: str
    stratum: str
    message: str


CELLS_SQL = """
CREATE TEMP TABLE cells AS
SELECT
    coalesce(c.indicator_id, p.indicator_id) AS indicator_id,
    coalesce(c.period, p.period) AS period,
    coalesce(c.area_code, p.area_code) AS area_code,
    coalesce(c.stratum, p.stratum) AS stratum,
    c.indicator_id IS NULL AS only_published,
    p.indicator_id IS NULL AS only_candidate,
    c.kind,
    c.numerator AS u_num, c.denominator AS u_den, c.n AS u_n,
    c.max_contribution AS u_max, c.total AS u_total,
    p.numerator AS p_num, p.denominator AS p_den, p.n AS p_n,
    p.value AS p_value, p.ci_low AS p_ci_low, p.ci_high AS p_ci_high, p.comparison AS p_comparison,
    p.suppressed AS suppressed_flag,
    coalesce(p.suppressed, false) AS suppressed,
    p.suppression_reason AS reason
FROM candidate AS c
FULL OUTER JOIN published AS p
    ON c.indicator_id = p.indicator_id AND c.period = p.period
    AND c.area_code = p.area_code AND c.stratum = p.stratum
"""

# (kind or '*' for every kind, rule, condition on the unrounded candidate, message). A zero is not
# sensitive; a missing input makes the cell unverifiable, which is as bad as failing.
PRIMARY_CHECKS: list[tuple[str, str, str, str]] = [
    ("*", "primary", "u_n > 0 AND u_n < $min_count",
     "format('n = {} persons is below {}', u_n, $min_count)"),
    ("count", "primary", "u_n IS NULL AND u_num IS NULL", "'count has neither n nor numerator to check'"),
    ("count", "primary", "u_num > 0 AND u_num < $min_count",
     "format('count {} is below {}', u_num, $min_count)"),
    ("proportion", "primary", "u_num IS NULL OR u_den IS NULL",
     "'proportion lacks numerator or denominator to check'"),
    ("proportion", "primary", "u_num > 0 AND u_num < $min_count",
     "format('numerator {} is below {}', u_num, $min_count)"),
    ("proportion", "primary", "u_den - u_num > 0 AND u_den - u_num < $min_count",
     "format('complement (denominator - numerator) {} is below {}', u_den - u_num, $min_count)"),
    ("proportion", "primary", "u_den > 0 AND u_den < $min_denominator",
     "format('denominator {} persons is below {}', u_den, $min_denominator)"),
    ("survey", "primary", "u_n IS NULL", "'survey value lacks its number of respondents'"),
    ("survey", "primary", "u_n > 0 AND u_n < $min_respondents",
     "format('{} respondents is below {}', u_n, $min_respondents)"),
    ("survey", "primary", "u_num > 0 AND u_num < $min_count",
     "format('{} respondents in the numerator is below {}', u_num, $min_count)"),
    ("survey", "primary", "u_n - u_num > 0 AND u_n - u_num < $min_count",
     "format('{} respondents outside the numerator is below {}', u_n - u_num, $min_count)"),
    ("rate", "primary", "u_n IS NULL", "'rate lacks the number of persons behind it'"),
    ("rate", "primary", "u_den > 0 AND u_den < $min_denominator",
     "format('rate over {} person-years is below {}', u_den, $min_denominator)"),
    ("rate", "primary", "u_n > 0 AND u_n < $min_denominator",
     "format('rate over {} persons is below {}', u_n, $min_denominator)"),
    ("mean", "primary", "u_n IS NULL", "'mean lacks the number of persons behind it'"),
    ("mean", "primary", "u_n > 0 AND u_n < $min_count",
     "format('mean over {} persons is below {}', u_n, $min_count)"),
    ("cost", "primary", "u_n IS NULL", "'cost cell lacks the number of persons behind it'"),
    ("cost", "primary", "u_n > 0 AND u_n < $min_cost_persons",
     "format('cost over {} persons is below {}', u_n, $min_cost_persons)"),
    ("cost", "dominance", "u_n > 0 AND (u_max IS NULL OR u_total IS NULL)",
     "'cost cell lacks max_contribution or total to check dominance'"),
    ("cost", "dominance", "u_n > 0 AND u_max > $dominance_share * u_total",
     "format('largest person contributes {} of total {} (more than share {})', "
     "u_max, u_total, $dominance_share)"),
]

MASKING_SQL = """
SELECT indicator_id, period, area_code, stratum, 'not_masked' AS rule,
    'suppressed cell still shows ' || concat_ws(', ',
        CASE WHEN p_value IS NOT NULL THEN 'value' END, CASE WHEN p_ci_low IS NOT NULL THEN 'ci_low' END,
        CASE WHEN p_ci_high IS NOT NULL THEN 'ci_high' END, CASE WHEN p_num IS NOT NULL THEN 'numerator' END,
        CASE WHEN p_den IS NOT NULL THEN 'denominator' END, CASE WHEN p_n IS NOT NULL THEN 'n' END,
        CASE WHEN p_comparison IS NOT NULL THEN 'comparison' END) AS message
FROM cells
WHERE suppressed AND (p_value IS NOT NULL OR p_ci_low IS NOT NULL OR p_ci_high IS NOT NULL
                      OR p_num IS NOT NULL OR p_den IS NOT NULL OR p_n IS NOT NULL
                      OR p_comparison IS NOT NULL)
"""

REASON_SQL = """
SELECT indicator_id, period, area_code, stratum, 'reason' AS rule,
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
SELECT indicator_id, period, area_code, stratum, 'missing_row' AS rule,
    CASE WHEN only_candidate THEN 'candidate cell has no published row'
         ELSE 'published row has no candidate cell to check it against' END AS message
FROM cells WHERE only_candidate OR only_published
"""

# Published counts must be multiples of the base; for kind count the value is the count itself.
ROUNDING_SQL = """
SELECT indicator_id, period, area_code, stratum, 'not_rounded' AS rule,
    format('published {} not a multiple of {}', concat_ws(', ',
        CASE WHEN abs(p_num - $rounding_base * round(p_num / $rounding_base)) > 1e-6
             THEN 'numerator ' || p_num END,
        CASE WHEN abs(p_den - $rounding_base * round(p_den / $rounding_base)) > 1e-6
             THEN 'denominator ' || p_den END,
        CASE WHEN p_n % $rounding_base <> 0 THEN 'n ' || p_n END,
        CASE WHEN kind = 'count' AND abs(p_value - $rounding_base * round(p_value / $rounding_base)) > 1e-6
             THEN 'count value ' || p_value END), $rounding_base) AS message
FROM cells
WHERE NOT suppressed AND NOT only_published AND (
    abs(p_num - $rounding_base * round(p_num / $rounding_base)) > 1e-6
    OR abs(p_den - $rounding_base * round(p_den / $rounding_base)) > 1e-6
    OR p_n % $rounding_base <> 0
    OR (kind = 'count' AND abs(p_value - $rounding_base * round(p_value / $rounding_base)) > 1e-6))
"""

# Groups whose total minus published members recovers a suppressed cell: the children one level below a
# parent area (per stratum) and the strata of one dimension with `totaal` (per area).
GROUPS_SQL = """
CREATE TEMP TABLE group_summary AS
WITH level_rank(level, rank) AS (VALUES ('buurt', 1), ('wijk', 2), ('gemeente', 3), ('regio', 4)),
members AS (
    SELECT m.indicator_id, m.period, 'hierarchy' AS grouping, a.parent_code AS total_area,
           m.stratum AS total_stratum, m.area_code, m.stratum
    FROM cells AS m
    JOIN areas AS a ON a.area_code = m.area_code
    JOIN areas AS pa ON pa.area_code = a.parent_code
    JOIN level_rank AS lc ON lc.level = a.area_level
    JOIN level_rank AS lp ON lp.level = pa.area_level
    WHERE lp.rank = lc.rank + 1
    UNION ALL
    SELECT indicator_id, period, 'dimension ' || split_part(stratum, ':', 1), area_code, 'totaal',
           area_code, stratum
    FROM cells
    WHERE strpos(stratum, ':') > 1
)
SELECT mb.indicator_id, mb.period, mb.grouping, mb.total_area, mb.total_stratum,
    count(*) AS n_members,
    count(*) FILTER (WHERE m.suppressed) AS n_suppressed,
    min(m.area_code) FILTER (WHERE m.suppressed) AS suppressed_area,
    min(m.stratum) FILTER (WHERE m.suppressed) AS suppressed_stratum,
    bool_or(t.suppressed) AS total_suppressed,
    (count(m.u_num) = count(*) AND abs(sum(m.u_num) - any_value(t.u_num))
        <= 1e-9 * greatest(1, abs(any_value(t.u_num))))
    OR (count(m.u_den) = count(*) AND abs(sum(m.u_den) - any_value(t.u_den))
        <= 1e-9 * greatest(1, abs(any_value(t.u_den))))
    OR (count(m.u_n) = count(*) AND sum(m.u_n) = any_value(t.u_n)) AS members_add_up
FROM members AS mb
JOIN cells AS m ON m.indicator_id = mb.indicator_id AND m.period = mb.period
    AND m.area_code = mb.area_code AND m.stratum = mb.stratum
JOIN cells AS t ON t.indicator_id = mb.indicator_id AND t.period = mb.period
    AND t.area_code = mb.total_area AND t.stratum = mb.total_stratum
GROUP BY ALL
"""

RECOVERABLE_SQL = """
SELECT indicator_id, period, suppressed_area, suppressed_stratum, 'recoverable' AS rule,
    format('suppressed cell is the only suppressed member of the {} group with published total {} {}; '
           'the total minus the published members recovers it', grouping, total_area, total_stratum)
FROM group_summary
WHERE NOT total_suppressed AND n_suppressed = 1
UNION ALL
SELECT indicator_id, period, total_area, total_stratum, 'recoverable_total' AS rule,
    format('suppressed total is the sum of its {} published members in the {} group', n_members, grouping)
FROM group_summary
WHERE total_suppressed AND n_suppressed = 0 AND members_add_up
"""


def _policy(mapping: Mapping[str, Any] | None) -> dict[str, float]:
    unknown = sorted(set(mapping or {}) - set(POLICY_DEFAULTS))
    if unknown:
        raise ValueError(f"disclosure.{unknown[0]} is not a disclosure setting; expected one of "
                         f"{sorted(POLICY_DEFAULTS)}")
    return {**POLICY_DEFAULTS, **(mapping or {})}


def _primary_sql() -> str:
    def select(kind: str, rule: str, condition: str, message: str) -> str:
        of_kind = "TRUE" if kind == "*" else f"kind = '{kind}'"
        return (f"SELECT indicator_id, period, area_code, stratum, '{rule}' AS rule, {message} AS message "
                f"FROM cells WHERE NOT suppressed AND NOT only_candidate AND {of_kind} AND ({condition})")

    return "\nUNION ALL\n".join(select(*check) for check in PRIMARY_CHECKS) + """
UNION ALL
SELECT indicator_id, period, area_code, stratum, 'primary', format('unknown kind {} cannot be checked', kind)
FROM cells WHERE NOT suppressed AND NOT only_published
    AND (kind IS NULL OR kind NOT IN ('count', 'proportion', 'survey', 'rate', 'mean', 'cost'))
"""


def audit_disclosure(
    candidate: pl.DataFrame,
    published: pl.DataFrame,
    areas: pl.DataFrame,
    policy_mapping: Mapping[str, Any] | None,
) -> list[Violation]:
    """Every way the published cells break the disclosure policy; an empty list means safe to publish.

    `candidate` holds the unrounded counts (numerator, denominator, n, max_contribution, total, kind);
    `published` holds the rows readers will see, with `suppressed` and `suppression_reason`.
    """
    policy = _policy(policy_mapping)
    candidate_columns = [*KEY, "kind", "numerator", "denominator", "n", "max_contribution", "total"]
    published_columns = [*KEY, "numerator", "denominator", "n", "value", "ci_low", "ci_high", "suppressed",
                         "suppression_reason", "comparison"]
    casts = {
        "numerator": pl.Float64, "denominator": pl.Float64, "n": pl.Int64, "max_contribution": pl.Float64,
        "total": pl.Float64, "value": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
        "suppressed": pl.Boolean, "suppression_reason": pl.String, "kind": pl.String, "comparison": pl.String,
    }

    def prepared(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        return frame.select(pl.col(c).cast(casts[c]) if c in casts else pl.col(c) for c in columns)

    # The comparison with the region is optional; where present it must be empty for a suppressed cell.
    if "comparison" not in published.columns:
        published = published.with_columns(comparison=pl.lit(None, dtype=pl.String))

    with duckdb.connect() as con:
        con.register("candidate", prepared(candidate, candidate_columns))
        con.register("published", prepared(published, published_columns))
        con.register("areas", areas.select("area_code", "area_level", "parent_code"))
        con.execute(CELLS_SQL)
        con.execute(GROUPS_SQL)
        params = {
            "min_count": policy["min_count"], "min_denominator": policy["min_denominator"],
            "min_respondents": policy["min_respondents"], "min_cost_persons": policy["min_cost_persons"],
            "dominance_share": policy["dominance_share"],
        }
        rows = con.execute(_primary_sql(), params).fetchall()
        rows += con.execute(MASKING_SQL).fetchall()
        rows += con.execute(REASON_SQL, {"reasons": ",".join(REASONS)}).fetchall()
        rows += con.execute(MISSING_SQL).fetchall()
        rows += con.execute(ROUNDING_SQL, {"rounding_base": policy["rounding_base"]}).fetchall()
        rows += con.execute(RECOVERABLE_SQL).fetchall()
    return sorted(
        Violation(rule, indicator_id, period, area_code, stratum,
                  f"{indicator_id} {period} {area_code} {stratum}: {message}")
        for indicator_id, period, area_code, stratum, rule, message in rows
    )
