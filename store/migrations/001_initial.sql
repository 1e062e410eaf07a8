-- callqa schema v1. Keys are natural where possible; history tables are append-only.
CREATE SEQUENCE IF NOT EXISTS event_seq START 1;

CREATE TABLE recordings (
    sha256      VARCHAR PRIMARY KEY,
    path        VARCHAR NOT NULL,
    size        BIGINT,
    mtime       DOUBLE,
    status      VARCHAR NOT NULL DEFAULT 'new',   -- new | done | failed
    error       VARCHAR,
    attempts    INTEGER NOT NULL DEFAULT 0,
    flags       VARCHAR,                           -- comma-separated, e.g. long_audio,silent
    first_seen  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE managers (
    manager_id  VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    extension   VARCHAR,
    team        VARCHAR,
    active      BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE calls (
    call_id       VARCHAR PRIMARY KEY,
    recording_sha VARCHAR,
    path          VARCHAR,
    started_at    TIMESTAMP,
    direction     VARCHAR,
    manager_id    VARCHAR,
    manager_ext   VARCHAR,
    client_masked VARCHAR,
    external_id   VARCHAR,
    deal_id       VARCHAR,
    duration_s    DOUBLE,
    channels      INTEGER,
    true_stereo   BOOLEAN,
    source        VARCHAR NOT NULL,                -- audio | import
    asr_model     VARCHAR,
    language      VARCHAR,
    flags         VARCHAR,                         -- comma-separated
    processed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE INDEX calls_started ON calls(started_at);
CREATE INDEX calls_manager ON calls(manager_id);

CREATE TABLE segments (
    call_id        VARCHAR NOT NULL,
    idx            INTEGER NOT NULL,
    speaker        VARCHAR NOT NULL,
    channel        INTEGER,
    start_s        DOUBLE NOT NULL,
    end_s          DOUBLE NOT NULL,
    text           VARCHAR NOT NULL,
    lemmas         VARCHAR,                        -- space-separated lemma sequence
    avg_logprob    DOUBLE,
    no_speech_prob DOUBLE,
    low_confidence BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (call_id, idx)
);

CREATE TABLE rubric_versions (
    rubric_id  VARCHAR NOT NULL,
    version    VARCHAR NOT NULL,                   -- sha256 of the YAML text
    yaml       VARCHAR NOT NULL,
    loaded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    is_current BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (rubric_id, version)
);

CREATE TABLE call_scores (
    call_id        VARCHAR NOT NULL,
    rubric_id      VARCHAR NOT NULL,
    rubric_version VARCHAR NOT NULL,
    score_pct      DOUBLE,
    points         DOUBLE,
    max_points     DOUBLE,
    fatal_failed   VARCHAR,                        -- comma-separated criterion ids
    applicable     BOOLEAN NOT NULL DEFAULT TRUE,
    uncertain      BOOLEAN NOT NULL DEFAULT FALSE,
    scored_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (call_id, rubric_version)
);

CREATE TABLE criterion_results (
    call_id          VARCHAR NOT NULL,
    rubric_version   VARCHAR NOT NULL,
    criterion_id     VARCHAR NOT NULL,
    stage            VARCHAR,
    title            VARCHAR,
    verdict          VARCHAR NOT NULL,
    points           DOUBLE,
    max_points       DOUBLE,
    fatal            BOOLEAN NOT NULL DEFAULT FALSE,
    confidence       DOUBLE,
    reason           VARCHAR,
    evidence_idx     INTEGER,
    evidence_start_s DOUBLE,
    evidence_end_s   DOUBLE,
    evidence_quote   VARCHAR,
    PRIMARY KEY (call_id, rubric_version, criterion_id)
);

CREATE TABLE objections (
    call_id        VARCHAR NOT NULL,
    rubric_version VARCHAR NOT NULL,
    n              INTEGER NOT NULL,
    kind           VARCHAR NOT NULL,
    segment_idx    INTEGER,
    start_s        DOUBLE,
    quote          VARCHAR,
    handling       VARCHAR,
    response_idx   INTEGER,
    response_quote VARCHAR,
    confidence     DOUBLE,
    rule_hits      VARCHAR,
    PRIMARY KEY (call_id, rubric_version, n)
);

-- Conversation metrics do not depend on the rubric: one row per call.
CREATE TABLE call_metrics (
    call_id                     VARCHAR PRIMARY KEY,
    manager_talk_ratio          DOUBLE,
    longest_manager_monologue_s DOUBLE,
    manager_questions           INTEGER,
    manager_questions_per_min   DOUBLE,
    interruptions               INTEGER,
    overlap_s                   DOUBLE,
    silence_share               DOUBLE,
    longest_silence_s           DOUBLE,
    patience_s                  DOUBLE,
    manager_words_per_min       DOUBLE,
    client_words_per_min        DOUBLE
);

CREATE TABLE review_events (
    event_id  BIGINT PRIMARY KEY DEFAULT nextval('event_seq'),
    username  VARCHAR NOT NULL,
    call_id   VARCHAR,
    kind      VARCHAR NOT NULL,  -- opened|played|override|comment|feedback|tag|training|label|reviewed|ack
    payload   VARCHAR,           -- JSON
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    played_s  DOUBLE
);
CREATE INDEX review_events_call ON review_events(call_id);

-- РОП data: never deleted by re-scoring; references (call_id, criterion_id), not result rows.
CREATE TABLE overrides (
    override_id  BIGINT PRIMARY KEY DEFAULT nextval('event_seq'),
    call_id      VARCHAR NOT NULL,
    criterion_id VARCHAR NOT NULL,
    verdict      VARCHAR NOT NULL,
    reason       VARCHAR,
    username     VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE objection_labels (
    label_id    BIGINT PRIMARY KEY DEFAULT nextval('event_seq'),
    call_id     VARCHAR NOT NULL,
    segment_idx INTEGER NOT NULL,
    kind        VARCHAR,
    handling    VARCHAR NOT NULL,
    username    VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE feedback (
    feedback_id     BIGINT PRIMARY KEY DEFAULT nextval('event_seq'),
    call_id         VARCHAR,
    manager_id      VARCHAR NOT NULL,
    criterion_id    VARCHAR,
    objection_kind  VARCHAR,
    text            VARCHAR NOT NULL,
    username        VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    acknowledged_at TIMESTAMP
);

CREATE TABLE training_items (
    item_id    BIGINT PRIMARY KEY DEFAULT nextval('event_seq'),
    call_id    VARCHAR NOT NULL,
    start_s    DOUBLE NOT NULL,
    end_s      DOUBLE NOT NULL,
    label      VARCHAR NOT NULL,  -- example | mistake
    note       VARCHAR,
    username   VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE head_log (
    entry_id   BIGINT PRIMARY KEY DEFAULT nextval('event_seq'),
    kind       VARCHAR NOT NULL,  -- planning | one_to_one | training
    held_on    DATE NOT NULL,
    manager_id VARCHAR,
    note       VARCHAR,
    username   VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE users (
    username      VARCHAR PRIMARY KEY,
    role          VARCHAR NOT NULL,  -- owner | head | manager
    manager_id    VARCHAR,
    display_name  VARCHAR,
    password_hash VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE runs (
    run_id      BIGINT PRIMARY KEY DEFAULT nextval('event_seq'),
    folder      VARCHAR,
    started_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    finished_at TIMESTAMP,
    status      VARCHAR NOT NULL DEFAULT 'running',  -- running | completed | interrupted | failed
    found       INTEGER DEFAULT 0,
    new         INTEGER DEFAULT 0,
    done        INTEGER DEFAULT 0,
    failed      INTEGER DEFAULT 0,
    skipped     INTEGER DEFAULT 0,
    audio_s     DOUBLE DEFAULT 0,
    wall_s      DOUBLE DEFAULT 0,
    message     VARCHAR
);
