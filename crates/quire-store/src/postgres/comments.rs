//! Comments on PostgreSQL: placement in threads by materialised path, approved threads, counts.

use quire_core::{Comment, CommentId, Page, Paged, Post, PostId, ThreadPath};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::keys::{enqueue, take_tokens};
use super::rows::{COMMENT_COLUMNS, CommentRow, POST_COLUMNS, PostRow, convert};
use super::{PgStore, bump_version, micros};
use crate::{CommenterKey, GuestEdit, NewComment, StoreError};

/// Characters of a thread root's path (one zero-padded id).
const ROOT_LEN: usize = ThreadPath::SEGMENT_LEN;

impl PgStore {
    pub(crate) async fn create_comment(&self, comment: &NewComment) -> Result<CommentId, StoreError> {
        let mut tx = self.begin().await?;
        take_tokens(&mut tx, &comment.rate_limits, OffsetDateTime::now_utc()).await?;
        let parent = match comment.parent_id {
            Some(parent_id) => {
                let row: Option<(String,)> = sqlx::query_as("SELECT path FROM comments WHERE id = $1 AND post_id = $2")
                    .bind(parent_id.0)
                    .bind(comment.post_id.0)
                    .fetch_optional(&mut *tx)
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
             VALUES ($1, $2, '', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
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
        .bind(micros(comment.created_at))
        .bind(&comment.guest_key)
        .bind(&comment.fingerprint)
        .bind(&comment.ip_hash)
        .bind(&comment.user_agent)
        .bind(&comment.held_reason)
        .fetch_one(&mut *tx)
        .await?;
        let path = ThreadPath::child_of(parent.as_ref(), CommentId(id));
        sqlx::query("UPDATE comments SET path = $1 WHERE id = $2").bind(&path.0).bind(id).execute(&mut *tx).await?;
        enqueue(&mut tx, &comment.jobs).await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(CommentId(id))
    }

    pub(crate) async fn comment(&self, id: CommentId) -> Result<Option<Comment>, StoreError> {
        let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $1");
        let row: Option<CommentRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
        row.map(Comment::try_from).transpose()
    }

    pub(crate) async fn guest_comments(&self, post: PostId, guest_key: &str) -> Result<Vec<Comment>, StoreError> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE post_id = $1 AND guest_key = $2 \
             AND status IN ('pending', 'approved', 'spam') ORDER BY path"
        );
        let rows: Vec<CommentRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).bind(guest_key).fetch_all(&self.pool).await?;
        convert(rows)
    }

    pub(crate) async fn has_approved_comment(&self, by: &CommenterKey) -> Result<bool, StoreError> {
        let condition = match by {
            CommenterKey::Guest(_) => "guest_key = $1",
            // Addresses match whatever their case, through the lower(author_email) index.
            CommenterKey::Email(_) => "lower(author_email) = lower($1)",
        };
        let value = match by {
            CommenterKey::Guest(v) | CommenterKey::Email(v) => v.as_str(),
        };
        let sql = format!("SELECT EXISTS (SELECT 1 FROM comments WHERE {condition} AND status = 'approved')");
        let (found,): (bool,) = sqlx::query_as(AssertSqlSafe(sql)).bind(value).fetch_one(&self.pool).await?;
        Ok(found)
    }

    pub(crate) async fn is_duplicate_comment(&self, post: PostId, fingerprint: &str) -> Result<bool, StoreError> {
        let (found,): (bool,) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM comments WHERE post_id = $1 AND fingerprint = $2 AND status != 'trash')",
        )
        .bind(post.0)
        .bind(fingerprint)
        .fetch_one(&self.pool)
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
        // $1–$4 are the same for both shapes; an edit adds the new text, its fingerprint and, when
        // the edit is held, the reason (which sends the comment back to pending) as $5–$8.
        let set = match edit {
            Some(_) => {
                "markdown = $5, html = $6, fingerprint = $7, \
                 status = CASE WHEN $8::text IS NULL THEN status ELSE 'pending' END, \
                 held_reason = COALESCE($8::text, held_reason), edited_at = $1"
            }
            None => "status = 'trash', edited_at = $1",
        };
        let sql = format!(
            "UPDATE comments SET {set} WHERE id = $2 AND guest_key = $3 AND created_at >= $4 \
             AND status IN ('pending', 'approved')"
        );
        let mut tx = self.begin().await?;
        let mut query =
            sqlx::query(AssertSqlSafe(sql)).bind(OffsetDateTime::now_utc()).bind(id.0).bind(guest_key).bind(since);
        if let Some(edit) = edit {
            query = query.bind(edit.markdown).bind(edit.html).bind(edit.fingerprint).bind(edit.held_reason);
        }
        let changed = query.execute(&mut *tx).await?.rows_affected() == 1;
        if changed {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub(crate) async fn approved_comments(&self, post: PostId) -> Result<Vec<Comment>, StoreError> {
        let sql =
            format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE post_id = $1 AND status = 'approved' ORDER BY path");
        let rows: Vec<CommentRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).fetch_all(&self.pool).await?;
        convert(rows)
    }

    pub(crate) async fn approved_thread_page(&self, post: PostId, page: Page) -> Result<Paged<Comment>, StoreError> {
        let (total,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM comments WHERE post_id = $1 AND status = 'approved' AND parent_id IS NULL",
        )
        .bind(post.0)
        .fetch_one(&self.pool)
        .await?;
        // A thread is its root's path prefix; the page's roots select whole threads at once.
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE post_id = $1 AND status = 'approved' \
             AND substr(path, 1, {ROOT_LEN}) IN (SELECT path FROM comments WHERE post_id = $1 \
             AND status = 'approved' AND parent_id IS NULL ORDER BY path COLLATE \"C\" LIMIT $2 OFFSET $3) \
             ORDER BY path COLLATE \"C\""
        );
        let rows: Vec<CommentRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(post.0)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await?;
        Ok(Paged::new(convert(rows)?, u64::try_from(total).unwrap_or(0), page))
    }

    pub(crate) async fn approved_threads_before(&self, post: PostId, path: &str) -> Result<u64, StoreError> {
        let root = path.get(..ROOT_LEN).unwrap_or(path);
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM comments WHERE post_id = $1 AND status = 'approved' AND parent_id IS NULL \
             AND path COLLATE \"C\" < $2",
        )
        .bind(post.0)
        .bind(root)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub(crate) async fn recent_public_comments(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<(Comment, Post)>, StoreError> {
        let comment_columns = COMMENT_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {comment_columns} FROM comments c JOIN posts p ON p.id = c.post_id \
             WHERE c.status = 'approved' AND p.status = 'published' AND p.published_at <= $1 \
             ORDER BY c.created_at DESC, c.id DESC LIMIT $2"
        );
        let rows: Vec<CommentRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(&self.pool).await?;
        let comments: Vec<Comment> = convert(rows)?;
        let mut ids: Vec<i64> = comments.iter().map(|c| c.post_id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let sql = format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id = ANY($1)");
        let posts: Vec<Post> =
            convert(sqlx::query_as::<_, PostRow>(AssertSqlSafe(sql)).bind(ids).fetch_all(&self.pool).await?)?;
        Ok(comments
            .into_iter()
            .filter_map(|c| posts.iter().find(|p| p.id == c.post_id).cloned().map(|p| (c, p)))
            .collect())
    }

    pub(crate) async fn approved_comment_counts(&self, posts: &[PostId]) -> Result<Vec<(PostId, u64)>, StoreError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT post_id, COUNT(*) FROM comments WHERE status = 'approved' AND post_id = ANY($1) GROUP BY post_id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(p, n)| (PostId(p), u64::try_from(n).unwrap_or(0))).collect())
    }
}
