-- Secrets the servers share (the key that binds a form's CSRF token to its
-- session), created once by whichever server needs one first.
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);

-- Failed sign-ins, by a hash of their key: one account from one client,
-- or one client. In the database so that every server sharing it counts
-- the same failures.
CREATE TABLE sign_in_failures (
    key_hash        TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_last ON sign_in_failures(last_failure_at);

-- Calendar keys were kept in plain text: a copy of the database handed out
-- every member's private feed. Only their SHA-256 is kept now; the keys
-- that were stored in plain text are withdrawn (their owners make a new
-- one on the events page).
DROP TABLE calendar_keys;
CREATE TABLE calendar_keys (
    person_id   BIGINT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);
