//! Persistence for Quire: one [`Store`] API speaking the domain, over SQLite (embedded default)
//! and PostgreSQL (several instances over one database). SQL never leaves this crate; every write
//! that changes what readers see bumps the content version in the same transaction.

mod copy;
mod error;
mod mail;
mod model;
mod postgres;
mod sqlite;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
mod timestamp;

pub use copy::{CopiedTable, copy_site};
pub use error::StoreError;
pub use mail::*;
pub use model::*;
pub use postgres::{PgStore, VERSION_CHANNEL, VersionListener};
pub use sqlite::SqliteStore;

use quire_core::{
    Comment, CommentId, Media, MediaId, Page, Paged, Post, PostId, PostKind, SearchQuery, Term, TermId, TermKind, User,
    UserId,
};

/// The database behind a site.
#[derive(Clone)]
pub enum Store {
    /// An embedded SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database, possibly shared by several instances.
    Postgres(PgStore),
}

/// Forwards a call to whichever backend the store holds.
macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Sqlite($s) => $call,
            Store::Postgres($s) => $call,
        }
    };
}
// Declared after `dispatch!` so that their `impl Store` blocks can use it.
mod backup;
mod moderation;
mod staff;
pub use backup::*;
pub use moderation::*;
pub use staff::*;

// After the macro, so that the module's `impl Store` can use it.
mod editing;
pub use editing::*;

// After the macro, which it uses.
mod identities;
pub use identities::*;

// After `dispatch!`, which it uses.
mod media_library;
pub use media_library::MediaDetails;

// After `dispatch!`, which it uses.
mod api_tokens;
pub use api_tokens::{ApiToken, NewApiToken};

impl Store {
    /// Opens the database named by `url`: `postgres://…` (or `postgresql://…`), else `sqlite://path`
    /// or a bare path, creating a SQLite file when missing. Does not migrate.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Store::Postgres(PgStore::connect(url).await?));
        }
        Ok(Store::Sqlite(SqliteStore::connect(url).await?))
    }

    /// Opens the database at `url`, with a read replica at `read_url` for reads that may lag
    /// (PostgreSQL only; see [`Store::for_reading`]).
    pub async fn connect_with_replica(url: &str, read_url: Option<&str>) -> Result<Store, StoreError> {
        let Some(read_url) = read_url else { return Store::connect(url).await };
        let is_pg = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
        if !is_pg(url) || !is_pg(read_url) {
            return Err(StoreError::Setup("a read replica needs PostgreSQL for both database URLs".into()));
        }
        Ok(Store::Postgres(PgStore::connect_with_replica(url, read_url).await?))
    }

    /// The store to use for a read that may be served by the read replica: the replica when it
    /// has replayed every write up to `min_version` (the content version the reader's page is
    /// rendered for, so a page cached under that version is never older than it), else the primary.
    /// Only reads may go through the returned store: a replica refuses writes.
    pub async fn for_reading(&self, min_version: u64) -> Store {
        match self {
            Store::Postgres(pg) => match pg.caught_up_replica(min_version).await {
                Some(replica) => Store::Postgres(replica),
                None => self.clone(),
            },
            Store::Sqlite(_) => self.clone(),
        }
    }

    /// Which backend this is, for logs and diagnostics: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Subscribes to content-version bumps committed by any instance over the same database.
    /// `None` on SQLite: one process owns the file, and it knows its own writes.
    pub async fn listen_versions(&self) -> Result<Option<VersionListener>, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(s) => Ok(Some(s.listen_versions().await?)),
        }
    }

    /// Brings the schema up to date; refuses a database migrated by a newer Quire.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.migrate().await)
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.ping().await)
    }

    /// Closes connections, waiting for in-flight statements.
    pub async fn close(&self) {
        dispatch!(self, s => s.close().await)
    }

    /// The current content version; it grows with every reader-visible write.
    pub async fn content_version(&self) -> Result<u64, StoreError> {
        dispatch!(self, s => s.content_version().await)
    }

    /// Whether the site holds no posts yet (a fresh database, ready for the demo).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        dispatch!(self, s => s.is_empty().await)
    }

    // --- users -------------------------------------------------------------------------------

    /// Creates a staff account.
    pub async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        dispatch!(self, s => s.create_user(user).await)
    }

    /// A staff account by id.
    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        dispatch!(self, s => s.user(id).await)
    }

    /// A staff account by its author-archive slug.
    pub async fn user_by_slug(&self, slug: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self, s => s.user_by_slug(slug).await)
    }

    /// A staff account by email (case-insensitive).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        dispatch!(self, s => s.user_by_email(email).await)
    }

    /// Number of staff accounts.
    pub async fn count_users(&self) -> Result<u64, StoreError> {
        dispatch!(self, s => s.count_users().await)
    }

    /// Number of staff accounts that can sign in with a password.
    pub async fn count_users_with_password(&self) -> Result<u64, StoreError> {
        dispatch!(self, s => s.count_users_with_password().await)
    }

    /// Creates the site's first account that can sign in, atomically: `None` (and nothing written)
    /// when an account with a password exists already, so a set-up page raced twice makes one admin.
    /// Accounts without a password (the demo's writer, imported authors) do not count.
    pub async fn create_first_user(&self, user: &NewUser) -> Result<Option<User>, StoreError> {
        dispatch!(self, s => s.create_first_user(user).await)
    }

    /// An account with its password hash and state, by email (case-insensitive), for signing in.
    pub async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        dispatch!(self, s => s.credentials_by_email(email).await)
    }

    /// An account with its password hash and state, by id (to check a current password).
    pub async fn credentials(&self, id: UserId) -> Result<Option<Credentials>, StoreError> {
        dispatch!(self, s => s.credentials(id).await)
    }

    /// Replaces an account's password hash; false when there is no such account.
    pub async fn set_password(&self, id: UserId, hash: &str, at: time::OffsetDateTime) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_password(id, hash, at).await)
    }

    /// Deactivates an account at `at` (it can no longer sign in, its sessions stop working) or,
    /// with `None`, reactivates it; false when there is no such account.
    pub async fn set_user_deactivated(&self, id: UserId, at: Option<time::OffsetDateTime>) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_user_deactivated(id, at).await)
    }

    // --- sessions ----------------------------------------------------------------------------

    /// Records a staff session.
    pub async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        dispatch!(self, s => s.create_session(session).await)
    }

    /// A live session by id (the hash of its secret) with its account; `None` when unknown,
    /// expired at `now`, or the account is deactivated.
    pub async fn session(&self, id: &str, now: time::OffsetDateTime) -> Result<Option<(Session, User)>, StoreError> {
        dispatch!(self, s => s.session(id, now).await)
    }

    /// Marks a live session used at `now` and moves its expiry (sliding expiry).
    pub async fn touch_session(
        &self,
        id: &str,
        now: time::OffsetDateTime,
        expires_at: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.touch_session(id, now, expires_at).await)
    }

    /// Ends one session; false when it did not exist.
    pub async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        dispatch!(self, s => s.delete_session(id).await)
    }

    /// Ends every session of an account but `except` (sign out everywhere, password change);
    /// returns how many ended.
    pub async fn delete_sessions_of(&self, user: UserId, except: Option<&str>) -> Result<u64, StoreError> {
        dispatch!(self, s => s.delete_sessions_of(user, except).await)
    }

    /// An account's live sessions, most recently used first.
    pub async fn sessions_of(&self, user: UserId, now: time::OffsetDateTime) -> Result<Vec<Session>, StoreError> {
        dispatch!(self, s => s.sessions_of(user, now).await)
    }

    /// Forgets sessions that lapsed before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: time::OffsetDateTime) -> Result<u64, StoreError> {
        dispatch!(self, s => s.delete_expired_sessions(now).await)
    }

    // --- rate limits -------------------------------------------------------------------------

    /// Seconds until every bucket of `limits` holds a token again, or `None` when all do now.
    /// Reads only: for limits on failures, checked before the attempt and spent after it fails.
    pub async fn rate_limit_wait(
        &self,
        limits: &[RateLimit],
        now: time::OffsetDateTime,
    ) -> Result<Option<u32>, StoreError> {
        dispatch!(self, s => s.rate_limit_wait(limits, now).await)
    }

    /// Takes a token from each bucket of `limits`, leaving empty buckets empty (never refuses).
    pub async fn spend_tokens(&self, limits: &[RateLimit], now: time::OffsetDateTime) -> Result<(), StoreError> {
        dispatch!(self, s => s.spend_tokens(limits, now).await)
    }

    /// Refills the named buckets completely (e.g. an account's failures after a good sign-in).
    pub async fn reset_buckets(&self, keys: &[String]) -> Result<(), StoreError> {
        dispatch!(self, s => s.reset_buckets(keys).await)
    }

    // --- posts -------------------------------------------------------------------------------

    /// Creates a post or page with its terms (created when missing) and search entry.
    pub async fn create_post(&self, post: &NewPost) -> Result<PostId, StoreError> {
        dispatch!(self, s => s.create_post(post).await)
    }

    /// A post by id, whatever its status.
    pub async fn post(&self, id: PostId) -> Result<Option<Post>, StoreError> {
        dispatch!(self, s => s.post(id).await)
    }

    /// A post or page by slug, whatever its status.
    pub async fn post_by_slug(&self, kind: PostKind, slug: &str) -> Result<Option<Post>, StoreError> {
        dispatch!(self, s => s.post_by_slug(kind, slug).await)
    }

    /// One page of public posts matching `filter`, newest first.
    pub async fn public_posts(&self, filter: &PostFilter, page: Page) -> Result<Paged<Post>, StoreError> {
        dispatch!(self, s => s.public_posts(filter, page).await)
    }

    /// Public pages, for navigation, in title order.
    pub async fn public_pages(&self, now: time::OffsetDateTime) -> Result<Vec<Post>, StoreError> {
        dispatch!(self, s => s.public_pages(now).await)
    }

    /// The public posts just before (older) and after (newer) `post`.
    pub async fn adjacent_posts(&self, post: &Post, now: time::OffsetDateTime) -> Result<Adjacent, StoreError> {
        dispatch!(self, s => s.adjacent_posts(post, now).await)
    }

    /// Months that have public posts, newest first, with counts (for archive navigation).
    pub async fn public_months(&self, now: time::OffsetDateTime) -> Result<Vec<MonthCount>, StoreError> {
        dispatch!(self, s => s.public_months(now).await)
    }

    /// Full-text search over public posts and pages, best first, with highlighted snippets.
    pub async fn search(
        &self,
        query: &SearchQuery,
        now: time::OffsetDateTime,
        page: Page,
    ) -> Result<Paged<SearchHit>, StoreError> {
        dispatch!(self, s => s.search(query, now, page).await)
    }

    // --- terms -------------------------------------------------------------------------------

    /// A term by slug.
    pub async fn term_by_slug(&self, kind: TermKind, slug: &str) -> Result<Option<Term>, StoreError> {
        dispatch!(self, s => s.term_by_slug(kind, slug).await)
    }

    /// The terms of each of `posts`, in the order they were given.
    pub async fn terms_of(&self, posts: &[PostId]) -> Result<Vec<(PostId, Term)>, StoreError> {
        dispatch!(self, s => s.terms_of(posts).await)
    }

    // --- media -------------------------------------------------------------------------------

    /// Records an item of the media library (the file is already stored).
    pub async fn create_media(&self, media: &NewMedia) -> Result<MediaId, StoreError> {
        dispatch!(self, s => s.create_media(media).await)
    }

    /// Media items by id (missing ids are skipped).
    pub async fn media_by_ids(&self, ids: &[MediaId]) -> Result<Vec<Media>, StoreError> {
        dispatch!(self, s => s.media_by_ids(ids).await)
    }

    /// A media item by its storage key.
    pub async fn media_by_key(&self, key: &str) -> Result<Option<Media>, StoreError> {
        dispatch!(self, s => s.media_by_key(key).await)
    }

    // --- comments ----------------------------------------------------------------------------

    /// Stores a comment, placing it in its thread.
    pub async fn create_comment(&self, comment: &NewComment) -> Result<CommentId, StoreError> {
        dispatch!(self, s => s.create_comment(comment).await)
    }

    /// A comment by id, whatever its status.
    pub async fn comment(&self, id: CommentId) -> Result<Option<Comment>, StoreError> {
        dispatch!(self, s => s.comment(id).await)
    }

    /// A guest's own visible comments on a post: approved, pending, and those marked as spam (which
    /// their writer sees as pending, so a spammer learns nothing).
    pub async fn guest_comments(&self, post: PostId, guest_key: &str) -> Result<Vec<Comment>, StoreError> {
        dispatch!(self, s => s.guest_comments(post, guest_key).await)
    }

    /// Whether the commenter has had a comment approved before.
    pub async fn has_approved_comment(&self, by: &CommenterKey) -> Result<bool, StoreError> {
        dispatch!(self, s => s.has_approved_comment(by).await)
    }

    /// Whether the same comment (by fingerprint) is already on the post.
    pub async fn is_duplicate_comment(&self, post: PostId, fingerprint: &str) -> Result<bool, StoreError> {
        dispatch!(self, s => s.is_duplicate_comment(post, fingerprint).await)
    }

    /// Edits (`Some(edit)`) or deletes (`None`, to the trash) a guest's own pending or approved
    /// comment made at or after `since`; false when no such comment is theirs or its window has
    /// passed. An edit with a `held_reason` puts the comment back to pending.
    pub async fn edit_guest_comment(
        &self,
        id: CommentId,
        guest_key: &str,
        since: time::OffsetDateTime,
        edit: Option<GuestEdit<'_>>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.edit_guest_comment(id, guest_key, since, edit).await)
    }

    // --- keys and jobs -----------------------------------------------------------------------

    /// The site's secret named `name`, stored as `candidate` if it does not exist yet.
    pub async fn site_key(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>, StoreError> {
        dispatch!(self, s => s.site_key(name, candidate).await)
    }

    /// Claims up to `limit` due jobs whose kind starts with `kinds_prefix`, leased for a while.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        kinds_prefix: &str,
        limit: i64,
        lease_seconds: i64,
    ) -> Result<Vec<Job>, StoreError> {
        dispatch!(self, s => s.claim_jobs(worker, kinds_prefix, limit, lease_seconds).await)
    }

    /// Marks a job done.
    pub async fn finish_job(&self, id: i64) -> Result<(), StoreError> {
        dispatch!(self, s => s.finish_job(id).await)
    }

    /// Records a failed attempt; retried at `run_at`, or given up when `None`.
    pub async fn retry_job(
        &self,
        id: i64,
        error: &str,
        run_at: Option<time::OffsetDateTime>,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.retry_job(id, error, run_at).await)
    }

    /// Jobs not done yet.
    pub async fn pending_jobs(&self) -> Result<u64, StoreError> {
        dispatch!(self, s => s.pending_jobs().await)
    }

    /// Approved comments of a post in thread order.
    pub async fn approved_comments(&self, post: PostId) -> Result<Vec<Comment>, StoreError> {
        dispatch!(self, s => s.approved_comments(post).await)
    }

    /// One page of a post's approved comments, paginated by top-level thread (`total` counts
    /// threads), each thread whole and in order.
    pub async fn approved_thread_page(&self, post: PostId, page: Page) -> Result<Paged<Comment>, StoreError> {
        dispatch!(self, s => s.approved_thread_page(post, page).await)
    }

    /// How many approved top-level threads of `post` come before the thread holding `path`.
    pub async fn approved_threads_before(&self, post: PostId, path: &str) -> Result<u64, StoreError> {
        dispatch!(self, s => s.approved_threads_before(post, path).await)
    }

    /// The newest approved comments on public posts, with their post, for the comments feed.
    pub async fn recent_public_comments(
        &self,
        now: time::OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<(Comment, Post)>, StoreError> {
        dispatch!(self, s => s.recent_public_comments(now, limit).await)
    }

    /// Number of approved comments of each of `posts`.
    pub async fn approved_comment_counts(&self, posts: &[PostId]) -> Result<Vec<(PostId, u64)>, StoreError> {
        dispatch!(self, s => s.approved_comment_counts(posts).await)
    }

    // --- settings and redirects ------------------------------------------------------------

    /// Every stored setting as (key, JSON value).
    pub async fn settings(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        dispatch!(self, s => s.settings().await)
    }

    /// Stores one setting.
    pub async fn put_setting(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        dispatch!(self, s => s.put_setting(key, value).await)
    }

    /// Where an old path now lives, if it was recorded.
    pub async fn redirect(&self, from_path: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, s => s.redirect(from_path).await)
    }

    /// Records that `from_path` moved to `to_path`.
    pub async fn put_redirect(&self, from_path: &str, to_path: &str) -> Result<(), StoreError> {
        dispatch!(self, s => s.put_redirect(from_path, to_path).await)
    }

    // --- imports -----------------------------------------------------------------------------

    /// Starts an import run: until [`Store::finish_import`], the `import_*` calls commit without
    /// waiting for the disk (each item still whole or absent after a crash; the run resumes).
    pub async fn begin_import(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.begin_import().await)
    }

    /// Ends an import run with one durable commit that covers every item imported before it.
    pub async fn finish_import(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.finish_import().await)
    }

    /// What a source item became in an earlier import, if it was imported.
    pub async fn imported(&self, key: SourceKey<'_>) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.imported(key).await)
    }

    /// Imports an author as a staff account (an account with the same email is reused).
    pub async fn import_user(&self, key: SourceKey<'_>, user: &NewUser) -> Result<Imported<UserId>, StoreError> {
        dispatch!(self, s => s.import_user(key, user).await)
    }

    /// Imports a category or tag (a term with the same slug is reused and given the parent).
    pub async fn import_term(&self, key: SourceKey<'_>, term: &ImportTerm) -> Result<Imported<TermId>, StoreError> {
        dispatch!(self, s => s.import_term(key, term).await)
    }

    /// Imports a media item (the file is already stored; a record with its key is reused).
    pub async fn import_media(&self, key: SourceKey<'_>, media: &NewMedia) -> Result<Imported<MediaId>, StoreError> {
        dispatch!(self, s => s.import_media(key, media).await)
    }

    /// Imports a post or page with its terms, comments and redirects in one transaction; an item
    /// imported before is left alone.
    pub async fn import_post(&self, key: SourceKey<'_>, post: &ImportPost) -> Result<Imported<PostId>, StoreError> {
        dispatch!(self, s => s.import_post(key, post).await)
    }
}

/// Tables of Quire's portable archive, in an order that restores without breaking references.
/// The site's secret keys are in (a restored site signs and hashes as the original did), so an
/// archive must be kept private. Left out on purpose: jobs and rate buckets (a restored site
/// starts its own), and derived search indexes (rebuilt on restore).
pub const ARCHIVE_TABLES: &[&str] = &[
    "site_keys",
    "users",
    "identities",
    "auth_providers",
    "mastodon_apps",
    "media",
    "terms",
    "posts",
    "revisions",
    "autosaves",
    "post_terms",
    "comments",
    "comment_subscriptions",
    "settings",
    "redirects",
    "import_items",
];

/// Tables deliberately left out of the archive (and so of `quire copy`): per-instance or
/// short-lived state. Every table is in exactly one of the two lists; a test checks it.
pub const NOT_ARCHIVED_TABLES: &[&str] =
    &["meta", "sessions", "jobs", "rate_buckets", "sent_mail", "account_tokens", "auth_states", "api_tokens"];

impl Store {
    /// Every row of an archive table as a JSON object of its columns, in id order.
    pub async fn export_rows(&self, table: &str) -> Result<Vec<serde_json::Value>, StoreError> {
        dispatch!(self, s => s.export_rows(table).await)
    }

    /// Writes rows exported by [`Store::export_rows`] from the same backend back, ids and all, in
    /// one transaction.
    pub async fn restore_rows(&self, table: &str, rows: &[serde_json::Value]) -> Result<(), StoreError> {
        dispatch!(self, s => s.restore_rows(table, rows).await)
    }
}

/// `wanted`, or `wanted-2`, `wanted-3`… whichever is not in `taken`.
pub(crate) fn free_slug(wanted: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == wanted) {
        return wanted.to_string();
    }
    (2..).map(|n| format!("{wanted}-{n}")).find(|s| !taken.contains(s)).unwrap_or_else(|| wanted.to_string())
}

/// Mail: reply subscriptions, staff notification preferences, sent-mail markers, readers' data.
impl Store {
    /// Records an unconfirmed subscription and queues its confirmation mail, both only when the
    /// address is not subscribed to the post yet; the new id, or `None` when it already was.
    pub async fn subscribe(&self, subscription: &NewSubscription) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.subscribe(subscription).await)
    }

    /// A subscription by id.
    pub async fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError> {
        dispatch!(self, s => s.subscription(id).await)
    }

    /// The subscription whose confirmation token hashes to `token_hash`.
    pub async fn subscription_by_token(&self, token_hash: &str) -> Result<Option<Subscription>, StoreError> {
        dispatch!(self, s => s.subscription_by_token(token_hash).await)
    }

    /// Replaces a subscription's token hash (each confirmation mail mints a fresh token).
    pub async fn set_subscription_token(&self, id: i64, token_hash: &str) -> Result<(), StoreError> {
        dispatch!(self, s => s.set_subscription_token(id, token_hash).await)
    }

    /// Confirms the subscription whose token hashes to `token_hash` (once; later calls keep the
    /// first time) and returns it, or `None` when no subscription has that token.
    pub async fn confirm_subscription(
        &self,
        token_hash: &str,
        now: time::OffsetDateTime,
    ) -> Result<Option<Subscription>, StoreError> {
        dispatch!(self, s => s.confirm_subscription(token_hash, now).await)
    }

    /// Removes a subscription; false when it was already gone.
    pub async fn delete_subscription(&self, id: i64) -> Result<bool, StoreError> {
        dispatch!(self, s => s.delete_subscription(id).await)
    }

    /// Confirmed subscriptions of a post: the only addresses notifications go to.
    pub async fn confirmed_subscriptions(&self, post: PostId) -> Result<Vec<Subscription>, StoreError> {
        dispatch!(self, s => s.confirmed_subscriptions(post).await)
    }

    /// Whether a staff account still wants comment notifications (false for unknown accounts).
    pub async fn comment_notifications(&self, user: UserId) -> Result<bool, StoreError> {
        dispatch!(self, s => s.comment_notifications(user).await)
    }

    /// Turns a staff account's comment notifications on or off.
    pub async fn set_comment_notifications(&self, user: UserId, on: bool) -> Result<(), StoreError> {
        dispatch!(self, s => s.set_comment_notifications(user, on).await)
    }

    /// Queues jobs after taking one token from each bucket, in one transaction; an empty bucket
    /// refuses with [`StoreError::RateLimited`] and queues nothing.
    pub async fn enqueue_jobs(&self, jobs: &[NewJob], limits: &[RateLimit]) -> Result<(), StoreError> {
        dispatch!(self, s => s.enqueue_jobs(jobs, limits).await)
    }

    /// The Message-ID a job already sent, if it did.
    pub async fn sent_mail(&self, job: i64) -> Result<Option<String>, StoreError> {
        dispatch!(self, s => s.sent_mail(job).await)
    }

    /// Records that a job's mail was accepted by the SMTP server (idempotent).
    pub async fn record_sent_mail(&self, job: i64, message_id: &str) -> Result<(), StoreError> {
        dispatch!(self, s => s.record_sent_mail(job, message_id).await)
    }

    /// Every comment (any status) and subscription stored for an email address.
    pub async fn reader_data(&self, email: &str) -> Result<ReaderData, StoreError> {
        dispatch!(self, s => s.reader_data(email).await)
    }

    /// Erases an email address's data: its comments without replies are deleted, those with
    /// replies become `tombstone` (keeping their place in the thread), its subscriptions go.
    pub async fn erase_reader_data(&self, email: &str, tombstone: &Tombstone) -> Result<Erased, StoreError> {
        dispatch!(self, s => s.erase_reader_data(email, tombstone).await)
    }
}
