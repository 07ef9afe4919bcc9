//! Posts and pages on SQLite: creation with terms and search entry, public listings.

use quire_core::{Page, Paged, Post, PostId, PostKind, PostStatus};
use sqlx::AssertSqlSafe;
use sqlx::QueryBuilder;
use time::OffsetDateTime;

use super::rows::{POST_COLUMNS, PostRow, convert};
use super::terms::attach_terms;
use super::{SqliteStore, bump_version, conflict_as};
use crate::timestamp::{from_db, to_db};
use crate::{Adjacent, MonthCount, NewPost, PostFilter, StoreError};

impl SqliteStore {
    pub(crate) async fn create_post(&self, post: &NewPost) -> Result<PostId, StoreError> {
        let now = to_db(OffsetDateTime::now_utc());
        let mut tx = self.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO posts (kind, status, slug, title, markdown, html, text, excerpt, content_warning, \
             featured_media_id, author_id, published_at, created_at, updated_at, comment_status, word_count, reviewed_item) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
        .bind(post.published_at.map(to_db))
        .bind(&now)
        .bind(&now)
        .bind(post.discussion.as_str())
        .bind(i64::from(post.word_count))
        .bind(post.reviewed_item.as_ref().and_then(|r| serde_json::to_string(r).ok()))
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_as("that slug"))?;
        attach_terms(&mut tx, PostId(id), &post.terms).await?;
        sqlx::query("INSERT INTO post_search (rowid, title, body) VALUES (?, ?, ?)")
            .bind(id)
            .bind(&post.title)
            .bind(&post.text)
            .execute(&mut *tx)
            .await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(PostId(id))
    }

    pub(crate) async fn post(&self, id: PostId) -> Result<Option<Post>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id = ?");
        let row: Option<PostRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.read).await?;
        row.map(Post::try_from).transpose()
    }

    pub(crate) async fn post_by_slug(&self, kind: PostKind, slug: &str) -> Result<Option<Post>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.kind = ? AND p.slug = ?");
        let row: Option<PostRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(kind.as_str()).bind(slug).fetch_optional(&self.read).await?;
        row.map(Post::try_from).transpose()
    }

    pub(crate) async fn public_posts(&self, filter: &PostFilter, page: Page) -> Result<Paged<Post>, StoreError> {
        let now = to_db(filter.now.unwrap_or_else(OffsetDateTime::now_utc));
        let build = |select: &str| {
            let mut q =
                QueryBuilder::new(format!("SELECT {select} FROM posts p WHERE p.kind = 'post' AND p.status = "));
            q.push_bind(PostStatus::Published.as_str());
            q.push(" AND p.published_at <= ").push_bind(now.clone());
            if let Some(term) = filter.term {
                q.push(" AND EXISTS (SELECT 1 FROM post_terms pt WHERE pt.post_id = p.id AND pt.term_id = ")
                    .push_bind(term.0)
                    .push(")");
            }
            if let Some(author) = filter.author {
                q.push(" AND p.author_id = ").push_bind(author.0);
            }
            if let Some((from, until)) = filter.published_between {
                q.push(" AND p.published_at >= ").push_bind(to_db(from));
                q.push(" AND p.published_at < ").push_bind(to_db(until));
            }
            q
        };
        let (total,): (i64,) = build("COUNT(*)").build_query_as().fetch_one(&self.read).await?;
        let mut q = build(POST_COLUMNS);
        q.push(" ORDER BY p.published_at DESC, p.id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<PostRow> = q.build_query_as().fetch_all(&self.read).await?;
        Ok(Paged::new(convert(rows)?, u64::try_from(total).unwrap_or(0), page))
    }

    pub(crate) async fn public_pages(&self, now: OffsetDateTime) -> Result<Vec<Post>, StoreError> {
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.kind = 'page' AND p.status = 'published' \
             AND p.published_at <= ? ORDER BY p.title LIMIT 50"
        );
        let rows: Vec<PostRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(to_db(now)).fetch_all(&self.read).await?;
        convert(rows)
    }

    pub(crate) async fn adjacent_posts(&self, post: &Post, now: OffsetDateTime) -> Result<Adjacent, StoreError> {
        let Some(at) = post.published_at.map(to_db) else {
            return Ok(Adjacent::default());
        };
        let now = to_db(now);
        let neighbour = |direction: &str| {
            let (cmp, order) = if direction == "older" { ("<", "DESC") } else { (">", "ASC") };
            format!(
                "SELECT {POST_COLUMNS} FROM posts p WHERE p.kind = 'post' AND p.status = 'published' \
                 AND p.published_at <= ? AND (p.published_at {cmp} ? OR (p.published_at = ? AND p.id {cmp} ?)) \
                 ORDER BY p.published_at {order}, p.id {order} LIMIT 1"
            )
        };
        let mut found = Vec::new();
        for direction in ["older", "newer"] {
            let row: Option<PostRow> = sqlx::query_as(AssertSqlSafe(neighbour(direction)))
                .bind(&now)
                .bind(&at)
                .bind(&at)
                .bind(post.id.0)
                .fetch_optional(&self.read)
                .await?;
            found.push(row.map(Post::try_from).transpose()?);
        }
        let next = found.pop().flatten();
        let previous = found.pop().flatten();
        Ok(Adjacent { previous, next })
    }

    pub(crate) async fn public_months(&self, now: OffsetDateTime) -> Result<Vec<MonthCount>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT MIN(published_at), COUNT(*) FROM posts WHERE kind = 'post' AND status = 'published' \
             AND published_at <= ? GROUP BY substr(published_at, 1, 7) ORDER BY 1 DESC",
        )
        .bind(to_db(now))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(first, count)| {
                let at = from_db(&first)?;
                Ok(MonthCount {
                    year: at.year(),
                    month: u8::from(at.month()),
                    count: u64::try_from(count).unwrap_or(0),
                })
            })
            .collect()
    }
}
