-- Falls/fractures and incontinence per person-year (frailty deficits).
SELECT s.pseudo_id, s.year,
       bool_or(e.icpc3 BETWEEN 'L72' AND 'L76' AND year(e.start_date) = s.year) AS fall_fracture,
       bool_or(e.icpc3 = 'U04') AS incontinence
FROM staging.person_year s
JOIN staging.gp_episodes e
  ON e.pseudo_id = s.pseudo_id
 AND e.start_date <= make_date(s.year, 12, 31)
 AND (e.end_date IS NULL OR e.end_date >= make_date(s.year, 1, 1))
WHERE e.icpc3 BETWEEN 'L72' AND 'L76' OR e.icpc3 = 'U04'
GROUP BY ALL
