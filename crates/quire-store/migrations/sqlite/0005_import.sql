-- Imports from WordPress, Ghost and Quire archives (issue 7): what each source item became, so a
-- re-import creates nothing and an interrupted run resumes; sticky posts; pingbacks and trackbacks
-- kept apart from reader comments.

-- One row per imported source item: `source` names the site it came from (e.g.
-- `wordpress:https://example.com`), `kind` the sort of item (`author`, `term`, `post`, `media`,
-- `comment`), `source_id` its id there; `quire_id` is the row it became here.
CREATE TABLE import_items (
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    quire_id    INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (source, kind, source_id)
) STRICT;

ALTER TABLE posts ADD COLUMN sticky INTEGER NOT NULL DEFAULT 0 CHECK (sticky IN (0, 1));
ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'comment'
    CHECK (kind IN ('comment', 'pingback', 'trackback'));
