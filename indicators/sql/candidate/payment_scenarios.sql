-- Payment-model scenarios as published: the disclosure rules were applied by indicators/payment_scenarios.py
-- (cost-cell rules, complementary suppression, persons rounded to the base, euros = euros per person x rounded
-- persons); here the euros are fixed at the publication's precision.
SELECT CAST(period AS INTEGER) AS period, area_code, area_level, scenario, payer, laws, measure,
       CAST(horizon_year AS INTEGER) AS horizon_year, intervention_id, CAST(persons AS BIGINT) AS persons,
       round(per_person, {d}) AS per_person, round(amount, {d}) AS amount, round(amount_low, {d}) AS amount_low,
       round(amount_high, {d}) AS amount_high, assumptions, suppressed
FROM indicators.payment_scenarios ORDER BY ALL
