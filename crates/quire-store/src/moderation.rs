//! Comments as moderators see them: every status, filtered by post, author and text, with the
//! counts per status; status changes, edits and permanent deletion in bulk. Every change bumps
//! the content version, so the public pages follow at once.

use quire_core::{Comment, CommentId, CommentStatus, Page, Paged, PostId, UserId};
use time::OffsetDateTime;

use crate::{Store, StoreError};

/// Which comments the moderation queue shows. Text filters match case-insensitively as substrings.
#[derive(Debug, Clone, Default)]
pub struct ModerationFilter {
    /// Only this status (all when `None`).
    pub status: Option<CommentStatus>,
    /// Only comments on this post.
    pub post: Option<PostId>,
    /// Only comments on posts written by this account (for roles that moderate their own only).
    pub post_author: Option<UserId>,
    /// Name or email of the commenter contains this.
    pub author: Option<String>,
    /// Text, name or email contains this.
    pub search: Option<String>,
}

/// A comment in the moderation queue, with what a moderator needs beside it.
#[derive(Debug, Clone)]
pub struct ModeratedComment {
    /// The comment.
    pub comment: Comment,
    /// Title of its post.
    pub post_title: String,
    /// Author of its post.
    pub post_author: UserId,
    /// Keyed hash of the sender's address.
    pub ip_hash: Option<String>,
    /// Why the policy held it.
    pub held_reason: Option<String>,
    /// Last edited.
    pub edited_at: Option<OffsetDateTime>,
}

/// How many comments each status holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatusCounts {
    /// Waiting for a moderator.
    pub pending: u64,
    /// Visible.
    pub approved: u64,
    /// Judged spam.
    pub spam: u64,
    /// In the trash.
    pub trash: u64,
}

impl StatusCounts {
    /// Adds `n` to the count of `status`.
    pub fn add(&mut self, status: CommentStatus, n: u64) {
        match status {
            CommentStatus::Pending => self.pending += n,
            CommentStatus::Approved => self.approved += n,
            CommentStatus::Spam => self.spam += n,
            CommentStatus::Trash => self.trash += n,
        }
    }
}

/// A post that has comments, for the queue's post filter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommentedPost {
    /// The post.
    pub id: PostId,
    /// Its title.
    pub title: String,
    /// Its comments, any status.
    pub comments: u64,
}

impl Store {
    /// One page of comments matching `filter`, newest first.
    pub async fn moderation_queue(
        &self,
        filter: &ModerationFilter,
        page: Page,
    ) -> Result<Paged<ModeratedComment>, StoreError> {
        dispatch!(self, s => s.moderation_queue(filter, page).await)
    }

    /// Counts per status of the comments matching `filter` but its status.
    pub async fn moderation_counts(&self, filter: &ModerationFilter) -> Result<StatusCounts, StoreError> {
        dispatch!(self, s => s.moderation_counts(filter).await)
    }

    /// Comments of `ids` with their post's author (to check who may moderate them).
    pub async fn moderated_comments(&self, ids: &[CommentId]) -> Result<Vec<ModeratedComment>, StoreError> {
        dispatch!(self, s => s.moderated_comments(ids).await)
    }

    /// Posts with comments (limited to `post_author`'s when given), in title order.
    pub async fn commented_posts(&self, post_author: Option<UserId>) -> Result<Vec<CommentedPost>, StoreError> {
        dispatch!(self, s => s.commented_posts(post_author).await)
    }

    /// Moves the comments of `ids` that are in one of `from` to `to`; returns those that moved,
    /// with the status each had.
    pub async fn set_comments_status(
        &self,
        ids: &[CommentId],
        from: &[CommentStatus],
        to: CommentStatus,
    ) -> Result<Vec<(CommentId, CommentStatus)>, StoreError> {
        dispatch!(self, s => s.set_comments_status(ids, from, to).await)
    }

    /// Deletes for good the comments of `ids` that are spam or in the trash; replies to them
    /// keep their place in the thread. Returns how many went.
    pub async fn delete_comments(&self, ids: &[CommentId]) -> Result<u64, StoreError> {
        dispatch!(self, s => s.delete_comments(ids).await)
    }

    /// Replaces a comment's text (a moderator's edit); false when there is no such comment.
    pub async fn edit_comment(
        &self,
        id: CommentId,
        markdown: &str,
        html: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.edit_comment(id, markdown, html, at).await)
    }
}
