-- View: membership of the IZA target groups per person-year (the doelgroep_ flags of the indicator table).
SELECT pseudo_id, year, COLUMNS('^doelgroep_') FROM marts.person_year_indicators
