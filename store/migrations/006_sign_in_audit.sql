-- Sign-in throttling and its audit (issue 14): every sign-in attempt by the name typed and the
-- client address, at_time -- success | failure | locked (the failure that locked) | refused (an attempt
-- during a delay or lock, password not checked) | token_rejected (a cookie from another browser).
-- The owner reads it with `callqa users audit`.
CREATE SEQUENCE sign_in_event_seq;
CREATE TABLE sign_in_events (
    event_id BIGINT PRIMARY KEY DEFAULT nextval('sign_in_event_seq'),
    at_time  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    username VARCHAR NOT NULL,
    client   VARCHAR NOT NULL DEFAULT '',
    event    VARCHAR NOT NULL
);
-- A browser token works only in the browser (user agent) it was given to.
ALTER TABLE login_sessions ADD COLUMN agent_hash VARCHAR;
