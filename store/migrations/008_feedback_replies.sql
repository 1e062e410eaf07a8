-- Feedback as a conversation (issue 15): replies to a feedback note by the manager it is
-- addressed to or by the РОП, oldest first. The note itself stays in `feedback`.
CREATE SEQUENCE IF NOT EXISTS reply_seq START 1;
CREATE TABLE feedback_replies (
    reply_id    BIGINT PRIMARY KEY DEFAULT nextval('reply_seq'),
    feedback_id BIGINT NOT NULL,
    text        VARCHAR NOT NULL,
    username    VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
