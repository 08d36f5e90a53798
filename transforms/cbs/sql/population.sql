-- raw.population from GBAPERSOONTAB + GBAADRESOBJECTBUS + VSLGWBTAB + GBAOVERLIJDENTAB + GBAHUISHOUDENSBUS
-- + INPATAB/INHATAB: one row per resident on 1 January of a configured year (issue-19 spec, "Files"); household
-- types by the chosen code list cbs_household_types.csv (temp table cbs_ref_household).
-- Staging tables (temp, pseudonymised): cbs_<file>; {years}: the configured years as a SQL list.
-- A person-year with a `_reason` is not placed: quarantine.population (file adapter:population), not raw.
WITH years AS (SELECT unnest({years}) AS year),
jan AS (SELECT year, printf('%04d0101', year) AS jan1 FROM years),
-- the address spell covering 1 January (end inclusive, open = 88888888); overlapping spells: the latest start
-- wins, a tie the highest RINOBJECTNUMMER
address AS (
    SELECT j.year, a.pseudo_id, a.SOORTOBJECTNUMMER, a.RINOBJECTNUMMER, a._file, a._row
    FROM cbs_gbaadresobjectbus a JOIN jan j
      ON a.GBADATUMAANVANGADRESHOUDING <= j.jan1 AND j.jan1 <= a.GBADATUMEINDEADRESHOUDING
    QUALIFY row_number() OVER (PARTITION BY a.pseudo_id, j.year ORDER BY a.GBADATUMAANVANGADRESHOUDING DESC,
                                                                        TRY_CAST(a.RINOBJECTNUMMER AS HUGEINT) DESC,
                                                                        a.RINOBJECTNUMMER DESC) = 1
),
household AS (
    SELECT j.year, h.pseudo_id, h.TYPHH
    FROM cbs_gbahuishoudensbus h JOIN jan j ON h.DATUMAANVANGHH <= j.jan1 AND j.jan1 <= h.DATUMEINDEHH
    QUALIFY row_number() OVER (PARTITION BY h.pseudo_id, j.year ORDER BY h.DATUMAANVANGHH DESC) = 1
),
income AS (
    SELECT p.pseudo_id, p._year AS year, h.INHP100HBEST AS percentile
    FROM cbs_inpatab p JOIN cbs_inhatab h ON h.earner_id = p.earner_id AND h._year = p._year
),
candidates AS (
    SELECT a.pseudo_id, a.year, TRY_CAST(g.GBAGEBOORTEJAAR AS BIGINT) AS birth_year,
           CASE g.GBAGESLACHT WHEN '1' THEN 'M' WHEN '2' THEN 'V' END AS sex,
           'BU' || o.bc AS buurt_code, o.gem, o.bc,
           t.household_type AS household_type,
           -- percentile 1..100 -> quintile ceil(P/20); a negative code (not a private household, unknown) -> NULL
           CASE WHEN i.percentile BETWEEN 1 AND 100 THEN CAST(ceil(i.percentile / 20) AS BIGINT) END AS income_quintile,
           strptime(d.GBADATUMOVERLIJDEN, '%Y%m%d')::DATE AS death,
           o.RINOBJECTNUMMER IS NULL AS no_object,
           g.pseudo_id IS NULL AS no_person,
           a._file, a._row
    FROM address a
    LEFT JOIN cbs_vslgwbtab o
      ON o.SOORTOBJECTNUMMER = a.SOORTOBJECTNUMMER AND o.RINOBJECTNUMMER = a.RINOBJECTNUMMER AND o.year = a.year
    LEFT JOIN cbs_gbapersoontab g ON g.pseudo_id = a.pseudo_id
    LEFT JOIN cbs_gbaoverlijdentab d ON d.pseudo_id = a.pseudo_id
    LEFT JOIN household h ON h.pseudo_id = a.pseudo_id AND h.year = a.year
    LEFT JOIN cbs_ref_household t ON t.cbs_code = h.TYPHH
    LEFT JOIN income i ON i.pseudo_id = a.pseudo_id AND i.year = a.year
)
SELECT pseudo_id, year, birth_year, sex,
       CASE WHEN bc <> '----' THEN buurt_code END AS buurt_code, household_type, income_quintile,
       CASE WHEN year(death) = year THEN death END AS death_date, _file, _row,
       NULLIF(concat_ws('; ',
           CASE WHEN no_object THEN 'address object not in VSLGWBTAB for ' || year END,
           CASE WHEN bc = '----' THEN 'bc' || year || ' is ---- (unknown buurt): not placed in ' || year END,
           CASE WHEN gem = '----' AND bc <> '----' THEN 'gem' || year || ' is ---- (unknown gemeente)' END,
           CASE WHEN NOT no_object AND bc <> '----' AND buurt_code NOT IN (SELECT buurt_code FROM _region_buurten)
                THEN buurt_code || ' of a gemeente of the region is not one of its buurten' END,
           CASE WHEN no_person THEN 'not in GBAPERSOONTAB' END,
           CASE WHEN household_type IS NULL THEN 'no household (GBAHUISHOUDENSBUS) on 1 January ' || year END
       ), '') AS _reason
FROM candidates
-- residents of the region: the object's gemeente of that year (unknown ones are judged above), alive on 1 January
WHERE (no_object OR gem = '----' OR gem IN (SELECT gem FROM _region_gemeenten))
  AND (death IS NULL OR year(death) >= year)
