//! Inputs and outputs of the mail-related store calls: reply subscriptions (double opt-in) and
//! what a reader may ask to see or erase about their email address.

use quire_core::{Comment, PostId};
use serde::Serialize;
use time::OffsetDateTime;

use crate::NewJob;

/// A reader's wish to hear of new comments on a post.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    /// Id.
    pub id: i64,
    /// The post.
    pub post_id: PostId,
    /// Where to write.
    pub email: String,
    /// When the reader followed the confirmation link; until then no notification is sent.
    #[serde(with = "time::serde::rfc3339::option")]
    pub confirmed_at: Option<OffsetDateTime>,
    /// When it was asked for.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A subscription to record, unconfirmed.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// The post.
    pub post_id: PostId,
    /// Where to write.
    pub email: String,
    /// Hash of a random token (the confirmation mail mints the one it sends).
    pub token_hash: String,
    /// When it was asked for.
    pub created_at: OffsetDateTime,
    /// The confirmation mail, queued only when the subscription is new; `subscription_id` is added
    /// to its payload (an object).
    pub confirm_job: NewJob,
}

/// A comment as stored, with what a reader's data export must also show.
#[derive(Debug, Clone, Serialize)]
pub struct ReaderComment {
    /// The comment.
    #[serde(flatten)]
    pub comment: Comment,
    /// Title of its post.
    pub post_title: String,
    /// Keyed hash of the address it was sent from.
    pub ip_hash: Option<String>,
    /// The browser's user agent, cut short.
    pub user_agent: Option<String>,
}

/// Everything stored about one email address.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReaderData {
    /// Comments given with that address, oldest first.
    pub comments: Vec<ReaderComment>,
    /// Subscriptions of that address.
    pub subscriptions: Vec<Subscription>,
}

impl ReaderData {
    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty() && self.subscriptions.is_empty()
    }
}

/// What an erased comment that still has replies shows in its place.
#[derive(Debug, Clone)]
pub struct Tombstone {
    /// Name shown instead of the commenter's.
    pub name: String,
    /// Body shown instead of theirs (Markdown).
    pub markdown: String,
    /// The same, rendered.
    pub html: String,
}

/// What an erasure did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// Comments removed outright (they had no replies).
    pub removed: u64,
    /// Comments kept as tombstones so their replies keep their place.
    pub anonymised: u64,
    /// Subscriptions removed.
    pub subscriptions: u64,
}
