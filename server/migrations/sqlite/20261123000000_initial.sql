-- A learner's progress in an exercise. `state` is JSON with no secret in it: the code
-- challenge, the authorization URL, SHA-256 digests of tokens, and the last verdicts.
CREATE TABLE progress (
    learner_id   TEXT    NOT NULL,
    exercise     TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    steps_passed INTEGER NOT NULL,
    completed    INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (learner_id, exercise)
);

-- A learner's application on the practice authorization server. Its client secret is
-- derived from client_id with the server key, so it is never stored.
CREATE TABLE practice_apps (
    learner_id             TEXT    PRIMARY KEY,
    client_id              TEXT    NOT NULL UNIQUE,
    refresh_tokens_enabled INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
