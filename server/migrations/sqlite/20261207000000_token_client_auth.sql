-- How the client authenticated at the token endpoint when it got each token
-- (client_secret_basic or client_secret_post): part of the record of how a token came to be.
-- NULL for tokens issued before it was recorded.
ALTER TABLE tokens ADD COLUMN client_auth TEXT;
