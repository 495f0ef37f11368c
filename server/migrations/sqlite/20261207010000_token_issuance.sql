-- The rest of the record of how each token came to be (digests only, never a token):
-- the redirect URI and the digest of the OpenID Connect nonce of the authorization request
-- the family started from, the scope granted (`scope` holds the one asked for), and the
-- PKCE method. NULL for tokens issued before they were recorded.
ALTER TABLE tokens ADD COLUMN redirect_uri TEXT;
ALTER TABLE tokens ADD COLUMN nonce_sha256 TEXT;
ALTER TABLE tokens ADD COLUMN granted_scope TEXT;
ALTER TABLE tokens ADD COLUMN pkce_method TEXT;
-- The family's code was sent to the token endpoint more than once (which revoked the
-- family): told apart from a revocation for another reason. On the tokens, so it outlives
-- the family's mark; on the mark, so a token stored into the family later inherits it.
ALTER TABLE tokens ADD COLUMN code_reused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE revoked_families ADD COLUMN code_reused INTEGER NOT NULL DEFAULT 0;
