"""PHM steps 1, 3 and 4: denominators, stratification (segments, frailty, opstapeling) and targeting."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from indicators.catalogue import load_catalogue
from pipelines.checks import check_spec, to_result
from pipelines.metadata import (
    key_in,
    markdown_table,
    preview,
    sql_deps,
    table_key,
    table_metadata,
    table_results,
    table_spec,
)
from pipelines.partitions import partition_years
from pipelines.resources import PhmConfig
from quality import checks
from transforms import marts, spine, stratification, targeting

DENOMINATORS = table_key("marts.population_denominators")
STRATIFICATION = table_key("marts.person_stratification")
TARGETING = table_key("marts.person_targeting")
PERSON_YEAR_INDICATORS = table_key("marts.person_year_indicators")
ZVW_CATEGORY = table_key("marts.zvw_person_category")
REACH = table_key("marts.intervention_reach")
SCENARIOS = table_key("marts.impact_scenarios")
TARGETING_TABLES = ["marts.person_year_indicators", "marts.person_targeting", "marts.zvw_person_category",
                    "marts.person_target_group"]


@dg.asset(key=DENOMINATORS, group_name="phm_step1_population", kinds={"duckdb"},
          deps=sql_deps("marts.population_denominators"),
          description="PHM step 1: residents and person-years per area x year x 5-year age band x sex x income "
                      "quintile, the denominators of rates and of standardisation.")
def population_denominators(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                            phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        rows = spine.build_denominators(con, only)
        table = preview(con, "SELECT year, area_level, count(DISTINCT area_code) AS areas, sum(residents) AS residents "
                             "FROM marts.population_denominators GROUP BY ALL ORDER BY ALL")
        metadata = table_metadata(con, "marts.population_denominators")
    return dg.MaterializeResult(metadata={"rows": rows, "per_level": table, **metadata})


@dg.multi_asset(
    name="marts__person_stratification", group_name="phm_step3_stratification",
    specs=[table_spec("staging.phm_base", "View: the person-year mart with survey scores, frailty events, the "
                      "social-problem and top-10%-cost flags and the survey risk (cut-offs from [cutoffs])."),
           table_spec("marts.person_stratification", "PHM step 3: frailty proxy (75+), one segment per person-year "
                      "by the priority cascade in segment_rules.csv, and opstapeling (number of domains with a "
                      "problem).")],
    check_specs=[check_spec(STRATIFICATION, "one_segment_per_person_year", "exactly one segment each"),
                 check_spec(STRATIFICATION, "kaiser_pyramid", "segment shares near Kaiser proportions")])
def person_stratification(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    with warehouse.get_connection() as con:
        shares = stratification.build_stratification(con, s.cutoffs, partition_years(context, s))
        domains = preview(con, "SELECT year, n_domains, count(*) AS persons FROM marts.person_stratification "
                               "GROUP BY ALL ORDER BY ALL")
        rows = con.execute("SELECT count(*) FROM marts.person_stratification").fetchone()[0]
        yield from table_results(context, con, ["staging.phm_base", "marts.person_stratification"], {
            "marts.person_stratification": {"rows": rows, "segment_shares": markdown_table(shares, 30),
                                            "opstapeling": domains}})
    with warehouse.get_connection() as con:
        outcomes = [checks.one_segment_per_person_year(con), checks.kaiser_pyramid(con)]
    for outcome in outcomes:
        yield to_result(context.run.run_id, warehouse, outcome, key_in(context, "marts.person_stratification"))


@dg.asset(key=SCENARIOS, group_name="phm_step3_stratification", kinds={"duckdb"},
          deps=sql_deps("marts.impact_scenarios"),
          description="PHM step 3: impact scenarios per gemeente and region: persons in a segment x assumed reach "
                      "x assumed effect on acute admissions or ED visits (assumptions in impact_scenarios.csv).")
def impact_scenarios(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                     phm: PhmConfig) -> dg.MaterializeResult:
    settings = phm.settings()
    only = partition_years(context, settings)
    absent = load_catalogue(settings.cutoffs).not_delivered(settings.layout)
    with warehouse.get_connection() as con:
        rows = stratification.build_impact_scenarios(con, only, absent)
        table = preview(con, "SELECT period, scenario, persons, round(persons_reached) AS reached, "
                             "round(expected_change_in_events, 1) AS change FROM marts.impact_scenarios "
                             "WHERE area_level = 'regio' ORDER BY ALL")
        metadata = table_metadata(con, "marts.impact_scenarios")
    return dg.MaterializeResult(metadata={"rows": rows, "region": table, **metadata})


@dg.multi_asset(
    name="marts__person_targeting", group_name="phm_step4_targeting",
    specs=[table_spec("marts.person_year_indicators", "PHM step 4: the person-year mart with segment, domains and "
                      "one flag per IZA target group (rules in target_groups.csv): the table the indicator "
                      "catalogue reads."),
           table_spec("marts.person_targeting", "View: membership of the five IZA target groups per person-year."),
           table_spec("marts.zvw_person_category", "View: Zvw cost per insured person-year and cost category, the "
                      "strata `categorie:<category>` of Zvw cost indicators."),
           table_spec("marts.person_target_group", "View: one row per member of each IZA target group with its "
                      "cost per law, the strata `doelgroep:<group>` of the cost ledger.")])
def person_targeting(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        sizes = targeting.build_targeting(con, only)
        marts.build_zvw_category_view(con)
        yield from table_results(context, con, TARGETING_TABLES, {"marts.person_targeting": {
            "rows": int(sizes["residents"].sum()), "group_sizes": markdown_table(sizes)}})


@dg.asset(key=REACH, group_name="phm_step4_targeting", kinds={"duckdb"},
          deps=sql_deps("marts.intervention_reach"),
          description="PHM step 4: per intervention, the target-group members in its buurten and whether the "
                      "intervention reached them (from its start year on).")
def intervention_reach(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                       phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        reach = targeting.build_intervention_reach(con, only)
        metadata = table_metadata(con, "marts.intervention_reach")
    rows = int(reach["target_group_in_buurten"].sum()) if reach.height else 0
    return dg.MaterializeResult(metadata={"rows": rows, "reach": markdown_table(reach), **metadata})


PHM_STEP_ASSETS = [population_denominators, person_stratification, impact_scenarios, person_targeting,
                   intervention_reach]
