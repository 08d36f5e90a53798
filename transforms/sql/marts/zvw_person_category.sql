-- View: every insured person-year once per Zvw category found in the claims (zero when no claim), so each
-- category's cost per insured year has all insured years as its denominator. The amounts per category
-- were summed with the person-year's care use (staging.person_care), in the contract's category order.
-- categories: a relation (cost_category, k) of the categories found in raw.zvw_costs and their position.
-- reads: raw.zvw_costs
SELECT c.pseudo_id, c.year, c.buurt_code,
       c.insured_days / (make_date(c.year, 12, 31) - make_date(c.year, 1, 1) + 1) AS insured_years,
       k.cost_category, coalesce(c.zvw_category_costs[k.k], 0) AS zvw_cost
FROM staging.person_care c
CROSS JOIN ({categories}) k(cost_category, k)
WHERE c.insured_days > 0
