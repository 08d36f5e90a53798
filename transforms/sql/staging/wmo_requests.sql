-- Wmo requests with their waiting days and the applicant's strata.
SELECT w.provision_id, w.pseudo_id, year(w.start_date) AS year, w.start_date - w.request_date AS wait_days,
       s.buurt_code, s.sex, s.age_group, s.age_band, s.income_quintile
FROM raw.wmo w
JOIN staging.person_year s ON s.pseudo_id = w.pseudo_id AND s.year = year(w.start_date)
WHERE w.request_date IS NOT NULL AND w.request_date <= w.start_date
