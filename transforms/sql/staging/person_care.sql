-- Care use and costs per person-year.
SELECT s.pseudo_id, s.year, s.buurt_code,
       coalesce(h.seh_visits, 0) AS seh_visits,
       coalesce(h.acute_admissions, 0) AS acute_admissions,
       coalesce(h.acsc_admissions, 0) AS acsc_admissions,
       coalesce(z.zvw_cost, 0) AS zvw_cost,
       coalesce(z.insured_days, 0) AS insured_days,
       coalesce(p.wmo_cost, 0) AS wmo_cost, coalesce(p.jeugd_cost, 0) AS jeugd_cost,
       coalesce(p.wlz_cost, 0) AS wlz_cost,
       coalesce(p.wmo, false) AS wmo, coalesce(p.jeugd, false) AS jeugd, coalesce(p.wlz, false) AS wlz,
       coalesce(q.bijstand, false) AS bijstand, coalesce(q.schuldhulp, false) AS schuldhulp,
       -- Participatiewet euros (bijstand, IOAW, Bbz): 0 for a resident without them; NULL in a year whose
       -- delivery carries no amounts at all (CBS SECMBUS has months only), so no one reads 0 as "nothing paid"
       CASE WHEN pa.has_amounts THEN coalesce(q.bijstand_cost, 0) END AS bijstand_cost,
       -- distinct ATC4 codes dispensed in the year (polypharmacy); 0 for a resident without medicines
       coalesce(md.distinct_atc4, 0) AS distinct_atc4,
       z.category_costs AS zvw_category_costs
FROM staging.person_year s
LEFT JOIN (
    SELECT pseudo_id, year,
           count(*) FILTER (WHERE event_type = 'seh_bezoek') AS seh_visits,
           count(*) FILTER (WHERE event_type = 'opname' AND acute) AS acute_admissions,
           count(*) FILTER (WHERE event_type = 'opname' AND acute AND acsc) AS acsc_admissions
    FROM staging.hospital_events GROUP BY ALL
) h USING (pseudo_id, year)
LEFT JOIN (
    SELECT pseudo_id, year, sum(amount_eur) AS zvw_cost, max(insured_days) AS insured_days,
           [{category_costs}] AS category_costs
    FROM raw.zvw_costs GROUP BY pseudo_id, year
) z USING (pseudo_id, year)
LEFT JOIN (
    SELECT pseudo_id, year,
           sum(cost_eur) FILTER (WHERE law = 'wmo') AS wmo_cost,
           sum(cost_eur) FILTER (WHERE law = 'jeugd') AS jeugd_cost,
           sum(cost_eur) FILTER (WHERE law = 'wlz') AS wlz_cost,
           bool_or(law = 'wmo') AS wmo, bool_or(law = 'jeugd') AS jeugd, bool_or(law = 'wlz') AS wlz
    FROM staging.provision_years GROUP BY ALL
) p USING (pseudo_id, year)
LEFT JOIN (
    SELECT pseudo_id, year, bool_or(regulation = 'bijstand') AS bijstand,
           bool_or(regulation = 'schuldhulpverlening') AS schuldhulp,
           sum(benefit_eur) FILTER (WHERE regulation <> 'schuldhulpverlening') AS bijstand_cost
    FROM raw.participatie GROUP BY ALL
) q USING (pseudo_id, year)
LEFT JOIN (
    SELECT year, count(benefit_eur) > 0 AS has_amounts FROM raw.participatie GROUP BY year
) pa ON pa.year = s.year
LEFT JOIN (
    SELECT pseudo_id, year, count(DISTINCT atc4) AS distinct_atc4 FROM raw.medicines GROUP BY ALL
) md USING (pseudo_id, year)
