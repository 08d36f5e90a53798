-- View: the person-year mart with survey scores, frailty events, the social-problem and top-10%-cost flags
-- and the survey risk. A view, not a table: stratification and targeting each read it once, and writing a
-- copy of the wide person-year mart costs more than joining the survey and events again.
-- The cut-offs k10_moderate, djg_lonely and self_rated_poor_min come from [cutoffs] of phm.toml. The two GEMON
-- flags the rule tables use (frailty_deficits, target_groups) are passed on beside the scores.
SELECT m.*,
       sv.k10_score, sv.djg_score, sv.gali, sv.self_rated_health, sv.sbsq_mean, sv.smoker,
       sv.k10_moderate_or_high_reported, sv.severely_lonely_reported,
       coalesce(ev.fall_fracture, false) AS fall_fracture, coalesce(ev.incontinence, false) AS incontinence,
       (m.wmo OR m.jeugd OR m.bijstand OR m.schuldhulp) AS social_problem,
       -- top 10 % of total cost (Zvw + Wmo + Jeugd + Wlz) among residents of the region in the year
       r.cost_top10,
       -- GEMON's flags where delivered, else the items; self-rated poor health has no GEMON flag (its "good"
       -- flag is not the complement of poor: "matig" lies between), so it counts only from the item
       (coalesce(sv.k10_moderate_or_high_reported, sv.k10_score >= {k10_moderate})
        OR coalesce(sv.lonely_reported, sv.djg_score >= {djg_lonely})
        OR sv.self_rated_health >= {self_rated_poor_min}) AS survey_risk
FROM marts.person_year m
-- ranked on the two columns it needs and joined back by rowid: a window carrying the whole wide row is slow
JOIN (SELECT rowid AS rid, percent_rank() OVER (PARTITION BY year ORDER BY total_cost) > 0.9 AS cost_top10
      FROM marts.person_year) r ON r.rid = m.rowid
LEFT JOIN marts.survey_respondent sv USING (pseudo_id, year)
LEFT JOIN staging.person_events ev USING (pseudo_id, year)
