-- Every area with itself and each ancestor: the join table for rolling cells up the hierarchy.
WITH RECURSIVE up(area_code, ancestor_code, ancestor_level) AS (
    SELECT area_code, area_code, area_level FROM staging.areas
    UNION ALL
    SELECT up.area_code, a.parent_code, p.area_level
    FROM up JOIN staging.areas a ON a.area_code = up.ancestor_code
    JOIN staging.areas p ON p.area_code = a.parent_code
)
SELECT * FROM up ORDER BY area_code, ancestor_level
