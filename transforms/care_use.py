"""Care use and costs per person-year: hospital, Zvw claims, Wmo, Jeugdwet, Wlz, Participatiewet.

Provision costs are spread over the years a provision runs, pro rata to its days, so that a
three-year Wlz indication does not land in the year it started.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from quality.contracts import COST_CATEGORIES
from transforms.sql import load_sql
from transforms.warehouse import write_years

# Zvw cost per category as a list in the contract's category order (NULL: no claims), summed in the same
# pass as the total, so the per-category strata need no second grouping of the claims.
CATEGORY_COSTS = ", ".join(f"sum(amount_eur) FILTER (WHERE cost_category = '{c}')" for c in COST_CATEGORIES)


def build_care_use(con: duckdb.DuckDBPyConnection, years: list[int],
                   only_years: Sequence[int] | None = None) -> dict[str, int]:
    """Create the hospital, provision and per-person-year care tables (or only their rows of `only_years`).

    `years` are all configured years: open-ended provisions are spread up to the last of them.
    """
    write_years(con, "staging.hospital_events", load_sql("staging.hospital_events"), only_years)
    write_years(con, "staging.acute_admissions", load_sql("staging.acute_admissions"), only_years)
    write_years(con, "staging.provision_years", load_sql("staging.provision_years", last_year=max(years)), only_years,
                [list(years)])
    write_years(con, "staging.person_care", load_sql("staging.person_care", category_costs=CATEGORY_COSTS), only_years)
    write_years(con, "staging.wmo_requests", load_sql("staging.wmo_requests"), only_years)
    raw, kept = con.execute("SELECT (SELECT count(*) FROM raw.hospital_events), "
                            "(SELECT count(*) FROM staging.hospital_events)").fetchone()
    return {"hospital_events": kept, "hospital_duplicates_removed": raw - kept,
            "acute_admissions": con.execute("SELECT count(*) FROM staging.acute_admissions").fetchone()[0],
            "person_care": con.execute("SELECT count(*) FROM staging.person_care").fetchone()[0]}
