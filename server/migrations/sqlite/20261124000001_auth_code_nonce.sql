-- The OpenID Connect nonce of the authorization request, echoed in the ID token.
ALTER TABLE auth_codes ADD COLUMN nonce TEXT;
