-- Health-survey scores per adult respondent, linked to the spine. The *_reported flags are the derived 0/1
-- indicators CBS's Gezondheidsmonitor (GEMON) delivers instead of the items (NULL in native files); the
-- catalogue's survey indicators use a flag where present and the item score otherwise.
SELECT
    r.pseudo_id, r.survey_year AS year, r.weight,
    s.buurt_code, s.wijk_code, s.gemeente_code, s.sex, s.age, s.age_group, s.age_band, s.income_quintile,
    r.self_rated_health, r.gali,
    r.k10_01 + r.k10_02 + r.k10_03 + r.k10_04 + r.k10_05 + r.k10_06 + r.k10_07 + r.k10_08 + r.k10_09 + r.k10_10 AS k10_score,
    r.djg_01 + r.djg_02 + r.djg_03 + r.djg_04 + r.djg_05 + r.djg_06 + r.djg_07 + r.djg_08 + r.djg_09 + r.djg_10 + r.djg_11 AS djg_score,
    r.mastery_01 + r.mastery_02 + r.mastery_03 + r.mastery_04 + r.mastery_05 + r.mastery_06 + r.mastery_07 AS mastery_score,
    (r.sbsq_01 + r.sbsq_02 + r.sbsq_03) / 3.0 AS sbsq_mean,
    CASE WHEN r.height_cm > 0 THEN r.weight_kg / ((r.height_cm / 100.0) ** 2) END AS bmi,
    r.smoker, r.informal_carer, r.volunteer, r.difficulty_making_ends_meet,
    r.ph_lichaamsfuncties, r.ph_mentaal_welbevinden, r.ph_zingeving, r.ph_kwaliteit_van_leven, r.ph_meedoen,
    r.ph_dagelijks_functioneren, r.care_rating, r.unmet_care_need,
    r.k10_moderate_or_high_reported, r.k10_high_reported, r.lonely_reported, r.severely_lonely_reported,
    r.good_health_reported
FROM raw.health_survey r
JOIN staging.person_year s ON s.pseudo_id = r.pseudo_id AND s.year = r.survey_year
WHERE s.age >= 18
