-- The algorithm each practice application registered for its ID tokens
-- (id_token_signed_response_alg): RS256 unless the learner chose ES256.
ALTER TABLE practice_apps ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256'
    CHECK (id_token_alg IN ('RS256', 'ES256'));
