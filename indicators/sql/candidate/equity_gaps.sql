SELECT indicator_id, CAST(period AS INTEGER) AS period, area_code, area_level,
       round(q1_value, {d}) AS q1_value, round(q5_value, {d}) AS q5_value,
       CASE WHEN gap IS NOT NULL THEN round(round(q1_value, {d}) - round(q5_value, {d}), {d}) END AS gap,
       round(ratio, {r}) AS ratio, round(sii, {d}) AS sii, round(sii_ci_low, {d}) AS sii_ci_low,
       round(sii_ci_high, {d}) AS sii_ci_high, round(rii, {r}) AS rii, round(rii_ci_low, {r}) AS rii_ci_low,
       round(rii_ci_high, {r}) AS rii_ci_high, suppressed
FROM indicators.equity_gaps ORDER BY indicator_id, period, area_level, area_code
