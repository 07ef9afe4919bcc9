//! The moderation queue on PostgreSQL: comments of every status with their post, filtered and
//! counted; status changes, edits and deletions, each bumping the content version.

use quire_core::{Comment, CommentId, CommentStatus, Page, Paged, PostId, UserId};
use sqlx::{AssertSqlSafe, FromRow};
use time::OffsetDateTime;

use super::rows::{COMMENT_COLUMNS, CommentRow};
use super::{PgStore, bump_version, micros};
use crate::{CommentedPost, ModeratedComment, ModerationFilter, StatusCounts, StoreError};

/// A value bound to a filter's placeholder.
enum Arg {
    Int(i64),
    Text(String),
}

/// `%text%` for ILIKE, with LIKE's own characters escaped (by `\`).
fn contains(text: &str) -> String {
    let escaped = text.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The WHERE clause (over `c` comments and `p` posts) of `filter`, with its arguments; numbered
/// placeholders start at `$1`.
fn conditions(filter: &ModerationFilter, with_status: bool) -> (String, Vec<Arg>) {
    let mut clauses = vec!["TRUE".to_string()];
    let mut args = Vec::new();
    let next = |args: &mut Vec<Arg>, arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    if with_status && let Some(status) = filter.status {
        let n = next(&mut args, Arg::Text(status.as_str().into()));
        clauses.push(format!("c.status = {n}"));
    }
    if let Some(post) = filter.post {
        let n = next(&mut args, Arg::Int(post.0));
        clauses.push(format!("c.post_id = {n}"));
    }
    if let Some(author) = filter.post_author {
        let n = next(&mut args, Arg::Int(author.0));
        clauses.push(format!("p.author_id = {n}"));
    }
    if let Some(author) = filter.author.as_deref().filter(|a| !a.trim().is_empty()) {
        let n = next(&mut args, Arg::Text(contains(author)));
        clauses.push(format!("(c.author_name ILIKE {n} OR COALESCE(c.author_email, '') ILIKE {n})"));
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        let n = next(&mut args, Arg::Text(contains(search)));
        clauses.push(format!(
            "(c.markdown ILIKE {n} OR c.author_name ILIKE {n} OR COALESCE(c.author_email, '') ILIKE {n})"
        ));
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
    edited_at: Option<OffsetDateTime>,
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
            edited_at: r.edited_at,
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

fn parse_status(status: &str) -> Result<CommentStatus, StoreError> {
    status.parse().map_err(|_| StoreError::Corrupt(format!("comment status {status:?}")))
}

impl PgStore {
    pub(crate) async fn moderation_queue(
        &self,
        filter: &ModerationFilter,
        page: Page,
    ) -> Result<Paged<ModeratedComment>, StoreError> {
        let (condition, args) = conditions(filter, true);
        let count = format!("SELECT COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE {condition}");
        let (total,): (i64,) = bind_args!(sqlx::query_as(AssertSqlSafe(count)), args).fetch_one(&self.pool).await?;
        let (condition, args) = conditions(filter, true);
        let n = args.len();
        let sql = format!(
            "SELECT {}, p.title AS post_title, p.author_id AS post_author, c.ip_hash, c.held_reason, c.edited_at \
             FROM comments c JOIN posts p ON p.id = c.post_id WHERE {condition} \
             ORDER BY c.created_at DESC, c.id DESC LIMIT ${} OFFSET ${}",
            prefixed_comment_columns(),
            n + 1,
            n + 2
        );
        let rows: Vec<QueueRow> = bind_args!(sqlx::query_as(AssertSqlSafe(sql)), args)
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(&self.pool)
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
            bind_args!(sqlx::query_as(AssertSqlSafe(sql)), args).fetch_all(&self.pool).await?;
        let mut counts = StatusCounts::default();
        for (status, n) in rows {
            counts.add(parse_status(&status)?, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    pub(crate) async fn moderated_comments(&self, ids: &[CommentId]) -> Result<Vec<ModeratedComment>, StoreError> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let sql = format!(
            "SELECT {}, p.title AS post_title, p.author_id AS post_author, c.ip_hash, c.held_reason, c.edited_at \
             FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = ANY($1) ORDER BY c.id",
            prefixed_comment_columns()
        );
        let rows: Vec<QueueRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(ids).fetch_all(&self.pool).await?;
        rows.into_iter().map(ModeratedComment::try_from).collect()
    }

    pub(crate) async fn commented_posts(&self, post_author: Option<UserId>) -> Result<Vec<CommentedPost>, StoreError> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT p.id, p.title, COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id \
             WHERE $1::BIGINT IS NULL OR p.author_id = $1 GROUP BY p.id, p.title ORDER BY p.title COLLATE \"C\", p.id",
        )
        .bind(post_author.map(|u| u.0))
        .fetch_all(&self.pool)
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
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let from: Vec<String> = from.iter().map(|s| s.as_str().to_string()).collect();
        let mut tx = self.begin().await?;
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, status FROM comments WHERE id = ANY($1) AND status = ANY($2) AND status != $3 \
             ORDER BY id FOR UPDATE",
        )
        .bind(&ids)
        .bind(&from)
        .bind(to.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let mut moved = Vec::with_capacity(rows.len());
        for (id, status) in rows {
            sqlx::query("UPDATE comments SET status = $1 WHERE id = $2")
                .bind(to.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            moved.push((CommentId(id), parse_status(&status)?));
        }
        if !moved.is_empty() {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    pub(crate) async fn delete_comments(&self, ids: &[CommentId]) -> Result<u64, StoreError> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM comments WHERE id = ANY($1) AND status IN ('spam', 'trash')")
            .bind(&ids)
            .execute(&mut *tx)
            .await?
            .rows_affected();
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
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE comments SET markdown = $1, html = $2, edited_at = $3 WHERE id = $4")
            .bind(markdown)
            .bind(html)
            .bind(micros(at))
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
