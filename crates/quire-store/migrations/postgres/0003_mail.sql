-- Mail: staff who turned off comment notifications, subscription look-ups by address (reader data
-- requests), and a marker per sent mail so that a job retried after sending never sends twice.
-- Mirrors migrations/sqlite/0003.

ALTER TABLE users ADD COLUMN comment_notifications BOOLEAN NOT NULL DEFAULT TRUE;  -- false: the author unsubscribed

-- Addresses match whatever their case (SQLite: the column is COLLATE NOCASE); lookups use lower(email).
CREATE INDEX comment_subscriptions_email ON comment_subscriptions (lower(email));

CREATE TABLE sent_mail (
    job_id     BIGINT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL
);
