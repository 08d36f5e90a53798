-- raw.hospital_events from LBZBASISTAB: every admission (clinical and day admissions) is event_type 'opname',
-- acute from LBZSpoed, the ICD-10 code re-dotted after its third character. ED visits are not in the LBZ.
-- An admission in more than one year's file counts once (the earliest file).
SELECT pseudo_id, 'opname' AS event_type, cbs_date(LBZOPNAMEDATUM) AS start_date,
       cbs_date(LBZONTSLAGDATUM) AS end_date,
       CASE WHEN length(LBZICD10HOOFDDIAGNOSE) > 3
            THEN substr(LBZICD10HOOFDDIAGNOSE, 1, 3) || '.' || substr(LBZICD10HOOFDDIAGNOSE, 4)
            ELSE LBZICD10HOOFDDIAGNOSE END AS icd10_code,
       LBZSPOED = '1' AS acute, _file, _row, CAST(NULL AS VARCHAR) AS _reason
FROM cbs_lbzbasistab
QUALIFY row_number() OVER (PARTITION BY LBZIDOPNAME ORDER BY _year, _row) = 1
