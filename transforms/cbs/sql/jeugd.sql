-- raw.jeugd from JGDHULPBUS: the form of help and the referrer by the chosen code lists cbs_jeugd_types.csv and
-- cbs_jeugd_referrers.csv (temp tables cbs_ref_jeugd, cbs_ref_referrers); -1 (unknown) -> NULL. CBS has no cost.
SELECT j.pseudo_id, j.JGDHIDHULP AS provision_id, t.provision_type, r.referrer,
       cbs_date(j.JGDHBEGINDATUM) AS start_date, cbs_date(j.JGDHEINDDATUM) AS end_date,
       CAST(NULL AS DOUBLE) AS cost_eur, j._file, j._row, CAST(NULL AS VARCHAR) AS _reason
FROM cbs_jgdhulpbus j JOIN cbs_ref_jeugd t ON t.cbs_code = j.JGDHHULPVORM
LEFT JOIN cbs_ref_referrers r ON r.cbs_code = j.JGDHVERWIJZER
