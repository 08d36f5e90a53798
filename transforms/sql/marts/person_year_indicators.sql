-- PHM step 4: the person-year mart with segment, domains and one flag per IZA target group: the table the
-- indicator catalogue reads. flags: coalesce((<rule>), false) AS doelgroep_<group>, ... (transforms/targeting.py).
-- reads: ref.target_groups
SELECT b.*, s.* EXCLUDE (pseudo_id, year, social_problem, cost_top10, survey_risk), {flags}
FROM staging.phm_base b JOIN marts.person_stratification s USING (pseudo_id, year)
