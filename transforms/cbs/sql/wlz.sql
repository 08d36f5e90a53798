-- raw.wlz from GEBWLZTAB + WLZZINTAB: a spell repeated in several years' files is one spell (person, begin,
-- care profile; its end and setting from the latest file); its cost is the sum of WLZZINTAB's amounts of that
-- spell over all years' files (rounded to cents, as the native cost). Setting 1 -> intramuraal, 2 -> thuis.
WITH spells AS (
    SELECT pseudo_id, BEGINWLZGEB, WLZGZZP, arg_max(EINDEWLZGEB, _year) AS eind,
           arg_max(WLZLEVERINGSVORM, _year) AS vorm, arg_min(_file, _year) AS _file, arg_min(_row, _year) AS _row
    FROM cbs_gebwlztab GROUP BY pseudo_id, BEGINWLZGEB, WLZGZZP
),
cost AS (SELECT pseudo_id, BEGINWLZGEB, round(sum(BEDRAGWLZZIN), 2) AS cost_eur FROM cbs_wlzzintab GROUP BY ALL)
SELECT s.pseudo_id, s.WLZGZZP AS care_profile, CASE s.vorm WHEN '1' THEN 'intramuraal' ELSE 'thuis' END AS setting,
       cbs_date(s.BEGINWLZGEB) AS start_date, cbs_date(s.eind) AS end_date, c.cost_eur, s._file, s._row,
       CAST(NULL AS VARCHAR) AS _reason
FROM spells s LEFT JOIN cost c ON c.pseudo_id = s.pseudo_id AND c.BEGINWLZGEB = s.BEGINWLZGEB
