-- The authorization server a learner set up instead of the built-in one (their Okta,
-- Auth0 or Keycloak), and their last attempt to set one up. `choice` is JSON with no
-- secret in it: the issuer, its endpoints, a client id and redirect URI, findings.
CREATE TABLE learner_servers (
    learner_id TEXT    PRIMARY KEY,
    choice     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
