//! Imports on SQLite: each source item in one transaction with its `import_items` row, so a
//! re-import finds what the item became and an interrupted run resumes where it stopped. During
//! an import the writer connection commits without syncing the disk (`synchronous = NORMAL`: in
//! WAL mode a crash of the process loses nothing, a crash of the machine at most the last moments
//! of the run, never half an item); [`SqliteStore::finish_import`] makes everything durable.
//! A post takes four calls to the database thread: begin, the post (with the highest comment id),
//! everything else as one batch of statements, commit.

use quire_core::{CommentId, MediaId, PostId, TermId, ThreadPath, UserId};
use sqlx::{QueryBuilder, Sqlite, Transaction};
use time::OffsetDateTime;

use super::{SqliteStore, bump_version, conflict_as};
use crate::free_slug;
use crate::timestamp::to_db;
use crate::{ImportPost, ImportTerm, Imported, NewMedia, NewUser, SourceKey, StoreError};

/// Comments per multi-row INSERT, well under SQLite's limit of bound variables per statement.
const BATCH: usize = 500;

async fn find(tx: &mut Transaction<'static, Sqlite>, key: SourceKey<'_>) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT quire_id FROM import_items WHERE source = ? AND kind = ? AND source_id = ?")
            .bind(key.source)
            .bind(key.kind)
            .bind(key.id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(id,)| id))
}

async fn record(tx: &mut Transaction<'static, Sqlite>, key: SourceKey<'_>, id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO import_items (source, kind, source_id, quire_id, imported_at) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT DO NOTHING",
    )
    .bind(key.source)
    .bind(key.kind)
    .bind(key.id)
    .bind(id)
    .bind(to_db(OffsetDateTime::now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl SqliteStore {
    /// Lets the writer connection commit without syncing the disk until [`Self::finish_import`].
    pub(crate) async fn begin_import(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA synchronous = NORMAL").execute(&self.write).await?;
        Ok(())
    }

    /// Syncs the disk again on every commit, and makes the import durable: a commit with
    /// `synchronous = FULL` syncs the write-ahead log, every earlier commit in it included. The
    /// log, grown by the import, is then checkpointed into the database and emptied.
    pub(crate) async fn finish_import(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA synchronous = FULL").execute(&self.write).await?;
        let mut tx = self.begin().await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.write).await?;
        Ok(())
    }

    pub(crate) async fn imported(&self, key: SourceKey<'_>) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT quire_id FROM import_items WHERE source = ? AND kind = ? AND source_id = ?")
                .bind(key.source)
                .bind(key.kind)
                .bind(key.id)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(|(id,)| id))
    }

    pub(crate) async fn import_user(&self, key: SourceKey<'_>, user: &NewUser) -> Result<Imported<UserId>, StoreError> {
        let mut tx = self.begin().await?;
        if let Some(id) = find(&mut tx, key).await? {
            return Ok(Imported::Existing(UserId(id)));
        }
        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE email = ?")
            .bind(user.email.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match existing {
            Some((id,)) => Imported::Existing(UserId(id)),
            None => {
                let taken: Vec<(String,)> = sqlx::query_as("SELECT slug FROM users WHERE slug = ? OR slug LIKE ?")
                    .bind(&user.slug)
                    .bind(format!("{}-%", user.slug))
                    .fetch_all(&mut *tx)
                    .await?;
                let slug = free_slug(&user.slug, &taken.into_iter().map(|(s,)| s).collect::<Vec<_>>());
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (email, name, slug, role, password_hash, bio, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(user.email.as_str())
                .bind(&user.name)
                .bind(&slug)
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(&user.bio)
                .bind(to_db(OffsetDateTime::now_utc()))
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
        let mut tx = self.begin().await?;
        if let Some(id) = find(&mut tx, key).await? {
            return Ok(Imported::Existing(TermId(id)));
        }
        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM terms WHERE kind = ? AND slug = ?")
            .bind(term.kind.as_str())
            .bind(&term.slug)
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match existing {
            Some((id,)) => {
                // A term made earlier by a post of this import learns its place in the hierarchy.
                sqlx::query("UPDATE terms SET parent_id = COALESCE(parent_id, ?), description = COALESCE(description, ?) WHERE id = ?")
                    .bind(term.parent_id.map(|p| p.0))
                    .bind(&term.description)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Imported::Existing(TermId(id))
            }
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO terms (kind, slug, name, parent_id, description) VALUES (?, ?, ?, ?, ?) RETURNING id",
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
        let mut tx = self.begin().await?;
        if let Some(id) = find(&mut tx, key).await? {
            return Ok(Imported::Existing(MediaId(id)));
        }
        let existing: Option<(i64,)> = sqlx::query_as("SELECT id FROM media WHERE storage_key = ?")
            .bind(&media.storage_key)
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match existing {
            Some((id,)) => Imported::Existing(MediaId(id)),
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO media (storage_key, mime, bytes, width, height, alt, caption, credit, licence, \
                     uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                .bind(to_db(OffsetDateTime::now_utc()))
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

    pub(crate) async fn import_post(
        &self,
        key: SourceKey<'_>,
        item: &ImportPost,
    ) -> Result<Imported<PostId>, StoreError> {
        let mut tx = self.begin().await?;
        let post = &item.post;
        let now = OffsetDateTime::now_utc();
        let created = item.created_at.unwrap_or(now);
        let updated = item.updated_at.unwrap_or(created);
        // The post, unless an earlier run imported it, and the highest comment id: ids for its
        // comments are taken after it (this transaction holds the only write lock), so each
        // comment's thread path is known before it is written.
        let inserted: Option<(i64, i64)> = sqlx::query_as(
            "INSERT INTO posts (kind, status, slug, title, markdown, html, text, excerpt, content_warning, \
             featured_media_id, author_id, published_at, created_at, updated_at, comment_status, word_count, \
             reviewed_item, password, sticky) \
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? \
             WHERE NOT EXISTS (SELECT 1 FROM import_items WHERE source = ? AND kind = ? AND source_id = ?) \
             RETURNING id, (SELECT COALESCE(MAX(id), 0) FROM comments)",
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
        .bind(to_db(created))
        .bind(to_db(updated))
        .bind(post.discussion.as_str())
        .bind(i64::from(post.word_count))
        .bind(post.reviewed_item.as_ref().and_then(|r| serde_json::to_string(r).ok()))
        .bind(&item.password)
        .bind(item.sticky)
        .bind(key.source)
        .bind(key.kind)
        .bind(key.id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(conflict_as("that slug"))?;
        let Some((id, max_comment)) = inserted else {
            let existing =
                find(&mut tx, key).await?.ok_or_else(|| StoreError::Corrupt("import record vanished".into()))?;
            return Ok(Imported::Existing(PostId(existing)));
        };
        write_rest(&mut tx, key, PostId(id), item, max_comment).await?;
        tx.commit().await?;
        Ok(Imported::Created(PostId(id)))
    }
}

/// The rest of a post in one call of several statements: its search entry, its terms (made
/// when missing), its comments in multi-row inserts, the import records of the post and of every
/// comment, its redirects, and the content version.
async fn write_rest(
    tx: &mut Transaction<'static, Sqlite>,
    key: SourceKey<'_>,
    post: PostId,
    item: &ImportPost,
    max_comment: i64,
) -> Result<(), StoreError> {
    let mut placed: Vec<(i64, ThreadPath)> = Vec::with_capacity(item.comments.len());
    for (n, comment) in item.comments.iter().enumerate() {
        let id = max_comment + 1 + i64::try_from(n).unwrap_or(i64::MAX - max_comment - 1);
        let parent = comment.parent.and_then(|p| placed.get(p)).map(|(_, path)| path.clone());
        placed.push((id, ThreadPath::child_of(parent.as_ref(), CommentId(id))));
    }
    let now = to_db(OffsetDateTime::now_utc());
    let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO post_search (rowid, title, body) VALUES (");
    q.push_bind(post.0).push(", ").push_bind(item.post.title.clone()).push(", ");
    q.push_bind(item.post.text.clone()).push(");");
    let terms = &item.post.terms;
    if !terms.is_empty() {
        q.push(" INSERT INTO terms (kind, slug, name) ");
        q.push_values(terms, |mut b, t| {
            b.push_bind(t.kind.as_str()).push_bind(t.slug.clone()).push_bind(t.name.clone());
        });
        q.push(" ON CONFLICT (kind, slug) DO NOTHING; INSERT INTO post_terms (post_id, term_id, position) SELECT ");
        q.push_bind(post.0).push(", t.id, v.column3 FROM (");
        q.push_values(terms.iter().enumerate(), |mut b, (position, t)| {
            b.push_bind(t.kind.as_str())
                .push_bind(t.slug.clone())
                .push_bind(i64::try_from(position).unwrap_or(i64::MAX));
        });
        q.push(") v JOIN terms t ON t.kind = v.column1 AND t.slug = v.column2 WHERE true ON CONFLICT DO NOTHING;");
    }
    let rows: Vec<_> = item.comments.iter().zip(&placed).collect();
    for chunk in rows.chunks(BATCH) {
        q.push(
            " INSERT INTO comments (id, post_id, parent_id, path, author_name, author_email, author_url, user_id, \
             markdown, html, status, created_at, kind) ",
        );
        q.push_values(chunk, |mut b, (comment, (id, path))| {
            let parent = comment.parent.and_then(|p| placed.get(p)).map(|(pid, _)| *pid);
            b.push_bind(*id)
                .push_bind(post.0)
                .push_bind(parent)
                .push_bind(path.0.clone())
                .push_bind(comment.author_name.clone())
                .push_bind(comment.author_email.clone())
                .push_bind(comment.author_url.clone())
                .push_bind(comment.user_id.map(|u| u.0))
                .push_bind(comment.markdown.clone())
                .push_bind(comment.html.clone())
                .push_bind(comment.status.as_str())
                .push_bind(to_db(comment.created_at))
                .push_bind(comment.kind.as_str());
        });
        q.push("; INSERT INTO import_items (source, kind, source_id, quire_id, imported_at) ");
        q.push_values(chunk, |mut b, (comment, (id, _))| {
            b.push_bind(key.source.to_string())
                .push_bind("comment")
                .push_bind(comment.source_id.clone())
                .push_bind(*id)
                .push_bind(now.clone());
        });
        q.push(" ON CONFLICT DO NOTHING;");
    }
    if !item.redirects.is_empty() {
        q.push(" INSERT INTO redirects (from_path, to_path) ");
        q.push_values(&item.redirects, |mut b, (from, to)| {
            b.push_bind(from.clone()).push_bind(to.clone());
        });
        q.push(" ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path;");
    }
    q.push(" INSERT INTO import_items (source, kind, source_id, quire_id, imported_at) VALUES (");
    q.push_bind(key.source.to_string()).push(", ").push_bind(key.kind.to_string()).push(", ");
    q.push_bind(key.id.to_string()).push(", ").push_bind(post.0).push(", ").push_bind(now);
    q.push(") ON CONFLICT DO NOTHING; UPDATE meta SET value = value + 1 WHERE key = 'content_version'");
    q.build().execute(&mut **tx).await?;
    Ok(())
}
