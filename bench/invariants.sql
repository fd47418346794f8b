-- The fund's invariants over a seeded database: every row is a check and its number of
-- violations, which must be 0. Used by bench/run.sh after `mptf seed synthetic`.
SELECT 'deposited_minor is the sum of the deposits' AS invariant, COUNT(*) AS violations
  FROM contribution c
 WHERE c.deposited_minor <> COALESCE((SELECT SUM(d.amount_minor) FROM deposit d WHERE d.contribution_id = c.id), 0)
UNION ALL
SELECT 'deposits never exceed the signed agreement', COUNT(*)
  FROM contribution c WHERE c.deposited_minor > c.pledged_minor
     OR (c.deposited_minor > 0 AND c.signed_on IS NULL)
UNION ALL
SELECT 'an agreement''s status matches its deposits', COUNT(*)
  FROM contribution c
 WHERE (c.status = 'FULLY_DEPOSITED' AND c.deposited_minor <> c.pledged_minor)
    OR (c.status = 'PARTIALLY_DEPOSITED' AND NOT (c.deposited_minor > 0 AND c.deposited_minor < c.pledged_minor))
    OR (c.status IN ('PLEDGED', 'SIGNED', 'CANCELLED') AND c.deposited_minor <> 0)
UNION ALL
SELECT 'deposits are received on or after signature', COUNT(*)
  FROM deposit d JOIN contribution c ON c.id = d.contribution_id WHERE d.received_on < c.signed_on
UNION ALL
SELECT 'transfers never exceed their budget line', COUNT(*)
  FROM budget_line b
 WHERE (SELECT COALESCE(SUM(t.amount_usd_cents), 0) FROM transfer t WHERE t.budget_line_id = b.id) > b.total_usd_cents
UNION ALL
SELECT 'transfers never exceed the net deposits and the refunds', COUNT(*)
 WHERE (SELECT COALESCE(SUM(amount_usd_cents), 0) FROM transfer)
     > (SELECT COALESCE(SUM(net_usd_cents), 0) FROM deposit)
     + (SELECT COALESCE(SUM(amount_usd_cents), 0) FROM ledger_entry WHERE counts_as = 'REFUND')
UNION ALL
SELECT 'earmarked money spent only on its area, never more than deposited and refunded to it', COUNT(*)
  FROM thematic_area a
 WHERE (SELECT COALESCE(SUM(t.from_earmarked_usd_cents), 0) FROM transfer t WHERE t.thematic_area_id = a.id)
     > (SELECT COALESCE(SUM(d.net_usd_cents), 0) FROM deposit d JOIN contribution c ON c.id = d.contribution_id WHERE c.earmarked_area_id = a.id)
     + (SELECT COALESCE(SUM(l.amount_usd_cents), 0) FROM ledger_entry l WHERE l.counts_as = 'REFUND' AND l.pool_area_id = a.id)
UNION ALL
SELECT 'expenditure never exceeds what the organization received', COUNT(*)
  FROM budget_line b
 WHERE (SELECT COALESCE(SUM(e.amount_usd_cents), 0) FROM expenditure_report e WHERE e.joint_programme_id = b.joint_programme_id AND e.organization_id = b.organization_id)
     > (SELECT COALESCE(SUM(t.amount_usd_cents), 0) FROM transfer t WHERE t.budget_line_id = b.id)
UNION ALL
SELECT 'a programme''s approved budget is the sum of its budget lines', COUNT(*)
  FROM joint_programme p
 WHERE p.approved_budget_usd_cents <> (SELECT COALESCE(SUM(b.total_usd_cents), 0) FROM budget_line b WHERE b.joint_programme_id = p.id)
UNION ALL
SELECT 'a programme''s funding decision is its approved budget', COUNT(*)
  FROM joint_programme p
 WHERE NOT EXISTS (SELECT 1 FROM decision d WHERE d.concept_note_id = p.concept_note_id AND d.kind = 'FUNDING' AND d.amount_usd_cents = p.approved_budget_usd_cents)
UNION ALL
SELECT 'FUNDED notes, and only they, have a programme', COUNT(*)
  FROM concept_note n
 WHERE (n.status = 'FUNDED') <> EXISTS (SELECT 1 FROM joint_programme p WHERE p.concept_note_id = n.id)
UNION ALL
SELECT 'APPROVED and FUNDED notes have a funding decision; PIPELINE notes a pipeline decision', COUNT(*)
  FROM concept_note n
 WHERE (n.status IN ('APPROVED', 'FUNDED') AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.concept_note_id = n.id AND d.kind = 'FUNDING'))
    OR (n.status = 'PIPELINE' AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.concept_note_id = n.id AND d.kind = 'PIPELINE'))
    OR (n.status = 'REJECTED' AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.concept_note_id = n.id AND d.kind = 'REJECTION'))
UNION ALL
SELECT 'reviewed notes have a review, unreviewed ones none', COUNT(*)
  FROM concept_note n
 WHERE (n.status IN ('SUBMITTED', 'WITHDRAWN')) = EXISTS (SELECT 1 FROM concept_note_review r WHERE r.concept_note_id = n.id)
UNION ALL
SELECT 'a note''s thematic area clusters one of its objectives', COUNT(*)
  FROM concept_note n
 WHERE NOT EXISTS (SELECT 1 FROM concept_note_objective o JOIN thematic_area_objective ao ON ao.gcm_objective_id = o.gcm_objective_id
                    WHERE o.concept_note_id = n.id AND ao.thematic_area_id = n.thematic_area_id)
UNION ALL
SELECT 'the convening organization participates', COUNT(*)
  FROM concept_note n
 WHERE NOT EXISTS (SELECT 1 FROM concept_note_organization o WHERE o.concept_note_id = n.id AND o.organization_id = n.convening_organization_id)
UNION ALL
SELECT 'programmes in APPROVED status have no transfers yet', COUNT(*)
  FROM joint_programme p WHERE p.status = 'APPROVED' AND EXISTS (SELECT 1 FROM transfer t WHERE t.joint_programme_id = p.id)
UNION ALL
SELECT 'nothing is dated in the future', COUNT(*)
 WHERE (SELECT MAX(received_on) FROM deposit) > CURRENT_DATE
    OR (SELECT MAX(period_end) FROM indicator_measurement) > CURRENT_DATE
    OR (SELECT MAX(transferred_on) FROM transfer) > CURRENT_DATE
UNION ALL
SELECT 'the ledger books every deposit, transfer and expenditure report', COUNT(*)
 WHERE (SELECT COALESCE(SUM(amount_usd_cents), 0) FROM ledger_entry WHERE counts_as = 'DEPOSIT') <> (SELECT COALESCE(SUM(amount_usd_cents), 0) FROM deposit)
    OR (SELECT COALESCE(SUM(amount_usd_cents), 0) FROM ledger_entry WHERE counts_as = 'TRANSFER') <> (SELECT COALESCE(SUM(amount_usd_cents), 0) FROM transfer)
    OR (SELECT COALESCE(SUM(amount_usd_cents), 0) FROM ledger_entry WHERE counts_as = 'EXPENDITURE') <> (SELECT COALESCE(SUM(amount_usd_cents), 0) FROM expenditure_report)
UNION ALL
SELECT 'a financially closed programme leaves no money with its organizations', COUNT(*)
  FROM joint_programme p
 WHERE p.status = 'FINANCIALLY_CLOSED'
   AND (SELECT COALESCE(SUM(CASE l.counts_as WHEN 'TRANSFER' THEN l.amount_usd_cents ELSE -l.amount_usd_cents END), 0)
          FROM ledger_entry l WHERE l.joint_programme_id = p.id AND l.counts_as IN ('TRANSFER', 'EXPENDITURE', 'REFUND')) <> 0;
