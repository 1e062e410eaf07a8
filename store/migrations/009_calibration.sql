-- Calibration (issue 15, item 8): two or more people rate the same sample of calls blind, per
-- criterion, to see how far they agree with each other and with the AI (store/calibration.py).
-- A round is a seeded random sample of scored calls of a period (optionally of one manager)
-- assigned to its reviewers (owner or head accounts). A reviewer's verdict is not an override:
-- nothing here changes a call's score.
CREATE SEQUENCE IF NOT EXISTS calibration_seq START 1;
CREATE TABLE calibration_rounds (
    round_id    BIGINT PRIMARY KEY DEFAULT nextval('calibration_seq'),
    period_from DATE NOT NULL,
    period_to   DATE NOT NULL,                   -- inclusive
    manager_id  VARCHAR,                         -- NULL: calls of every manager
    requested   INTEGER NOT NULL,                -- calls asked for (a period may hold fewer)
    seed        BIGINT NOT NULL,                 -- same seed and same calls: same sample
    show_ai     BOOLEAN NOT NULL DEFAULT FALSE,  -- reviewers see the AI verdicts while rating
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE calibration_calls (
    round_id       BIGINT NOT NULL,
    call_id        VARCHAR NOT NULL,
    position       INTEGER NOT NULL,             -- order in the sample, from 0
    rubric_version VARCHAR NOT NULL,             -- the scored version whose criteria are rated
    criteria       INTEGER NOT NULL,             -- how many criteria a reviewer rates in the call
    PRIMARY KEY (round_id, call_id)
);
CREATE TABLE calibration_reviewers (
    round_id BIGINT NOT NULL,
    username VARCHAR NOT NULL,
    PRIMARY KEY (round_id, username)
);
CREATE TABLE calibration_verdicts (
    round_id     BIGINT NOT NULL,
    call_id      VARCHAR NOT NULL,
    criterion_id VARCHAR NOT NULL,
    username     VARCHAR NOT NULL,
    verdict      VARCHAR NOT NULL,               -- pass | fail | not_applicable
    saved_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (round_id, call_id, criterion_id, username)
);
