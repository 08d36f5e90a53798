-- The cost ledger: who pays what, for whom. One row per year x area x population group x law (payer), each a
-- published cell of the law's ledger indicator (co_ledger_<law>, euros per person-year) repeated with its
-- payer: persons = n, total_eur = numerator, eur_per_person_year = value, eur_per_resident = numerator / n.
-- Every number is a function of published (rounded) numbers, so the ledger shows nothing the cells do not; a
-- suppressed cell is an empty ledger row. The share of the area's cross-domain total divides by the sum of the
-- laws' published totaal euros of the area and year; it is empty when one of those is suppressed (the share
-- would give the hidden total back) and covers the laws with data in that year (`laws_in_total`; a law the input
-- layout does not deliver, 'niet geleverd', is no hidden part of it).
-- laws: a relation (law, indicator_id, payer, law_nl, k) of indicators/payers.py LAWS.
WITH delivered AS (  -- years whose Participatiewet delivery carries euros (bijstand_cost not NULL for all)
    SELECT year AS period, count(bijstand_cost) > 0 AS amounts FROM staging.person_care GROUP BY year
),
cells AS (
    SELECT l.law, l.payer, l.law_nl, l.k,
           v.* EXCLUDE (suppressed, suppression_reason),
           v.suppressed OR (l.law = 'participatiewet' AND NOT coalesce(d.amounts, false)) AS suppressed,
           CASE WHEN l.law = 'participatiewet' AND NOT coalesce(d.amounts, false) AND NOT v.suppressed
                THEN 'niet geleverd' ELSE v.suppression_reason END AS suppression_reason,
           CASE WHEN v.stratum = 'totaal' THEN 'totaal' ELSE split_part(v.stratum, ':', 1) END AS population_group,
           CASE WHEN v.stratum = 'totaal' THEN 'totaal' ELSE split_part(v.stratum, ':', 2) END AS group_value
    FROM candidate.indicator_values v JOIN ({laws}) l(law, indicator_id, payer, law_nl, k) USING (indicator_id)
    LEFT JOIN delivered d USING (period)
),
area_total AS (
    SELECT period, area_code,
           sum(numerator) FILTER (WHERE NOT suppressed) AS total_eur,
           coalesce(bool_or(suppressed AND coalesce(suppression_reason, '') NOT IN ('geen waarnemingen', 'niet geleverd')),
                    false) AS any_hidden,
           count(*) FILTER (WHERE NOT suppressed) AS laws_in_total
    FROM cells WHERE stratum = 'totaal' GROUP BY ALL
)
SELECT c.period, c.area_code, c.area_level, c.population_group, c.group_value, c.stratum, c.payer, c.law,
       c.law_nl, c.indicator_id,
       CASE WHEN NOT c.suppressed THEN c.n END AS persons,
       CASE WHEN NOT c.suppressed THEN c.numerator END AS total_eur,
       CASE WHEN NOT c.suppressed AND c.n > 0 THEN round(c.numerator / c.n, {d}) END AS eur_per_resident,
       CASE WHEN NOT c.suppressed THEN c.value END AS eur_per_person_year,
       CASE WHEN NOT c.suppressed AND NOT t.any_hidden AND t.total_eur > 0
            THEN round(100 * c.numerator / t.total_eur, {d}) END AS share_of_area_total,
       CAST(t.laws_in_total AS INTEGER) AS laws_in_total,
       c.suppressed, c.suppression_reason
FROM cells c LEFT JOIN area_total t USING (period, area_code)
ORDER BY c.period, c.area_level, c.area_code, c.stratum, c.k
