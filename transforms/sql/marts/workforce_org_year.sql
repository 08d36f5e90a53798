-- Workforce per organisation and year (gemeente as area).
SELECT org_id, org_type, gemeente_code, year, fte, employees, sick_leave_days, contract_days, leavers,
       open_vacancies, survey_respondents, work_satisfaction_mean, burnout_complaints_pct
FROM raw.workforce
