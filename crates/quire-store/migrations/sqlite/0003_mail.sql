-- Mail: staff who turned off comment notifications, subscription look-ups by address (reader data
-- requests), and a marker per sent mail so that a job retried after sending never sends twice.

ALTER TABLE users ADD COLUMN comment_notifications INTEGER NOT NULL DEFAULT 1;  -- 0: the author unsubscribed

CREATE INDEX comment_subscriptions_email ON comment_subscriptions (email);

CREATE TABLE sent_mail (
    job_id     INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    sent_at    TEXT NOT NULL
) STRICT;
