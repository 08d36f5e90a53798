-- raw.wmo from WMOBUS: the provision type by the code list cbs_wmo_types.csv (temp table cbs_ref_wmo). CBS has
-- no cost and no request date: both NULL (the Wmo cost and waiting-time indicators are not carried).
SELECT w.pseudo_id, w.WMOIDARRANGEMENT AS provision_id, t.provision_type, CAST(NULL AS DATE) AS request_date,
       cbs_date(w.BEGINDATUMWMO) AS start_date, cbs_date(w.EINDDATUMWMO) AS end_date,
       CAST(NULL AS DOUBLE) AS cost_eur, w._file, w._row, CAST(NULL AS VARCHAR) AS _reason
FROM cbs_wmobus w JOIN cbs_ref_wmo t ON t.cbs_code = w.TYPEARRANGEMENTWMO
