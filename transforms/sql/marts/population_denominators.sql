-- Residents and person-years per area x year x 5-year age band x sex x income quintile.
SELECT s.year, a.ancestor_code AS area_code, a.ancestor_level AS area_level, s.age_band, s.sex,
       s.income_quintile, count(*) AS residents, sum(s.person_years) AS person_years
FROM staging.person_year s
JOIN staging.area_ancestors a ON a.area_code = s.buurt_code
GROUP BY ALL
ORDER BY ALL
