//! Settings, redirects and the content version that pages are cached by.

use std::time::Duration as StdDuration;

use quire_store::NewComment;
use time::OffsetDateTime;

use crate::support::{Fixture, comment, post, writer};

on_both_backends!(
    every_write_bumps_the_content_version,
    settings_keep_their_json_and_redirects_can_move,
    other_instances_hear_of_every_bump,
);

async fn every_write_bumps_the_content_version(f: &Fixture) {
    let v0 = f.store.content_version().await.unwrap();
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "a", "A", "body", OffsetDateTime::now_utc())).await.unwrap();
    let v1 = f.store.content_version().await.unwrap();
    assert!(v1 > v0);
    f.store.create_comment(&comment(id, None, "Ruth")).await.unwrap();
    f.store.put_setting("title", &serde_json::json!("X")).await.unwrap();
    f.store.put_redirect("/old/", "/new/").await.unwrap();
    assert!(f.store.content_version().await.unwrap() >= v1 + 3);
}

async fn settings_keep_their_json_and_redirects_can_move(f: &Fixture) {
    assert!(f.store.settings().await.unwrap().is_empty());
    let policy = serde_json::json!({ "max_links": 2, "words": ["a", "b"], "nested": { "on": true, "x": null } });
    f.store.put_setting("comment_policy", &policy).await.unwrap();
    f.store.put_setting("title", &serde_json::json!("First")).await.unwrap();
    f.store.put_setting("title", &serde_json::json!("Second")).await.unwrap();
    f.store.put_setting("Zed", &serde_json::json!(1.5)).await.unwrap();
    let settings = f.store.settings().await.unwrap();
    let keys: Vec<_> = settings.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["Zed", "comment_policy", "title"], "byte order of keys");
    assert_eq!(settings[1].1, policy);
    assert_eq!(settings[2].1, serde_json::json!("Second"), "a setting is replaced, not duplicated");
    assert_eq!(f.store.redirect("/2019/01/01/x/").await.unwrap(), None);
    f.store.put_redirect("/2019/01/01/x/", "/x/").await.unwrap();
    f.store.put_redirect("/2019/01/01/x/", "/y/").await.unwrap();
    assert_eq!(f.store.redirect("/2019/01/01/x/").await.unwrap().as_deref(), Some("/y/"));
}

async fn other_instances_hear_of_every_bump(f: &Fixture) {
    let Some(mut listener) = f.store.listen_versions().await.unwrap() else {
        assert!(!f.is_postgres(), "PostgreSQL instances must be able to listen");
        return;
    };
    // A second store over the same database stands for another instance.
    let other = quire_store::Store::connect(&f.url).await.unwrap();
    let user = writer(&other).await;
    let id = other.create_post(&post(user.id, "a", "A", "x", OffsetDateTime::now_utc())).await.unwrap();
    let heard = tokio::time::timeout(StdDuration::from_secs(5), listener.recv()).await.unwrap().unwrap();
    assert_eq!(heard, Some(other.content_version().await.unwrap()));
    // A refused write sends nothing; the next one is heard.
    let orphan = NewComment { parent_id: Some(quire_core::CommentId(9999)), ..comment(id, None, "R") };
    assert!(other.create_comment(&orphan).await.is_err());
    other.put_setting("title", &serde_json::json!("T")).await.unwrap();
    let heard = tokio::time::timeout(StdDuration::from_secs(5), listener.recv()).await.unwrap().unwrap();
    assert_eq!(heard, Some(other.content_version().await.unwrap()), "the failed write was not announced");
    other.close().await;
}
