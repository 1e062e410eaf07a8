-- "Stay signed in": a browser keeps a random token in a cookie; only its sha256 is stored.
CREATE TABLE login_sessions (
    token_hash VARCHAR PRIMARY KEY,
    username   VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at TIMESTAMP NOT NULL
);
