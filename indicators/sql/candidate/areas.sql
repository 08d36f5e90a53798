WITH latest AS (SELECT max(year) AS year FROM staging.person_year),
residents AS (
    SELECT a.ancestor_code AS area_code, count(*) AS residents
    FROM staging.person_year s JOIN staging.area_ancestors a ON a.area_code = s.buurt_code
    WHERE s.year = (SELECT year FROM latest)
    GROUP BY 1
)
SELECT a.area_code, a.area_level, a.name, a.parent_code, a.gemeente_code,
       CAST(round(coalesce(r.residents, 0) / {base}) * {base} AS BIGINT) AS residents, a.classification_year
FROM staging.areas a LEFT JOIN residents r USING (area_code)
ORDER BY a.area_level, a.area_code
