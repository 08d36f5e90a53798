"""PHM steps 1, 3 and 4: denominators, stratification (segments, frailty, opstapeling) and targeting."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.assets.staging import CODE_LISTS, PERSON_YEAR_MART, RAW, SPINE, SURVEY
from pipelines.checks import check_spec, to_result
from pipelines.metadata import markdown_table, preview
from pipelines.partitions import partition_years
from pipelines.resources import PhmConfig
from quality import checks
from transforms import marts, spine, stratification, targeting

DENOMINATORS = dg.AssetKey(["marts", "population_denominators"])
STRATIFICATION = dg.AssetKey(["marts", "person_stratification"])
TARGETING = dg.AssetKey(["marts", "person_targeting"])
REACH = dg.AssetKey(["marts", "intervention_reach"])
SCENARIOS = dg.AssetKey(["marts", "impact_scenarios"])


@dg.asset(key=DENOMINATORS, group_name="phm_step1_population", kinds={"duckdb"}, deps=[SPINE],
          description="PHM step 1: residents and person-years per area x year x 5-year age band x sex x income "
                      "quintile, the denominators of rates and of standardisation.")
def population_denominators(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                            phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        rows = spine.build_denominators(con, only)
        table = preview(con, "SELECT year, area_level, count(DISTINCT area_code) AS areas, sum(residents) AS residents "
                             "FROM marts.population_denominators GROUP BY ALL ORDER BY ALL")
    return dg.MaterializeResult(metadata={"rows": rows, "per_level": table})


@dg.asset(key=STRATIFICATION, group_name="phm_step3_stratification", kinds={"duckdb"},
          deps=[PERSON_YEAR_MART, SURVEY, CODE_LISTS],
          description="PHM step 3: frailty proxy (75+), one segment per person-year by the priority cascade in "
                      "segment_rules.csv, and opstapeling (number of domains with a problem).",
          check_specs=[check_spec(STRATIFICATION, "one_segment_per_person_year", "exactly one segment each"),
                       check_spec(STRATIFICATION, "kaiser_pyramid", "segment shares near Kaiser proportions")])
def person_stratification(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    with warehouse.get_connection() as con:
        shares = stratification.build_stratification(con, s.cutoffs, partition_years(context, s))
        domains = preview(con, "SELECT year, n_domains, count(*) AS persons FROM marts.person_stratification "
                               "GROUP BY ALL ORDER BY ALL")
        rows = con.execute("SELECT count(*) FROM marts.person_stratification").fetchone()[0]
    yield dg.MaterializeResult(metadata={"rows": rows, "segment_shares": markdown_table(shares, 30),
                                         "opstapeling": domains})
    with warehouse.get_connection() as con:
        outcomes = [checks.one_segment_per_person_year(con), checks.kaiser_pyramid(con)]
    for outcome in outcomes:
        yield to_result(context.run.run_id, warehouse, outcome, context.asset_key)


@dg.asset(key=SCENARIOS, group_name="phm_step3_stratification", kinds={"duckdb"}, deps=[STRATIFICATION],
          description="PHM step 3: impact scenarios per gemeente and region: persons in a segment x assumed reach "
                      "x assumed effect on acute admissions or ED visits (assumptions in impact_scenarios.csv).")
def impact_scenarios(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                     phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        rows = stratification.build_impact_scenarios(con, only)
        table = preview(con, "SELECT period, scenario, persons, round(persons_reached) AS reached, "
                             "round(expected_change_in_events, 1) AS change FROM marts.impact_scenarios "
                             "WHERE area_level = 'regio' ORDER BY ALL")
    return dg.MaterializeResult(metadata={"rows": rows, "region": table})


@dg.asset(key=TARGETING, group_name="phm_step4_targeting", kinds={"duckdb"}, deps=[STRATIFICATION],
          description="PHM step 4: membership of the five IZA target groups per person-year (rules in "
                      "target_groups.csv), written with the person-year mart, segment and domains into "
                      "marts.person_year_indicators, the table the indicator catalogue reads.")
def person_targeting(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                     phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        sizes = targeting.build_targeting(con, only)
        marts.build_zvw_category_view(con)
    return dg.MaterializeResult(metadata={"rows": int(sizes["residents"].sum()),
                                         "group_sizes": markdown_table(sizes)})


@dg.asset(key=REACH, group_name="phm_step4_targeting", kinds={"duckdb"},
          deps=[TARGETING, RAW["population"], dg.AssetKey(["raw", "interventions"]),
                dg.AssetKey(["raw", "intervention_participants"])],
          description="PHM step 4: per intervention, the target-group members in its buurten and whether the "
                      "intervention reached them (from its start year on).")
def intervention_reach(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                       phm: PhmConfig) -> dg.MaterializeResult:
    only = partition_years(context, phm.settings())
    with warehouse.get_connection() as con:
        reach = targeting.build_intervention_reach(con, only)
    return dg.MaterializeResult(metadata={"rows": int(reach["target_group_in_buurten"].sum()) if reach.height else 0,
                                         "reach": markdown_table(reach)})


PHM_STEP_ASSETS = [population_denominators, person_stratification, impact_scenarios, person_targeting,
                   intervention_reach]
