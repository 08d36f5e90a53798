"""The five expectation suites: which warehouse table each reads and what it expects of it.

Each suite reads only the columns it checks into pandas (GX 1.x does not take Polars). Rules GX has no
expectation for, or that GX would check slowly on millions of strings, are derived columns computed in
DuckDB (a share as a 0/1 mean, `n` a multiple of the rounding base, the relative change against the
previous publication, the pseudonym's form and a number per pseudonym), so each rule is still one
expectation, visible by name in Data Docs and in `quality_results`. No pseudonym enters pandas.

A suite reads its frame before importing GX (through `import_great_expectations`, never two threads at
once), so that a read in the background overlaps with the import.

Severity (docs/architecture.md, "Quality"): completeness and conformance expectations are `critical` (a failure blocks
publication), plausibility expectations are `warning` (reported only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from quality.expectations.preload import import_great_expectations

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

AREA_LEVELS = ["buurt", "wijk", "gemeente", "regio"]
AGE_GROUPS = ["0-17", "18-64", "65-74", "75+"]
CANDIDATE_KEY = ["indicator_id", "period", "area_code", "stratum"]
# "bron onvolledig": quality/completeness.py; "geen waarnemingen": an empty cell of the grid (indicators/grid.py);
# "niet geleverd": the region's input layout does not deliver the indicator's input (catalogue not_in_layouts)
SUPPRESSION_REASONS = ["primary", "secondary", "dominance", "bron onvolledig", "geen waarnemingen", "niet geleverd"]
COMPARISONS = ["hoger", "lager", "geen_verschil"]
POSITIVE_HEALTH = ["ph_lichaamsfuncties", "ph_mentaal_welbevinden", "ph_zingeving", "ph_kwaliteit_van_leven",
                   "ph_meedoen", "ph_dagelijks_functioneren"]
RUN_TO_RUN_MOSTLY = 0.95  # a few small gemeente cells may jump by chance; a broken run moves many


# The warehouse table (as a Dagster asset path) each suite validates; the candidate tables belong to the
# publication candidate asset.
ASSETS = {"staging_person_year": "staging/person_year", "marts_person_year": "marts/person_year",
          "marts_survey_respondent": "marts/survey_respondent",
          "candidate_indicator_values": "publish/publication_candidate",
          "candidate_areas": "publish/publication_candidate"}


@dataclass(frozen=True)
class SuiteOptions:
    """What the suites need beyond the warehouse: the previous publication and the policy thresholds."""

    previous_publication: Path | None
    max_change: float = 0.5
    rounding_base: int = 5


@dataclass(frozen=True)
class Suite:
    """One GX suite: the frame it validates, read from one warehouse table, and what it expects of it.

    `person_level` suites never show offending values (they would be pseudonyms or a person's data in the
    published Data Docs); aggregate suites name offending rows by `sample_columns`.
    """

    name: str
    asset: str
    kahn_category: str  # the suite's main category, reported while it passes
    frame: pd.DataFrame
    expectations: list[Expectation]
    person_level: bool = True
    sample_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _completeness() -> dict[str, Any]:
    return {"severity": "critical", "meta": {"kahn_category": "completeness"}}


def _conformance() -> dict[str, Any]:
    return {"severity": "critical", "meta": {"kahn_category": "conformance"}}


def _plausibility() -> dict[str, Any]:
    return {"severity": "warning", "meta": {"kahn_category": "plausibility"}}


def _frame(con: duckdb.DuckDBPyConnection, sql: str, codes: tuple[str, ...] = ()) -> pd.DataFrame:
    """The result of `sql` shaped for GX on millions of rows, with the same values:

    - int64/float64 numbers: GX compares those vectorised but maps a Python function over every value of any
      other dtype (int32, nullable Int64). A nullable integer becomes float64 with NaN, which GX skips as
      missing just as it skips <NA>.
    - `codes` (code columns such as sex or area_code) as pandas categoricals, dictionary-encoded in Arrow so
      no Python string is made per row: GX hashes the frame and copies it for every expectation, and
      copying, hashing or null-testing millions of Python strings was most of its time.
    - a boolean with nulls as pandas' nullable boolean rather than an object column of Python bools.
    - one consolidated block per dtype, so those copies do not merge column blocks each time.
    """
    table = con.execute(sql).to_arrow_table()
    for name in codes:
        table = table.set_column(table.schema.get_field_index(name), name, pc.dictionary_encode(table[name]))
    frame = table.to_pandas()  # Arrow already turns an integer column with nulls into float64
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_integer_dtype(dtype) and dtype != "int64":
            frame[name] = frame[name].astype("int64")
        elif pa.types.is_boolean(table.schema.field(name).type) and table[name].null_count:
            frame[name] = frame[name].astype("boolean")
    return frame.copy()


def _codes(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [row[0] for row in con.execute(sql).fetchall()]


# Pseudonyms never enter pandas: each distinct pseudo_id gets a number (NULL stays NULL, so not-null and
# uniqueness mean the same) and its 64-hex form is tested in DuckDB, once per person rather than per year.
# Which number a person gets does not matter, so DISTINCT and a hash join, cheaper than dense_rank's sort.
PERSON_YEAR_SQL = """
WITH persons AS (
    SELECT pseudo_id, row_number() OVER () AS person_nr,
           regexp_full_match(pseudo_id, '[0-9a-f]{64}') AS pseudo_id_hex64
    FROM (SELECT DISTINCT pseudo_id FROM staging.person_year WHERE pseudo_id IS NOT NULL)
)
SELECT p.person_nr, p.pseudo_id_hex64, s.year, s.sex, s.buurt_code, s.age, s.age_group, s.alive_days,
       s.person_years, s.income_quintile,
       CAST(s.age >= 75 AS DOUBLE) AS aged_75_plus, CAST(s.age < 18 AS DOUBLE) AS aged_0_17
FROM staging.person_year s LEFT JOIN persons p USING (pseudo_id)
"""


def staging_person_year(con: duckdb.DuckDBPyConnection, options: SuiteOptions) -> Suite:
    """The population spine: each person-year complete, unique, in a known buurt; a plausible age mix."""
    frame = _frame(con, PERSON_YEAR_SQL, codes=("sex", "buurt_code", "age_group"))
    buurten = _codes(con, "SELECT area_code FROM staging.areas WHERE area_level = 'buurt' ORDER BY 1")
    import_great_expectations()
    import great_expectations.expectations as gxe
    return Suite("staging_person_year", ASSETS["staging_person_year"], "conformance", frame, [
        gxe.ExpectColumnValuesToNotBeNull(column="person_nr", description="pseudo_id is not null "
                                          "(person_nr numbers each pseudo_id, null where it is null)",
                                          **_completeness()),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, **_completeness())
          for c in ("year", "sex", "buurt_code", "age")),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["person_nr", "year"], description="one row per "
                                            "pseudo_id and year (person_nr numbers each pseudo_id)",
                                            **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="pseudo_id_hex64", value_set=[True],
                                        description="pseudo_id is 64 lowercase hex characters "
                                        "(^[0-9a-f]{64}$, tested in DuckDB)", **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="buurt_code", value_set=buurten, **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="sex", value_set=["M", "V"], **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="age_group", value_set=AGE_GROUPS, **_conformance()),
        gxe.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=110, **_conformance()),
        gxe.ExpectColumnValuesToBeBetween(column="alive_days", min_value=1, max_value=366,
                                          **_conformance()),
        gxe.ExpectColumnValuesToBeBetween(column="person_years", min_value=0, max_value=1, strict_min=True,
                                          **_conformance()),
        gxe.ExpectColumnValuesToBeBetween(column="income_quintile", min_value=1, max_value=5,
                                          **_conformance()),
        # The Netherlands has about 9 % aged 75+ and 20 % aged 0-17; a region far outside is a broken load.
        gxe.ExpectColumnMeanToBeBetween(column="aged_75_plus", min_value=0.04, max_value=0.20,
                                        description="share aged 75+ between 4 % and 20 %", **_plausibility()),
        gxe.ExpectColumnMeanToBeBetween(column="aged_0_17", min_value=0.12, max_value=0.26,
                                        description="share aged 0-17 between 12 % and 26 %",
                                        **_plausibility()),
    ])


def marts_person_year(con: duckdb.DuckDBPyConnection, options: SuiteOptions) -> Suite:
    """The person-year mart: counts and insured years in range, flags filled, multimorbidity plausible."""
    frame = _frame(
        con, "SELECT n_chronic, seh_visits, insured_years, wmo, jeugd, wlz, bijstand, "
        "CAST(n_chronic >= 2 AS DOUBLE) AS multimorbid FROM marts.person_year")
    import_great_expectations()
    import great_expectations.expectations as gxe
    return Suite("marts_person_year", ASSETS["marts_person_year"], "conformance", frame, [
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, **_completeness())
          for c in ("n_chronic", "seh_visits", "insured_years", "wmo", "jeugd", "wlz", "bijstand")),
        gxe.ExpectColumnValuesToBeBetween(column="n_chronic", min_value=0, **_conformance()),
        gxe.ExpectColumnValuesToBeBetween(column="seh_visits", min_value=0, **_conformance()),
        gxe.ExpectColumnValuesToBeBetween(column="insured_years", min_value=0, max_value=1,
                                          **_conformance()),
        gxe.ExpectColumnMeanToBeBetween(column="multimorbid", min_value=0.05, max_value=0.40,
                                        description="share with two or more chronic conditions 5-40 %",
                                        **_plausibility()),
    ])


def marts_survey_respondent(con: duckdb.DuckDBPyConnection, options: SuiteOptions) -> Suite:
    """Survey scores within the range their scale allows; BMI within what a body allows (warn)."""
    frame = _frame(
        con, "SELECT weight, k10_score, djg_score, mastery_score, sbsq_mean, bmi, "
        f"{', '.join(POSITIVE_HEALTH)} FROM marts.survey_respondent")
    import_great_expectations()
    import great_expectations.expectations as gxe
    # A sum scale is null when an item is missing (survey.py), so nulls are allowed; GX skips them.
    scales = {"k10_score": (10, 50), "djg_score": (0, 11), "mastery_score": (7, 35), "sbsq_mean": (0, 4)}
    return Suite("marts_survey_respondent", ASSETS["marts_survey_respondent"], "conformance", frame, [
        gxe.ExpectColumnValuesToNotBeNull(column="weight", **_completeness()),
        gxe.ExpectColumnValuesToBeBetween(column="weight", min_value=0, strict_min=True, **_conformance()),
        *(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=lo, max_value=hi, **_conformance())
          for c, (lo, hi) in scales.items()),
        *(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=10, **_conformance())
          for c in POSITIVE_HEALTH),
        gxe.ExpectColumnValuesToBeBetween(column="bmi", min_value=12, max_value=70, **_plausibility()),
    ])


def _previous_values(path: Path) -> pd.DataFrame | None:
    """The gemeente and regio totals of the previous publication (None if it has no indicator_values)."""
    with duckdb.connect(str(path), read_only=True) as old:
        if not old.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'indicator_values'").fetchone()[0]:
            return None
        return old.execute(
            "SELECT indicator_id, CAST(period AS INTEGER) AS period, area_code, stratum, "
            "value AS previous_value FROM indicator_values "
            "WHERE area_level IN ('gemeente', 'regio') AND stratum = 'totaal' AND value IS NOT NULL").df()


CANDIDATE_SQL = """
SELECT v.indicator_id, v.period, v.area_code, v.area_level, v.stratum, v.value, v.n, v.suppressed,
       v.suppression_reason, v.comparison,
       v.n % {base} = 0 AS n_rounded, v.numerator % {base} = 0 AS numerator_rounded,
       v.denominator % {base} = 0 AS denominator_rounded,
       {change} AS relative_change
FROM candidate.indicator_values v
{join}
"""
# Only where a change means something: gemeente and regio totals published both times, the old value non-zero.
RELATIVE_CHANGE = ("CASE WHEN v.area_level IN ('gemeente', 'regio') AND v.stratum = 'totaal' "
                   "AND o.previous_value <> 0 "
                   "THEN abs(v.value - o.previous_value) / abs(o.previous_value) END")


def _candidate_frame(con: duckdb.DuckDBPyConnection, previous: pd.DataFrame | None,
                     base: int) -> pd.DataFrame:
    codes = ("indicator_id", "area_code", "area_level", "stratum", "suppression_reason", "comparison")
    if previous is None:
        return _frame(con, CANDIDATE_SQL.format(base=base, change="CAST(NULL AS DOUBLE)", join=""), codes)
    con.register("_gx_previous_values", previous)
    try:
        return _frame(con, CANDIDATE_SQL.format(
            base=base, change=RELATIVE_CHANGE,
            join=f"LEFT JOIN _gx_previous_values o USING ({', '.join(CANDIDATE_KEY)})"), codes)
    finally:
        con.unregister("_gx_previous_values")


def candidate_indicator_values(con: duckdb.DuckDBPyConnection, options: SuiteOptions) -> Suite:
    """The candidate's cells: unique, in known areas, masked if suppressed, rounded, stable since last run."""
    base, path, previous = int(options.rounding_base), options.previous_publication, None
    if path is None or not path.exists():
        notes = ("run-to-run change not checked: no previous publication",)
    else:
        previous = _previous_values(path)
        notes = () if previous is not None else (
            f"run-to-run change not checked: {path.name} has no indicator_values",)
    frame = _candidate_frame(con, previous, base)
    areas = _codes(con, "SELECT area_code FROM candidate.areas ORDER BY 1")
    import_great_expectations()
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column
    expectations = [
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, **_completeness())
          for c in [*CANDIDATE_KEY, "area_level", "suppressed"]),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=CANDIDATE_KEY, **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="area_code", value_set=areas, **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="area_level", value_set=AREA_LEVELS, **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="suppression_reason", value_set=SUPPRESSION_REASONS,
                                        **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="comparison", value_set=COMPARISONS, **_conformance()),
        *(gxe.ExpectColumnValuesToBeNull(column=c, row_condition=Column("suppressed") == True,  # noqa: E712
                                         **_conformance()) for c in ("value", "n")),
        *(gxe.ExpectColumnValuesToBeInSet(column=f"{c}_rounded", value_set=[True], **_conformance(),
                                          description=f"{c} is a multiple of the rounding base {base}")
          for c in ("n", "numerator", "denominator")),
    ]
    if previous is not None:
        expectations.append(gxe.ExpectColumnValuesToBeBetween(
            column="relative_change", min_value=0, max_value=options.max_change, mostly=RUN_TO_RUN_MOSTLY,
            **_plausibility(), description=f"|new - previous| / |previous| <= {options.max_change} for "
                                           f"{RUN_TO_RUN_MOSTLY:.0%} of gemeente and regio totals"))
    return Suite("candidate_indicator_values", ASSETS["candidate_indicator_values"], "conformance", frame,
                 expectations, person_level=False, sample_columns=tuple(CANDIDATE_KEY), notes=notes)


def candidate_areas(con: duckdb.DuckDBPyConnection, options: SuiteOptions) -> Suite:
    """The candidate's area hierarchy: unique codes, known levels, each area but the region under a parent."""
    frame = con.execute("SELECT area_code, area_level, parent_code FROM candidate.areas").df()
    import_great_expectations()
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column
    below_region = {"row_condition": Column("area_level") != "regio"}
    return Suite("candidate_areas", ASSETS["candidate_areas"], "conformance", frame, [
        gxe.ExpectColumnValuesToNotBeNull(column="area_code", **_completeness()),
        gxe.ExpectColumnValuesToBeUnique(column="area_code", **_conformance()),
        gxe.ExpectColumnValuesToBeInSet(column="area_level", value_set=AREA_LEVELS, **_conformance()),
        gxe.ExpectColumnValuesToNotBeNull(column="parent_code", **below_region, **_completeness()),
        gxe.ExpectColumnValuesToBeInSet(column="parent_code", value_set=frame["area_code"].dropna().tolist(),
                                        **below_region, **_conformance()),
    ], person_level=False, sample_columns=("area_code", "area_level"))


SUITES: tuple[Callable[[duckdb.DuckDBPyConnection, SuiteOptions], Suite], ...] = (
    staging_person_year, marts_person_year, marts_survey_respondent, candidate_indicator_values,
    candidate_areas,
)
SUITE_NAMES = tuple(build.__name__ for build in SUITES)  # the function, the GX suite and `gx_<name>` agree
