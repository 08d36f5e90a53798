SELECT indicator_id, CAST(period AS INTEGER) AS period, area_code, area_level, stratum,
       numerator, denominator, CAST(n AS BIGINT) AS n,
       round(value, {d}) AS value, round(ci_low, {d}) AS ci_low, round(ci_high, {d}) AS ci_high,
       suppressed, suppression_reason, comparison
FROM indicators.published_values
ORDER BY indicator_id, period, area_level, area_code, stratum
