//! The admin editor on PostgreSQL: conditional saves, revisions, autosaves, staff lists and the
//! scheduled-publishing sweep, which one instance at a time runs under a transaction-level
//! advisory lock (the others skip their turn instead of waiting).

use quire_core::{Page, Paged, Post, PostId, PostKind, PostStatus, UserId};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::rows::{POST_COLUMNS, PostRow, convert};
use super::terms::attach_terms;
use super::{PgStore, bump_version, conflict_as, micros};
use crate::{Autosave, NewRevision, PostEdit, Revision, SaveOutcome, StaffPostFilter, StoreError};

/// Key of the advisory lock held while publishing due posts ("quire:sched" as bytes).
const SCHEDULE_LOCK: i64 = 0x7175_6972_653a_7363;

#[derive(sqlx::FromRow)]
struct RevisionRow {
    id: i64,
    post_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    title: String,
    markdown: String,
    excerpt: Option<String>,
    created_at: OffsetDateTime,
}

impl From<RevisionRow> for Revision {
    fn from(r: RevisionRow) -> Revision {
        Revision {
            id: r.id,
            post_id: PostId(r.post_id),
            author_id: r.author_id.map(UserId),
            author_name: r.author_name,
            title: r.title,
            markdown: r.markdown,
            excerpt: r.excerpt,
            created_at: r.created_at,
        }
    }
}

const REVISION_COLUMNS: &str =
    "r.id, r.post_id, r.author_id, u.name AS author_name, r.title, r.markdown, r.excerpt, r.created_at";

impl PgStore {
    pub(crate) async fn save_post(&self, id: PostId, edit: &PostEdit) -> Result<SaveOutcome, StoreError> {
        let expected = micros(edit.expected);
        // A new version strictly after the one opened, even within the same microsecond.
        let now = micros(OffsetDateTime::now_utc()).max(expected + time::Duration::microseconds(1));
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE posts SET status = $1, slug = $2, title = $3, markdown = $4, html = $5, text = $6, \
             word_count = $7, excerpt = $8, content_warning = $9, featured_media_id = $10, published_at = $11, \
             comment_status = $12, updated_at = $13 WHERE id = $14 AND updated_at = $15",
        )
        .bind(edit.status.as_str())
        .bind(&edit.slug)
        .bind(&edit.title)
        .bind(&edit.markdown)
        .bind(&edit.html)
        .bind(&edit.text)
        .bind(i64::from(edit.word_count))
        .bind(&edit.excerpt)
        .bind(&edit.content_warning)
        .bind(edit.featured_media_id.map(|m| m.0))
        .bind(edit.published_at.map(micros))
        .bind(edit.discussion.as_str())
        .bind(now)
        .bind(id.0)
        .bind(expected)
        .execute(&mut *tx)
        .await
        .map_err(conflict_as("that slug"))?
        .rows_affected();
        if changed == 0 {
            let exists: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM posts WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
            return match exists {
                Some(_) => Ok(SaveOutcome::Stale),
                None => Err(StoreError::NotFound(format!("post {id}"))),
            };
        }
        sqlx::query("DELETE FROM post_terms WHERE post_id = $1").bind(id.0).execute(&mut *tx).await?;
        attach_terms(&mut tx, id, &edit.terms).await?;
        sqlx::query(
            "INSERT INTO revisions (post_id, author_id, title, markdown, excerpt, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.0)
        .bind(edit.editor.0)
        .bind(&edit.title)
        .bind(&edit.markdown)
        .bind(&edit.excerpt)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM autosaves WHERE post_id = $1 AND user_id = $2")
            .bind(id.0)
            .bind(edit.editor.0)
            .execute(&mut *tx)
            .await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved(now))
    }

    pub(crate) async fn add_revision(&self, revision: &NewRevision) -> Result<i64, StoreError> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO revisions (post_id, author_id, title, markdown, excerpt, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(revision.post_id.0)
        .bind(revision.author_id.0)
        .bind(&revision.title)
        .bind(&revision.markdown)
        .bind(&revision.excerpt)
        .bind(micros(OffsetDateTime::now_utc()))
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub(crate) async fn set_post_status(
        &self,
        id: PostId,
        status: PostStatus,
        published_at: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE posts SET status = $1, published_at = COALESCE($2, published_at), updated_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(published_at.map(micros))
        .bind(micros(OffsetDateTime::now_utc()))
        .bind(id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0 {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    pub(crate) async fn staff_posts(&self, filter: &StaffPostFilter, page: Page) -> Result<Paged<Post>, StoreError> {
        let build = |select: &str| {
            let mut q: QueryBuilder<Postgres> =
                QueryBuilder::new(format!("SELECT {select} FROM posts p WHERE p.kind = "));
            q.push_bind(filter.kind.as_str());
            match filter.status {
                Some(status) => q.push(" AND p.status = ").push_bind(status.as_str()),
                None => q.push(" AND p.status <> 'trash'"),
            };
            if let Some(author) = filter.author {
                q.push(" AND p.author_id = ").push_bind(author.0);
            }
            q
        };
        let (total,): (i64,) = build("COUNT(*)").build_query_as().fetch_one(&self.pool).await?;
        let mut q = build(POST_COLUMNS);
        q.push(" ORDER BY p.updated_at DESC, p.id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<PostRow> = q.build_query_as().fetch_all(&self.pool).await?;
        Ok(Paged::new(convert(rows)?, u64::try_from(total).unwrap_or(0), page))
    }

    pub(crate) async fn post_status_counts(
        &self,
        kind: PostKind,
        author: Option<UserId>,
    ) -> Result<Vec<(PostStatus, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM posts WHERE kind = $1 AND ($2::BIGINT IS NULL OR author_id = $2) \
             GROUP BY status ORDER BY status COLLATE \"C\"",
        )
        .bind(kind.as_str())
        .bind(author.map(|a| a.0))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(status, n)| {
                let status = status.parse().map_err(|e| StoreError::Corrupt(format!("post status: {e}")))?;
                Ok((status, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    }

    pub(crate) async fn revisions(&self, post: PostId) -> Result<Vec<Revision>, StoreError> {
        let sql = format!(
            "SELECT {REVISION_COLUMNS} FROM revisions r LEFT JOIN users u ON u.id = r.author_id \
             WHERE r.post_id = $1 ORDER BY r.id DESC LIMIT 200"
        );
        let rows: Vec<RevisionRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Revision::from).collect())
    }

    pub(crate) async fn revision(&self, post: PostId, id: i64) -> Result<Option<Revision>, StoreError> {
        let sql = format!(
            "SELECT {REVISION_COLUMNS} FROM revisions r LEFT JOIN users u ON u.id = r.author_id \
             WHERE r.post_id = $1 AND r.id = $2"
        );
        let row: Option<RevisionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(Revision::from))
    }

    pub(crate) async fn put_autosave(&self, autosave: &Autosave) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO autosaves (post_id, user_id, title, markdown, saved_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (post_id, user_id) DO UPDATE SET title = excluded.title, markdown = excluded.markdown, \
             saved_at = excluded.saved_at",
        )
        .bind(autosave.post_id.0)
        .bind(autosave.user_id.0)
        .bind(&autosave.title)
        .bind(&autosave.markdown)
        .bind(micros(autosave.saved_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn autosave(&self, post: PostId, user: UserId) -> Result<Option<Autosave>, StoreError> {
        let row: Option<(String, String, OffsetDateTime)> =
            sqlx::query_as("SELECT title, markdown, saved_at FROM autosaves WHERE post_id = $1 AND user_id = $2")
                .bind(post.0)
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(title, markdown, saved_at)| Autosave { post_id: post, user_id: user, title, markdown, saved_at }))
    }

    pub(crate) async fn publish_due_posts(&self, now: OffsetDateTime) -> Result<Vec<PostId>, StoreError> {
        let mut tx = self.begin().await?;
        let (locked,): (bool,) =
            sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)").bind(SCHEDULE_LOCK).fetch_one(&mut *tx).await?;
        if !locked {
            // Another instance is publishing right now; what is due is in its hands.
            return Ok(Vec::new());
        }
        let rows: Vec<(i64,)> = sqlx::query_as(
            "UPDATE posts SET status = 'published' WHERE status = 'scheduled' AND published_at <= $1 RETURNING id",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        if !rows.is_empty() {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        let mut ids: Vec<PostId> = rows.into_iter().map(|(id,)| PostId(id)).collect();
        ids.sort();
        Ok(ids)
    }

    pub(crate) async fn next_scheduled_at(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let (at,): (Option<OffsetDateTime>,) =
            sqlx::query_as("SELECT MIN(published_at) FROM posts WHERE status = 'scheduled'")
                .fetch_one(&self.pool)
                .await?;
        Ok(at)
    }
}
