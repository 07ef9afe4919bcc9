-- Staff sign-in: sessions held in the database (so every instance knows them and "sign out
-- everywhere" is one DELETE), and when each password last changed. Mirrors migrations/sqlite/0004.

ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMPTZ;

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,     -- SHA-256 (hex) of the cookie's random secret; never the secret
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL, -- slides forward with use, never past the absolute lifetime
    user_agent   TEXT,
    ip_hash      TEXT                  -- keyed hash of the address signed in from
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
