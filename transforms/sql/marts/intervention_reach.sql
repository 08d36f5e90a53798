-- Target-group members in an intervention's buurten and whether it reached them.
WITH interventions AS (
    SELECT intervention_id, any_value(name) AS name, any_value(target_group) AS target_group,
           min(start_date) AS start_date, list(DISTINCT buurt_code) AS buurten
    FROM raw.interventions GROUP BY intervention_id
),
participants AS (
    SELECT pseudo_id, intervention_id, min(coalesce(start_date, referral_date)) AS first_start
    FROM raw.intervention_participants GROUP BY ALL
),
members AS (
    UNPIVOT marts.person_targeting ON COLUMNS('^doelgroep_') INTO NAME target_column VALUE member
)
SELECT s.pseudo_id, s.year, s.buurt_code, s.sex, s.age_group, s.age_band, s.income_quintile,
       i.intervention_id, i.target_group,
       coalesce(p.first_start <= make_date(s.year, 12, 31), false) AS reached
FROM staging.person_year s
JOIN interventions i ON list_contains(i.buurten, s.buurt_code) AND s.year >= year(i.start_date)
JOIN members m ON m.pseudo_id = s.pseudo_id AND m.year = s.year
              AND m.target_column = 'doelgroep_' || i.target_group AND m.member
LEFT JOIN participants p ON p.pseudo_id = s.pseudo_id AND p.intervention_id = i.intervention_id
ORDER BY i.intervention_id, s.year, s.pseudo_id
