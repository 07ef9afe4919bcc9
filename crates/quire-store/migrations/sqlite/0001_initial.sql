-- Quire's first schema on SQLite. Timestamps are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' so that
-- they sort as text; booleans are 0/1.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
-- Bumped by every write that changes what readers see; the page cache is keyed by it.
INSERT INTO meta (key, value) VALUES ('content_version', 1);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor')),
    password_hash TEXT,
    bio           TEXT,
    created_at    TEXT NOT NULL,
    deactivated_at TEXT
) STRICT;

CREATE TABLE media (
    id          INTEGER PRIMARY KEY,
    storage_key TEXT NOT NULL UNIQUE,
    mime        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    width       INTEGER,
    height      INTEGER,
    alt         TEXT NOT NULL DEFAULT '',
    caption     TEXT,
    credit      TEXT,
    licence     TEXT,
    variants    TEXT NOT NULL DEFAULT '[]',
    uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE posts (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('post', 'page')),
    status            TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'scheduled', 'published', 'private', 'trash')),
    slug              TEXT NOT NULL,
    title             TEXT NOT NULL,
    markdown          TEXT NOT NULL,
    html              TEXT NOT NULL,
    text              TEXT NOT NULL,
    excerpt           TEXT,
    content_warning   TEXT,
    featured_media_id INTEGER REFERENCES media(id) ON DELETE SET NULL,
    author_id         INTEGER NOT NULL REFERENCES users(id),
    published_at      TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    comment_status    TEXT NOT NULL DEFAULT 'open' CHECK (comment_status IN ('open', 'closed')),
    password          TEXT,
    word_count        INTEGER NOT NULL DEFAULT 0,
    -- What the post reviews (JSON {kind, name, author, year}), for schema.org Review markup.
    reviewed_item     TEXT,
    UNIQUE (kind, slug)
) STRICT;
CREATE INDEX posts_public ON posts (kind, status, published_at DESC, id DESC);
CREATE INDEX posts_author ON posts (author_id, published_at DESC);

CREATE TABLE terms (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('category', 'tag')),
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES terms(id) ON DELETE SET NULL,
    description TEXT,
    UNIQUE (kind, slug)
) STRICT;

CREATE TABLE post_terms (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    term_id INTEGER NOT NULL REFERENCES terms(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (post_id, term_id)
) STRICT;
CREATE INDEX post_terms_term ON post_terms (term_id, post_id);

CREATE TABLE comments (
    id           INTEGER PRIMARY KEY,
    post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    parent_id    INTEGER REFERENCES comments(id) ON DELETE SET NULL,
    path         TEXT NOT NULL,
    author_name  TEXT NOT NULL,
    author_email TEXT,
    author_url   TEXT,
    user_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    ip_hash      TEXT,
    user_agent   TEXT,
    markdown     TEXT NOT NULL,
    html         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    created_at   TEXT NOT NULL,
    edited_at    TEXT
) STRICT;
CREATE INDEX comments_thread ON comments (post_id, status, path);
CREATE INDEX comments_recent ON comments (status, created_at DESC);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE redirects (
    from_path TEXT PRIMARY KEY,
    to_path   TEXT NOT NULL,
    status    INTEGER NOT NULL DEFAULT 301
) STRICT;

-- Full-text index of published posts and pages; rowid = posts.id. Maintained by the store in the
-- same transaction as the post, so it never disagrees with it.
CREATE VIRTUAL TABLE post_search USING fts5 (
    title, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
