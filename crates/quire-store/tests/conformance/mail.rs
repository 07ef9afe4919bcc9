//! Mail: comment subscriptions, staff notification flags, sent-mail markers, readers' data.

use quire_store::{NewComment, NewJob, RateLimit, StoreError};
use time::OffsetDateTime;

use crate::support::{Fixture, comment, post, writer};

on_both_backends!(
    a_subscription_is_made_once_per_address_and_confirmed_by_its_token_only,
    staff_comment_notifications_are_on_until_turned_off,
    jobs_queued_behind_an_empty_bucket_are_not_queued_and_sent_mail_is_remembered,
    erasing_a_readers_data_removes_lone_comments_and_keeps_answered_ones_as_tombstones,
);

fn subscription(post: quire_core::PostId, email: &str, token_hash: &str) -> quire_store::NewSubscription {
    quire_store::NewSubscription {
        post_id: post,
        email: email.into(),
        token_hash: token_hash.into(),
        created_at: OffsetDateTime::now_utc(),
        confirm_job: NewJob {
            kind: "mail.confirm".into(),
            payload: serde_json::json!({}),
            run_at: OffsetDateTime::now_utc(),
        },
    }
}

async fn a_subscription_is_made_once_per_address_and_confirmed_by_its_token_only(f: &Fixture) {
    let user = writer(&f.store).await;
    let post_id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let id = f.store.subscribe(&subscription(post_id, "ruth@hailsham.example", "h1")).await.unwrap().unwrap();
    assert_eq!(f.store.subscribe(&subscription(post_id, "RUTH@hailsham.example", "h2")).await.unwrap(), None);
    let jobs = f.store.claim_jobs("w", "mail.", 10, 60).await.unwrap();
    assert_eq!(jobs.len(), 1, "one confirmation mail for one address");
    assert_eq!(jobs[0].payload["subscription_id"], id);
    assert!(f.store.confirmed_subscriptions(post_id).await.unwrap().is_empty(), "unconfirmed until the link");
    f.store.set_subscription_token(id, "h3").await.unwrap();
    assert!(f.store.confirm_subscription("h1", OffsetDateTime::now_utc()).await.unwrap().is_none(), "old token");
    let confirmed = f.store.confirm_subscription("h3", OffsetDateTime::now_utc()).await.unwrap().unwrap();
    assert!(confirmed.confirmed_at.is_some());
    assert_eq!(f.store.subscription_by_token("h3").await.unwrap().unwrap().id, id);
    assert_eq!(f.store.confirmed_subscriptions(post_id).await.unwrap().len(), 1);
    assert!(f.store.delete_subscription(id).await.unwrap());
    assert!(!f.store.delete_subscription(id).await.unwrap());
    assert!(f.store.subscription(id).await.unwrap().is_none());
}

async fn staff_comment_notifications_are_on_until_turned_off(f: &Fixture) {
    let user = writer(&f.store).await;
    assert!(f.store.comment_notifications(user.id).await.unwrap());
    f.store.set_comment_notifications(user.id, false).await.unwrap();
    assert!(!f.store.comment_notifications(user.id).await.unwrap());
    assert!(!f.store.comment_notifications(quire_core::UserId(999)).await.unwrap());
}

async fn jobs_queued_behind_an_empty_bucket_are_not_queued_and_sent_mail_is_remembered(f: &Fixture) {
    let job = NewJob { kind: "mail.x".into(), payload: serde_json::json!({}), run_at: OffsetDateTime::now_utc() };
    let limit = RateLimit { key: "mail:test".into(), capacity: 1.0, per_seconds: 3600.0 };
    f.store.enqueue_jobs(std::slice::from_ref(&job), std::slice::from_ref(&limit)).await.unwrap();
    let refused = f.store.enqueue_jobs(std::slice::from_ref(&job), std::slice::from_ref(&limit)).await;
    assert!(matches!(refused, Err(StoreError::RateLimited(_))), "{refused:?}");
    assert_eq!(f.store.pending_jobs().await.unwrap(), 1);
    let claimed = f.store.claim_jobs("w", "mail.", 10, 60).await.unwrap();
    assert_eq!(f.store.sent_mail(claimed[0].id).await.unwrap(), None);
    f.store.record_sent_mail(claimed[0].id, "<a@b>").await.unwrap();
    f.store.record_sent_mail(claimed[0].id, "<a@b>").await.unwrap();
    assert_eq!(f.store.sent_mail(claimed[0].id).await.unwrap().as_deref(), Some("<a@b>"));
}

async fn erasing_a_readers_data_removes_lone_comments_and_keeps_answered_ones_as_tombstones(f: &Fixture) {
    let user = writer(&f.store).await;
    let post_id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let by = |name: &str, email: &str, parent| NewComment {
        author_email: Some(email.into()),
        user_agent: Some("UA".into()),
        ip_hash: Some("iphash".into()),
        ..comment(post_id, parent, name)
    };
    let answered = f.store.create_comment(&by("Ruth", "ruth@x.example", None)).await.unwrap();
    let reply = f.store.create_comment(&by("Tommy", "tommy@x.example", Some(answered))).await.unwrap();
    let lone = f.store.create_comment(&by("Ruth", "Ruth@X.example", None)).await.unwrap();
    let own_reply_parent = f.store.create_comment(&by("Ruth", "ruth@x.example", None)).await.unwrap();
    let own_reply = f.store.create_comment(&by("Ruth", "ruth@x.example", Some(own_reply_parent))).await.unwrap();
    f.store.subscribe(&subscription(post_id, "ruth@x.example", "h")).await.unwrap();
    let data = f.store.reader_data("RUTH@x.example").await.unwrap();
    assert_eq!(data.comments.len(), 4);
    assert!(data.comments.iter().all(|c| c.comment.author_name == "Ruth" && c.post_title == "P"));
    assert_eq!(data.comments[0].user_agent.as_deref(), Some("UA"));
    assert_eq!(data.subscriptions.len(), 1);
    let before = f.store.content_version().await.unwrap();
    let tombstone =
        quire_store::Tombstone { name: "Deleted".into(), markdown: "gone".into(), html: "<p>gone</p>".into() };
    let erased = f.store.erase_reader_data("ruth@x.example", &tombstone).await.unwrap();
    assert_eq!(erased, quire_store::Erased { removed: 3, anonymised: 1, subscriptions: 1 });
    assert!(f.store.content_version().await.unwrap() > before);
    for gone in [lone, own_reply, own_reply_parent] {
        assert!(f.store.comment(gone).await.unwrap().is_none());
    }
    let kept = f.store.comment(answered).await.unwrap().unwrap();
    assert_eq!((kept.author_name.as_str(), kept.markdown.as_str()), ("Deleted", "gone"));
    assert_eq!((kept.author_email, kept.author_url), (None, None));
    let tommy = f.store.comment(reply).await.unwrap().unwrap();
    assert_eq!((tommy.author_name.as_str(), tommy.parent_id), ("Tommy", Some(answered)), "others are untouched");
    assert!(f.store.reader_data("ruth@x.example").await.unwrap().is_empty());
    assert_eq!(f.store.reader_data("tommy@x.example").await.unwrap().comments.len(), 1);
}
