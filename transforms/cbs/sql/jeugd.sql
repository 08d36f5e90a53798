-- raw.jeugd from JGDHULPBUS: the form of help by cbs_jeugd_types.csv (temp table cbs_ref_jeugd), the referrer
-- by its code 1..5 in the order of quality/contracts.py JEUGD_REFERRERS ({referrers}); -1 (unknown) -> NULL.
-- CBS has no cost: NULL.
SELECT j.pseudo_id, j.JGDHIDHULP AS provision_id, t.provision_type,
       CASE WHEN TRY_CAST(j.JGDHVERWIJZER AS INTEGER) >= 1
            THEN {referrers}[TRY_CAST(j.JGDHVERWIJZER AS INTEGER)] END AS referrer,
       cbs_date(j.JGDHBEGINDATUM) AS start_date, cbs_date(j.JGDHEINDDATUM) AS end_date,
       CAST(NULL AS DOUBLE) AS cost_eur, j._file, j._row, CAST(NULL AS VARCHAR) AS _reason
FROM cbs_jgdhulpbus j JOIN cbs_ref_jeugd t ON t.code = j.JGDHHULPVORM
