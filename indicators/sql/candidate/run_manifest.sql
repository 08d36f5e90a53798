SELECT ?::VARCHAR AS run_id, ?::TIMESTAMP AS started_at, ?::TIMESTAMP AS finished_at, ?::VARCHAR AS code_version,
       ?::VARCHAR AS config_hash, source, path,
       'sha256-' || to_base64(unhex(sha256)) AS sha256,  -- SRI form: never a bare 64-hex string
       rows_read, rows_loaded, rows_quarantined,
       NULL::VARCHAR AS version
FROM meta.ingest_files
UNION ALL
SELECT ?, ?, ?, ?, ?, 'code_list', file, NULL, NULL, NULL, NULL, version
FROM (SELECT unnest(?::VARCHAR[]) AS file, unnest(?::VARCHAR[]) AS version)
ORDER BY source, path
