-- value_real: money indicators in constant prices, the published (rounded) value x the year's deflator
-- (indicators/prices.py); NULL for other indicators and wherever the nominal value is NULL (suppressed)
SELECT v.indicator_id, CAST(v.period AS INTEGER) AS period, v.area_code, v.area_level, v.stratum,
       v.numerator, v.denominator, CAST(v.n AS BIGINT) AS n,
       round(v.value, {d}) AS value, round(v.ci_low, {d}) AS ci_low, round(v.ci_high, {d}) AS ci_high,
       v.suppressed, v.suppression_reason, v.comparison,
       round(round(v.value, {d}) * p.deflator, {d}) AS value_real,
       round(round(v.ci_low, {d}) * p.deflator, {d}) AS ci_low_real,
       round(round(v.ci_high, {d}) * p.deflator, {d}) AS ci_high_real
FROM indicators.published_values v
LEFT JOIN indicators.price_deflators p ON p.indicator_id = v.indicator_id AND p.period = v.period
ORDER BY v.indicator_id, v.period, v.area_level, v.area_code, v.stratum
