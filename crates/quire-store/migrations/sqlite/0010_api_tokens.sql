-- Application tokens for the JSON API (issue 4, point 10): one per client a staff member names,
-- kept as the SHA-256 (hex) of the secret that only the client holds; revoked, never deleted, so
-- the account page can show when a token stopped working.

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);
