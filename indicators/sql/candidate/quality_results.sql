SELECT run_id, check_name, asset, severity, kahn_category, status, observed, threshold, affected_indicators, message,
       description_nl, message_nl
FROM quality.check_results WHERE run_id = ? ORDER BY checked_at, asset, check_name
