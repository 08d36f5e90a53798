"""Quality checks as pure functions over the warehouse: each returns a CheckOutcome.

Severity `error` blocks publication, `warn` is reported; every check names its Kahn category (conformance,
completeness, plausibility). The indicators a check puts at risk are either those its data name (cells out of
range, RIVM differences) or, for a check on the data behind many indicators, the catalogue entries whose
`affected_by` names it (indicators/catalogue.yaml).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb

from indicators.catalogue import check_impact, expansions_from_warehouse
from quality.descriptions import LEVELS, SEGMENT_BANDS, nl_number, nl_percent
from quality.outcomes import CheckOutcome


def ingest_balance(con: duckdb.DuckDBPyConnection, source: str) -> CheckOutcome:
    """Rows read = rows loaded + rows quarantined for every file of the source."""
    bad = con.execute(
        "SELECT path, rows_read, rows_loaded, rows_quarantined FROM meta.ingest_files "
        "WHERE source = ? AND rows_read <> rows_loaded + rows_quarantined", [source]
    ).fetchall()
    files = con.execute("SELECT count(*) FROM meta.ingest_files WHERE source = ?", [source]).fetchone()[0]
    message = (f"all {files} file(s) of {source} balance" if not bad else
               "; ".join(f"{p}: read {r} != loaded {lo} + quarantined {q}" for p, r, lo, q in bad))
    return CheckOutcome("rows_accounted_for", f"raw/{source}", "error", "completeness", not bad,
                        f"{len(bad)} unbalanced of {files}", "0 unbalanced files", message,
                        message_nl=f"{len(bad)} van {files} bestanden van {source} kloppen niet: ingelezen rijen "
                                   "zijn niet geladen of apart gezet" if bad else
                        f"alle {files} bestanden van {source} kloppen")


MIN_QUARANTINED_TO_FAIL = 3  # a tiny file (a few organisations) may lose one row without failing the run


def quarantine_share(con: duckdb.DuckDBPyConnection, source: str, max_share: float) -> CheckOutcome:
    """A file with many broken rows is a broken delivery, not noise: fail the run.

    A file fails when more than `max_share` of its rows and at least MIN_QUARANTINED_TO_FAIL rows are
    quarantined; the observed value is the largest share of any file of the source."""
    rows = con.execute(
        "SELECT path, rows_quarantined, rows_read FROM meta.ingest_files WHERE source = ? "
        "ORDER BY rows_quarantined * 1.0 / greatest(rows_read, 1) DESC", [source]
    ).fetchall()
    worst = max((q / r if r else 0.0 for _, q, r in rows), default=0.0)
    too_many = [f"{p}: {q} of {r} rows quarantined" for p, q, r in rows
                if r and q / r > max_share and q >= MIN_QUARANTINED_TO_FAIL]
    message = (f"largest quarantine share {worst:.4%} in {source}" if not too_many else
               "; ".join(too_many) + f"; see quarantine.{source} for the reasons and fix the delivery")
    return CheckOutcome("quarantine_share", f"raw/{source}", "error", "conformance", not too_many,
                        f"{worst:.4%}", f"<= {max_share:.2%}", message,
                        message_nl=f"hoogste aandeel onbruikbare rijen in {source}: {nl_percent(100 * worst, 2)} "
                                   f"(grens {nl_percent(100 * max_share, 0)})")


def spine_unique(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """One spine row per person and year; duplicates would double-count denominators."""
    dupes = con.execute("SELECT count(*) FROM (SELECT pseudo_id, year FROM staging.person_year "
                        "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
    return CheckOutcome("person_year_unique", "staging/person_year", "error", "conformance", dupes == 0,
                        str(dupes), "0", f"{dupes} person-years appear more than once",
                        message_nl=f"{nl_number(dupes, 0)} inwoners komen in een jaar meer dan eens voor")


MIN_UNLINKED = 10  # a source-year fails on its share only from this many unlinked records: one Wlz record of 19
# The person-level sources and the year a record belongs to (its year column, or the year it starts). The
# indicators a failing linkage endangers (catalogue `affected_by: [linkage_coverage]`) are listed by their
# source in this order.
LINKED_SOURCES = {"gp_episodes": "year(start_date)", "zvw_costs": "year", "hospital_events": "year(start_date)",
                  "health_survey": "survey_year", "participatie": "year", "wmo": "year(start_date)",
                  "jeugd": "year(start_date)", "wlz": "year(start_date)", "medicines": "year"}


def _in_order(impact: Iterable[tuple[str, str]], order: Sequence[str]) -> tuple[str, ...]:
    """Indicator ids of (id, key) pairs ordered by the place of their key in `order`; unknown keys last, ties and
    the unknown in catalogue order."""
    rank = {key: n for n, key in enumerate(order)}
    return tuple(i for i, _ in sorted(impact, key=lambda pair: rank.get(pair[1], len(rank))))


def linkage_coverage(con: duckdb.DuckDBPyConnection, minimum: float) -> CheckOutcome:
    """Share of person-level records whose pseudonym is in the population (staging.person_year) of the record's
    own year, per source and year; fails when a source-year falls below `minimum`.

    Matching against any year would pass a source whose year lacks its population; each record is matched to
    the residents of the year it belongs to (LINKED_SOURCES). Records of a year without any resident in the
    spine are not judged; a source-year with fewer than MIN_UNLINKED unlinked records is not failed on its
    share (a small region's handful of records). The observed value is the lowest failing share, or the lowest
    share of all when none fails."""
    recs = " UNION ALL ".join(f"SELECT '{source}' AS source, pseudo_id, {year} AS year FROM raw.{source}"
                              for source, year in LINKED_SOURCES.items())
    rows = con.execute(
        f"""
        WITH recs AS ({recs}),
        residents AS (SELECT DISTINCT pseudo_id, year FROM staging.person_year),
        years AS (SELECT DISTINCT year FROM staging.person_year)
        SELECT r.source, r.year, count(*) AS n, count(s.pseudo_id) AS linked
        FROM recs r LEFT JOIN residents s ON s.pseudo_id = r.pseudo_id AND s.year = r.year
        WHERE r.year IN (SELECT year FROM years)
        GROUP BY r.source, r.year ORDER BY r.source, r.year
        """
    ).fetchall()
    share = [(source, year, linked / n, n - linked) for source, year, n, linked in rows if n]
    failing = [(source, year, x) for source, year, x, unlinked in share if x < minimum and unlinked >= MIN_UNLINKED]
    worst = min((x for _, _, x in failing), default=min((x for _, _, x, _ in share), default=1.0))
    low = [f"{source} {year} {x:.2%}" for source, year, x in failing]
    per_source: dict[str, list[float]] = {}
    for source, _, x, _ in share:
        per_source.setdefault(source, []).append(x)
    detail = ", ".join(f"{s} {min(v):.2%}" for s, v in per_source.items())
    return CheckOutcome("linkage_coverage", "staging/person_year", "error", "completeness", not failing,
                        f"{worst:.4f}", f">= {minimum}",
                        (f"records not in the population of their own year: {'; '.join(low)}" if low else
                         f"lowest linked share per source over the years: {detail}"),
                        message_nl=f"laagste gekoppelde aandeel: {nl_percent(100 * worst, 2)} "
                                   f"(grens {nl_percent(100 * minimum, 0)})",
                        affected_indicators=_in_order(check_impact("linkage_coverage"), list(LINKED_SOURCES)))


def proportions_in_range(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Values in % lie in [0, 100] and every interval contains its value (1e-9 slack), over all cells of
    indicators.indicator_values; the indicators with such a cell are the ones at risk."""
    bad = con.execute(
        """
        SELECT count(*), string_agg(DISTINCT indicator_id, ',')
        FROM indicators.indicator_values v
        WHERE v.value IS NOT NULL AND (
              (v.unit = '%' AND (v.value < 0 OR v.value > 100))
           OR (v.ci_low IS NOT NULL AND (v.ci_low > v.value + 1e-9 OR v.ci_high < v.value - 1e-9)))
        """
    ).fetchone()
    count, ids = bad
    return CheckOutcome("values_in_range", "indicators/indicator_values", "error", "plausibility", count == 0,
                        str(count), "0", f"{count} cells out of range" + (f" ({ids})" if ids else ""),
                        tuple((ids or "").split(",")) if ids else (),
                        message_nl=f"{nl_number(count, 0)} cijfers buiten hun bereik")


# Disclosure control costs cells; more than this share hidden at a level means the level tells readers little.
MAX_SUPPRESSED_SHARE = 0.5
LEVEL_ORDER = ("buurt", "wijk", "gemeente", "regio")


def suppression_by_level(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """The share of cells suppressed per area level (and why), reported on every run; warns when a level hides
    more than half of its cells (the region, years or strata may be too fine for its population). A cell with
    nobody in it ('geen waarnemingen') or of an indicator the input layout does not carry ('niet geleverd') has
    nothing to hide and does not count."""
    rows = con.execute(
        """
        SELECT area_level, count(*), count(*) FILTER (WHERE suppressed),
               count(*) FILTER (WHERE suppression_reason = 'primary'),
               count(*) FILTER (WHERE suppression_reason = 'dominance'),
               count(*) FILTER (WHERE suppression_reason = 'secondary')
        FROM indicators.published_values
        WHERE suppression_reason IS NULL OR suppression_reason NOT IN ('geen waarnemingen', 'niet geleverd')
        GROUP BY area_level
        """
    ).fetchall()
    by_level = sorted(rows, key=lambda r: LEVEL_ORDER.index(r[0]) if r[0] in LEVEL_ORDER else len(LEVEL_ORDER))
    share = {level: hidden / cells for level, cells, hidden, *_ in by_level if cells}
    observed = ", ".join(f"{level} {100 * share[level]:.1f}%" for level, *_ in by_level if level in share)
    detail = "; ".join(f"{level}: {hidden:,} of {cells:,} cells ({primary:,} primary, {dominance:,} dominance, "
                       f"{secondary:,} secondary)" for level, cells, hidden, primary, dominance, secondary in by_level)
    worst = max(share.values(), default=0.0)
    dutch = "; ".join(f"{LEVELS.get(level, level)}: {nl_number(hidden, 0)} van {nl_number(cells, 0)} "
                      f"({nl_percent(100 * hidden / cells)})" for level, cells, hidden, *_ in by_level if cells)
    return CheckOutcome("suppression_by_level", "indicators/indicator_values", "warn", "completeness",
                        worst <= MAX_SUPPRESSED_SHARE, observed, f"<= {MAX_SUPPRESSED_SHARE:.0%} per level",
                        f"cells suppressed by disclosure control: {detail}",
                        message_nl=f"onderdrukte cijfers per niveau: {dutch}"
                                   + ("" if worst <= MAX_SUPPRESSED_SHARE else
                                      f"; meer dan {nl_percent(100 * MAX_SUPPRESSED_SHARE, 0)} op een niveau"))


# Kaiser Permanente pyramid: roughly 70-80 % healthy or at risk, 15-30 % chronic, 1-5 % complex. "Far off" = outside these bands widened by the tolerance (percentage points).
KAISER_BANDS = {"gezond_of_risico": (70.0, 80.0), "chronisch": (15.0, 30.0), "complex": (1.0, 5.0)}
KAISER_TOLERANCE = 5.0
KAISER_GROUPS = {"gezond": "gezond_of_risico", "risico": "gezond_of_risico", "chronisch": "chronisch",
                 "multimorbide": "chronisch", "kwetsbaar_complex": "complex", "langdurige_zorg": "complex",
                 "levenseinde": "complex"}


def kaiser_pyramid(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Warn when the region's segment pyramid of the latest year is far from Kaiser proportions (a rule or data
    problem); the segment indicators (catalogue `affected_by: [kaiser_pyramid]`) are at risk, listed from
    healthy to complex (KAISER_GROUPS)."""
    shares = dict(con.execute(
        "SELECT segment, 100.0 * count(*) / sum(count(*)) OVER () FROM marts.person_stratification "
        "WHERE year = (SELECT max(year) FROM marts.person_stratification) GROUP BY segment").fetchall())
    grouped = {band: 0.0 for band in KAISER_BANDS}
    for segment, share in shares.items():
        if segment in KAISER_GROUPS:
            grouped[KAISER_GROUPS[segment]] += share
    off = [f"{band} {grouped[band]:.1f}% (expected {lo:.0f}-{hi:.0f}%)" for band, (lo, hi) in KAISER_BANDS.items()
           if not lo - KAISER_TOLERANCE <= grouped[band] <= hi + KAISER_TOLERANCE]
    observed = ", ".join(f"{band} {value:.1f}%" for band, value in grouped.items())
    off_nl = [f"{SEGMENT_BANDS[band]} {nl_percent(grouped[band])} (verwacht {lo:.0f}–{hi:.0f}%)"
              for band, (lo, hi) in KAISER_BANDS.items() if not lo - KAISER_TOLERANCE <= grouped[band] <= hi + KAISER_TOLERANCE]
    shares_nl = ", ".join(f"{SEGMENT_BANDS[band]} {nl_percent(value)}" for band, value in grouped.items())
    return CheckOutcome("kaiser_pyramid", "marts/person_stratification", "warn", "plausibility", not off,
                        observed, "Kaiser bands +/- 5 points",
                        ("segment pyramid far from Kaiser proportions: " + "; ".join(off)) if off else
                        f"segment pyramid plausible: {observed}",
                        _in_order(((i, i.removeprefix("phm_segment_")) for i, _ in
                                   check_impact("kaiser_pyramid", expansions_from_warehouse(con))), list(KAISER_GROUPS)),
                        message_nl=("segmentpiramide wijkt af van de Kaiser-verhoudingen: " + "; ".join(off_nl)
                                    + ". Controleer de segmentregels of de brongegevens.") if off else
                        f"segmentpiramide aannemelijk: {shares_nl}")


def one_segment_per_person_year(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Every person-year of the spine has exactly one segment."""
    spine, segmented, distinct = con.execute(
        "SELECT (SELECT count(*) FROM staging.person_year), (SELECT count(*) FROM marts.person_stratification), "
        "(SELECT count(*) FROM (SELECT DISTINCT pseudo_id, year FROM marts.person_stratification))").fetchone()
    ok = spine == segmented == distinct
    return CheckOutcome("one_segment_per_person_year", "marts/person_stratification", "error", "conformance", ok,
                        f"spine {spine}, segmented {segmented}, distinct {distinct}", "all equal",
                        "every person-year has exactly one segment" if ok else
                        "segment count differs from the spine: check segment_rules.csv",
                        message_nl=f"{nl_number(spine, 0)} inwonerjaren, elk met precies één segment" if ok else
                        f"{nl_number(spine, 0)} inwonerjaren maar {nl_number(distinct, 0)} met een segment")


RIVM_2020 = "rivm_50090NED_gezondheid_wijk_buurt_2020_18plus_NL.csv"
RIVM_Z_LIMIT = 3.0  # beyond what sampling explains: |ours - RIVM| > 3 binomial standard errors at the RIVM value
RIVM_MIN_RESPONDENTS = 30


def rivm_plausibility(con: duckdb.DuckDBPyConnection, reference_dir, references: dict[str, str],
                      names: dict[str, str] | None = None) -> CheckOutcome:
    """Survey indicators per gemeente and wijk against the RIVM 2020 small-area estimates (external truth).

    `references` maps indicator id -> RIVM column (catalogue `rivm_reference`); `names` (indicator id -> Dutch
    name) makes the Dutch message readable. Compares the totaal of the latest period, in cells with at least
    RIVM_MIN_RESPONDENTS respondents, and warns for cells whose difference exceeds RIVM_Z_LIMIT binomial
    standard errors at the RIVM value: z = (ours - RIVM) / sqrt(RIVM x (100 - RIVM) / n), n our respondents
    (not the weights' effective n, and not our own interval).
    """
    path = str(reference_dir / RIVM_2020)
    columns = ", ".join(f"TRY_CAST(trim(\"{col}\") AS DOUBLE) AS \"{ind}\"" for ind, col in references.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rivm AS SELECT trim(Codering_3) AS area_code, {columns} "
                f"FROM read_csv(?, all_varchar=true)", [path])
    unpivot = " UNION ALL ".join(f"SELECT area_code, '{ind}' AS indicator_id, \"{ind}\" AS rivm FROM _rivm"
                                 for ind in references)
    rows = con.execute(
        f"""
        WITH ours AS (
            SELECT indicator_id, area_code, area_level, value, n FROM indicators.indicator_values
            WHERE stratum = 'totaal' AND area_level IN ('gemeente', 'wijk') AND value IS NOT NULL
              AND n >= {RIVM_MIN_RESPONDENTS} AND period = (SELECT max(period) FROM indicators.indicator_values)
        )
        SELECT o.indicator_id, o.area_code, o.value, r.rivm,
               (o.value - r.rivm) / nullif(sqrt(r.rivm * (100 - r.rivm) / o.n), 0) AS z,
               coalesce(a.name, o.area_code) AS area_name
        FROM ours o JOIN ({unpivot}) r USING (area_code, indicator_id)
        LEFT JOIN staging.areas a USING (area_code)
        WHERE r.rivm IS NOT NULL
        ORDER BY abs(z) DESC
        """
    ).fetchall()
    con.execute("DROP TABLE _rivm")
    off = [r for r in rows if r[4] is not None and abs(r[4]) > RIVM_Z_LIMIT]
    detail = "; ".join(f"{i} {a}: {v:.1f} vs RIVM {rv:.1f} (z {z:.1f})" for i, a, v, rv, z, _ in off[:8])
    names = names or {}
    detail_nl = "; ".join(f"{names.get(i, i)}, {area}: {nl_percent(v)} tegen RIVM {nl_percent(rv)}"
                          for i, _, v, rv, _, area in off[:8])
    return CheckOutcome(
        "rivm_plausibility", "indicators/indicator_values", "warn", "plausibility", not off,
        f"{len(off)} of {len(rows)} cells beyond |z| > {RIVM_Z_LIMIT}", f"|z| <= {RIVM_Z_LIMIT}",
        (f"differs from the RIVM 2020 estimates beyond sampling error: {detail}" if off else
         f"all {len(rows)} gemeente/wijk survey cells agree with the RIVM 2020 estimates within sampling error"),
        tuple(sorted({r[0] for r in off})),
        message_nl=(f"{nl_number(len(off), 0)} van {nl_number(len(rows), 0)} enquêtecijfers wijken meer af van de "
                    f"RIVM-schatting van 2020 dan de steekproef verklaart: {detail_nl}") if off else
        f"alle {nl_number(len(rows), 0)} enquêtecijfers per gemeente en wijk passen bij de RIVM-schattingen van 2020")
