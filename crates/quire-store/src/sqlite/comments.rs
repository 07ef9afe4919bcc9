//! Comments on SQLite: placement in threads by materialised path, approved threads, counts.

use quire_core::{Comment, CommentId, Page, Paged, Post, PostId, ThreadPath};
use sqlx::{AssertSqlSafe, Sqlite, Transaction};

use super::keys::{enqueue, take_tokens};
use super::rows::{COMMENT_COLUMNS, CommentRow, convert};
use super::{SqliteStore, bump_version, placeholders};
use crate::timestamp::to_db;
use crate::{CommenterKey, GuestEdit, NewComment, StoreError};
use time::OffsetDateTime;

/// Characters of a thread root's path (one zero-padded id).
const ROOT_LEN: usize = ThreadPath::SEGMENT_LEN;

impl SqliteStore {
    pub(crate) async fn create_comment(&self, comment: &NewComment) -> Result<CommentId, StoreError> {
        self.comments.create(comment.clone()).await
    }

    pub(crate) async fn comment(&self, id: CommentId) -> Result<Option<Comment>, StoreError> {
        let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE id = ?");
        let row: Option<CommentRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.read).await?;
        row.map(Comment::try_from).transpose()
    }

    pub(crate) async fn guest_comments(&self, post: PostId, guest_key: &str) -> Result<Vec<Comment>, StoreError> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE post_id = ? AND guest_key = ? \
             AND status IN ('pending', 'approved', 'spam') ORDER BY path"
        );
        let rows: Vec<CommentRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).bind(guest_key).fetch_all(&self.read).await?;
        convert(rows)
    }

    pub(crate) async fn has_approved_comment(&self, by: &CommenterKey) -> Result<bool, StoreError> {
        // Addresses match whatever their case, as the comments_email index (NOCASE) expects.
        let (condition, value) = match by {
            CommenterKey::Guest(key) => ("guest_key = ?", key.as_str()),
            CommenterKey::Email(email) => ("author_email = ? COLLATE NOCASE", email.as_str()),
        };
        let sql = format!("SELECT EXISTS (SELECT 1 FROM comments WHERE {condition} AND status = 'approved')");
        let (found,): (bool,) = sqlx::query_as(AssertSqlSafe(sql)).bind(value).fetch_one(&self.read).await?;
        Ok(found)
    }

    pub(crate) async fn is_duplicate_comment(&self, post: PostId, fingerprint: &str) -> Result<bool, StoreError> {
        let (found,): (bool,) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM comments WHERE post_id = ? AND fingerprint = ? AND status != 'trash')",
        )
        .bind(post.0)
        .bind(fingerprint)
        .fetch_one(&self.read)
        .await?;
        Ok(found)
    }

    pub(crate) async fn edit_guest_comment(
        &self,
        id: CommentId,
        guest_key: &str,
        since: OffsetDateTime,
        edit: Option<GuestEdit<'_>>,
    ) -> Result<bool, StoreError> {
        let set = match edit {
            // A held edit goes back to pending with its reason; otherwise status and reason stay.
            Some(_) => {
                "markdown = ?, html = ?, fingerprint = ?, \
                 status = CASE WHEN ? IS NULL THEN status ELSE 'pending' END, \
                 held_reason = COALESCE(?, held_reason), edited_at = ?"
            }
            None => "status = 'trash', edited_at = ?",
        };
        let sql = format!(
            "UPDATE comments SET {set} WHERE id = ? AND guest_key = ? AND created_at >= ? \
             AND status IN ('pending', 'approved')"
        );
        let mut tx = self.begin().await?;
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(edit) = edit {
            query = query
                .bind(edit.markdown.to_string())
                .bind(edit.html.to_string())
                .bind(edit.fingerprint.to_string())
                .bind(edit.held_reason.map(str::to_string))
                .bind(edit.held_reason.map(str::to_string));
        }
        let result = query
            .bind(to_db(OffsetDateTime::now_utc()))
            .bind(id.0)
            .bind(guest_key.to_string())
            .bind(to_db(since))
            .execute(&mut *tx)
            .await?;
        let changed = result.rows_affected() == 1;
        if changed {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub(crate) async fn approved_comments(&self, post: PostId) -> Result<Vec<Comment>, StoreError> {
        let sql =
            format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE post_id = ? AND status = 'approved' ORDER BY path");
        let rows: Vec<CommentRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).fetch_all(&self.read).await?;
        convert(rows)
    }

    pub(crate) async fn approved_thread_page(&self, post: PostId, page: Page) -> Result<Paged<Comment>, StoreError> {
        let (total,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM comments WHERE post_id = ? AND status = 'approved' AND parent_id IS NULL",
        )
        .bind(post.0)
        .fetch_one(&self.read)
        .await?;
        // A thread is its root's path prefix; the page's roots select whole threads at once.
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE post_id = ? AND status = 'approved' \
             AND substr(path, 1, {ROOT_LEN}) IN (SELECT path FROM comments WHERE post_id = ? AND status = 'approved' \
             AND parent_id IS NULL ORDER BY path LIMIT ? OFFSET ?) ORDER BY path"
        );
        let rows: Vec<CommentRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(post.0)
            .bind(post.0)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(&self.read)
            .await?;
        Ok(Paged::new(convert(rows)?, u64::try_from(total).unwrap_or(0), page))
    }

    pub(crate) async fn approved_threads_before(&self, post: PostId, path: &str) -> Result<u64, StoreError> {
        let root = path.get(..ROOT_LEN).unwrap_or(path);
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM comments WHERE post_id = ? AND status = 'approved' AND parent_id IS NULL \
             AND path < ?",
        )
        .bind(post.0)
        .bind(root)
        .fetch_one(&self.read)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub(crate) async fn recent_public_comments(
        &self,
        now: time::OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<(Comment, Post)>, StoreError> {
        let sql = format!(
            "SELECT {} FROM comments c JOIN posts p ON p.id = c.post_id \
             WHERE c.status = 'approved' AND p.status = 'published' AND p.published_at <= ? \
             ORDER BY c.created_at DESC, c.id DESC LIMIT ?",
            COMMENT_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ")
        );
        let rows: Vec<CommentRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(to_db(now)).bind(limit).fetch_all(&self.read).await?;
        let comments: Vec<Comment> = convert(rows)?;
        let mut out = Vec::with_capacity(comments.len());
        for comment in comments {
            if let Some(post) = self.post(comment.post_id).await? {
                out.push((comment, post));
            }
        }
        Ok(out)
    }

    pub(crate) async fn approved_comment_counts(&self, posts: &[PostId]) -> Result<Vec<(PostId, u64)>, StoreError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT post_id, COUNT(*) FROM comments WHERE status = 'approved' AND post_id IN ({}) GROUP BY post_id",
            placeholders(posts.len())
        );
        let mut query = sqlx::query_as::<_, (i64, i64)>(AssertSqlSafe(sql));
        for id in posts {
            query = query.bind(id.0);
        }
        let rows = query.fetch_all(&self.read).await?;
        Ok(rows.into_iter().map(|(p, n)| (PostId(p), u64::try_from(n).unwrap_or(0))).collect())
    }
}

/// Places and inserts one comment inside the caller's transaction: its rate-limit tokens first,
/// then the row, its thread path and its jobs. The caller commits (and bumps the version).
pub(super) async fn insert_comment(
    tx: &mut Transaction<'static, Sqlite>,
    comment: &NewComment,
) -> Result<CommentId, StoreError> {
    take_tokens(tx, &comment.rate_limits, OffsetDateTime::now_utc()).await?;
    let parent = match comment.parent_id {
        Some(parent_id) => {
            let row: Option<(String,)> = sqlx::query_as("SELECT path FROM comments WHERE id = ? AND post_id = ?")
                .bind(parent_id.0)
                .bind(comment.post_id.0)
                .fetch_optional(&mut **tx)
                .await?;
            let (path,) = row.ok_or_else(|| StoreError::NotFound(format!("comment {parent_id} on this post")))?;
            // Replies beyond the deepest allowed level attach to the deepest allowed ancestor.
            let deepest_parent = comment.max_depth.saturating_sub(2);
            Some(ThreadPath(path).truncated_to_depth(deepest_parent))
        }
        None => None,
    };
    let parent_id = parent.as_ref().and_then(ThreadPath::last_id);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO comments (post_id, parent_id, path, author_name, author_email, author_url, user_id, \
             markdown, html, status, created_at, guest_key, fingerprint, ip_hash, user_agent, held_reason) \
             VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(comment.post_id.0)
    .bind(parent_id.map(|p| p.0))
    .bind(&comment.author_name)
    .bind(&comment.author_email)
    .bind(&comment.author_url)
    .bind(comment.user_id.map(|u| u.0))
    .bind(&comment.markdown)
    .bind(&comment.html)
    .bind(comment.status.as_str())
    .bind(to_db(comment.created_at))
    .bind(&comment.guest_key)
    .bind(&comment.fingerprint)
    .bind(&comment.ip_hash)
    .bind(&comment.user_agent)
    .bind(&comment.held_reason)
    .fetch_one(&mut **tx)
    .await?;
    let path = ThreadPath::child_of(parent.as_ref(), CommentId(id));
    sqlx::query("UPDATE comments SET path = ? WHERE id = ?").bind(&path.0).bind(id).execute(&mut **tx).await?;
    enqueue(tx, &comment.jobs).await?;
    Ok(CommentId(id))
}
