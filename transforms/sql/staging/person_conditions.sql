-- Chronic conditions per person-year: episodes active in the year, by the ICPC list.
SELECT DISTINCT s.pseudo_id, s.year, c.condition
FROM staging.person_year s
JOIN staging.gp_episodes e
  ON e.pseudo_id = s.pseudo_id
 AND e.start_date <= make_date(s.year, 12, 31)
 AND (e.end_date IS NULL OR e.end_date >= make_date(s.year, 1, 1))
JOIN ref.chronic_conditions c ON e.icpc3 BETWEEN c.icpc_from AND c.icpc_to
