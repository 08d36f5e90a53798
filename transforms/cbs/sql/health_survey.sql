-- raw.health_survey from GEMON: derived flags (1 ja -> true, 2 nee -> false, missing -> NULL: macro cbs_flag)
-- instead of the raw items, which stay NULL. The *_reported flags are read by the survey mart where the items
-- are missing; smoker, informal_carer and difficulty_making_ends_meet are native booleans already.
SELECT pseudo_id, CAST(_year AS BIGINT) AS survey_year, EWGGD AS weight,
       cbs_flag(GGADA202) AS k10_moderate_or_high_reported, cbs_flag(GGADA203) AS k10_high_reported,
       cbs_flag(GGEES217) AS lonely_reported, cbs_flag(GGEES209) AS severely_lonely_reported,
       cbs_flag(KLGGA208) AS good_health_reported, cbs_flag(LFRKA205) AS smoker,
       cbs_flag(MCMZGS203) AS informal_carer, cbs_flag(MMIKA201) AS difficulty_making_ends_meet,
       _file, _row, CAST(NULL AS VARCHAR) AS _reason
FROM cbs_gemon
