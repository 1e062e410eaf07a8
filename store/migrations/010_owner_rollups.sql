-- The owner's page at contact-centre scale (issue 16, item 7): 100M verdict rows must not be
-- joined to calls / call_scores by random call ids for every question.
--
-- 1. Review rows carry the reviewed call's start and manager (copied from calls when the row is
--    written; store.writes.write_call keeps them in step when a call's start or manager changes),
--    so "whose calls did the РОП work on this week" reads the week's review rows only. Queries
--    look rows without the copy (written before the call was stored) up in calls.
-- 2. Rollups of each call's current score (store/rollups.py): its score row, verdicts and
--    objections of the version store.effective.current_scores picks, with the call's start and
--    manager, in time order. Kept by the single writer (store.writes) for every call it writes, rebuilt when the
--    current rubric version changes (callqa rescore) and here for existing stores.
ALTER TABLE review_events ADD COLUMN call_started_at TIMESTAMP;
ALTER TABLE review_events ADD COLUMN call_manager_id VARCHAR;
ALTER TABLE overrides ADD COLUMN call_started_at TIMESTAMP;
ALTER TABLE overrides ADD COLUMN call_manager_id VARCHAR;
ALTER TABLE objection_labels ADD COLUMN call_started_at TIMESTAMP;
ALTER TABLE objection_labels ADD COLUMN call_manager_id VARCHAR;
ALTER TABLE feedback ADD COLUMN call_started_at TIMESTAMP;
ALTER TABLE feedback ADD COLUMN call_manager_id VARCHAR;
ALTER TABLE training_items ADD COLUMN call_started_at TIMESTAMP;
ALTER TABLE training_items ADD COLUMN call_manager_id VARCHAR;
UPDATE review_events t SET call_started_at = c.started_at, call_manager_id = c.manager_id
    FROM calls c WHERE c.call_id = t.call_id;
UPDATE overrides t SET call_started_at = c.started_at, call_manager_id = c.manager_id
    FROM calls c WHERE c.call_id = t.call_id;
UPDATE objection_labels t SET call_started_at = c.started_at, call_manager_id = c.manager_id
    FROM calls c WHERE c.call_id = t.call_id;
UPDATE feedback t SET call_started_at = c.started_at, call_manager_id = c.manager_id
    FROM calls c WHERE c.call_id = t.call_id;
UPDATE training_items t SET call_started_at = c.started_at, call_manager_id = c.manager_id
    FROM calls c WHERE c.call_id = t.call_id;

CREATE TABLE current_scores (
    call_id        VARCHAR NOT NULL,
    started_at     TIMESTAMP,
    manager_id     VARCHAR,
    rubric_version VARCHAR NOT NULL,
    rubric_id      VARCHAR NOT NULL,
    score_pct      DOUBLE,
    points         DOUBLE,
    max_points     DOUBLE,
    fatal_failed   VARCHAR,
    applicable     BOOLEAN NOT NULL,
    uncertain      BOOLEAN NOT NULL
);
CREATE TABLE current_verdicts (
    call_id        VARCHAR NOT NULL,
    started_at     TIMESTAMP,
    manager_id     VARCHAR,
    rubric_version VARCHAR NOT NULL,
    criterion_id   VARCHAR NOT NULL,
    verdict        VARCHAR NOT NULL
);
CREATE TABLE current_objections (
    call_id        VARCHAR NOT NULL,
    started_at     TIMESTAMP,
    manager_id     VARCHAR,
    rubric_version VARCHAR NOT NULL,
    n              INTEGER NOT NULL,
    kind           VARCHAR NOT NULL,
    segment_idx    INTEGER,
    handling       VARCHAR
);

-- The current score of each call: store.effective.current_scores (current rubric version
-- first, then the latest scored, ties by the later version id).
CREATE TEMP TABLE current_pick AS
SELECT cs.call_id, arg_max_null(cs.rubric_version, ((cs.rubric_version IN (
           SELECT version FROM rubric_versions WHERE is_current)), cs.scored_at, cs.rubric_version)) AS rubric_version
FROM call_scores cs GROUP BY cs.call_id;
INSERT INTO current_scores
SELECT s.call_id, s.started_at, c.manager_id, s.rubric_version, s.rubric_id, s.score_pct, s.points, s.max_points,
       s.fatal_failed, s.applicable, s.uncertain
FROM call_scores s JOIN current_pick p ON p.call_id = s.call_id AND p.rubric_version = s.rubric_version
JOIN calls c ON c.call_id = s.call_id
ORDER BY s.started_at, s.call_id;
INSERT INTO current_verdicts
SELECT r.call_id, r.started_at, c.manager_id, r.rubric_version, r.criterion_id, r.verdict
FROM criterion_results r JOIN current_pick p ON p.call_id = r.call_id AND p.rubric_version = r.rubric_version
JOIN calls c ON c.call_id = r.call_id
ORDER BY r.started_at, r.call_id, r.criterion_id;
INSERT INTO current_objections
SELECT o.call_id, o.started_at, c.manager_id, o.rubric_version, o.n, o.kind, o.segment_idx, o.handling
FROM objections o JOIN current_pick p ON p.call_id = o.call_id AND p.rubric_version = o.rubric_version
JOIN calls c ON c.call_id = o.call_id
ORDER BY o.started_at, o.call_id, o.n;
DROP TABLE current_pick;

-- 3. The РОП's review rows summed per call, day and user (store/rollups.py: review_days): the
--    first and last review action (store.effective.REVIEW_KINDS or a row of an action table),
--    the seconds played and the last 'played' event.
CREATE TABLE review_days (
    day             DATE NOT NULL,
    call_id         VARCHAR,
    username        VARCHAR NOT NULL,
    call_started_at TIMESTAMP,
    call_manager_id VARCHAR,
    first_action_at TIMESTAMP,
    last_action_at  TIMESTAMP,
    played_s        DOUBLE,
    last_played_at  TIMESTAMP
);
INSERT INTO review_days
SELECT created_at::DATE, call_id, username, max(call_started_at), max(call_manager_id),
       min(first_action_at), max(last_action_at), sum(played_s), max(last_played_at)
FROM (
    SELECT call_id, username, created_at,
           CASE WHEN kind IN ('override', 'comment', 'reviewed', 'feedback', 'label', 'training', 'tag')
                THEN created_at END AS first_action_at,
           CASE WHEN kind IN ('override', 'comment', 'reviewed', 'feedback', 'label', 'training', 'tag')
                THEN created_at END AS last_action_at,
           CASE WHEN kind = 'played' THEN played_s END AS played_s,
           CASE WHEN kind = 'played' THEN created_at END AS last_played_at, call_started_at, call_manager_id
    FROM review_events
    WHERE kind IN ('override', 'comment', 'reviewed', 'feedback', 'label', 'training', 'tag', 'played')
    UNION ALL SELECT call_id, username, created_at, created_at, created_at, NULL, NULL, call_started_at,
                     call_manager_id FROM overrides
    UNION ALL SELECT call_id, username, created_at, created_at, created_at, NULL, NULL, call_started_at,
                     call_manager_id FROM feedback
    UNION ALL SELECT call_id, username, created_at, created_at, created_at, NULL, NULL, call_started_at,
                     call_manager_id FROM objection_labels
    UNION ALL SELECT call_id, username, created_at, created_at, created_at, NULL, NULL, call_started_at,
                     call_manager_id FROM training_items)
GROUP BY ALL ORDER BY 1, 2;
