"""Indicator assets: sufficient statistics, estimates with intervals, and disclosure control."""


import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from indicators.aggregation import build_cells, build_standardisation_cells, build_top_share_cells
from indicators.catalogue import expansions_from_warehouse, load_catalogue, mart_tables
from indicators.disclosure import NOT_DELIVERED, flag_disclosure, mark_incomplete, publish_cells
from indicators.estimates import estimate_cells, round_statistics
from indicators.grid import add_empty_cells, published_grid
from indicators.quantities import links_frame
from indicators.report.labels import nl_text_expr
from pipelines.assets.ingest import COMPLETENESS
from pipelines.checks import check_spec, to_result
from pipelines.metadata import key_in, markdown_table, table_key, table_results, table_spec
from pipelines.resources import PhmConfig
from quality import checks
from quality.completeness import incomplete_indicator_years
from quality.contracts import SOURCES
from transforms.warehouse import write_table

CELLS = table_key("indicators.cells")
VALUES = table_key("indicators.indicator_values")
PUBLISHED_VALUES = table_key("indicators.published_values")
CELL_TABLES = ["indicators.cells", "indicators.std_cells", "indicators.top_share_cells", "indicators.base_cells",
               "indicators.mart_strata"]
VALUE_TABLES = ["indicators.indicator_values", "indicators.published_values"]
# What the cells read: the marts of the catalogue (indicators/catalogue.yaml: marts), the area roll-up, and the
# rule tables and interventions that expand its templates (expansions_from_warehouse). The ingest's
# completeness gate comes first: no cell of a year whose inputs are incomplete without permission.
CELL_INPUTS = [*(table_key(t) for t in mart_tables()), table_key("staging.area_ancestors"),
               table_key("ref.segment_rules"), table_key("ref.target_groups"), table_key("raw.interventions"),
               COMPLETENESS]


@dg.multi_asset(
    name="indicators__cells", group_name="indicators",
    specs=[table_spec("indicators.cells", "Sufficient statistics (counts, weighted sums, exposures) for every "
                      "catalogue indicator per year, area (buurt, wijk, gemeente, regio) and stratum, from one scan "
                      "per mart.", deps=CELL_INPUTS),
           table_spec("indicators.std_cells", "Counts per 5-year age band and sex for direct standardisation.",
                      deps=CELL_INPUTS),
           table_spec("indicators.top_share_cells", "Share of a cell's total carried by its costliest 5% of persons.",
                      deps=CELL_INPUTS),
           table_spec("indicators.base_cells", "Statistics per indicator and buurt (or gemeente) before the roll-up "
                      "to wijk, gemeente and regio.", deps=CELL_INPUTS),
           table_spec("indicators.mart_strata", "The strata found in each mart: the grid of cells to publish.",
                      deps=CELL_INPUTS)])
def indicator_cells(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    with warehouse.get_connection() as con:
        catalogue = load_catalogue(s.cutoffs, expansions_from_warehouse(con))
        rows = build_cells(con, catalogue, list(s.years))
        rows += build_standardisation_cells(con, catalogue, list(s.years))
        rows += build_top_share_cells(con, catalogue, list(s.years))
        yield from table_results(context, con, CELL_TABLES, {
            "indicators.cells": {"rows": rows, "indicators": len(catalogue.indicators)}})


@dg.multi_asset(
    name="indicators__indicator_values", group_name="indicators",
    specs=[table_spec("indicators.indicator_values", "Disclosure control on exact counts (primary rules; secondary "
                      "suppression over every sum a reader can form, proven by an LP), then values and 95% intervals "
                      "(Wilson, Kish, Garwood/Byar, t): the exact values the candidate's disclosure audit attacks.",
                      deps=[CELLS, table_key("indicators.std_cells"), table_key("indicators.top_share_cells"),
                            table_key("indicators.mart_strata"), table_key("staging.areas"), COMPLETENESS]),
           table_spec("indicators.published_values", "The values as published: computed from the counts rounded "
                      "to 5, with the comparison with the region; suppressed cells empty.", deps=[VALUES])],
    check_specs=[check_spec(VALUES, "values_in_range", "percentages in [0, 100] and CIs around values"),
                 check_spec(VALUES, "rivm_plausibility", "survey indicators agree with the RIVM 2020 "
                                                         "small-area estimates within sampling error"),
                 check_spec(VALUES, "suppression_by_level", "share of cells suppressed per area level "
                                                            "(warns above half)")])
def indicator_values(context: dg.AssetExecutionContext, warehouse: DuckDBResource, phm: PhmConfig):
    s = phm.settings()
    policy = s.disclosure
    with warehouse.get_connection() as con:
        catalogue = load_catalogue(s.cutoffs, expansions_from_warehouse(con))
        unknown = sorted({src for i in catalogue.indicators for src in i.inputs} - set(SOURCES))
        if unknown:
            raise ValueError(f"indicators/catalogue.yaml names inputs that are no landing source: {unknown}; "
                             f"expected some of {list(SOURCES)}")
        cells = con.execute("SELECT * FROM indicators.cells").pl()
        std = con.execute("SELECT * FROM indicators.std_cells").pl()
        top = con.execute("SELECT * FROM indicators.top_share_cells").pl()
        areas = con.execute("SELECT area_code, area_level, parent_code FROM staging.areas").pl()
        flagged = flag_disclosure(estimate_cells(cells, catalogue, std, top), areas, policy,
                                  links_frame(catalogue.disclosure_links()))
        base = policy.rounding_base
        protected = estimate_cells(round_statistics(cells, catalogue, base), catalogue, std, top, rounding_base=base)
        published = publish_cells(flagged, protected.drop("unit"), policy)
        # every cell the catalogue publishes gets a row; an empty one is suppressed as "geen waarnemingen"
        grid = published_grid(con, catalogue, list(s.years))
        flagged = add_empty_cells(flagged, grid, exact=True)
        published = add_empty_cells(published, grid, exact=False)
        # a year whose inputs the operator allowed to be incomplete is published for nothing that needs them
        incomplete = incomplete_indicator_years(con.execute("SELECT * FROM quality.source_completeness").pl(),
                                                {i.id: i.inputs for i in catalogue.indicators})
        flagged = mark_incomplete(flagged, incomplete, empty=False)
        published = mark_incomplete(published, incomplete, empty=True)
        # what the region's input layout does not deliver (CBS microdata: no ED visits, ...) is published for nothing
        absent = pl.DataFrame({"indicator_id": catalogue.not_delivered(s.layout)}, schema={"indicator_id": pl.String}
                              ).join(pl.DataFrame({"period": list(s.years)}), how="cross")
        flagged = mark_incomplete(flagged, absent, empty=False, reason=NOT_DELIVERED)
        published = mark_incomplete(published, absent, empty=True, reason=NOT_DELIVERED)
        write_table(con, "indicators.indicator_values", flagged)
        write_table(con, "indicators.published_values", published)
        summary = con.execute(
            "SELECT area_level, count(*) AS cells, sum(CAST(suppressed AS INT)) AS suppressed, "
            "round(avg(CAST(suppressed AS INT)) * 100, 1) AS suppressed_pct FROM indicators.published_values "
            "GROUP BY 1 ORDER BY 1").pl()
        yield from table_results(context, con, VALUE_TABLES, {"indicators.published_values": {
            "rows": published.height, "suppression": markdown_table(summary)}})
    references = {i.id: i.rivm_reference for i in catalogue.indicators if i.rivm_reference}
    # Dutch names as the report writes them (≥, decimal comma), for the Dutch message of the report
    names = dict(pl.DataFrame({"id": [i.id for i in catalogue.indicators],
                               "name": [i.name_nl for i in catalogue.indicators]})
                 .select("id", nl_text_expr(pl.col("name"))).iter_rows())
    with warehouse.get_connection() as con:
        outcomes = [checks.proportions_in_range(con), checks.rivm_plausibility(con, s.reference_dir, references, names),
                    checks.suppression_by_level(con)]
    for outcome in outcomes:
        yield to_result(context.run.run_id, warehouse, outcome, key_in(context, "indicators.indicator_values"))


INDICATOR_ASSETS = [indicator_cells, indicator_values]
