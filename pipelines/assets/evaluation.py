"""PHM step 5 and equity: equity gaps per indicator and the evaluation of interventions."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from indicators.catalogue import expansions_from_warehouse, load_catalogue
from indicators.equity_gaps import equity_gaps, survey_population
from indicators.evaluation import evaluate
from indicators.payment_scenarios import available_laws, cells_sql_laws, payment_scenarios
from indicators.prices import deflator_frame, deflators, read_cpi
from indicators.trends import overlap_cells, trends
from pipelines.assets.indicators import PUBLISHED_VALUES
from pipelines.assets.phm_steps import REACH, TARGETING
from pipelines.metadata import markdown_table, table_key, table_metadata, table_results, table_spec
from pipelines.resources import PhmConfig
from transforms.sql import load_sql
from transforms.warehouse import write_table

EQUITY = table_key("indicators.equity_gaps")
EVALUATION = table_key("indicators.evaluation_results")
TRENDS = table_key("indicators.trends")
PRICE_DEFLATORS = table_key("indicators.price_deflators")
PAYMENT = table_key("indicators.payment_scenarios")


@dg.asset(key=EQUITY, group_name="indicators", kinds={"duckdb"}, deps=[PUBLISHED_VALUES],
          description="Health equity per indicator, area and year: Q1 and Q5 values, gap, ratio, slope and "
                      "relative index of inequality with 95% intervals; suppressed when a quintile cell is.")
def equity(warehouse: DuckDBResource, phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    with warehouse.get_connection() as con:
        catalogue = load_catalogue(s.cutoffs, expansions_from_warehouse(con))
        # from the published cells: the values of rounded counts, so no gap reveals a finer number
        published = con.execute("SELECT * FROM indicators.published_values").pl()
        gaps = equity_gaps(published, published, {i.id: i.method for i in catalogue.indicators},
                           survey_population(con))
        write_table(con, "indicators.equity_gaps", gaps)
        metadata = table_metadata(con, "indicators.equity_gaps")
    return dg.MaterializeResult(metadata={**metadata, "rows": gaps.height,
                                         "published": int((~gaps["suppressed"]).sum()) if gaps.height else 0})


@dg.asset(key=EVALUATION, group_name="phm_step5_evaluation", kinds={"duckdb"}, deps=[TARGETING, REACH],
          description="PHM step 5: difference-in-differences per intervention and outcome (ED visits, cost per law "
                      "and payer) on buurt panels (intervention vs matched comparison buurten, wild cluster bootstrap "
                      "by buurt) and a participant-level comparison in event time, with the estimand and the "
                      "minimum detectable effect; not_estimable with the reason when too few areas or events.")
def evaluation_results(warehouse: DuckDBResource, phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    with warehouse.get_connection() as con:
        results = evaluate(con, s.min_treated_areas, load_catalogue(s.cutoffs).not_delivered(s.layout))
        write_table(con, "indicators.evaluation_results", results)
        metadata = table_metadata(con, "indicators.evaluation_results")
    return dg.MaterializeResult(metadata={**metadata,
        "rows": results.height,
        "results": markdown_table(results.select("intervention_id", "indicator_id", "method", "estimate", "ci_low",
                                                 "ci_high", "mde", "status")),
    })


@dg.asset(key=PRICE_DEFLATORS, group_name="indicators", kinds={"duckdb"}, deps=[PUBLISHED_VALUES],
          description="Constant prices: per money indicator and year the factor CPI(base year) / CPI(year) of the "
                      "CBS consumer price index (sample_data/reference/cbs_cpi_jaarmutatie.csv, [prices] base_year).")
def price_deflators(warehouse: DuckDBResource, phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    factors = deflators(read_cpi(s.reference_dir), s.years, s.price_year)
    with warehouse.get_connection() as con:
        catalogue = load_catalogue(s.cutoffs, expansions_from_warehouse(con))
        frame = deflator_frame(catalogue.money_ids(), factors, s.price_year)
        write_table(con, "indicators.price_deflators", frame)
        metadata = table_metadata(con, "indicators.price_deflators")
    return dg.MaterializeResult(metadata={**metadata, "rows": frame.height, "base_year": s.price_year,
                                         "deflators": ", ".join(f"{y}: {f:.4f}" for y, f in factors.items())})


@dg.asset(key=TRENDS, group_name="phm_step5_evaluation", kinds={"duckdb"}, deps=[PUBLISHED_VALUES, PRICE_DEFLATORS],
          description="PHM step 5: change of every indicator, area and stratum between consecutive years and over "
                      "the whole period, with a 95% interval and a significance flag; suppressed with its cells.")
def indicator_trends(warehouse: DuckDBResource, phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    with warehouse.get_connection() as con:
        catalogue = load_catalogue(s.cutoffs, expansions_from_warehouse(con))
        published = con.execute("SELECT * FROM indicators.published_values").pl()
        # persons in both years (register proportions): the paired variance of the change
        overlap = overlap_cells(con, catalogue, published["period"].unique().to_list(), s.disclosure.rounding_base)
        result = trends(published, published, overlap, con.execute("SELECT * FROM indicators.price_deflators").pl())
        write_table(con, "indicators.trends", result)
        significant = int(result["significant"].fill_null(False).sum()) if result.height else 0
        metadata = table_metadata(con, "indicators.trends")
    return dg.MaterializeResult(metadata={**metadata, "rows": result.height, "significant_changes": significant})



@dg.multi_asset(
    name="indicators__payment_scenarios", group_name="phm_step5_evaluation",
    specs=[table_spec("marts.payment_cells", "Cost cells of the payment scenarios: residents and per law the euros, "
                      "persons with cost and the largest person's euros per year x gemeente/region x age band x sex "
                      "x segment x pooled target group."),
           table_spec("indicators.payment_scenarios", "Payment-model scenarios per year, gemeente/region and payer: "
                      "risk-adjusted norm amount vs actual cost, shared savings (split key, minimum savings rate, "
                      "corridor), regiobudget, pooled budget of a target group and the what-if of an intervention "
                      "over a horizon; assumptions from [payment], cost-cell disclosure rules applied.",
                      [EVALUATION, REACH])])
def payment_scenarios_asset(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    with warehouse.get_connection() as con:
        columns = [r[0] for r in con.execute("DESCRIBE marts.person_year").fetchall()]
        laws = available_laws(columns, load_catalogue(s.cutoffs).not_delivered(s.layout))
        write_table(con, "marts.payment_cells", con.execute(load_sql(
            "marts.payment_cells", laws=cells_sql_laws(laws), target_group=s.payment.pooled_target_group)).pl())
        cells = con.execute("SELECT * FROM marts.payment_cells").pl()
        reach = con.execute("SELECT intervention_id, count(*) FILTER (WHERE reached) AS reached "
                            "FROM marts.intervention_reach WHERE year = (SELECT max(year) FROM marts.intervention_reach) "
                            "GROUP BY ALL").pl()
        evaluation = con.execute("SELECT * FROM indicators.evaluation_results").pl()
        rows = payment_scenarios(cells, laws, evaluation, reach, s.payment, s.disclosure.min_cost_persons,
                                 s.disclosure.dominance_share, s.disclosure.rounding_base, s.disclosure.min_count)
        write_table(con, "indicators.payment_scenarios", rows)
        shown = rows.filter(~rows["suppressed"]).height if rows.height else 0
        yield from table_results(context, con, ["marts.payment_cells", "indicators.payment_scenarios"], {
            "indicators.payment_scenarios": {"rows": rows.height, "published": shown,
                                             "laws": ", ".join(x.law for x in laws)}})

EVALUATION_ASSETS = [equity, evaluation_results, price_deflators, indicator_trends, payment_scenarios_asset]
