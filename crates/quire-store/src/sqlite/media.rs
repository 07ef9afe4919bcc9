//! The media library's records on SQLite (the files live in the media store).

use quire_core::{Media, MediaId};
use sqlx::AssertSqlSafe;

use super::rows::{MEDIA_COLUMNS, MediaRow};
use super::{SqliteStore, bump_version, conflict_as, placeholders};
use crate::timestamp::to_db;
use crate::{NewMedia, StoreError};

impl SqliteStore {
    pub(crate) async fn create_media(&self, media: &NewMedia) -> Result<MediaId, StoreError> {
        let mut tx = self.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO media (storage_key, mime, bytes, width, height, alt, caption, credit, licence, uploaded_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
        .bind(to_db(time::OffsetDateTime::now_utc()))
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
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id IN ({}) ORDER BY id", placeholders(ids.len()));
        let mut query = sqlx::query_as::<_, MediaRow>(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.0);
        }
        Ok(query.fetch_all(&self.read).await?.into_iter().map(Media::from).collect())
    }

    pub(crate) async fn media_by_key(&self, key: &str) -> Result<Option<Media>, StoreError> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media WHERE storage_key = ?");
        let row: Option<MediaRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(key).fetch_optional(&self.read).await?;
        Ok(row.map(Media::from))
    }
}
