-- PHM step 3: frailty proxy (75+), one segment per person-year and opstapeling, from the rule tables
-- ref.frailty_deficits, ref.segment_rules (first matching rule wins) and ref.opstapeling_domains.
-- frailty: sum of the deficit flags; cascade: WHEN <rule> THEN '<segment>' ...; domains: one flag per
-- domain, domain_columns: their names; n_domains: their sum (transforms/stratification.py).
-- reads: ref.frailty_deficits, ref.segment_rules, ref.opstapeling_domains
WITH frail AS (
    SELECT *, CASE WHEN age >= 75 THEN {frailty} END AS frailty_deficits FROM staging.phm_base
),
ranked AS (
    SELECT *, CASE {cascade} END AS segment, {domains} FROM frail
)
SELECT pseudo_id, year, frailty_deficits, segment, social_problem, cost_top10, survey_risk,
       {domain_columns},
       {n_domains} AS n_domains
FROM ranked
