//! Readers' comments and the materialised path that keeps threads together in order.

use serde::Serialize;
use time::OffsetDateTime;

use crate::post::string_enum;
use crate::{CommentId, ParseError, PostId, UserId};

string_enum!(
    /// Moderation state of a comment.
    CommentStatus {
        /// Held for a moderator.
        Pending => "pending",
        /// Visible to everyone.
        Approved => "approved",
        /// Judged spam; kept for review, never shown.
        Spam => "spam",
        /// Deleted but restorable.
        Trash => "trash",
    }
);

string_enum!(
    /// What sort of response a comment is: a reader's words, or a notice that another site linked here.
    CommentKind {
        /// Written by a reader.
        Comment => "comment",
        /// A pingback from another blog.
        Pingback => "pingback",
        /// A trackback from another blog.
        Trackback => "trackback",
    }
);

/// A comment as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// Its id; the anchor is `#comment-{id}`.
    pub id: CommentId,
    /// The post it belongs to.
    pub post_id: PostId,
    /// The comment it replies to.
    pub parent_id: Option<CommentId>,
    /// Thread position, see [`ThreadPath`].
    pub path: String,
    /// Name the commenter gave.
    pub author_name: String,
    /// Email the commenter gave (never published).
    pub author_email: Option<String>,
    /// Website the commenter gave.
    pub author_url: Option<String>,
    /// The staff account that wrote it, if signed in.
    pub user_id: Option<UserId>,
    /// Markdown source.
    pub markdown: String,
    /// Sanitised HTML.
    pub html: String,
    /// Moderation state.
    pub status: CommentStatus,
    /// Posted.
    pub created_at: OffsetDateTime,
    /// Reader comment, pingback or trackback.
    pub kind: CommentKind,
}

impl Comment {
    /// Nesting depth: 0 for a top-level comment.
    pub fn depth(&self) -> usize {
        ThreadPath(self.path.clone()).depth()
    }
}

/// Materialised path `0000024.0000027`: each segment a zero-padded comment id of an ancestor or of
/// the comment itself, so that sorting by path gives threads oldest-first with replies under their
/// parents, in one indexed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPath(pub String);

impl ThreadPath {
    /// Characters of one segment (a zero-padded comment id); a thread's root path is one segment.
    pub const SEGMENT_LEN: usize = 10;
    const WIDTH: usize = Self::SEGMENT_LEN;

    /// The path of the thread's top-level comment.
    pub fn root(&self) -> &str {
        self.0.split('.').next().unwrap_or_default()
    }

    /// The path of a comment with `id` under `parent` (or at the top level).
    pub fn child_of(parent: Option<&ThreadPath>, id: CommentId) -> ThreadPath {
        let segment = format!("{:0width$}", id.0, width = Self::WIDTH);
        match parent {
            Some(p) => ThreadPath(format!("{}.{segment}", p.0)),
            None => ThreadPath(segment),
        }
    }

    /// Depth: 0 for a top-level comment.
    pub fn depth(&self) -> usize {
        self.0.matches('.').count()
    }

    /// The path of the ancestor at `depth` (itself when shallower), used to attach replies beyond
    /// the maximum depth to the deepest allowed ancestor.
    pub fn truncated_to_depth(&self, depth: usize) -> ThreadPath {
        ThreadPath(self.0.split('.').take(depth + 1).collect::<Vec<_>>().join("."))
    }

    /// The id of the comment this path ends with.
    pub fn last_id(&self) -> Option<CommentId> {
        self.0.rsplit('.').next().and_then(|s| s.parse::<i64>().ok()).map(CommentId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_sort_threads_together_oldest_first() {
        let a = ThreadPath::child_of(None, CommentId(2));
        let a1 = ThreadPath::child_of(Some(&a), CommentId(30));
        let b = ThreadPath::child_of(None, CommentId(10));
        let mut paths = vec![b.0.clone(), a1.0.clone(), a.0.clone()];
        paths.sort();
        assert_eq!(paths, vec![a.0, a1.0, b.0]);
    }

    #[test]
    fn truncation_keeps_the_deepest_allowed_ancestor() {
        let p = ThreadPath("0000000001.0000000002.0000000003".into());
        assert_eq!(p.depth(), 2);
        assert_eq!(p.truncated_to_depth(1).last_id(), Some(CommentId(2)));
        assert_eq!(p.truncated_to_depth(9), p);
    }
}
