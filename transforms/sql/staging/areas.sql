-- Area hierarchy buurt -> wijk -> gemeente -> regio of the configured gemeenten (CBS 2020 classification),
-- from the temp tables _rivm (the RIVM small-area file) and _names (the CBS names files) that areas.py reads.
-- Parameters: region code, classification year, region code, region name, classification year.
WITH rivm AS (
    SELECT r.code, lower(r.kind) AS area_level, n.name AS own_name,
           'GM' || substr(r.code, 3, 4) AS gemeente_code
    FROM _rivm r LEFT JOIN _names n ON n.area_code = r.code
),
gemeente AS (  -- the names file first, the RIVM file where it has none
    SELECT DISTINCT r.code AS gemeente_code, coalesce(n.name, r.gemeente_name) AS gemeente_name
    FROM _rivm r LEFT JOIN _names n ON n.area_code = r.code WHERE r.kind = 'Gemeente'
),
named AS (
    SELECT r.code AS area_code, r.area_level, g.gemeente_name,
           CASE r.area_level
               WHEN 'gemeente' THEN g.gemeente_name
               WHEN 'wijk' THEN coalesce(r.own_name, 'Wijk ' || substr(r.code, 7, 2) || ' (' || g.gemeente_name || ')')
               ELSE coalesce(r.own_name, 'Buurt ' || substr(r.code, 9, 2) || ' (' || r.code || ')')
           END AS name,
           CASE r.area_level WHEN 'gemeente' THEN ? WHEN 'wijk' THEN r.gemeente_code
                ELSE 'WK' || substr(r.code, 3, 6) END AS parent_code,
           r.gemeente_code
    FROM rivm r JOIN gemeente g USING (gemeente_code)
),
with_gemeente AS (  -- a name seen twice in a level gets its gemeente ...
    SELECT *, CASE WHEN count(*) OVER (PARTITION BY area_level, name) > 1
                   THEN name || ' (' || gemeente_name || ')' ELSE name END AS shown
    FROM named
)
SELECT area_code, area_level,
       CASE WHEN count(*) OVER (PARTITION BY area_level, shown) > 1  -- ... or, twice in a gemeente, its code
            THEN name || ' (' || area_code || ')' ELSE shown END AS name,
       parent_code, gemeente_code, ? AS classification_year
FROM with_gemeente
UNION ALL
SELECT ?, 'regio', ?, NULL, NULL, ?
ORDER BY area_level, area_code
