-- Token families revoked because a code or refresh token was replayed. A token issued
-- into such a family afterwards (by the redemption the replay raced) is born revoked.
CREATE TABLE revoked_families (
    family     TEXT    PRIMARY KEY,
    revoked_at INTEGER NOT NULL
);
