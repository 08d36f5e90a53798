-- Acute admissions with the patient's strata and whether readmitted within 30 days.
SELECT e.*, s.buurt_code, s.sex, s.age_group, s.age_band, s.income_quintile,
       coalesce(lead(e.start_date) OVER w - coalesce(e.end_date, e.start_date) BETWEEN 0 AND 30, false)
           AS readmitted_30d
FROM staging.hospital_events e
JOIN staging.person_year s ON s.pseudo_id = e.pseudo_id AND s.year = e.year
WHERE e.event_type = 'opname' AND e.acute
WINDOW w AS (PARTITION BY e.pseudo_id ORDER BY e.start_date, e.end_date)
