-- Impact scenarios: persons in a segment x assumed reach x assumed effect.
WITH base AS (
    SELECT m.year, a.ancestor_code AS area_code, a.ancestor_level AS area_level, s.segment,
           m.acute_admissions, m.seh_visits
    FROM marts.person_year m
    JOIN marts.person_stratification s USING (pseudo_id, year)
    JOIN staging.area_ancestors a ON a.area_code = m.buurt_code
    WHERE a.ancestor_level IN ('gemeente', 'regio')
)
SELECT b.year AS period, b.area_code, b.area_level, r.scenario, r.segment, r.outcome,
       count(*) AS persons,
       sum(CASE r.outcome WHEN 'acute_admissions' THEN b.acute_admissions ELSE b.seh_visits END) AS baseline_events,
       count(*) FILTER (WHERE CASE r.outcome WHEN 'acute_admissions' THEN b.acute_admissions ELSE b.seh_visits END > 0)
           AS persons_with_events,
       r.reach_share, r.assumed_effect,
       count(*) * r.reach_share AS persons_reached,
       sum(CASE r.outcome WHEN 'acute_admissions' THEN b.acute_admissions ELSE b.seh_visits END)
           * r.reach_share * r.assumed_effect AS expected_change_in_events
FROM base b JOIN ref.impact_scenarios r ON r.segment = b.segment
GROUP BY b.year, b.area_code, b.area_level, r.scenario, r.segment, r.outcome, r.reach_share, r.assumed_effect
ORDER BY ALL
