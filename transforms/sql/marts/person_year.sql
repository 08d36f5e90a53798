-- PHM step 2: the person-year mart the indicators read: spine + care use + costs + one flag per chronic
-- condition. Conditions are grouped per person-year that has any (about half); the others get 0 and false.
-- flags: bool_or(condition = '<c>') AS has_<c>, ...; filled: coalesce(cond.has_<c>, false) AS has_<c>, ...
-- (one per condition of ref.chronic_conditions, read by transforms/marts.py).
-- reads: ref.chronic_conditions
WITH cond AS (
    SELECT pseudo_id, year, count(condition) AS n_chronic, {flags}
    FROM staging.person_conditions GROUP BY pseudo_id, year
)
SELECT s.*, coalesce(cond.n_chronic, 0) AS n_chronic, {filled},
       c.* EXCLUDE (pseudo_id, year, buurt_code, zvw_category_costs),
       c.insured_days / (make_date(s.year, 12, 31) - make_date(s.year, 1, 1) + 1) AS insured_years,
       c.zvw_cost + c.wmo_cost + c.jeugd_cost + c.wlz_cost AS total_cost
FROM staging.person_year s
LEFT JOIN cond USING (pseudo_id, year)
JOIN staging.person_care c USING (pseudo_id, year)
