-- Scenario figures are computed from the rounded persons and events, and hidden with the segment's own cell
-- (the persons of a segment are its numerator) or when the events rest on 1..min_count-1 persons.
WITH s AS (
    SELECT m.*,
           coalesce(v.suppressed, true) OR m.persons < {min_count}
               OR (m.persons_with_events > 0 AND m.persons_with_events < {min_count}) AS hidden,
           floor(m.persons / {base} + 0.5) * {base} AS persons_r,
           floor(m.baseline_events / {base} + 0.5) * {base} AS events_r
    FROM marts.impact_scenarios m
    LEFT JOIN indicators.published_values v
        ON v.indicator_id = 'phm_segment_' || m.segment AND v.period = m.period
       AND v.area_code = m.area_code AND v.stratum = 'totaal'
)
SELECT CAST(period AS INTEGER) AS period, area_code, area_level, scenario, segment, outcome,
       CASE WHEN NOT hidden THEN CAST(persons_r AS BIGINT) END AS persons,
       CASE WHEN NOT hidden THEN CAST(events_r AS BIGINT) END AS baseline_events,
       reach_share, assumed_effect,
       CASE WHEN NOT hidden THEN round(persons_r * reach_share) END AS persons_reached,
       CASE WHEN NOT hidden THEN round(events_r * reach_share * assumed_effect, 1) END AS expected_change_in_events,
       hidden AS suppressed
FROM s ORDER BY ALL
