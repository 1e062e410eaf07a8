-- Closing calibration rounds (issue 15): a round stops taking verdicts when it ends, either
-- because every reviewer has rated every call (closed_by NULL) or because its creator or the
-- owner closed it early (closed_by = that user). closed_at is when it ended: the page shows
-- «завершён 12.03.2026», and a round with closed_at set leaves the reviewers' task lists.
-- store/calibration.py sets it in the same transaction as the verdict or reviewer change that
-- completes a round; rounds already complete get the time of their last counted verdict here.
ALTER TABLE calibration_rounds ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE calibration_rounds ADD COLUMN closed_by VARCHAR;
UPDATE calibration_rounds r SET closed_at = done.last_verdict_at
FROM (
    WITH rated AS (SELECT round_id, call_id, username, count(*) AS n, max(saved_at) AS last_at
                   FROM calibration_verdicts GROUP BY ALL),
         finished AS (SELECT rt.round_id, rt.call_id, rt.username, rt.last_at FROM rated rt
                      JOIN calibration_calls cc USING (round_id, call_id) WHERE rt.n >= cc.criteria),
         progress AS (SELECT rv.round_id, rv.username, count(f.call_id) AS finished_calls,
                             max(f.last_at) AS last_at
                      FROM calibration_reviewers rv LEFT JOIN finished f
                           ON f.round_id = rv.round_id AND f.username = rv.username
                      GROUP BY ALL),
         sizes AS (SELECT round_id, count(*) AS calls FROM calibration_calls GROUP BY round_id)
    SELECT p.round_id, max(p.last_at) AS last_verdict_at
    FROM progress p JOIN sizes s USING (round_id)
    GROUP BY p.round_id, s.calls HAVING bool_and(p.finished_calls >= s.calls)
) done
WHERE r.round_id = done.round_id;
