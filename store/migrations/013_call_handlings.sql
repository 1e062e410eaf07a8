-- The owner's page at 10M calls (issue 16, item 7, more margin): every call's automatic objection
-- handling in one short string beside call_verdicts, so the AI–РОП agreement on objection
-- handling reads the reviewed calls' strings (copied onto review_days with their verdicts)
-- instead of scanning 13 weeks of current_objections.
--
-- handling_letters: the letter of each automatic handling ('-' marks an objection without one).
-- call_handlings: one row per call with objections in its current score (current_objections):
--   its start and its handling string: the letters of its objections' handlings in their order
--   (n), then ':' and the objections' turns in the same order, comma-separated ('' for an
--   objection without a turn: the РОП labels an objection by its turn), e.g. 'vd-:3,7,7'. Kept
--   by the writer with call_verdicts (store/rollups.py), in time order.
-- review_days.handlings: a copy of the reviewed call's handling string (NULL: no objections),
--   made with the copy of its verdict string.
CREATE TABLE handling_letters (
    handling VARCHAR NOT NULL,
    letter   VARCHAR NOT NULL
);
CREATE TABLE call_handlings (
    call_id    VARCHAR NOT NULL,
    started_at TIMESTAMP,
    handlings  VARCHAR NOT NULL
);

INSERT INTO handling_letters VALUES ('value', 'v'), ('question', 'q'), ('discount', 'd'), ('ignored', 'i'),
                                    ('other', 'o');
-- any other handling a result row holds: 'A', 'B', …
INSERT INTO handling_letters
SELECT handling, chr(64 + row_number() OVER (ORDER BY handling)::INTEGER)
FROM (SELECT DISTINCT handling FROM current_objections
      WHERE handling NOT IN ('value', 'question', 'discount', 'ignored', 'other'));

INSERT INTO call_handlings
SELECT o.call_id, o.started_at, string_agg(coalesce(l.letter, '-'), '' ORDER BY o.n) || ':'
                                || string_agg(coalesce(o.segment_idx::VARCHAR, ''), ',' ORDER BY o.n)
FROM current_objections o LEFT JOIN handling_letters l ON l.handling = o.handling
GROUP BY o.call_id, o.started_at
ORDER BY o.started_at, o.call_id;

-- review_days again with the handlings column (as migration 012 did: an UPDATE of most rows is
-- slower), same order
CREATE TABLE review_days_h (
    day             DATE NOT NULL,
    call_id         VARCHAR,
    username        VARCHAR NOT NULL,
    call_started_at TIMESTAMP,
    call_manager_id VARCHAR,
    first_action_at TIMESTAMP,
    last_action_at  TIMESTAMP,
    played_s        DOUBLE,
    last_played_at  TIMESTAMP,
    verdicts        VARCHAR,
    handlings       VARCHAR
);
INSERT INTO review_days_h
SELECT d.day, d.call_id, d.username, d.call_started_at, d.call_manager_id, d.first_action_at, d.last_action_at,
       d.played_s, d.last_played_at, d.verdicts, h.handlings
FROM review_days d LEFT JOIN call_handlings h ON h.call_id = d.call_id
ORDER BY d.day, d.call_id;
DROP TABLE review_days;
ALTER TABLE review_days_h RENAME TO review_days;
