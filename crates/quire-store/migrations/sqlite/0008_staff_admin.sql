-- The admin's accounts and moderation screens (issue 4): one-time links sent by mail to set a
-- password (an invitation, or a reset). Only the keyed hash of each link's token is stored.

CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT                 -- set when the link was used: each works once
) STRICT;
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
