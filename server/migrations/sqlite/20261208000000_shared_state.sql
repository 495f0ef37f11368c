-- Shared state (issue 16): what lived in one process's memory moves to the database, so
-- any instance behind a load balancer can serve any request.
--
-- What a learner's next page view shows (generated verifier, callback code, decoded
-- tokens, last typed text): one table per kind, each value sealed (XChaCha20-Poly1305
-- under a key derived from the server key, `nonce` random per value, the row's table,
-- learner, exercise and step bound as associated data): never in clear. `seq` orders the
-- rows by when they were put; a put deletes the rows more than the table's cap behind it
-- (oldest first), and housekeeping deletes expired ones.
CREATE TABLE page_verifiers (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id TEXT    NOT NULL,
    exercise   TEXT    NOT NULL,
    step       INTEGER NOT NULL,
    nonce      BLOB    NOT NULL,
    sealed     BLOB    NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (learner_id, exercise, step)
);
CREATE INDEX page_verifiers_by_expiry ON page_verifiers (expires_at);

CREATE TABLE page_codes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id TEXT    NOT NULL,
    exercise   TEXT    NOT NULL,
    step       INTEGER NOT NULL,
    nonce      BLOB    NOT NULL,
    sealed     BLOB    NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (learner_id, exercise, step)
);
CREATE INDEX page_codes_by_expiry ON page_codes (expires_at);

CREATE TABLE page_tokens (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id TEXT    NOT NULL,
    exercise   TEXT    NOT NULL,
    step       INTEGER NOT NULL,
    nonce      BLOB    NOT NULL,
    sealed     BLOB    NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (learner_id, exercise, step)
);
CREATE INDEX page_tokens_by_expiry ON page_tokens (expires_at);

CREATE TABLE page_typed (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id TEXT    NOT NULL,
    exercise   TEXT    NOT NULL,
    step       INTEGER NOT NULL,
    nonce      BLOB    NOT NULL,
    sealed     BLOB    NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (learner_id, exercise, step)
);
CREATE INDEX page_typed_by_expiry ON page_typed (expires_at);

-- The login throttle: one row per key (a SHA-256 digest, never the email), upserted first
-- in each attempt's transaction to lock the key, then the attempts in the window are
-- counted and the new one inserted (or the transaction rolled back): atomic across
-- instances. Housekeeping forgets attempts and keys that left the window.
CREATE TABLE login_throttle_keys (
    key_sha256 TEXT    PRIMARY KEY,
    touched    INTEGER NOT NULL
);
CREATE INDEX login_throttle_keys_by_touched ON login_throttle_keys (touched);
CREATE TABLE login_attempts (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    key_sha256 TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX login_attempts_by_key ON login_attempts (key_sha256, at);
CREATE INDEX login_attempts_by_time ON login_attempts (at);

-- When an instructor last reset each learner ("reset just now" on the dashboard): at most
-- a cap of rows, oldest first out, and none kept past 30 days.
CREATE TABLE instructor_resets (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    instructor_id INTEGER NOT NULL,
    learner_id    TEXT    NOT NULL,
    reset_at      INTEGER NOT NULL,
    UNIQUE (instructor_id, learner_id)
);
CREATE INDEX instructor_resets_by_time ON instructor_resets (reset_at);
