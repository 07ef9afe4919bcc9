//! Inputs and outputs of store calls that are not domain types themselves.

use quire_core::{
    CommentId, CommentStatus, Discussion, Email, MediaId, Post, PostId, PostKind, PostStatus, Role, TermId, TermKind,
    User, UserId,
};
use serde::Serialize;
use time::OffsetDateTime;

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Author-archive slug.
    pub slug: String,
    /// What the account may do.
    pub role: Role,
    /// Argon2id PHC string, or none for accounts that cannot sign in with a password yet.
    pub password_hash: Option<String>,
    /// Short biography.
    pub bio: Option<String>,
}

/// A term to attach to a new post: found by slug, created when missing.
#[derive(Debug, Clone)]
pub struct TermRef {
    /// Category or tag.
    pub kind: TermKind,
    /// Slug to look up.
    pub slug: String,
    /// Name to give it if it has to be created.
    pub name: String,
}

/// A post or page to create, already rendered.
#[derive(Debug, Clone)]
pub struct NewPost {
    /// Post or page.
    pub kind: PostKind,
    /// Life-cycle state.
    pub status: PostStatus,
    /// URL slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Markdown source.
    pub markdown: String,
    /// Sanitised HTML.
    pub html: String,
    /// Plain text of the body.
    pub text: String,
    /// Words in the body.
    pub word_count: u32,
    /// Hand-written excerpt.
    pub excerpt: Option<String>,
    /// Warning banner.
    pub content_warning: Option<String>,
    /// Featured image.
    pub featured_media_id: Option<MediaId>,
    /// Writer.
    pub author_id: UserId,
    /// Publication time.
    pub published_at: Option<OffsetDateTime>,
    /// Whether readers may comment.
    pub discussion: Discussion,
    /// Categories and tags, in display order.
    pub terms: Vec<TermRef>,
    /// The work reviewed, if any.
    pub reviewed_item: Option<quire_core::ReviewedItem>,
}

/// Which public posts to list.
#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    /// Only posts with this term.
    pub term: Option<TermId>,
    /// Only posts by this author.
    pub author: Option<UserId>,
    /// Only posts published in this half-open time range.
    pub published_between: Option<(OffsetDateTime, OffsetDateTime)>,
    /// The reader's "now": posts scheduled after it are not public yet.
    pub now: Option<OffsetDateTime>,
}

/// A post's neighbours in the public stream.
#[derive(Debug, Clone, Default)]
pub struct Adjacent {
    /// The next older public post.
    pub previous: Option<Post>,
    /// The next newer public post.
    pub next: Option<Post>,
}

/// A month with public posts.
#[derive(Debug, Clone, Serialize)]
pub struct MonthCount {
    /// Year.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Public posts in that month.
    pub count: u64,
}

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The matching post or page.
    pub post: Post,
    /// Plain-text snippet with matches wrapped in [`SNIPPET_MARK_START`]/[`SNIPPET_MARK_END`].
    pub snippet: String,
}

/// Marks the start of a match in a [`SearchHit::snippet`]; a control character no text contains.
pub const SNIPPET_MARK_START: char = '\u{2}';
/// Marks the end of a match in a [`SearchHit::snippet`].
pub const SNIPPET_MARK_END: char = '\u{3}';

/// A media item to record.
#[derive(Debug, Clone)]
pub struct NewMedia {
    /// Key in the media store.
    pub storage_key: String,
    /// Sniffed MIME type.
    pub mime: String,
    /// Size in bytes.
    pub bytes: i64,
    /// Pixel width.
    pub width: Option<u32>,
    /// Pixel height.
    pub height: Option<u32>,
    /// Alternative text.
    pub alt: String,
    /// Caption.
    pub caption: Option<String>,
    /// Credit line.
    pub credit: Option<String>,
    /// Licence.
    pub licence: Option<String>,
    /// Uploader.
    pub uploaded_by: Option<UserId>,
}

/// A comment to store, already rendered and judged.
#[derive(Debug, Clone)]
pub struct NewComment {
    /// The post.
    pub post_id: PostId,
    /// The comment replied to (must belong to the same post).
    pub parent_id: Option<CommentId>,
    /// Commenter's name.
    pub author_name: String,
    /// Commenter's email.
    pub author_email: Option<String>,
    /// Commenter's website.
    pub author_url: Option<String>,
    /// Signed-in staff author.
    pub user_id: Option<UserId>,
    /// Markdown source.
    pub markdown: String,
    /// Sanitised HTML.
    pub html: String,
    /// Moderation state.
    pub status: CommentStatus,
    /// When it was posted.
    pub created_at: OffsetDateTime,
    /// Replies nested deeper than this attach to the deepest allowed ancestor.
    pub max_depth: usize,
    /// Hash of the guest cookie's id, so the guest can see and edit their own pending comment.
    pub guest_key: Option<String>,
    /// Normalised body hash for duplicate detection.
    pub fingerprint: Option<String>,
    /// Keyed hash of the commenter's IP address (never the address itself).
    pub ip_hash: Option<String>,
    /// The commenter's user agent, cut short.
    pub user_agent: Option<String>,
    /// Why the policy held it, for moderators.
    pub held_reason: Option<String>,
    /// Buckets to take one token from, in the same transaction; an empty one refuses the comment.
    pub rate_limits: Vec<RateLimit>,
    /// Background jobs to queue with the comment (notifications), in the same transaction.
    pub jobs: Vec<NewJob>,
}

/// A guest's new text for their own comment (see [`Store::edit_guest_comment`](crate::Store::edit_guest_comment)).
#[derive(Debug, Clone, Copy)]
pub struct GuestEdit<'a> {
    /// New Markdown source.
    pub markdown: &'a str,
    /// New sanitised HTML.
    pub html: &'a str,
    /// New duplicate-detection fingerprint.
    pub fingerprint: &'a str,
    /// Why the new text waits for a moderator; `Some` sends an approved comment back to pending, so
    /// an edit cannot slip past moderation what a new comment could not.
    pub held_reason: Option<&'a str>,
}

/// Whose earlier comments to look for.
#[derive(Debug, Clone)]
pub enum CommenterKey {
    /// A guest browser (hash of its cookie id): proof of being the same commenter.
    Guest(String),
    /// A typed email address: a claim, not a proof.
    Email(String),
}

/// A token bucket: `capacity` tokens, refilled at `capacity` per `per_seconds`.
#[derive(Debug, Clone)]
pub struct RateLimit {
    /// Bucket name, e.g. `comment:ip:203.0.113.7`.
    pub key: String,
    /// Largest burst.
    pub capacity: f64,
    /// Seconds to refill the whole bucket.
    pub per_seconds: f64,
}

/// Work to do in the background.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What kind of work, e.g. `mail.reply`.
    pub kind: String,
    /// Its input, as JSON.
    pub payload: serde_json::Value,
    /// Earliest time to run it.
    pub run_at: OffsetDateTime,
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Input.
    pub payload: serde_json::Value,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// What signing in needs to know about an account besides the account itself.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Argon2id PHC string; `None` for accounts that cannot sign in with a password.
    pub password_hash: Option<String>,
    /// False once the account was deactivated: it can no longer sign in.
    pub active: bool,
    /// When the password last changed (`None`: never since the account was made).
    pub password_changed_at: Option<OffsetDateTime>,
}

/// A staff session to record; `id` is the hash of the cookie's secret, never the secret.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Hash of the cookie secret.
    pub id: String,
    /// Whose session.
    pub user_id: UserId,
    /// When it was made (also its first "last seen").
    pub created_at: OffsetDateTime,
    /// When it lapses unless used.
    pub expires_at: OffsetDateTime,
    /// The browser's user agent, cut short.
    pub user_agent: Option<String>,
    /// Keyed hash of the address it was made from.
    pub ip_hash: Option<String>,
}

/// A stored staff session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Hash of the cookie secret.
    pub id: String,
    /// Whose session.
    pub user_id: UserId,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// Last request that used it (updated at most every so often).
    pub last_seen_at: OffsetDateTime,
    /// When it lapses unless used again.
    pub expires_at: OffsetDateTime,
    /// The browser's user agent.
    pub user_agent: Option<String>,
    /// Keyed hash of the address it was made from.
    pub ip_hash: Option<String>,
}

/// Names one item of an import source, so that importing it again finds what it became.
#[derive(Debug, Clone, Copy)]
pub struct SourceKey<'a> {
    /// The site it came from, e.g. `wordpress:https://example.com`.
    pub source: &'a str,
    /// The sort of item: `author`, `term`, `post`, `media`, `comment`.
    pub kind: &'a str,
    /// Its id at the source.
    pub id: &'a str,
}

/// What an import call did: made a new row, or found the one an earlier run (or the site) had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported<T> {
    /// A new row.
    Created(T),
    /// The row an earlier import (or an existing account or term of the same name) made.
    Existing(T),
}

impl<T: Copy> Imported<T> {
    /// The id, whichever way it came.
    pub fn id(&self) -> T {
        match self {
            Imported::Created(id) | Imported::Existing(id) => *id,
        }
    }

    /// Whether the call made a new row.
    pub fn is_created(&self) -> bool {
        matches!(self, Imported::Created(_))
    }
}

/// A category or tag to import, with its place in the hierarchy.
#[derive(Debug, Clone)]
pub struct ImportTerm {
    /// Category or tag.
    pub kind: TermKind,
    /// Slug (an existing term with it is reused).
    pub slug: String,
    /// Name.
    pub name: String,
    /// Parent category, already imported.
    pub parent_id: Option<quire_core::TermId>,
    /// Description.
    pub description: Option<String>,
}

/// A post or page to import whole, with its comments and old addresses, in one transaction.
#[derive(Debug, Clone)]
pub struct ImportPost {
    /// The post itself (its slug must be free).
    pub post: NewPost,
    /// Password of a protected post.
    pub password: Option<String>,
    /// Kept at the top of the home page.
    pub sticky: bool,
    /// When it was first written at the source (now when unknown).
    pub created_at: Option<OffsetDateTime>,
    /// When it was last changed at the source (its creation when unknown).
    pub updated_at: Option<OffsetDateTime>,
    /// Its comments, each parent before its replies.
    pub comments: Vec<ImportComment>,
    /// Old paths that should answer 301 to the new one: (from, to).
    pub redirects: Vec<(String, String)>,
}

/// A comment of an imported post.
#[derive(Debug, Clone)]
pub struct ImportComment {
    /// Its id at the source (recorded so a re-import finds it).
    pub source_id: String,
    /// Index of its parent in [`ImportPost::comments`] (always an earlier one).
    pub parent: Option<usize>,
    /// Commenter's name.
    pub author_name: String,
    /// Commenter's email.
    pub author_email: Option<String>,
    /// Commenter's website.
    pub author_url: Option<String>,
    /// Staff account that wrote it.
    pub user_id: Option<UserId>,
    /// Markdown source.
    pub markdown: String,
    /// Sanitised HTML.
    pub html: String,
    /// Moderation state.
    pub status: CommentStatus,
    /// Reader comment, pingback or trackback.
    pub kind: quire_core::CommentKind,
    /// When it was posted.
    pub created_at: OffsetDateTime,
}
