-- Wmo/Jeugd/Wlz provisions per year they run, cost pro rata to their days in the year.
WITH provisions AS (
    SELECT 'wmo' AS law, pseudo_id, provision_type AS kind, start_date, end_date, cost_eur FROM raw.wmo
    UNION ALL
    SELECT 'jeugd', pseudo_id, provision_type, start_date, end_date, cost_eur FROM raw.jeugd
    UNION ALL
    SELECT 'wlz', pseudo_id, care_profile, start_date, end_date, cost_eur FROM raw.wlz
),
bounded AS (
    SELECT *, coalesce(end_date, make_date({last_year}, 12, 31)) AS until FROM provisions
)
SELECT b.law, b.pseudo_id, b.kind, y.year,
       b.cost_eur * (least(b.until, make_date(y.year, 12, 31)) - greatest(b.start_date, make_date(y.year, 1, 1)) + 1)
           / (b.until - b.start_date + 1) AS cost_eur
FROM bounded b
JOIN (SELECT unnest(?::INTEGER[]) AS year) y
  ON b.start_date <= make_date(y.year, 12, 31) AND b.until >= make_date(y.year, 1, 1)
