"""Staging and PHM step 1-2 assets: areas, code lists, the population spine and person-level marts."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.checks import check_spec, to_result
from pipelines.metadata import preview
from pipelines.partitions import partition_years
from pipelines.resources import PhmConfig
from quality import checks
from transforms import care_use, code_lists, conditions, marts, spine, survey
from transforms.areas import build_areas
from transforms.warehouse import ensure_schemas

RAW = {s: dg.AssetKey(["raw", s]) for s in (
    "population", "gp_episodes", "hospital_events", "zvw_costs", "wmo", "jeugd", "wlz", "participatie",
    "health_survey", "workforce")}
AREAS = dg.AssetKey(["staging", "areas"])
CODE_LISTS = dg.AssetKey(["staging", "code_lists"])
SPINE = dg.AssetKey(["staging", "person_year"])
CONDITIONS = dg.AssetKey(["staging", "person_conditions"])
CARE = dg.AssetKey(["staging", "person_care"])
PERSON_YEAR_MART = dg.AssetKey(["marts", "person_year"])
SURVEY = dg.AssetKey(["marts", "survey_respondent"])
WORKFORCE = dg.AssetKey(["marts", "workforce_org_year"])


@dg.asset(key=AREAS, group_name="staging", kinds={"duckdb"},
          description="Area hierarchy buurt -> wijk -> gemeente -> regio of the configured gemeenten, "
                      "from the vendored CBS/RIVM reference files (CBS 2020 classification).")
def areas(warehouse: DuckDBResource, phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    with warehouse.get_connection() as con:
        ensure_schemas(con)
        n = build_areas(con, s.reference_dir, list(s.gemeenten), s.region_code, s.region_name)
        table = preview(con, "SELECT area_level, count(*) AS areas FROM staging.areas GROUP BY 1 ORDER BY 1")
    return dg.MaterializeResult(metadata={"rows": n, "levels": table})


@dg.asset(key=CODE_LISTS, group_name="staging", kinds={"duckdb"}, deps=[AREAS],
          description="Versioned code lists and rule tables from transforms/reference (ICPC chronic list, "
                      "ACSC ICD-10 list, ...), loaded as ref.* tables.")
def reference_code_lists(warehouse: DuckDBResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        versions = code_lists.load_code_lists(con)
    return dg.MaterializeResult(metadata={"rows": len(versions), **{k: v for k, v in versions.items()}})


@dg.asset(key=SPINE, group_name="phm_step1_population", kinds={"duckdb"}, deps=[RAW["population"], AREAS],
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
    yield dg.MaterializeResult(metadata={"rows": rows, "per_year": table})
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


@dg.asset(key=CONDITIONS, group_name="phm_step2_health", kinds={"duckdb"},
          deps=[RAW["gp_episodes"], SPINE, CODE_LISTS],
          description="PHM step 2: chronic conditions per person-year from GP episodes active in the year, "
                      "by the versioned ICPC list (sub-codes such as T90.02 roll up to T90).")
def person_conditions(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                      phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        counts = conditions.build_conditions(con, only)
        counts["person_events"] = conditions.build_person_events(con, only)
        table = preview(con, "SELECT condition, count(*) AS person_years FROM staging.person_conditions "
                                "GROUP BY 1 ORDER BY 2 DESC")
    return dg.MaterializeResult(metadata={"rows": counts["person_conditions"], **counts, "conditions": table})


@dg.asset(key=CARE, group_name="phm_step2_health", kinds={"duckdb"},
          deps=[RAW[s] for s in ("hospital_events", "zvw_costs", "wmo", "jeugd", "wlz", "participatie")]
          + [SPINE, CODE_LISTS],
          description="PHM step 2: care use and costs per person-year: ED visits, acute and ACSC admissions, "
                      "Zvw claims, Wmo/Jeugd/Wlz provisions (cost pro rata per year) and Participatiewet.")
def person_care(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    with warehouse.get_connection() as con:
        counts = care_use.build_care_use(con, list(s.years), partition_years(context, s))
    return dg.MaterializeResult(metadata={"rows": counts["person_care"], **counts})


@dg.asset(key=SURVEY, group_name="phm_step2_health", kinds={"duckdb"}, deps=[RAW["health_survey"], SPINE],
          description="PHM step 2: health-survey scores per adult respondent (K10, De Jong Gierveld, mastery, "
                      "SBSQ, BMI, Positive Health), linked to the spine for area and strata.")
def survey_respondent(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                      phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        counts = survey.build_survey(con, only)
    return dg.MaterializeResult(metadata={"rows": counts["respondents"], **counts})


@dg.asset(key=PERSON_YEAR_MART, group_name="phm_step2_health", kinds={"duckdb"}, deps=[CONDITIONS, CARE],
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
    return dg.MaterializeResult(metadata={"rows": rows, "shares": table})


@dg.asset(key=WORKFORCE, group_name="staging", kinds={"duckdb"}, deps=[RAW["workforce"]],
          description="Workforce per organisation and year (gemeente as area) for the professional-wellbeing aim.")
def workforce_org_year(warehouse: DuckDBResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        rows = marts.build_workforce_mart(con)
    return dg.MaterializeResult(metadata={"rows": rows})


STAGING_ASSETS = [areas, reference_code_lists, person_year_spine, person_conditions, person_care,
                  survey_respondent, person_year_mart, workforce_org_year]
YEAR_STAGING_ASSETS = [person_year_spine, person_conditions, person_care, survey_respondent, person_year_mart]
