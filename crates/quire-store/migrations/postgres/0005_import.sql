-- Imports from WordPress, Ghost and Quire archives (issue 7): what each source item became, so a
-- re-import creates nothing and an interrupted run resumes; sticky posts; pingbacks and trackbacks
-- kept apart from reader comments. Mirrors migrations/sqlite/0005.

CREATE TABLE import_items (
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    quire_id    BIGINT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);

ALTER TABLE posts ADD COLUMN sticky BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'comment'
    CHECK (kind IN ('comment', 'pingback', 'trackback'));
