SELECT indicator_id, area_code, area_level, stratum, CAST(from_period AS INTEGER) AS from_period,
       CAST(to_period AS INTEGER) AS to_period, round(from_value, {d}) AS from_value, round(to_value, {d}) AS to_value,
       CASE WHEN change IS NOT NULL THEN round(round(to_value, {d}) - round(from_value, {d}), {d}) END AS change,
       round(ci_low, {d}) AS ci_low, round(ci_high, {d}) AS ci_high, significant, suppressed
FROM indicators.trends ORDER BY ALL
