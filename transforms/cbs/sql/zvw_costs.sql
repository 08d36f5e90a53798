-- raw.zvw_costs from ZVWZORGKOSTENTAB (staged long: one row per person-year and CBS cost variable) and the
-- mapping sample_data/reference/cbs_zvw_categories.csv (temp table cbs_ref_zvw): the amount of a project
-- category is the sum of its CBS variables (negatives are corrections and are kept). A category whose
-- variables were all 0 is no claim row: the staging leaves zero cells out, so such a category has no rows.
-- insured_days: CBS has none; the days from 1 January to the death date or 31 December of a resident of
-- raw.population. A person with costs who was no resident on 1 January (a newborn) gets 0: GBA gives the birth
-- month, not the day. The marts count insured years of residents on 1 January only, so no published value moves.
WITH long AS (
    SELECT z.pseudo_id, z._year AS year, m.cost_category, z.amount, z._file, z._row
    FROM cbs_zvwzorgkostentab z JOIN cbs_ref_zvw m ON m.cbs_variable = z.cbs_variable
),
category AS (
    SELECT pseudo_id, year, cost_category, round(sum(amount), 2) AS amount_eur,
           any_value(_file) AS _file, min(_row) AS _row
    FROM long GROUP BY pseudo_id, year, cost_category
)
SELECT c.pseudo_id, c.year,
       coalesce(CAST(coalesce(p.death_date, make_date(c.year, 12, 31)) - make_date(c.year, 1, 1) + 1 AS BIGINT), 0)
           AS insured_days,
       c.cost_category, c.amount_eur, c._file, c._row, CAST(NULL AS VARCHAR) AS _reason
FROM category c LEFT JOIN raw.population p ON p.pseudo_id = c.pseudo_id AND p.year = c.year
