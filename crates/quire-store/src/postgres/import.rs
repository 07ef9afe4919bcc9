//! Imports on PostgreSQL: each source item in one transaction with its `import_items` row, so a
//! re-import finds what the item became and an interrupted run resumes where it stopped. Import
//! transactions commit without waiting for the disk (`synchronous_commit = off`, local to each
//! transaction): a crash loses at most the last moments of the run, never half an item, and the
//! run resumes; [`PgStore::finish_import`] makes everything durable at the end. Posts are written
//! on a connection of their own for the run (`synchronous_commit = off` for that session), each in
//! one statement (atomic by itself): with its comments' ids taken first, two round trips a post.

use quire_core::{CommentId, MediaId, PostId, TermId, ThreadPath, UserId};
use std::sync::Arc;

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Postgres, Transaction};
use time::OffsetDateTime;

use super::{PgStore, VERSION_CHANNEL, bump_version, conflict_as, micros};
use crate::free_slug;
use crate::{ImportPost, ImportTerm, Imported, NewMedia, NewUser, SourceKey, StoreError};

/// The connection of the import run under way, if any: detached from the pool, so that its
/// session setting never reaches another user of the pool.
#[derive(Clone, Default)]
pub(super) struct Session(Arc<tokio::sync::Mutex<Option<PgConnection>>>);

async fn find(tx: &mut Transaction<'static, Postgres>, key: SourceKey<'_>) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT quire_id FROM import_items WHERE source = $1 AND kind = $2 AND source_id = $3")
            .bind(key.source)
            .bind(key.kind)
            .bind(key.id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(id,)| id))
}

async fn record(tx: &mut Transaction<'static, Postgres>, key: SourceKey<'_>, id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO import_items (source, kind, source_id, quire_id, imported_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT DO NOTHING",
    )
    .bind(key.source)
    .bind(key.kind)
    .bind(key.id)
    .bind(id)
    .bind(micros(OffsetDateTime::now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl PgStore {
    pub(crate) async fn imported(&self, key: SourceKey<'_>) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT quire_id FROM import_items WHERE source = $1 AND kind = $2 AND source_id = $3")
                .bind(key.source)
                .bind(key.kind)
                .bind(key.id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id,)| id))
    }

    pub(crate) async fn import_user(&self, key: SourceKey<'_>, user: &NewUser) -> Result<Imported<UserId>, StoreError> {
        let mut tx = self.begin_import_tx().await?;
        if let Some(id) = find(&mut tx, key).await? {
            return Ok(Imported::Existing(UserId(id)));
        }
        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE lower(email) = lower($1)")
            .bind(user.email.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match existing {
            Some((id,)) => Imported::Existing(UserId(id)),
            None => {
                let taken: Vec<(String,)> = sqlx::query_as("SELECT slug FROM users WHERE slug = $1 OR slug LIKE $2")
                    .bind(&user.slug)
                    .bind(format!("{}-%", user.slug))
                    .fetch_all(&mut *tx)
                    .await?;
                let slug = free_slug(&user.slug, &taken.into_iter().map(|(s,)| s).collect::<Vec<_>>());
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (email, name, slug, role, password_hash, bio, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(user.email.as_str())
                .bind(&user.name)
                .bind(&slug)
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(&user.bio)
                .bind(micros(OffsetDateTime::now_utc()))
                .fetch_one(&mut *tx)
                .await
                .map_err(conflict_as("that email or author slug"))?;
                Imported::Created(UserId(id))
            }
        };
        record(&mut tx, key, outcome.id().0).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    pub(crate) async fn import_term(
        &self,
        key: SourceKey<'_>,
        term: &ImportTerm,
    ) -> Result<Imported<TermId>, StoreError> {
        let mut tx = self.begin_import_tx().await?;
        if let Some(id) = find(&mut tx, key).await? {
            return Ok(Imported::Existing(TermId(id)));
        }
        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM terms WHERE kind = $1 AND slug = $2")
            .bind(term.kind.as_str())
            .bind(&term.slug)
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match existing {
            Some((id,)) => {
                // A term made earlier by a post of this import learns its place in the hierarchy.
                sqlx::query("UPDATE terms SET parent_id = COALESCE(parent_id, $1), description = COALESCE(description, $2) WHERE id = $3")
                    .bind(term.parent_id.map(|p| p.0))
                    .bind(&term.description)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Imported::Existing(TermId(id))
            }
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO terms (kind, slug, name, parent_id, description) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(term.kind.as_str())
                .bind(&term.slug)
                .bind(&term.name)
                .bind(term.parent_id.map(|p| p.0))
                .bind(&term.description)
                .fetch_one(&mut *tx)
                .await?;
                Imported::Created(TermId(id))
            }
        };
        record(&mut tx, key, outcome.id().0).await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    pub(crate) async fn import_media(
        &self,
        key: SourceKey<'_>,
        media: &NewMedia,
    ) -> Result<Imported<MediaId>, StoreError> {
        let mut tx = self.begin_import_tx().await?;
        if let Some(id) = find(&mut tx, key).await? {
            return Ok(Imported::Existing(MediaId(id)));
        }
        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM media WHERE storage_key = $1")
            .bind(&media.storage_key)
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match existing {
            Some((id,)) => Imported::Existing(MediaId(id)),
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO media (storage_key, mime, bytes, width, height, alt, caption, credit, licence, \
                     uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(&media.storage_key)
                .bind(&media.mime)
                .bind(media.bytes)
                .bind(media.width.map(i64::from))
                .bind(media.height.map(i64::from))
                .bind(&media.alt)
                .bind(&media.caption)
                .bind(&media.credit)
                .bind(&media.licence)
                .bind(media.uploaded_by.map(|u| u.0))
                .bind(micros(OffsetDateTime::now_utc()))
                .fetch_one(&mut *tx)
                .await?;
                Imported::Created(MediaId(id))
            }
        };
        record(&mut tx, key, outcome.id().0).await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Opens the run's own connection for posts, committing without waiting for the disk.
    pub(crate) async fn begin_import(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?.detach();
        sqlx::query("SET synchronous_commit = off").execute(&mut conn).await?;
        if let Some(old) = self.import.0.lock().await.replace(conn) {
            let _ = old.close().await;
        }
        Ok(())
    }

    /// A transaction that commits without waiting for the disk.
    async fn begin_import_tx(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin_with("BEGIN; SET LOCAL synchronous_commit = off").await?)
    }

    /// Closes the run's connection and makes every import transaction so far durable: a commit
    /// that waits for the disk flushes the write-ahead log up to it, earlier asynchronous commits
    /// (of any session) included.
    pub(crate) async fn finish_import(&self) -> Result<(), StoreError> {
        if let Some(conn) = self.import.0.lock().await.take() {
            let _ = conn.close().await;
        }
        let mut tx = self.begin().await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn import_post(
        &self,
        key: SourceKey<'_>,
        item: &ImportPost,
    ) -> Result<Imported<PostId>, StoreError> {
        let mut session = self.import.0.lock().await;
        let mut pooled;
        let conn: &mut PgConnection = match session.as_mut() {
            Some(conn) => conn,
            None => {
                pooled = self.pool.acquire().await?;
                &mut pooled
            }
        };
        let comment_ids: Vec<i64> = if item.comments.is_empty() {
            Vec::new()
        } else {
            sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('comments', 'id')) FROM generate_series(1, $1)")
                .bind(i64::try_from(item.comments.len()).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?
        };
        match write_post(conn, key, item, &comment_ids).await? {
            Some(id) => Ok(Imported::Created(PostId(id))),
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "SELECT quire_id FROM import_items WHERE source = $1 AND kind = $2 AND source_id = $3",
                )
                .bind(key.source)
                .bind(key.kind)
                .bind(key.id)
                .fetch_one(&mut *conn)
                .await?;
                Ok(Imported::Existing(PostId(id)))
            }
        }
    }
}

/// Columns of a post's comments, one array each, for `UNNEST`.
#[derive(Default)]
struct CommentColumns {
    id: Vec<i64>,
    parent: Vec<Option<i64>>,
    path: Vec<String>,
    author_name: Vec<String>,
    author_email: Vec<Option<String>>,
    author_url: Vec<Option<String>>,
    user_id: Vec<Option<i64>>,
    markdown: Vec<String>,
    html: Vec<String>,
    status: Vec<&'static str>,
    created_at: Vec<OffsetDateTime>,
    kind: Vec<&'static str>,
}

/// A post in one statement, so in one (implicit) transaction: the post, unless an earlier run
/// imported it, with its terms (made when missing), its comments, the import records of the post
/// and of every comment, its redirects, and the content version. Every part hangs on the post's
/// insert, so an imported post writes nothing and answers `None`.
async fn write_post(
    conn: &mut PgConnection,
    key: SourceKey<'_>,
    item: &ImportPost,
    comment_ids: &[i64],
) -> Result<Option<i64>, StoreError> {
    let post = &item.post;
    let now = OffsetDateTime::now_utc();
    let created = item.created_at.unwrap_or(now);
    let updated = item.updated_at.unwrap_or(created);
    let mut c = CommentColumns::default();
    let mut paths: Vec<ThreadPath> = Vec::with_capacity(item.comments.len());
    for (comment, id) in item.comments.iter().zip(comment_ids) {
        let parent = comment.parent.and_then(|p| Some((*comment_ids.get(p)?, paths.get(p)?.clone())));
        let path = ThreadPath::child_of(parent.as_ref().map(|(_, path)| path), CommentId(*id));
        c.id.push(*id);
        c.parent.push(parent.map(|(pid, _)| pid));
        c.path.push(path.0.clone());
        paths.push(path);
        c.author_name.push(comment.author_name.clone());
        c.author_email.push(comment.author_email.clone());
        c.author_url.push(comment.author_url.clone());
        c.user_id.push(comment.user_id.map(|u| u.0));
        c.markdown.push(comment.markdown.clone());
        c.html.push(comment.html.clone());
        c.status.push(comment.status.as_str());
        c.created_at.push(micros(comment.created_at));
        c.kind.push(comment.kind.as_str());
    }
    // Import records: every comment's, then the post's own (its id comes from the insert).
    let mut record_kind: Vec<&str> = vec!["comment"; c.id.len()];
    let mut record_source_id: Vec<&str> = item.comments.iter().map(|c| c.source_id.as_str()).collect();
    let mut record_id: Vec<Option<i64>> = c.id.iter().copied().map(Some).collect();
    record_kind.push(key.kind);
    record_source_id.push(key.id);
    record_id.push(None);
    // One upsert per old path: the last one wins, as it would one by one.
    let mut redirects: Vec<(&str, &str)> = Vec::with_capacity(item.redirects.len());
    for (from, to) in &item.redirects {
        redirects.retain(|(f, _)| *f != from.as_str());
        redirects.push((from, to));
    }
    let terms = &post.terms;
    let id: Option<i64> = sqlx::query_scalar(
        "WITH p AS (INSERT INTO posts (kind, status, slug, title, markdown, html, text, excerpt, content_warning, \
             featured_media_id, author_id, published_at, created_at, updated_at, comment_status, word_count, \
             reviewed_item, password, sticky) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19 \
             WHERE NOT EXISTS (SELECT 1 FROM import_items WHERE source = $20 AND kind = $21 AND source_id = $22) \
             RETURNING id), \
         wanted AS (SELECT * FROM UNNEST($23::text[], $24::text[], $25::text[], $26::int8[]) AS w(kind, slug, name, position)), \
         made AS (INSERT INTO terms (kind, slug, name) SELECT w.kind, w.slug, w.name FROM wanted w, p \
                  ON CONFLICT (kind, slug) DO NOTHING RETURNING id, kind, slug), \
         linked AS (INSERT INTO post_terms (post_id, term_id, position) \
                    SELECT p.id, t.id, w.position FROM p, wanted w \
                    JOIN (SELECT id, kind, slug FROM made UNION ALL SELECT id, kind, slug FROM terms) t \
                      ON t.kind = w.kind AND t.slug = w.slug \
                    ON CONFLICT DO NOTHING), \
         written AS (INSERT INTO comments (id, post_id, parent_id, path, author_name, author_email, author_url, \
                     user_id, markdown, html, status, created_at, kind) \
                     SELECT c.id, p.id, c.parent_id, c.path, c.author_name, c.author_email, c.author_url, c.user_id, \
                     c.markdown, c.html, c.status, c.created_at, c.kind FROM p, UNNEST($27::int8[], $28::int8[], \
                     $29::text[], $30::text[], $31::text[], $32::text[], $33::int8[], $34::text[], $35::text[], \
                     $36::text[], $37::timestamptz[], $38::text[]) AS c(id, parent_id, path, author_name, author_email, \
                     author_url, user_id, markdown, html, status, created_at, kind)), \
         recorded AS (INSERT INTO import_items (source, kind, source_id, quire_id, imported_at) \
                      SELECT $20, r.kind, r.source_id, COALESCE(r.quire_id, p.id), $39 \
                      FROM p, UNNEST($40::text[], $41::text[], $42::int8[]) AS r(kind, source_id, quire_id) \
                      ON CONFLICT DO NOTHING), \
         moved AS (INSERT INTO redirects (from_path, to_path) SELECT m.from_path, m.to_path \
                   FROM p, UNNEST($43::text[], $44::text[]) AS m(from_path, to_path) \
                   ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path), \
         bumped AS (UPDATE meta SET value = value + 1 WHERE key = 'content_version' AND EXISTS (SELECT 1 FROM p) \
                    RETURNING value), \
         notified AS (SELECT pg_notify($45, value::text) FROM bumped) \
         SELECT p.id FROM p CROSS JOIN (SELECT count(*) FROM notified) AS n",
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
    .bind(micros(created))
    .bind(micros(updated))
    .bind(post.discussion.as_str())
    .bind(i64::from(post.word_count))
    .bind(post.reviewed_item.as_ref().map(sqlx::types::Json))
    .bind(&item.password)
    .bind(item.sticky)
    .bind(key.source)
    .bind(key.kind)
    .bind(key.id)
    .bind(terms.iter().map(|t| t.kind.as_str()).collect::<Vec<_>>())
    .bind(terms.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>())
    .bind(terms.iter().map(|t| t.name.as_str()).collect::<Vec<_>>())
    .bind((0..terms.len()).map(|p| i64::try_from(p).unwrap_or(i64::MAX)).collect::<Vec<_>>())
    .bind(&c.id)
    .bind(&c.parent)
    .bind(&c.path)
    .bind(&c.author_name)
    .bind(&c.author_email)
    .bind(&c.author_url)
    .bind(&c.user_id)
    .bind(&c.markdown)
    .bind(&c.html)
    .bind(&c.status)
    .bind(&c.created_at)
    .bind(&c.kind)
    .bind(micros(now))
    .bind(&record_kind)
    .bind(&record_source_id)
    .bind(&record_id)
    .bind(redirects.iter().map(|(f, _)| *f).collect::<Vec<_>>())
    .bind(redirects.iter().map(|(_, t)| *t).collect::<Vec<_>>())
    .bind(VERSION_CHANNEL)
    .fetch_optional(&mut *conn)
    .await
    .map_err(conflict_as("that slug"))?;
    Ok(id)
}
