-- Model estimates only where the direct cell is published (indicators/small_area.py fits on nothing else);
-- the join makes the rule hold here too, whatever the warehouse table holds.
SELECT s.indicator_id, CAST(s.period AS INTEGER) AS period, s.area_code, s.area_level, s.method,
       round(v.value, {d}) AS direct_value, round(s.value, {d}) AS value, round(s.ci_low, {d}) AS ci_low,
       round(s.ci_high, {d}) AS ci_high, round(s.direct_weight, {r}) AS direct_weight
FROM indicators.small_area_estimates s
JOIN indicators.published_values v
  ON v.indicator_id = s.indicator_id AND v.period = s.period AND v.area_code = s.area_code
 AND v.stratum = 'totaal' AND NOT v.suppressed AND v.value IS NOT NULL
ORDER BY s.indicator_id, s.period, s.area_level, s.area_code
