-- GP episodes, deduplicated (every year: episodes span years).
SELECT pseudo_id, practice_id, icpc_code, upper(substr(icpc_code, 1, 3)) AS icpc3, start_date, end_date
FROM raw.gp_episodes
GROUP BY ALL  -- an exact repeat of an episode is one episode
