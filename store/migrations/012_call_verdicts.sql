-- The owner's page at 10M calls (issue 16, item 7, second step): every call's automatic verdicts
-- in one short string, so the questions that need a few criteria of many calls (the coaching
-- windows, the AI–РОП agreement of 13 weeks of reviewed calls, the week's failed criteria of
-- low-scoring calls) read one row per call instead of ten verdict rows joined by call id.
--
-- criterion_positions: each criterion's place in a verdict string (1, 2, …), given once, in
--   order of first appearance, and never changed (store/rollups.py adds new ones).
-- verdict_letters: the letter of each verdict ('-' marks a criterion the call has no row for).
-- call_verdicts: one row per call in calls (scored or not) with its start and manager and the
--   verdicts of its current score (current_verdicts) as letters by position; NULL when the call
--   has no verdict rows. Kept by the writer with the other rollups (store/rollups.py), in time
--   order.
-- review_days.verdicts: a copy of the reviewed call's verdict string on its review days, so the
--   agreement of 13 weeks of reviewed calls reads the verdicts with the reviews.
CREATE TABLE criterion_positions (
    criterion_id VARCHAR NOT NULL,
    pos          INTEGER NOT NULL
);
CREATE TABLE verdict_letters (
    verdict VARCHAR NOT NULL,
    letter  VARCHAR NOT NULL
);
CREATE TABLE call_verdicts (
    call_id    VARCHAR NOT NULL,
    started_at TIMESTAMP,
    manager_id VARCHAR,
    verdicts   VARCHAR
);

INSERT INTO verdict_letters VALUES ('pass', 'p'), ('fail', 'f'), ('insufficient', 'i'), ('not_applicable', 'n');
-- any other verdict a result row holds: 'A', 'B', …
INSERT INTO verdict_letters
SELECT verdict, chr(64 + row_number() OVER (ORDER BY verdict)::INTEGER)
FROM (SELECT DISTINCT verdict FROM current_verdicts
      WHERE verdict NOT IN ('pass', 'fail', 'insufficient', 'not_applicable'));
INSERT INTO criterion_positions
SELECT criterion_id, row_number() OVER (ORDER BY criterion_id)::INTEGER
FROM (SELECT DISTINCT criterion_id FROM current_verdicts);

INSERT INTO call_verdicts
SELECT c.call_id, c.started_at, c.manager_id, v.verdicts
FROM calls c LEFT JOIN (
    SELECT call_id,
           CASE WHEN len(ps) = ps[-1] THEN array_to_string(ls, '')
                ELSE array_to_string(list_transform(range(1, ps[-1] + 1),
                                                    lambda i: coalesce(ls[list_position(ps, i)], '-')), '')
           END AS verdicts
    FROM (SELECT r.call_id, list(p.pos ORDER BY p.pos) AS ps, list(l.letter ORDER BY p.pos) AS ls
          FROM current_verdicts r JOIN criterion_positions p USING (criterion_id)
          JOIN verdict_letters l USING (verdict)
          GROUP BY r.call_id)) v USING (call_id)
ORDER BY c.started_at, c.call_id;

-- review_days again with the verdicts column (an UPDATE of every row is slower), same order
CREATE TABLE review_days_v (
    day             DATE NOT NULL,
    call_id         VARCHAR,
    username        VARCHAR NOT NULL,
    call_started_at TIMESTAMP,
    call_manager_id VARCHAR,
    first_action_at TIMESTAMP,
    last_action_at  TIMESTAMP,
    played_s        DOUBLE,
    last_played_at  TIMESTAMP,
    verdicts        VARCHAR
);
INSERT INTO review_days_v
SELECT d.day, d.call_id, d.username, d.call_started_at, d.call_manager_id, d.first_action_at, d.last_action_at,
       d.played_s, d.last_played_at, v.verdicts
FROM review_days d LEFT JOIN call_verdicts v ON v.call_id = d.call_id
ORDER BY d.day, d.call_id;
DROP TABLE review_days;
ALTER TABLE review_days_v RENAME TO review_days;
