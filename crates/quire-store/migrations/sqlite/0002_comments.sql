-- Reader comments: who may see a pending comment (the guest's browser key), duplicate detection,
-- reply notifications; rate-limit buckets, background jobs and the site's own secret keys.

ALTER TABLE comments ADD COLUMN guest_key TEXT;       -- hash of the guest cookie's id; never the cookie itself
ALTER TABLE comments ADD COLUMN fingerprint TEXT;     -- normalised body hash, for duplicate detection
ALTER TABLE comments ADD COLUMN held_reason TEXT;     -- why the policy held it, for moderators
CREATE INDEX comments_fingerprint ON comments (post_id, fingerprint);
CREATE INDEX comments_guest ON comments (guest_key, created_at);
CREATE INDEX comments_email ON comments (author_email COLLATE NOCASE, status);

-- Secrets the site makes for itself on first start (form-token and cookie signing keys).
CREATE TABLE site_keys (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- Token buckets that hold across instances: `tokens` left as of `updated_at` (unix seconds).
CREATE TABLE rate_buckets (
    key        TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_at REAL NOT NULL
) STRICT;

-- Background work: email, image variants, scheduled publishing, imports.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,              -- JSON
    run_at      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    locked_by   TEXT,
    locked_until TEXT,
    done_at     TEXT,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX jobs_due ON jobs (done_at, run_at);

-- Readers who asked to hear of replies: confirmed by a double opt-in link before any mail.
CREATE TABLE comment_subscriptions (
    id           INTEGER PRIMARY KEY,
    post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    email        TEXT NOT NULL COLLATE NOCASE,
    token_hash   TEXT NOT NULL UNIQUE,       -- hash of the confirm/unsubscribe token sent by mail
    confirmed_at TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (post_id, email)
) STRICT;
