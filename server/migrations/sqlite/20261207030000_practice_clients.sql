-- Each learner's practice application gains two clients beside the confidential web
-- client: a public client (a single-page app: no secret, PKCE, CORS for its allowed
-- origins) and a service client (client credentials only, with a secret derived from its
-- id, never stored). NULL for applications made before: they get ids on first read.
ALTER TABLE practice_apps ADD COLUMN public_client_id TEXT;
ALTER TABLE practice_apps ADD COLUMN service_client_id TEXT;
CREATE UNIQUE INDEX practice_apps_by_public_client ON practice_apps (public_client_id);
CREATE UNIQUE INDEX practice_apps_by_service_client ON practice_apps (service_client_id);
-- The public client's allowed origins, once the learner edited them (until then, the
-- site's own origin): in order, at most 10 a learner. Indexed by origin, so a CORS
-- preflight (which cannot say which client it is for) is one indexed lookup.
ALTER TABLE practice_apps ADD COLUMN origins_edited INTEGER NOT NULL DEFAULT 0;
CREATE TABLE practice_app_origins (
    learner_id TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    origin     TEXT    NOT NULL,
    PRIMARY KEY (learner_id, position)
);
CREATE INDEX practice_app_origins_by_origin ON practice_app_origins (origin);

-- Tokens from the client credentials grant (RFC 6749 §4.4): the grant_type CHECK grows,
-- which SQLite can only do by rebuilding the table. Two more columns of the record: the
-- resource (RFC 8707) or audience the token request named, and the token's `aud`.
CREATE TABLE tokens_new (
    token_sha256        TEXT    PRIMARY KEY,
    kind                TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    family              TEXT    NOT NULL,
    client_id           TEXT    NOT NULL,
    learner_id          TEXT    NOT NULL,
    scope               TEXT    NOT NULL,
    grant_type          TEXT    NOT NULL
        CHECK (grant_type IN ('authorization_code', 'refresh_token', 'client_credentials')),
    code_challenge      TEXT    NOT NULL,
    parent_sha256       TEXT,
    refresh_enabled     INTEGER NOT NULL,
    jti                 TEXT,
    issued_at           INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    used_at             INTEGER,
    revoked_at          INTEGER,
    client_auth         TEXT,
    redirect_uri        TEXT,
    nonce_sha256        TEXT,
    granted_scope       TEXT,
    pkce_method         TEXT,
    code_reused         INTEGER NOT NULL DEFAULT 0,
    resource            TEXT,
    audience            TEXT
);
INSERT INTO tokens_new (token_sha256, kind, family, client_id, learner_id, scope, grant_type,
    code_challenge, parent_sha256, refresh_enabled, jti, issued_at, expires_at,
    absolute_expires_at, used_at, revoked_at, client_auth, redirect_uri, nonce_sha256,
    granted_scope, pkce_method, code_reused)
SELECT token_sha256, kind, family, client_id, learner_id, scope, grant_type,
    code_challenge, parent_sha256, refresh_enabled, jti, issued_at, expires_at,
    absolute_expires_at, used_at, revoked_at, client_auth, redirect_uri, nonce_sha256,
    granted_scope, pkce_method, code_reused
FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
CREATE INDEX tokens_by_family ON tokens (family);

-- The practice API's one-time receipts, by digest: which token made the call (its
-- digest) and how it was sent (header or query). Forgotten once expired.
CREATE TABLE receipts (
    receipt_sha256 TEXT    PRIMARY KEY,
    token_sha256   TEXT    NOT NULL,
    via            TEXT    NOT NULL CHECK (via IN ('header', 'query')),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);
CREATE INDEX receipts_by_expiry ON receipts (expires_at);
