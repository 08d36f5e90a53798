-- A participant-level evaluation counts persons in n_areas_*: published rounded like every count of persons.
SELECT intervention_id, indicator_id, law, payer, method,
       round(estimate, {d}) AS estimate, round(ci_low, {d}) AS ci_low, round(ci_high, {d}) AS ci_high,
       CASE WHEN method LIKE 'did_participants%' THEN CAST(floor(n_areas_treated / {base} + 0.5) * {base} AS BIGINT)
            ELSE n_areas_treated END AS n_areas_treated,
       CASE WHEN method LIKE 'did_participants%' THEN CAST(floor(n_areas_comparison / {base} + 0.5) * {base} AS BIGINT)
            ELSE n_areas_comparison END AS n_areas_comparison,
       periods, status, reason, caveat, estimand, inference, round(p_value, 4) AS p_value, round(mde, {d}) AS mde
FROM indicators.evaluation_results ORDER BY intervention_id, indicator_id, method
