-- View: every person-year once per IZA target group it belongs to, with its cost per law: the strata
-- `doelgroep:<group>` of the cost ledger. A person may be in several groups (a frail 80-year-old with heart
-- failure is in two), so the groups overlap and do not add up to the residents.
SELECT pseudo_id, year, buurt_code, person_years, zvw_cost, wlz_cost, wmo_cost, jeugd_cost, bijstand_cost,
       total_cost, replace(flag, 'doelgroep_', '') AS target_group
FROM (
    UNPIVOT (SELECT pseudo_id, year, buurt_code, person_years, zvw_cost, wlz_cost, wmo_cost, jeugd_cost,
                    bijstand_cost, total_cost, COLUMNS('^doelgroep_') FROM marts.person_year_indicators)
    ON COLUMNS('^doelgroep_') INTO NAME flag VALUE member
)
WHERE member
