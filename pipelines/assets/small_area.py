"""Small-area estimates: the Fay–Herriot EBLUP of the catalogue's survey shares per buurt and wijk."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from indicators.catalogue import expansions_from_warehouse, load_catalogue
from indicators.small_area import build_small_area_estimates
from pipelines.assets.indicators import CELLS, PUBLISHED_VALUES
from pipelines.metadata import table_key, table_metadata
from pipelines.resources import PhmConfig
from transforms.warehouse import write_table

SMALL_AREA = table_key("indicators.small_area_estimates")


@dg.asset(key=SMALL_AREA, group_name="indicators", kinds={"duckdb"}, deps=[CELLS, PUBLISHED_VALUES],
          description="Model-based (Fay–Herriot EBLUP, REML, Prasad–Rao MSE) estimates of the survey shares marked "
                      "small_area in the catalogue, per buurt and wijk and year, on register covariates; only where "
                      "the direct cell is published.")
def small_area_estimates(warehouse: DuckDBResource, phm: PhmConfig) -> dg.MaterializeResult:
    s = phm.settings()
    with warehouse.get_connection() as con:
        catalogue = load_catalogue(s.cutoffs, expansions_from_warehouse(con))
        cells = con.execute("SELECT * FROM indicators.cells WHERE stratum = 'totaal'").pl()
        published = con.execute("SELECT * FROM indicators.published_values WHERE stratum = 'totaal'").pl()
        estimates = build_small_area_estimates(cells, published, catalogue)
        write_table(con, "indicators.small_area_estimates", estimates)
        metadata = table_metadata(con, "indicators.small_area_estimates")
    return dg.MaterializeResult(metadata={**metadata, "rows": estimates.height})


SMALL_AREA_ASSETS = [small_area_estimates]
