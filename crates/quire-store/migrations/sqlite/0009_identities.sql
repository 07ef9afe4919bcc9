-- Sign-in with outside accounts (issue 5): identities from OpenID Connect / OAuth providers,
-- Mastodon instances and email links, each optionally linked to a staff account; comments keep the
-- identity that wrote them; one-time sign-in state (OAuth state, email links, stashed drafts);
-- providers an admin added in settings; Mastodon apps registered on the fly.

CREATE TABLE identities (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES users(id) ON DELETE CASCADE,   -- a staff account's way in, or NULL for a reader
    provider     TEXT NOT NULL,          -- provider id (`google`, `mastodon`, `email`, …)
    subject      TEXT NOT NULL,          -- the provider's stable id for the person (`sub`, `id@instance`, the address)
    display_name TEXT NOT NULL,
    email        TEXT,
    profile_url  TEXT,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    UNIQUE (provider, subject)
) STRICT;
CREATE INDEX identities_user ON identities (user_id);

ALTER TABLE comments ADD COLUMN identity_id INTEGER REFERENCES identities(id) ON DELETE SET NULL;
CREATE INDEX comments_identity ON comments (identity_id, status);

-- Short-lived, single-use rows: `id` is the SHA-256 (hex) of a secret only the browser or the
-- mail holds; `purpose` is `oauth` (state, nonce, PKCE verifier), `email` (sign-in link) or
-- `draft` (a comment's text kept across the trip to a provider).
CREATE TABLE auth_states (
    id         TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    payload    TEXT NOT NULL,          -- JSON
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX auth_states_expiry ON auth_states (expires_at);

-- Providers added by an admin in settings (beside those of quire.toml).
CREATE TABLE auth_providers (
    provider_id TEXT PRIMARY KEY,      -- not `id`: archive code takes `id` columns for integer keys
    config     TEXT NOT NULL,          -- JSON, the shape of one [[auth.providers]] entry
    updated_at TEXT NOT NULL
) STRICT;

-- Apps registered on Mastodon instances (POST /api/v1/apps), reused for every later sign-in.
CREATE TABLE mastodon_apps (
    instance      TEXT PRIMARY KEY,    -- lower-case host name
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
