//! Posts and pages on PostgreSQL: creation with terms, public listings. The search entry is the
//! generated `search` column, so it is written with the post and can never disagree with it.

use quire_core::{Page, Paged, Post, PostId, PostKind, PostStatus};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::rows::{POST_COLUMNS, PostRow, convert};
use super::terms::attach_terms;
use super::{PgStore, bump_version, conflict_as, micros};
use crate::{Adjacent, MonthCount, NewPost, PostFilter, StoreError};

impl PgStore {
    pub(crate) async fn create_post(&self, post: &NewPost) -> Result<PostId, StoreError> {
        let now = OffsetDateTime::now_utc();
        let mut tx = self.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO posts (kind, status, slug, title, markdown, html, text, excerpt, content_warning, \
             featured_media_id, author_id, published_at, created_at, updated_at, comment_status, word_count, reviewed_item) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16) RETURNING id",
        )
        .bind(post.kind.as_str())
        .bind(post.status.as_str())
        .bind(&post.slug)
        .bind(&post.title)
        .bind(&post.markdown)
        .bind(&post.html)
        .bind(&post.text)
        .bind(&post.excerpt)
        .bind(&post.content_warning)
        .bind(post.featured_media_id.map(|m| m.0))
        .bind(post.author_id.0)
        .bind(post.published_at.map(micros))
        .bind(now)
        .bind(post.discussion.as_str())
        .bind(i64::from(post.word_count))
        .bind(post.reviewed_item.as_ref().map(Json))
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_as("that slug"))?;
        attach_terms(&mut tx, PostId(id), &post.terms).await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(PostId(id))
    }

    pub(crate) async fn post(&self, id: PostId) -> Result<Option<Post>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id = $1");
        let row: Option<PostRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
        row.map(Post::try_from).transpose()
    }

    pub(crate) async fn post_by_slug(&self, kind: PostKind, slug: &str) -> Result<Option<Post>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.kind = $1 AND p.slug = $2");
        let row: Option<PostRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(kind.as_str()).bind(slug).fetch_optional(&self.pool).await?;
        row.map(Post::try_from).transpose()
    }

    pub(crate) async fn public_posts(&self, filter: &PostFilter, page: Page) -> Result<Paged<Post>, StoreError> {
        let now = filter.now.unwrap_or_else(OffsetDateTime::now_utc);
        let build = |select: &str| {
            let mut q: QueryBuilder<Postgres> =
                QueryBuilder::new(format!("SELECT {select} FROM posts p WHERE p.kind = 'post' AND p.status = "));
            q.push_bind(PostStatus::Published.as_str());
            q.push(" AND p.published_at <= ").push_bind(now);
            if let Some(term) = filter.term {
                q.push(" AND EXISTS (SELECT 1 FROM post_terms pt WHERE pt.post_id = p.id AND pt.term_id = ")
                    .push_bind(term.0)
                    .push(")");
            }
            if let Some(author) = filter.author {
                q.push(" AND p.author_id = ").push_bind(author.0);
            }
            if let Some((from, until)) = filter.published_between {
                q.push(" AND p.published_at >= ").push_bind(from);
                q.push(" AND p.published_at < ").push_bind(until);
            }
            q
        };
        let (total,): (i64,) = build("COUNT(*)").build_query_as().fetch_one(&self.pool).await?;
        let mut q = build(POST_COLUMNS);
        q.push(" ORDER BY p.published_at DESC, p.id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<PostRow> = q.build_query_as().fetch_all(&self.pool).await?;
        Ok(Paged::new(convert(rows)?, u64::try_from(total).unwrap_or(0), page))
    }

    pub(crate) async fn public_pages(&self, now: OffsetDateTime) -> Result<Vec<Post>, StoreError> {
        // COLLATE "C" orders titles by bytes, as SQLite's BINARY collation does.
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.kind = 'page' AND p.status = 'published' \
             AND p.published_at <= $1 ORDER BY p.title COLLATE \"C\" LIMIT 50"
        );
        let rows: Vec<PostRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(now).fetch_all(&self.pool).await?;
        convert(rows)
    }

    pub(crate) async fn adjacent_posts(&self, post: &Post, now: OffsetDateTime) -> Result<Adjacent, StoreError> {
        let Some(at) = post.published_at else {
            return Ok(Adjacent::default());
        };
        let neighbour = |direction: &str| {
            let (cmp, order) = if direction == "older" { ("<", "DESC") } else { (">", "ASC") };
            format!(
                "SELECT {POST_COLUMNS} FROM posts p WHERE p.kind = 'post' AND p.status = 'published' \
                 AND p.published_at <= $1 AND (p.published_at {cmp} $2 OR (p.published_at = $2 AND p.id {cmp} $3)) \
                 ORDER BY p.published_at {order}, p.id {order} LIMIT 1"
            )
        };
        let mut found = Vec::new();
        for direction in ["older", "newer"] {
            let row: Option<PostRow> = sqlx::query_as(AssertSqlSafe(neighbour(direction)))
                .bind(now)
                .bind(at)
                .bind(post.id.0)
                .fetch_optional(&self.pool)
                .await?;
            found.push(row.map(Post::try_from).transpose()?);
        }
        let next = found.pop().flatten();
        let previous = found.pop().flatten();
        Ok(Adjacent { previous, next })
    }

    pub(crate) async fn public_months(&self, now: OffsetDateTime) -> Result<Vec<MonthCount>, StoreError> {
        // Months are UTC months, as on SQLite (whose stored text is UTC).
        let rows: Vec<(i32, i32, i64)> = sqlx::query_as(
            "SELECT CAST(EXTRACT(YEAR FROM m) AS INTEGER), CAST(EXTRACT(MONTH FROM m) AS INTEGER), n FROM ( \
                 SELECT date_trunc('month', published_at AT TIME ZONE 'UTC') AS m, COUNT(*) AS n FROM posts \
                 WHERE kind = 'post' AND status = 'published' AND published_at <= $1 GROUP BY 1 \
             ) months ORDER BY m DESC",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(year, month, count)| {
                Ok(MonthCount {
                    year,
                    month: u8::try_from(month).map_err(|_| StoreError::Corrupt(format!("month {month}")))?,
                    count: u64::try_from(count).unwrap_or(0),
                })
            })
            .collect()
    }
}
