//! The admin editor on SQLite: conditional saves, revisions, autosaves, staff lists and the
//! scheduled-publishing sweep. The single writer connection makes the sweep one instance's job.

use quire_core::{Page, Paged, Post, PostId, PostKind, PostStatus, UserId};
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite};
use time::OffsetDateTime;

use super::rows::{POST_COLUMNS, PostRow, convert};
use super::terms::attach_terms;
use super::{SqliteStore, bump_version, conflict_as};
use crate::timestamp::{from_db, to_db};
use crate::{Autosave, NewRevision, PostEdit, Revision, SaveOutcome, StaffPostFilter, StoreError};

#[derive(sqlx::FromRow)]
struct RevisionRow {
    id: i64,
    post_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    title: String,
    markdown: String,
    excerpt: Option<String>,
    created_at: String,
}

impl TryFrom<RevisionRow> for Revision {
    type Error = StoreError;
    fn try_from(r: RevisionRow) -> Result<Revision, StoreError> {
        Ok(Revision {
            id: r.id,
            post_id: PostId(r.post_id),
            author_id: r.author_id.map(UserId),
            author_name: r.author_name,
            title: r.title,
            markdown: r.markdown,
            excerpt: r.excerpt,
            created_at: from_db(&r.created_at)?,
        })
    }
}

const REVISION_COLUMNS: &str =
    "r.id, r.post_id, r.author_id, u.name AS author_name, r.title, r.markdown, r.excerpt, r.created_at";

impl SqliteStore {
    pub(crate) async fn save_post(&self, id: PostId, edit: &PostEdit) -> Result<SaveOutcome, StoreError> {
        // A new version strictly after the one opened, even within the same microsecond.
        let now = OffsetDateTime::now_utc().max(edit.expected + time::Duration::microseconds(1));
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE posts SET status = ?, slug = ?, title = ?, markdown = ?, html = ?, text = ?, word_count = ?, \
             excerpt = ?, content_warning = ?, featured_media_id = ?, published_at = ?, comment_status = ?, \
             updated_at = ? WHERE id = ? AND updated_at = ?",
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
        .bind(edit.published_at.map(to_db))
        .bind(edit.discussion.as_str())
        .bind(to_db(now))
        .bind(id.0)
        .bind(to_db(edit.expected))
        .execute(&mut *tx)
        .await
        .map_err(conflict_as("that slug"))?
        .rows_affected();
        if changed == 0 {
            let exists: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM posts WHERE id = ?").bind(id.0).fetch_optional(&mut *tx).await?;
            return match exists {
                Some(_) => Ok(SaveOutcome::Stale),
                None => Err(StoreError::NotFound(format!("post {id}"))),
            };
        }
        sqlx::query("DELETE FROM post_terms WHERE post_id = ?").bind(id.0).execute(&mut *tx).await?;
        attach_terms(&mut tx, id, &edit.terms).await?;
        sqlx::query("DELETE FROM post_search WHERE rowid = ?").bind(id.0).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO post_search (rowid, title, body) VALUES (?, ?, ?)")
            .bind(id.0)
            .bind(&edit.title)
            .bind(&edit.text)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO revisions (post_id, author_id, title, markdown, excerpt, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.0)
        .bind(edit.editor.0)
        .bind(&edit.title)
        .bind(&edit.markdown)
        .bind(&edit.excerpt)
        .bind(to_db(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM autosaves WHERE post_id = ? AND user_id = ?")
            .bind(id.0)
            .bind(edit.editor.0)
            .execute(&mut *tx)
            .await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved(from_db(&to_db(now))?))
    }

    pub(crate) async fn add_revision(&self, revision: &NewRevision) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO revisions (post_id, author_id, title, markdown, excerpt, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(revision.post_id.0)
        .bind(revision.author_id.0)
        .bind(&revision.title)
        .bind(&revision.markdown)
        .bind(&revision.excerpt)
        .bind(to_db(OffsetDateTime::now_utc()))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
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
            "UPDATE posts SET status = ?, published_at = COALESCE(?, published_at), updated_at = ? WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(published_at.map(to_db))
        .bind(to_db(OffsetDateTime::now_utc()))
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
            let mut q: QueryBuilder<Sqlite> =
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
        let (total,): (i64,) = build("COUNT(*)").build_query_as().fetch_one(&self.read).await?;
        let mut q = build(POST_COLUMNS);
        q.push(" ORDER BY p.updated_at DESC, p.id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<PostRow> = q.build_query_as().fetch_all(&self.read).await?;
        Ok(Paged::new(convert(rows)?, u64::try_from(total).unwrap_or(0), page))
    }

    pub(crate) async fn post_status_counts(
        &self,
        kind: PostKind,
        author: Option<UserId>,
    ) -> Result<Vec<(PostStatus, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM posts WHERE kind = ? AND (? IS NULL OR author_id = ?) \
             GROUP BY status ORDER BY status",
        )
        .bind(kind.as_str())
        .bind(author.map(|a| a.0))
        .bind(author.map(|a| a.0))
        .fetch_all(&self.read)
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
             WHERE r.post_id = ? ORDER BY r.id DESC LIMIT 200"
        );
        let rows: Vec<RevisionRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).fetch_all(&self.read).await?;
        rows.into_iter().map(Revision::try_from).collect()
    }

    pub(crate) async fn revision(&self, post: PostId, id: i64) -> Result<Option<Revision>, StoreError> {
        let sql = format!(
            "SELECT {REVISION_COLUMNS} FROM revisions r LEFT JOIN users u ON u.id = r.author_id \
             WHERE r.post_id = ? AND r.id = ?"
        );
        let row: Option<RevisionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).bind(id).fetch_optional(&self.read).await?;
        row.map(Revision::try_from).transpose()
    }

    pub(crate) async fn put_autosave(&self, autosave: &Autosave) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO autosaves (post_id, user_id, title, markdown, saved_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (post_id, user_id) DO UPDATE SET title = excluded.title, markdown = excluded.markdown, \
             saved_at = excluded.saved_at",
        )
        .bind(autosave.post_id.0)
        .bind(autosave.user_id.0)
        .bind(&autosave.title)
        .bind(&autosave.markdown)
        .bind(to_db(autosave.saved_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn autosave(&self, post: PostId, user: UserId) -> Result<Option<Autosave>, StoreError> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT title, markdown, saved_at FROM autosaves WHERE post_id = ? AND user_id = ?")
                .bind(post.0)
                .bind(user.0)
                .fetch_optional(&self.read)
                .await?;
        row.map(|(title, markdown, saved_at)| {
            Ok(Autosave { post_id: post, user_id: user, title, markdown, saved_at: from_db(&saved_at)? })
        })
        .transpose()
    }

    pub(crate) async fn publish_due_posts(&self, now: OffsetDateTime) -> Result<Vec<PostId>, StoreError> {
        let mut tx = self.begin().await?;
        let rows: Vec<(i64,)> = sqlx::query_as(
            "UPDATE posts SET status = 'published' WHERE status = 'scheduled' AND published_at <= ? RETURNING id",
        )
        .bind(to_db(now))
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
        let (at,): (Option<String>,) = sqlx::query_as("SELECT MIN(published_at) FROM posts WHERE status = 'scheduled'")
            .fetch_one(&self.read)
            .await?;
        at.as_deref().map(from_db).transpose()
    }
}
