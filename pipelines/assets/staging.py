"""Staging and PHM step 1-2 assets: areas, code lists, the population spine and person-level marts."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.checks import check_spec, to_result
from pipelines.metadata import preview, sql_deps, table_key, table_metadata, table_results, table_spec
from pipelines.partitions import partition_years
from pipelines.resources import PhmConfig
from quality import checks
from transforms import care_use, code_lists, conditions, marts, spine, survey
from transforms.areas import build_areas
from transforms.warehouse import ensure_schemas

AREAS = table_key("staging.areas")
SPINE = table_key("staging.person_year")
CONDITIONS = table_key("staging.person_conditions")
CARE = table_key("staging.person_care")
PERSON_YEAR_MART = table_key("marts.person_year")
SURVEY = table_key("marts.survey_respondent")
WORKFORCE = table_key("marts.workforce_org_year")
CARE_TABLES = ["staging.hospital_events", "staging.acute_admissions", "staging.provision_years",
               "staging.person_care", "staging.wmo_requests"]
CONDITION_TABLES = ["staging.gp_episodes", "staging.person_conditions", "staging.person_events"]


@dg.multi_asset(
    name="staging__areas", group_name="staging",
    specs=[table_spec("staging.areas", "Area hierarchy buurt -> wijk -> gemeente -> regio of the configured "
                      "gemeenten, from the vendored CBS/RIVM reference files (CBS 2020 classification)."),
           table_spec("staging.area_ancestors", "Every area with itself and each ancestor: the join table for "
                      "rolling cells up the hierarchy.")])
def areas(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    with warehouse.get_connection() as con:
        ensure_schemas(con)
        n = build_areas(con, s.reference_dir, list(s.gemeenten), s.region_code, s.region_name)
        table = preview(con, "SELECT area_level, count(*) AS areas FROM staging.areas GROUP BY 1 ORDER BY 1")
        yield from table_results(context, con, ["staging.areas", "staging.area_ancestors"],
                                 {"staging.areas": {"rows": n, "levels": table}})


@dg.multi_asset(
    name="ref__code_lists", group_name="staging",
    specs=[table_spec(t, f"Versioned rule table or code list transforms/reference/{t.split('.')[1]}.csv, "
                         f"cut-offs filled from [cutoffs] of phm.toml.") for t in code_lists.tables()])
def reference_code_lists(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    with warehouse.get_connection() as con:
        versions = code_lists.load_code_lists(con, phm.settings().cutoffs)
        yield from table_results(context, con, code_lists.tables(),
                                 {t: {"version": versions[t.split(".")[1] + ".csv"]} for t in code_lists.tables()})


@dg.asset(key=SPINE, group_name="phm_step1_population", kinds={"duckdb"}, deps=sql_deps("staging.person_year"),
          description="PHM step 1: the population spine, one row per resident per year (status on 1 January) "
                      "with age band, sex, buurt/wijk/gemeente, household, income quintile and alive days.",
          check_specs=[check_spec(SPINE, "person_year_unique", "one row per person and year"),
                       check_spec(SPINE, "linkage_coverage", "records whose pseudonym is in the spine")])
def person_year_spine(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    with warehouse.get_connection() as con:
        rows = spine.build_spine(con, partition_years(context, s))
        table = preview(con, "SELECT year, count(*) AS residents, sum(CAST(died AS INT)) AS deaths "
                                "FROM staging.person_year GROUP BY 1 ORDER BY 1")
        metadata = table_metadata(con, "staging.person_year")
    yield dg.MaterializeResult(metadata={"rows": rows, "per_year": table, **metadata})
    with warehouse.get_connection() as con:
        outcomes = [checks.spine_unique(con)]
        if all(_exists(con, "raw", t) for t in ("gp_episodes", "hospital_events", "zvw_costs", "health_survey",
                                                  "participatie")):
            outcomes.append(checks.linkage_coverage(con, s.checks.min_linkage_coverage))
    for outcome in outcomes:
        yield to_result(context.run.run_id, warehouse, outcome, context.asset_key)


def _exists(con, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                            "AND table_name = ?", [schema, table]).fetchone()[0])


@dg.multi_asset(
    name="staging__person_conditions", group_name="phm_step2_health",
    specs=[table_spec("staging.gp_episodes", "GP episodes without exact repeats (every year: episodes span years)."),
           table_spec("staging.person_conditions", "PHM step 2: chronic conditions per person-year from GP episodes "
                      "active in the year, by the versioned ICPC list (sub-codes such as T90.02 roll up to T90)."),
           table_spec("staging.person_events", "Falls/fractures and incontinence per person-year (frailty deficits).")])
def person_conditions(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        counts = conditions.build_conditions(con, only)
        counts["person_events"] = conditions.build_person_events(con, only)
        table = preview(con, "SELECT condition, count(*) AS person_years FROM staging.person_conditions "
                                "GROUP BY 1 ORDER BY 2 DESC")
        yield from table_results(context, con, CONDITION_TABLES, {"staging.person_conditions": {
            "rows": counts["person_conditions"], **counts, "conditions": table}})


@dg.multi_asset(
    name="staging__person_care", group_name="phm_step2_health",
    specs=[table_spec("staging.hospital_events", "Hospital events without exact repeats, with their year and "
                      "whether the diagnosis is ambulatory-care sensitive (ACSC)."),
           table_spec("staging.acute_admissions", "Acute admissions with the patient's strata and whether they "
                      "were readmitted within 30 days."),
           table_spec("staging.provision_years", "Wmo/Jeugd/Wlz provisions per year they run, cost pro rata to "
                      "their days in the year."),
           table_spec("staging.person_care", "PHM step 2: care use and costs per person-year: ED visits, acute and "
                      "ACSC admissions, Zvw claims, Wmo/Jeugd/Wlz provisions (cost pro rata per year) and "
                      "Participatiewet."),
           table_spec("staging.wmo_requests", "Wmo requests with their waiting days and the applicant's strata.")])
def person_care(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    with warehouse.get_connection() as con:
        counts = care_use.build_care_use(con, list(s.years), partition_years(context, s))
        yield from table_results(context, con, CARE_TABLES,
                                 {"staging.person_care": {"rows": counts["person_care"], **counts}})


@dg.asset(key=SURVEY, group_name="phm_step2_health", kinds={"duckdb"}, deps=sql_deps("marts.survey_respondent"),
          description="PHM step 2: health-survey scores per adult respondent (K10, De Jong Gierveld, mastery, "
                      "SBSQ, BMI, Positive Health), linked to the spine for area and strata.")
def survey_respondent(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                      phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        counts = survey.build_survey(con, only)
        metadata = table_metadata(con, "marts.survey_respondent")
    return dg.MaterializeResult(metadata={"rows": counts["respondents"], **counts, **metadata})


@dg.asset(key=PERSON_YEAR_MART, group_name="phm_step2_health", kinds={"duckdb"},
          deps=sql_deps("marts.person_year"),
          description="PHM step 2: the person-year mart the indicators read: spine + care use + costs + "
                      "one flag per chronic condition.")
def person_year_mart(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                     phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        rows = marts.build_person_year_mart(con, only)
        table = preview(con, "SELECT year, round(avg(CAST(n_chronic >= 2 AS INT)) * 100, 1) AS multimorbid_pct, "
                                "round(sum(zvw_cost) / sum(insured_years)) AS zvw_per_insured_year "
                                "FROM marts.person_year GROUP BY 1 ORDER BY 1")
        metadata = table_metadata(con, "marts.person_year")
    return dg.MaterializeResult(metadata={"rows": rows, "shares": table, **metadata})


@dg.asset(key=WORKFORCE, group_name="staging", kinds={"duckdb"}, deps=sql_deps("marts.workforce_org_year"),
          description="Workforce per organisation and year (gemeente as area) for the professional-wellbeing aim.")
def workforce_org_year(warehouse: DuckDBResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        rows = marts.build_workforce_mart(con)
        metadata = table_metadata(con, "marts.workforce_org_year")
    return dg.MaterializeResult(metadata={"rows": rows, **metadata})


STAGING_ASSETS = [areas, reference_code_lists, person_year_spine, person_conditions, person_care,
                  survey_respondent, person_year_mart, workforce_org_year]
YEAR_STAGING_ASSETS = [person_year_spine, person_conditions, person_care, survey_respondent, person_year_mart]
