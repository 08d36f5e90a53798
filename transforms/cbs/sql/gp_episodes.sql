-- raw.gp_episodes from the research environment's yearly episode files (EPISODE<Y>V<n>.csv): no practice in
-- them, so practice_id is 'onbekend'. An episode in more than one year's file counts once (the earliest file).
SELECT pseudo_id, 'onbekend' AS practice_id, ICPC AS icpc_code, cbs_date(BEGINDATUM) AS start_date,
       cbs_date(EINDDATUM) AS end_date, _file, _row, CAST(NULL AS VARCHAR) AS _reason
FROM cbs_huisarts
QUALIFY row_number() OVER (PARTITION BY EPISODEID ORDER BY _year, _row) = 1
