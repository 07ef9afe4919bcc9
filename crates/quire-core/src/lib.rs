//! Quire's domain: the nouns (posts, terms, comments, users, media) and the rules that hold for
//! them whatever stores or serves them. No I/O lives here.

pub mod comment;
pub mod ids;
pub mod paging;
pub mod permalink;
pub mod permission;
pub mod policy;
pub mod post;
pub mod search;
pub mod slug;
pub mod user;

pub use comment::{Comment, CommentKind, CommentStatus, ThreadPath};
pub use ids::{CommentId, MediaId, PostId, TermId, UserId};
pub use paging::{Page, Paged};
pub use permalink::{PermalinkError, PermalinkMatch, PermalinkPattern};
pub use permission::{Action, Ownership};
pub use post::{Discussion, Media, MediaVariant, Post, PostKind, PostStatus, ReviewedItem, Term, TermKind};
pub use search::{SearchQuery, SearchTerm};
pub use user::{Email, Role, User};

/// A value that did not parse into a domain type; the message names what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
