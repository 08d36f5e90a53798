-- PHM step 1: one row per resident and year (status on 1 January), tied to the areas.
WITH p AS (
    SELECT *, year - birth_year AS age,
           make_date(year, 1, 1) AS year_start, make_date(year, 12, 31) AS year_end
    FROM raw.population
)
SELECT
    p.pseudo_id, p.year, p.birth_year, p.age,
    CASE WHEN p.age >= 90 THEN '90+'
         ELSE CAST(p.age // 5 * 5 AS VARCHAR) || '-' || CAST(p.age // 5 * 5 + 4 AS VARCHAR) END AS age_band,
    CASE WHEN p.age < 18 THEN '0-17' WHEN p.age < 65 THEN '18-64' WHEN p.age < 75 THEN '65-74' ELSE '75+' END
        AS age_group,
    p.sex, p.buurt_code, a.parent_code AS wijk_code, a.gemeente_code, p.household_type, p.income_quintile,
    p.death_date, p.death_date IS NOT NULL AS died,
    CAST(coalesce(p.death_date, p.year_end) - p.year_start + 1 AS INTEGER) AS alive_days,
    (coalesce(p.death_date, p.year_end) - p.year_start + 1) / (p.year_end - p.year_start + 1) AS person_years
FROM p JOIN staging.areas a ON a.area_code = p.buurt_code AND a.area_level = 'buurt'
