//! The moderation queue on SQLite: comments of every status with their post, filtered and
//! counted; status changes, edits and deletions, each bumping the content version.

use quire_core::{Comment, CommentId, CommentStatus, Page, Paged, PostId, UserId};
use sqlx::{AssertSqlSafe, FromRow};

use super::rows::{COMMENT_COLUMNS, CommentRow};
use super::{SqliteStore, bump_version, placeholders};
use crate::timestamp::{opt_from_db, to_db};
use crate::{CommentedPost, ModeratedComment, ModerationFilter, StatusCounts, StoreError};

/// A value bound to a filter's placeholder.
enum Arg {
    Int(i64),
    Text(String),
}

/// `%text%` for LIKE, with LIKE's own characters escaped (by `\`).
fn contains(text: &str) -> String {
    let escaped = text.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}

/// The WHERE clause (over `c` comments and `p` posts) of `filter`, with its arguments.
fn conditions(filter: &ModerationFilter, with_status: bool) -> (String, Vec<Arg>) {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut args = Vec::new();
    if with_status && let Some(status) = filter.status {
        clauses.push("c.status = ?".into());
        args.push(Arg::Text(status.as_str().into()));
    }
    if let Some(post) = filter.post {
        clauses.push("c.post_id = ?".into());
        args.push(Arg::Int(post.0));
    }
    if let Some(author) = filter.post_author {
        clauses.push("p.author_id = ?".into());
        args.push(Arg::Int(author.0));
    }
    if let Some(author) = filter.author.as_deref().filter(|a| !a.trim().is_empty()) {
        clauses.push(
            "(lower(c.author_name) LIKE ? ESCAPE '\\' OR lower(COALESCE(c.author_email, '')) LIKE ? ESCAPE '\\')"
                .into(),
        );
        args.push(Arg::Text(contains(author)));
        args.push(Arg::Text(contains(author)));
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        clauses.push(
            "(lower(c.markdown) LIKE ? ESCAPE '\\' OR lower(c.author_name) LIKE ? ESCAPE '\\' \
             OR lower(COALESCE(c.author_email, '')) LIKE ? ESCAPE '\\')"
                .into(),
        );
        for _ in 0..3 {
            args.push(Arg::Text(contains(search)));
        }
    }
    (clauses.join(" AND "), args)
}

fn prefixed_comment_columns() -> String {
    COMMENT_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ")
}

/// A comment row with what the queue shows beside it.
#[derive(FromRow)]
struct QueueRow {
    #[sqlx(flatten)]
    comment: CommentRow,
    post_title: String,
    post_author: i64,
    ip_hash: Option<String>,
    held_reason: Option<String>,
    edited_at: Option<String>,
}

impl TryFrom<QueueRow> for ModeratedComment {
    type Error = StoreError;
    fn try_from(r: QueueRow) -> Result<ModeratedComment, StoreError> {
        Ok(ModeratedComment {
            comment: Comment::try_from(r.comment)?,
            post_title: r.post_title,
            post_author: UserId(r.post_author),
            ip_hash: r.ip_hash,
            held_reason: r.held_reason,
            edited_at: opt_from_db(r.edited_at.as_deref())?,
        })
    }
}

macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Int(n) => query.bind(n),
                Arg::Text(t) => query.bind(t),
            };
        }
        query
    }};
}

impl SqliteStore {
    pub(crate) async fn moderation_queue(
        &self,
        filter: &ModerationFilter,
        page: Page,
    ) -> Result<Paged<ModeratedComment>, StoreError> {
        let (condition, args) = conditions(filter, true);
        let count = format!("SELECT COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE {condition}");
        let (total,): (i64,) = bind_args!(sqlx::query_as(AssertSqlSafe(count)), args).fetch_one(&self.read).await?;
        let (condition, args) = conditions(filter, true);
        let sql = format!(
            "SELECT {}, p.title AS post_title, p.author_id AS post_author, c.ip_hash, c.held_reason, c.edited_at \
             FROM comments c JOIN posts p ON p.id = c.post_id WHERE {condition} \
             ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
            prefixed_comment_columns()
        );
        let rows: Vec<QueueRow> = bind_args!(sqlx::query_as(AssertSqlSafe(sql)), args)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(&self.read)
            .await?;
        let items = rows.into_iter().map(ModeratedComment::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Paged::new(items, u64::try_from(total).unwrap_or(0), page))
    }

    pub(crate) async fn moderation_counts(&self, filter: &ModerationFilter) -> Result<StatusCounts, StoreError> {
        let (condition, args) = conditions(filter, false);
        let sql = format!(
            "SELECT c.status, COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE {condition} \
             GROUP BY c.status"
        );
        let rows: Vec<(String, i64)> =
            bind_args!(sqlx::query_as(AssertSqlSafe(sql)), args).fetch_all(&self.read).await?;
        let mut counts = StatusCounts::default();
        for (status, n) in rows {
            let status: CommentStatus =
                status.parse().map_err(|_| StoreError::Corrupt(format!("comment status {status:?}")))?;
            counts.add(status, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    pub(crate) async fn moderated_comments(&self, ids: &[CommentId]) -> Result<Vec<ModeratedComment>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {}, p.title AS post_title, p.author_id AS post_author, c.ip_hash, c.held_reason, c.edited_at \
             FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id IN ({}) ORDER BY c.id",
            prefixed_comment_columns(),
            placeholders(ids.len())
        );
        let mut query = sqlx::query_as::<_, QueueRow>(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.0);
        }
        query.fetch_all(&self.read).await?.into_iter().map(ModeratedComment::try_from).collect()
    }

    pub(crate) async fn commented_posts(&self, post_author: Option<UserId>) -> Result<Vec<CommentedPost>, StoreError> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT p.id, p.title, COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id \
             WHERE ? IS NULL OR p.author_id = ? GROUP BY p.id, p.title ORDER BY p.title, p.id",
        )
        .bind(post_author.map(|u| u.0))
        .bind(post_author.map(|u| u.0))
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title, n)| CommentedPost { id: PostId(id), title, comments: u64::try_from(n).unwrap_or(0) })
            .collect())
    }

    pub(crate) async fn set_comments_status(
        &self,
        ids: &[CommentId],
        from: &[CommentStatus],
        to: CommentStatus,
    ) -> Result<Vec<(CommentId, CommentStatus)>, StoreError> {
        if ids.is_empty() || from.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin().await?;
        let select = format!(
            "SELECT id, status FROM comments WHERE id IN ({}) AND status IN ({}) AND status != ?",
            placeholders(ids.len()),
            placeholders(from.len())
        );
        let mut query = sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(select));
        for id in ids {
            query = query.bind(id.0);
        }
        for status in from {
            query = query.bind(status.as_str());
        }
        let rows = query.bind(to.as_str()).fetch_all(&mut *tx).await?;
        let mut moved = Vec::with_capacity(rows.len());
        for (id, status) in rows {
            let status: CommentStatus =
                status.parse().map_err(|_| StoreError::Corrupt(format!("comment status {status:?}")))?;
            sqlx::query("UPDATE comments SET status = ? WHERE id = ?")
                .bind(to.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            moved.push((CommentId(id), status));
        }
        if !moved.is_empty() {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    pub(crate) async fn delete_comments(&self, ids: &[CommentId]) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let sql =
            format!("DELETE FROM comments WHERE id IN ({}) AND status IN ('spam', 'trash')", placeholders(ids.len()));
        let mut tx = self.begin().await?;
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.0);
        }
        let deleted = query.execute(&mut *tx).await?.rows_affected();
        if deleted > 0 {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    pub(crate) async fn edit_comment(
        &self,
        id: CommentId,
        markdown: &str,
        html: &str,
        at: time::OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE comments SET markdown = ?, html = ?, edited_at = ? WHERE id = ?")
            .bind(markdown)
            .bind(html)
            .bind(to_db(at))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let changed = done.rows_affected() == 1;
        if changed {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
