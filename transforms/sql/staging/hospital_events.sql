-- Hospital events, deduplicated, with their year and whether the diagnosis is ACSC.
SELECT pseudo_id, event_type, start_date, end_date, upper(icd10_code) AS icd10_code, acute,
       year(start_date) AS year,
       EXISTS (SELECT 1 FROM ref.acsc_icd10 r WHERE upper(icd10_code) LIKE r.icd10_prefix || '%') AS acsc
FROM raw.hospital_events
GROUP BY ALL
