//! The media store against a real S3-compatible server on loopback (moto in server mode): files
//! go into the bucket under their keys (and the configured prefix), come back byte for byte, and
//! missing keys are "not found", not errors. Skipped with a message when moto is not installed,
//! unless `QUIRE_REQUIRE_S3=1`.
#![expect(clippy::unwrap_used, reason = "tests")]

use bytes::Bytes;
use quire_media::testing::Moto;
use quire_media::{MediaConfig, MediaStorage};

#[tokio::test]
async fn files_live_in_the_bucket_and_come_back_whole() {
    let Some(moto) = Moto::start_or_skip() else { return };
    let config = MediaConfig { prefix: Some("site-a".into()), ..moto.bucket("quire-media").await.unwrap() };
    let unused = tempfile::tempdir().unwrap();
    let storage = MediaStorage::open(&config, unused.path()).unwrap();
    let photo: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    storage.put("uploads/2026/05/abc.jpg", Bytes::from(photo.clone())).await.unwrap();
    assert_eq!(moto.keys("quire-media").await.unwrap(), vec!["site-a/uploads/2026/05/abc.jpg".to_string()]);
    assert_eq!(storage.get("uploads/2026/05/abc.jpg").await.unwrap().as_deref(), Some(photo.as_slice()));
    assert_eq!(storage.get("uploads/2026/05/missing.jpg").await.unwrap(), None);
    assert!(std::fs::read_dir(unused.path()).unwrap().next().is_none(), "nothing written locally");
    storage.delete("uploads/2026/05/abc.jpg").await.unwrap();
    assert!(moto.keys("quire-media").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_bucket_is_an_error_not_an_empty_library() {
    let Some(moto) = Moto::start_or_skip() else { return };
    let mut config = moto.bucket("real").await.unwrap();
    config.bucket = Some("no-such-bucket".into());
    let storage = MediaStorage::open(&config, tempfile::tempdir().unwrap().path()).unwrap();
    assert!(storage.put("a.png", Bytes::from_static(b"x")).await.is_err());
}
