-- raw.medicines from MEDICIJNTAB (the Parquet copy when there is one): one row per person x ATC4 x year.
SELECT pseudo_id, CAST(_year AS BIGINT) AS year, ATC4 AS atc4, _file, _row, CAST(NULL AS VARCHAR) AS _reason
FROM cbs_medicijntab
