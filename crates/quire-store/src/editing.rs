//! The admin editor's part of the store: saving a post only when nobody saved it since the writer
//! opened it, revisions of every save, one autosave slot per post and writer, the staff's lists of
//! posts by status, and the scheduled-publishing sweep (claimed by one instance at a time).

use quire_core::{Discussion, MediaId, Page, Paged, Post, PostId, PostKind, PostStatus, UserId};
use time::OffsetDateTime;

use crate::{Store, StoreError, TermRef};

/// A save of an existing post from the editor, already rendered.
#[derive(Debug, Clone)]
pub struct PostEdit {
    /// Life-cycle state after the save.
    pub status: PostStatus,
    /// URL slug (unique per kind).
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
    /// Publication time.
    pub published_at: Option<OffsetDateTime>,
    /// Whether readers may comment.
    pub discussion: Discussion,
    /// Categories and tags, in display order (replacing the post's).
    pub terms: Vec<TermRef>,
    /// The `updated_at` the writer opened the post at: the save is refused if it moved since.
    pub expected: OffsetDateTime,
    /// Who saves; recorded on the revision, and their autosave is cleared.
    pub editor: UserId,
}

/// What became of a [`PostEdit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Saved; the post's new `updated_at` (the version the editor carries next).
    Saved(OffsetDateTime),
    /// Someone saved the post after the writer opened it; nothing was written.
    Stale,
}

/// A revision to record.
#[derive(Debug, Clone)]
pub struct NewRevision {
    /// The post.
    pub post_id: PostId,
    /// Who saved.
    pub author_id: UserId,
    /// Title as saved.
    pub title: String,
    /// Markdown as saved.
    pub markdown: String,
    /// Excerpt as saved.
    pub excerpt: Option<String>,
}

/// A post's text as one save left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// Its id.
    pub id: i64,
    /// The post.
    pub post_id: PostId,
    /// Who saved it (gone if the account was deleted).
    pub author_id: Option<UserId>,
    /// Their name, when the account still exists.
    pub author_name: Option<String>,
    /// Title as saved.
    pub title: String,
    /// Markdown as saved.
    pub markdown: String,
    /// Excerpt as saved.
    pub excerpt: Option<String>,
    /// When.
    pub created_at: OffsetDateTime,
}

/// A writer's autosave slot for a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autosave {
    /// The post.
    pub post_id: PostId,
    /// The writer.
    pub user_id: UserId,
    /// Title as typed.
    pub title: String,
    /// Markdown as typed.
    pub markdown: String,
    /// When the editor sent it.
    pub saved_at: OffsetDateTime,
}

/// Which posts a staff list shows.
#[derive(Debug, Clone)]
pub struct StaffPostFilter {
    /// Posts or pages.
    pub kind: PostKind,
    /// One status, or every status but trash.
    pub status: Option<PostStatus>,
    /// Only this writer's.
    pub author: Option<UserId>,
}

impl Store {
    /// Saves an edit of post `id` in one transaction (post, terms, search entry, a revision, the
    /// editor's autosave cleared, content version bumped), unless it was saved by anyone after
    /// `edit.expected`: then nothing is written and the answer is [`SaveOutcome::Stale`].
    /// A slug another post of the kind has is a [`StoreError::Conflict`]; a missing post `NotFound`.
    pub async fn save_post(&self, id: PostId, edit: &PostEdit) -> Result<SaveOutcome, StoreError> {
        dispatch!(self, s => s.save_post(id, edit).await)
    }

    /// Records a revision (the first save of a new post); returns its id.
    pub async fn add_revision(&self, revision: &NewRevision) -> Result<i64, StoreError> {
        dispatch!(self, s => s.add_revision(revision).await)
    }

    /// Moves a post to `status` (publish, unpublish, trash, restore), setting `published_at` when
    /// given; counts as a save (its `updated_at` moves). False when there is no such post.
    pub async fn set_post_status(
        &self,
        id: PostId,
        status: PostStatus,
        published_at: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_post_status(id, status, published_at).await)
    }

    /// One page of posts or pages for the admin, most recently changed first.
    pub async fn staff_posts(&self, filter: &StaffPostFilter, page: Page) -> Result<Paged<Post>, StoreError> {
        dispatch!(self, s => s.staff_posts(filter, page).await)
    }

    /// How many posts (or pages) of `kind` are in each status, optionally of one writer only.
    pub async fn post_status_counts(
        &self,
        kind: PostKind,
        author: Option<UserId>,
    ) -> Result<Vec<(PostStatus, u64)>, StoreError> {
        dispatch!(self, s => s.post_status_counts(kind, author).await)
    }

    /// A post's revisions, newest first (at most 200).
    pub async fn revisions(&self, post: PostId) -> Result<Vec<Revision>, StoreError> {
        dispatch!(self, s => s.revisions(post).await)
    }

    /// One revision of a post.
    pub async fn revision(&self, post: PostId, id: i64) -> Result<Option<Revision>, StoreError> {
        dispatch!(self, s => s.revision(post, id).await)
    }

    /// Fills a writer's autosave slot for a post, replacing what it held.
    pub async fn put_autosave(&self, autosave: &Autosave) -> Result<(), StoreError> {
        dispatch!(self, s => s.put_autosave(autosave).await)
    }

    /// A writer's autosave of a post, if the slot holds one.
    pub async fn autosave(&self, post: PostId, user: UserId) -> Result<Option<Autosave>, StoreError> {
        dispatch!(self, s => s.autosave(post, user).await)
    }

    /// Publishes every scheduled post whose time has come by `now`, and bumps the content version
    /// if any was. One instance at a time does it (PostgreSQL: a transaction-level advisory lock
    /// that others do not wait for; SQLite: the single writer), so each post is published once.
    pub async fn publish_due_posts(&self, now: OffsetDateTime) -> Result<Vec<PostId>, StoreError> {
        dispatch!(self, s => s.publish_due_posts(now).await)
    }

    /// When the next scheduled post is due, if any is scheduled.
    pub async fn next_scheduled_at(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        dispatch!(self, s => s.next_scheduled_at().await)
    }
}
