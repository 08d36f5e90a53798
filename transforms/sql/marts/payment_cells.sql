-- Cost cells of the payment scenarios (indicators/payment_scenarios.py): per year x gemeente and region x
-- 5-year age band x sex x PHM segment x membership of the pooled target group, the residents, and per law
-- the euros, the persons with any cost and the largest single person's euros (the cost-cell disclosure rules).
-- laws: sum(coalesce(m.<cost>, 0)) AS cost_<law>, count(*) FILTER (m.<cost> > 0) AS users_<law>,
-- max(coalesce(m.<cost>, 0)) AS max_<law>, ... one triple per law of indicators/payers.py whose column exists.
SELECT m.year, a.ancestor_code AS area_code, a.ancestor_level AS area_level, m.age_band, m.sex, s.segment,
       coalesce(t.doelgroep_{target_group}, false) AS in_group,
       count(*) AS persons, {laws}
FROM marts.person_year m
JOIN marts.person_stratification s USING (pseudo_id, year)
JOIN marts.person_targeting t USING (pseudo_id, year)
JOIN staging.area_ancestors a ON a.area_code = m.buurt_code
WHERE a.ancestor_level IN ('gemeente', 'regio')
GROUP BY ALL
