//! Where media files live, through `object_store`: a local directory (`<data-dir>/media`) by
//! default, or an S3-compatible bucket (`[media] store = "s3"`), so that several instances share
//! one library. Keys are checked before they reach either: relative, plain characters, no `..`.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use crate::{Limits, MediaError};

/// Which object store holds the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// A directory on this machine (`<data-dir>/media`).
    #[default]
    Local,
    /// An S3-compatible bucket.
    S3,
}

/// The `[media]` table of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaConfig {
    /// "local" (default) or "s3".
    pub store: StoreKind,
    /// The bucket (S3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// The S3 endpoint for other providers than AWS, e.g. `http://127.0.0.1:9000`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The region (S3); `AWS_REGION` or `us-east-1` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Access key id (S3); `AWS_ACCESS_KEY_ID` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// Secret access key (S3), better given as `QUIRE_MEDIA_SECRET_ACCESS_KEY` or
    /// `AWS_SECRET_ACCESS_KEY`; never printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    /// Key prefix inside the bucket, so that one bucket can hold several sites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Largest upload accepted, in megabytes.
    pub max_upload_mb: u64,
    /// Most pixels of an upload, in megapixels (refused from the header, before decoding).
    pub max_megapixels: u64,
    /// Widths of the responsive variants made for each still image.
    pub variant_widths: Vec<u32>,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            store: StoreKind::Local,
            bucket: None,
            endpoint: None,
            region: None,
            access_key_id: None,
            secret_access_key: None,
            prefix: None,
            max_upload_mb: 20,
            max_megapixels: 50,
            variant_widths: crate::DEFAULT_WIDTHS.to_vec(),
        }
    }
}

impl MediaConfig {
    /// The upload limits in effect.
    pub fn limits(&self) -> Limits {
        Limits {
            max_bytes: self.max_upload_mb.saturating_mul(1024 * 1024),
            max_pixels: self.max_megapixels.saturating_mul(1_000_000),
        }
    }

    /// Refuses settings that cannot work, in one line naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.store == StoreKind::S3 && self.bucket.as_deref().is_none_or(|b| b.trim().is_empty()) {
            return Err("media.store = \"s3\" needs media.bucket".into());
        }
        if self.max_upload_mb == 0 || self.max_upload_mb > 1024 {
            return Err("media.max_upload_mb must be between 1 and 1024".into());
        }
        if self.max_megapixels == 0 || self.max_megapixels > 1000 {
            return Err("media.max_megapixels must be between 1 and 1000".into());
        }
        if self.variant_widths.iter().any(|&w| w == 0 || w > 10_000) || self.variant_widths.len() > 10 {
            return Err("media.variant_widths: at most 10 widths, each between 1 and 10000".into());
        }
        if let Some(prefix) = &self.prefix
            && !is_valid_key(prefix.trim_matches('/'))
        {
            return Err(format!("media.prefix {prefix:?} must be a plain relative path"));
        }
        Ok(())
    }
}

/// Whether `key` is a safe storage key: relative, no `..`, only plain file-name characters.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 255
        && !key.starts_with('/')
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// The object store holding the library's files.
#[derive(Debug, Clone)]
pub struct MediaStorage {
    inner: Arc<dyn ObjectStore>,
}

impl MediaStorage {
    /// Opens the store `config` names; `local_dir` is used for the local store (created if missing).
    pub fn open(config: &MediaConfig, local_dir: &Path) -> Result<MediaStorage, MediaError> {
        let failed = |e: &dyn std::fmt::Display| MediaError::Storage(e.to_string());
        let store: Arc<dyn ObjectStore> = match config.store {
            StoreKind::Local => {
                std::fs::create_dir_all(local_dir).map_err(|e| failed(&e))?;
                Arc::new(LocalFileSystem::new_with_prefix(local_dir).map_err(|e| failed(&e))?)
            }
            StoreKind::S3 => {
                let mut builder = AmazonS3Builder::from_env();
                if let Some(bucket) = &config.bucket {
                    builder = builder.with_bucket_name(bucket);
                }
                if let Some(endpoint) = &config.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                let region = config.region.clone().or_else(|| std::env::var("AWS_REGION").ok());
                builder = builder.with_region(region.unwrap_or_else(|| "us-east-1".into()));
                if let Some(key) = &config.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &config.secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                Arc::new(builder.build().map_err(|e| failed(&e))?)
            }
        };
        let store = match config.prefix.as_deref().map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) {
            Some(prefix) => Arc::new(PrefixStore::new(store, prefix)) as Arc<dyn ObjectStore>,
            None => store,
        };
        Ok(MediaStorage { inner: store })
    }

    /// Wraps any object store (tests, other backends).
    pub fn from_object_store(store: Arc<dyn ObjectStore>) -> MediaStorage {
        MediaStorage { inner: store }
    }

    fn path(key: &str) -> Result<object_store::path::Path, MediaError> {
        if !is_valid_key(key) {
            return Err(MediaError::BadKey(key.to_string()));
        }
        object_store::path::Path::parse(key).map_err(|_| MediaError::BadKey(key.to_string()))
    }

    /// Stores `bytes` under `key`, replacing what was there.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), MediaError> {
        let path = Self::path(key)?;
        self.inner.put(&path, PutPayload::from_bytes(bytes)).await.map_err(|e| MediaError::Storage(e.to_string()))?;
        Ok(())
    }

    /// The file under `key`; `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, MediaError> {
        let path = Self::path(key)?;
        let found = match self.inner.get(&path).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(MediaError::Storage(e.to_string())),
        };
        found.bytes().await.map(Some).map_err(|e| MediaError::Storage(e.to_string()))
    }

    /// Removes the file under `key` (nothing happens when there is none).
    pub async fn delete(&self, key: &str) -> Result<(), MediaError> {
        let path = Self::path(key)?;
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(MediaError::Storage(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_media_directory() {
        assert!(is_valid_key("demo/question-mark.gif"));
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a b", "a\\b", "%2e%2e/x"] {
            assert!(!is_valid_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn s3_needs_a_bucket_and_limits_must_be_sane() {
        let s3 = MediaConfig { store: StoreKind::S3, ..MediaConfig::default() };
        assert!(s3.validate().is_err_and(|e| e.contains("media.bucket")));
        assert!(MediaConfig { max_upload_mb: 0, ..MediaConfig::default() }.validate().is_err());
        assert!(MediaConfig { prefix: Some("../x".into()), ..MediaConfig::default() }.validate().is_err());
        assert_eq!(MediaConfig::default().limits(), Limits::default());
    }

    #[tokio::test]
    async fn the_local_store_keeps_files_under_its_directory() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let storage = MediaStorage::open(&MediaConfig::default(), &dir.path().join("media"))?;
        storage.put("a/b.png", Bytes::from_static(b"png")).await?;
        assert_eq!(std::fs::read(dir.path().join("media/a/b.png"))?, b"png");
        assert_eq!(storage.get("a/b.png").await?.as_deref(), Some(&b"png"[..]));
        assert_eq!(storage.get("a/missing.png").await?, None);
        assert!(matches!(storage.get("../quire.db").await, Err(MediaError::BadKey(_))));
        storage.delete("a/b.png").await?;
        storage.delete("a/b.png").await?;
        assert_eq!(storage.get("a/b.png").await?, None);
        Ok(())
    }
}
