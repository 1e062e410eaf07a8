-- The call's start time copied onto its result rows, so that time-bounded owner queries can
-- skip whole row groups of criterion_results / objections / call_scores (their keys are
-- random call ids, so a join to calls alone cannot prune them). Kept in step with
-- calls.started_at by store.writes (write_call / write_score) and pipeline.rescore.
ALTER TABLE call_scores ADD COLUMN started_at TIMESTAMP;
ALTER TABLE criterion_results ADD COLUMN started_at TIMESTAMP;
ALTER TABLE objections ADD COLUMN started_at TIMESTAMP;
UPDATE call_scores t SET started_at = c.started_at FROM calls c WHERE c.call_id = t.call_id;
UPDATE criterion_results t SET started_at = c.started_at FROM calls c WHERE c.call_id = t.call_id;
UPDATE objections t SET started_at = c.started_at FROM calls c WHERE c.call_id = t.call_id;
