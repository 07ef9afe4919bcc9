//! The media library's admin calls: an upload is recorded with its variants job in one go, the
//! library lists newest first, words and variants are saved, and the posts showing an item are
//! found and re-rendered.

use quire_core::{MediaId, MediaVariant, Page};
use quire_store::{MediaDetails, NewMedia};
use time::OffsetDateTime;

use crate::support::{Fixture, post, writer};

on_both_backends!(
    an_upload_is_recorded_with_its_variants_job,
    the_library_lists_newest_first_a_page_at_a_time,
    words_and_variants_are_saved_and_read_back,
    posts_showing_an_item_are_found_and_their_html_replaced,
);

fn upload(key: &str) -> NewMedia {
    NewMedia {
        storage_key: key.into(),
        mime: "image/jpeg".into(),
        bytes: 2048,
        width: Some(1200),
        height: Some(800),
        alt: String::new(),
        caption: None,
        credit: None,
        licence: None,
        uploaded_by: None,
    }
}

async fn an_upload_is_recorded_with_its_variants_job(f: &Fixture) {
    let version = f.store.content_version().await.unwrap();
    let id = f.store.create_media_with_job(&upload("uploads/a.jpg"), "media.variants").await.unwrap();
    assert!(f.store.content_version().await.unwrap() > version);
    let jobs = f.store.claim_jobs("w", "media.", 10, 60).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, "media.variants");
    assert_eq!(jobs[0].payload["media_id"].as_i64(), Some(id.0));
    assert!(f.store.claim_jobs("w", "mail.", 10, 60).await.unwrap().is_empty(), "mail workers do not take it");
    // A clash on the key records neither the item nor a job.
    assert!(f.store.create_media_with_job(&upload("uploads/a.jpg"), "media.variants").await.is_err());
    f.store.finish_job(jobs[0].id).await.unwrap();
    assert_eq!(f.store.pending_jobs().await.unwrap(), 0);
}

async fn the_library_lists_newest_first_a_page_at_a_time(f: &Fixture) {
    for i in 0..5 {
        f.store.create_media(&upload(&format!("uploads/{i}.jpg"))).await.unwrap();
    }
    let first = f.store.media_library(Page::new(1, 2)).await.unwrap();
    assert_eq!(first.total, 5);
    let keys: Vec<&str> = first.items.iter().map(|m| m.storage_key.as_str()).collect();
    assert_eq!(keys, ["uploads/4.jpg", "uploads/3.jpg"]);
    let last = f.store.media_library(Page::new(3, 2)).await.unwrap();
    assert_eq!(last.items.len(), 1);
    assert_eq!(last.items[0].storage_key, "uploads/0.jpg");
}

async fn words_and_variants_are_saved_and_read_back(f: &Fixture) {
    let id = f.store.create_media(&upload("uploads/b.jpg")).await.unwrap();
    let details = MediaDetails {
        alt: "Kathy's tape".into(),
        caption: Some("Songs after Dark".into()),
        credit: Some("Judy Bridgewater".into()),
        licence: Some("CC BY-SA 4.0".into()),
    };
    assert!(f.store.update_media_details(id, &details).await.unwrap());
    assert!(!f.store.update_media_details(MediaId(id.0 + 100), &details).await.unwrap());
    let variants = vec![
        MediaVariant {
            storage_key: "uploads/b.jpg.480w.webp".into(),
            width: 480,
            height: 320,
            mime: "image/webp".into(),
            bytes: 900,
        },
        MediaVariant {
            storage_key: "uploads/b.jpg.480w.jpg".into(),
            width: 480,
            height: 320,
            mime: "image/jpeg".into(),
            bytes: 1100,
        },
    ];
    let version = f.store.content_version().await.unwrap();
    assert!(f.store.set_media_variants(id, &variants).await.unwrap());
    assert!(f.store.content_version().await.unwrap() > version, "pages showing it are stale");
    let media = f.store.media_by_ids(&[id]).await.unwrap().remove(0);
    assert_eq!(media.alt, "Kathy's tape");
    assert_eq!(media.caption.as_deref(), Some("Songs after Dark"));
    assert_eq!(media.credit.as_deref(), Some("Judy Bridgewater"));
    assert_eq!(media.licence.as_deref(), Some("CC BY-SA 4.0"));
    assert_eq!(media.variants, variants);
    let by_key = f.store.media_by_key("uploads/b.jpg").await.unwrap().unwrap();
    assert_eq!(by_key.variants, variants);
}

async fn posts_showing_an_item_are_found_and_their_html_replaced(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    let shows = f.store.create_post(&post(user.id, "shows", "Shows", "![](media:7)", now)).await.unwrap();
    let other = f.store.create_post(&post(user.id, "other", "Other", "![](media:71)", now)).await.unwrap();
    f.store.create_post(&post(user.id, "none", "None", "no images", now)).await.unwrap();
    let found: Vec<_> =
        f.store.posts_mentioning_media(MediaId(7)).await.unwrap().into_iter().map(|(id, _)| id).collect();
    assert_eq!(found, vec![shows, other], "a superset: the caller checks the ids");
    let version = f.store.content_version().await.unwrap();
    assert!(f.store.set_post_html(shows, "<figure>new</figure>").await.unwrap());
    assert!(f.store.content_version().await.unwrap() > version);
    assert_eq!(f.store.post(shows).await.unwrap().unwrap().html, "<figure>new</figure>");
}
