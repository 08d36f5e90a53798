-- raw.participatie from SECMBUS: SECM 22 (social assistance) -> regulation 'bijstand'; months = the months of
-- a configured year of which a SECM-22 spell covers at least one day (several spells: each month once).
-- Debt help, IOAW and Bbz are not in SECMBUS (not carried).
WITH months AS (
    SELECT y.year, m.month, printf('%04d%02d01', y.year, m.month) AS first_day,
           strftime(last_day(make_date(y.year, m.month, 1)), '%Y%m%d') AS last_day
    FROM (SELECT unnest({years}) AS year) y, (SELECT unnest(range(1, 13)) AS month) m
)
SELECT s.pseudo_id, m.year, 'bijstand' AS regulation, CAST(count(DISTINCT m.month) AS BIGINT) AS months,
       any_value(s._file) AS _file, min(s._row) AS _row, CAST(NULL AS VARCHAR) AS _reason
FROM cbs_secmbus s JOIN months m ON s.AANVSECM <= m.last_day AND m.first_day <= s.EINDSECM
WHERE s.SECM = '22'
GROUP BY s.pseudo_id, m.year
