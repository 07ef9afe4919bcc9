//! The media library's records on PostgreSQL (the files live in the media store).

use quire_core::{Media, MediaId};
use sqlx::AssertSqlSafe;

use super::rows::{MEDIA_COLUMNS, MediaRow};
use super::{PgStore, bump_version, conflict_as};
use crate::{NewMedia, StoreError};

impl PgStore {
    pub(crate) async fn create_media(&self, media: &NewMedia) -> Result<MediaId, StoreError> {
        let mut tx = self.begin().await?;
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
        .bind(time::OffsetDateTime::now_utc())
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_as("that media storage key"))?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(MediaId(id))
    }

    pub(crate) async fn media_by_ids(&self, ids: &[MediaId]) -> Result<Vec<Media>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = ids.iter().map(|m| m.0).collect();
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id = ANY($1) ORDER BY id");
        let rows: Vec<MediaRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(ids).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Media::from).collect())
    }

    pub(crate) async fn media_by_key(&self, key: &str) -> Result<Option<Media>, StoreError> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media WHERE storage_key = $1");
        let row: Option<MediaRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(key).fetch_optional(&self.pool).await?;
        Ok(row.map(Media::from))
    }
}
