-- change_real is taken of the rounded constant-price values, as value_real of indicator_values shows them
-- (value rounded, x deflator, rounded), so to value_real - from value_real = change_real holds exactly
SELECT t.indicator_id, t.area_code, t.area_level, t.stratum, CAST(t.from_period AS INTEGER) AS from_period,
       CAST(t.to_period AS INTEGER) AS to_period, round(t.from_value, {d}) AS from_value,
       round(t.to_value, {d}) AS to_value,
       CASE WHEN t.change IS NOT NULL THEN round(round(t.to_value, {d}) - round(t.from_value, {d}), {d}) END AS change,
       round(t.ci_low, {d}) AS ci_low, round(t.ci_high, {d}) AS ci_high, t.significant,
       CASE WHEN t.change_real IS NOT NULL THEN round(round(round(t.to_value, {d}) * pt.deflator, {d})
                                                      - round(round(t.from_value, {d}) * pf.deflator, {d}), {d})
       END AS change_real,
       round(t.ci_low_real, {d}) AS ci_low_real, round(t.ci_high_real, {d}) AS ci_high_real, t.suppressed
FROM indicators.trends t
LEFT JOIN indicators.price_deflators pf ON pf.indicator_id = t.indicator_id AND pf.period = t.from_period
LEFT JOIN indicators.price_deflators pt ON pt.indicator_id = t.indicator_id AND pt.period = t.to_period
ORDER BY ALL
