-- The built-in practice authorization server. Codes and tokens are stored as SHA-256
-- digests only; a token family is everything issued from one authorization code.

-- Signing keys are derived from the server key and a generation; only their metadata is here.
CREATE TABLE signing_keys (
    generation INTEGER PRIMARY KEY,
    kid        TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);

CREATE TABLE consents (
    learner_id TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (learner_id, client_id)
);

CREATE TABLE auth_codes (
    code_sha256    TEXT    PRIMARY KEY,
    client_id      TEXT    NOT NULL,
    learner_id     TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    scope          TEXT    NOT NULL,
    code_challenge TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);

CREATE TABLE tokens (
    token_sha256        TEXT    PRIMARY KEY,
    kind                TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    family              TEXT    NOT NULL,
    client_id           TEXT    NOT NULL,
    learner_id          TEXT    NOT NULL,
    scope               TEXT    NOT NULL,
    grant_type          TEXT    NOT NULL CHECK (grant_type IN ('authorization_code', 'refresh_token')),
    code_challenge      TEXT    NOT NULL,
    parent_sha256       TEXT,
    refresh_enabled     INTEGER NOT NULL,
    jti                 TEXT,
    issued_at           INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    used_at             INTEGER,
    revoked_at          INTEGER
);
CREATE INDEX tokens_by_family ON tokens (family);
