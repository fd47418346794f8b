-- Operation 2 as one hand-written SQL statement (the floor, run with `pgbench -f`): the first 50
-- joint programmes by code, with the total, countries, budget lines, financials and indicators
-- with their latest measurement, as JSON.
SELECT (SELECT COUNT(*) FROM joint_programme) AS total_count, json_agg(page ORDER BY page.code) AS nodes
FROM (
  SELECT p.code, p.title, p.status, p.start_date, p.end_date, a.number AS thematic_area,
    (SELECT json_agg(nc.country_code ORDER BY nc.country_code) FROM concept_note_country nc WHERE nc.concept_note_id = p.concept_note_id) AS countries,
    (SELECT json_agg(json_build_object('organization', o.acronym, 'programmable', b.programmable_usd_cents, 'rate', b.indirect_support_cost_rate, 'total', b.total_usd_cents) ORDER BY b.organization_id)
       FROM budget_line b JOIN organization o ON o.id = b.organization_id WHERE b.joint_programme_id = p.id) AS budget_lines,
    p.approved_budget_usd_cents AS approved,
    (SELECT COALESCE(SUM(t.amount_usd_cents), 0) FROM transfer t WHERE t.joint_programme_id = p.id) AS transferred,
    (SELECT COALESCE(SUM(e.amount_usd_cents), 0) FROM expenditure_report e WHERE e.joint_programme_id = p.id) AS expenditure,
    (SELECT json_agg(json_build_object('code', i.code, 'statement', i.statement, 'baseline', i.baseline, 'target', i.target,
              'latest', (SELECT json_build_object('period_end', m.period_end, 'value', m.value) FROM indicator_measurement m
                          WHERE m.indicator_id = i.id ORDER BY m.period_end DESC LIMIT 1)) ORDER BY i.code)
       FROM results_indicator i WHERE i.joint_programme_id = p.id) AS indicators
  FROM joint_programme p JOIN thematic_area a ON a.id = p.thematic_area_id
  ORDER BY p.code
  LIMIT 50
) page;
