-- The admin editor (issue 4, point 3): every save of a post keeps a revision of its text, and each
-- writer has one autosave slot per post that never overwrites the saved text.

-- A post's text as one save left it. `author_id` is who saved it.
CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title      TEXT NOT NULL,
    markdown   TEXT NOT NULL,
    excerpt    TEXT,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX revisions_post ON revisions (post_id, id DESC);

-- What a writer's editor sent on its own while they typed, one slot per post and writer.
CREATE TABLE autosaves (
    post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title    TEXT NOT NULL,
    markdown TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (post_id, user_id)
) STRICT;

-- The scheduled-publishing sweep looks for due posts by status and time.
CREATE INDEX posts_scheduled ON posts (status, published_at);
