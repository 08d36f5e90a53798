"""Care use and costs per person-year: hospital, Zvw claims, Wmo, Jeugdwet, Wlz, Participatiewet.

Provision costs are spread over the years a provision runs, pro rata to its days, so that a
three-year Wlz indication does not land in the year it started.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from quality.contracts import COST_CATEGORIES
from transforms.warehouse import write_years

HOSPITAL_SQL = """
CREATE OR REPLACE TABLE staging.hospital_events AS
SELECT pseudo_id, event_type, start_date, end_date, upper(icd10_code) AS icd10_code, acute,
       year(start_date) AS year,
       EXISTS (SELECT 1 FROM ref.acsc_icd10 r WHERE upper(icd10_code) LIKE r.icd10_prefix || '%') AS acsc
FROM raw.hospital_events
GROUP BY ALL;

CREATE OR REPLACE TABLE staging.acute_admissions AS
SELECT e.*, s.buurt_code, s.sex, s.age_group, s.age_band, s.income_quintile,
       coalesce(lead(e.start_date) OVER w - coalesce(e.end_date, e.start_date) BETWEEN 0 AND 30, false)
           AS readmitted_30d
FROM staging.hospital_events e
JOIN staging.person_year s ON s.pseudo_id = e.pseudo_id AND s.year = e.year
WHERE e.event_type = 'opname' AND e.acute
WINDOW w AS (PARTITION BY e.pseudo_id ORDER BY e.start_date, e.end_date);
"""

PROVISION_YEARS_SQL = """
CREATE OR REPLACE TABLE staging.provision_years AS
WITH provisions AS (
    SELECT 'wmo' AS law, pseudo_id, provision_type AS kind, start_date, end_date, cost_eur FROM raw.wmo
    UNION ALL
    SELECT 'jeugd', pseudo_id, provision_type, start_date, end_date, cost_eur FROM raw.jeugd
    UNION ALL
    SELECT 'wlz', pseudo_id, care_profile, start_date, end_date, cost_eur FROM raw.wlz
),
bounded AS (
    SELECT *, coalesce(end_date, make_date({last_year}, 12, 31)) AS until FROM provisions
)
SELECT b.law, b.pseudo_id, b.kind, y.year,
       b.cost_eur * (least(b.until, make_date(y.year, 12, 31)) - greatest(b.start_date, make_date(y.year, 1, 1)) + 1)
           / (b.until - b.start_date + 1) AS cost_eur
FROM bounded b
JOIN (SELECT unnest(?::INTEGER[]) AS year) y
  ON b.start_date <= make_date(y.year, 12, 31) AND b.until >= make_date(y.year, 1, 1)
"""

PERSON_CARE_SQL = """
CREATE OR REPLACE TABLE staging.person_care AS
SELECT s.pseudo_id, s.year, s.buurt_code,
       coalesce(h.seh_visits, 0) AS seh_visits,
       coalesce(h.acute_admissions, 0) AS acute_admissions,
       coalesce(h.acsc_admissions, 0) AS acsc_admissions,
       coalesce(z.zvw_cost, 0) AS zvw_cost,
       coalesce(z.insured_days, 0) AS insured_days,
       coalesce(p.wmo_cost, 0) AS wmo_cost, coalesce(p.jeugd_cost, 0) AS jeugd_cost,
       coalesce(p.wlz_cost, 0) AS wlz_cost,
       coalesce(p.wmo, false) AS wmo, coalesce(p.jeugd, false) AS jeugd, coalesce(p.wlz, false) AS wlz,
       coalesce(q.bijstand, false) AS bijstand, coalesce(q.schuldhulp, false) AS schuldhulp,
       z.category_costs AS zvw_category_costs
FROM staging.person_year s
LEFT JOIN (
    SELECT pseudo_id, year,
           count(*) FILTER (WHERE event_type = 'seh_bezoek') AS seh_visits,
           count(*) FILTER (WHERE event_type = 'opname' AND acute) AS acute_admissions,
           count(*) FILTER (WHERE event_type = 'opname' AND acute AND acsc) AS acsc_admissions
    FROM staging.hospital_events GROUP BY ALL
) h USING (pseudo_id, year)
LEFT JOIN (
    SELECT pseudo_id, year, sum(amount_eur) AS zvw_cost, max(insured_days) AS insured_days,
           [{category_costs}] AS category_costs
    FROM raw.zvw_costs GROUP BY pseudo_id, year
) z USING (pseudo_id, year)
LEFT JOIN (
    SELECT pseudo_id, year,
           sum(cost_eur) FILTER (WHERE law = 'wmo') AS wmo_cost,
           sum(cost_eur) FILTER (WHERE law = 'jeugd') AS jeugd_cost,
           sum(cost_eur) FILTER (WHERE law = 'wlz') AS wlz_cost,
           bool_or(law = 'wmo') AS wmo, bool_or(law = 'jeugd') AS jeugd, bool_or(law = 'wlz') AS wlz
    FROM staging.provision_years GROUP BY ALL
) p USING (pseudo_id, year)
LEFT JOIN (
    SELECT pseudo_id, year, bool_or(regulation = 'bijstand') AS bijstand,
           bool_or(regulation = 'schuldhulpverlening') AS schuldhulp
    FROM raw.participatie GROUP BY ALL
) q USING (pseudo_id, year)
"""

# Zvw cost per category as a list in the contract's category order (NULL: no claims), summed in the same
# pass as the total, so the per-category strata need no second grouping of the claims.
CATEGORY_COSTS = ", ".join(f"sum(amount_eur) FILTER (WHERE cost_category = '{c}')" for c in COST_CATEGORIES)

WMO_REQUESTS_SQL = """
CREATE OR REPLACE TABLE staging.wmo_requests AS
SELECT w.provision_id, w.pseudo_id, year(w.start_date) AS year, w.start_date - w.request_date AS wait_days,
       s.buurt_code, s.sex, s.age_group, s.age_band, s.income_quintile
FROM raw.wmo w
JOIN staging.person_year s ON s.pseudo_id = w.pseudo_id AND s.year = year(w.start_date)
WHERE w.request_date IS NOT NULL AND w.request_date <= w.start_date
"""


def build_care_use(con: duckdb.DuckDBPyConnection, years: list[int],
                   only_years: Sequence[int] | None = None) -> dict[str, int]:
    """Create the hospital, provision and per-person-year care tables (or only their rows of `only_years`).

    `years` are all configured years: open-ended provisions are spread up to the last of them.
    """
    for statement in HOSPITAL_SQL.split(";\n\n"):
        write_years(con, statement, only_years)
    write_years(con, PROVISION_YEARS_SQL.format(last_year=max(years)), only_years, [list(years)])
    write_years(con, PERSON_CARE_SQL.format(category_costs=CATEGORY_COSTS), only_years)
    write_years(con, WMO_REQUESTS_SQL, only_years)
    raw, kept = con.execute("SELECT (SELECT count(*) FROM raw.hospital_events), "
                            "(SELECT count(*) FROM staging.hospital_events)").fetchone()
    return {"hospital_events": kept, "hospital_duplicates_removed": raw - kept,
            "acute_admissions": con.execute("SELECT count(*) FROM staging.acute_admissions").fetchone()[0],
            "person_care": con.execute("SELECT count(*) FROM staging.person_care").fetchone()[0]}
