//! The media library's admin side on PostgreSQL.

use quire_core::{Media, MediaId, MediaVariant, Page, Paged, PostId};
use sqlx::AssertSqlSafe;

use super::keys::enqueue;
use super::rows::{MEDIA_COLUMNS, MediaRow};
use super::{PgStore, bump_version, conflict_as};
use crate::{MediaDetails, NewJob, NewMedia, StoreError};

impl PgStore {
    pub(crate) async fn create_media_with_job(&self, media: &NewMedia, job_kind: &str) -> Result<MediaId, StoreError> {
        let mut tx = self.begin().await?;
        let now = time::OffsetDateTime::now_utc();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO media (storage_key, mime, bytes, width, height, alt, caption, credit, licence, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
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
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_as("that media storage key"))?;
        let job = NewJob { kind: job_kind.into(), payload: serde_json::json!({ "media_id": id }), run_at: now };
        enqueue(&mut tx, std::slice::from_ref(&job)).await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(MediaId(id))
    }

    pub(crate) async fn media_library(&self, page: Page) -> Result<Paged<Media>, StoreError> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media ORDER BY id DESC LIMIT $1 OFFSET $2");
        let rows: Vec<MediaRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(page.limit()).bind(page.offset()).fetch_all(&self.pool).await?;
        let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM media").fetch_one(&self.pool).await?;
        let items = rows.into_iter().map(Media::from).collect();
        Ok(Paged::new(items, u64::try_from(total).unwrap_or_default(), page))
    }

    pub(crate) async fn update_media_details(&self, id: MediaId, details: &MediaDetails) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE media SET alt = $1, caption = $2, credit = $3, licence = $4 WHERE id = $5")
            .bind(&details.alt)
            .bind(&details.caption)
            .bind(&details.credit)
            .bind(&details.licence)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn set_media_variants(&self, id: MediaId, variants: &[MediaVariant]) -> Result<bool, StoreError> {
        let json = serde_json::to_string(variants).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE media SET variants = $1::jsonb WHERE id = $2")
            .bind(json)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn posts_mentioning_media(&self, id: MediaId) -> Result<Vec<(PostId, String)>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, markdown FROM posts WHERE strpos(markdown, $1) > 0 ORDER BY id")
                .bind(format!("media:{}", id.0))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id, markdown)| (PostId(id), markdown)).collect())
    }

    pub(crate) async fn set_post_html(&self, id: PostId, html: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done =
            sqlx::query("UPDATE posts SET html = $1 WHERE id = $2").bind(html).bind(id.0).execute(&mut *tx).await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}
