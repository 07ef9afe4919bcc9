//! The store conformance suite: behaviour every backend must show, written against `Store` only.
//! It runs on SQLite always; PostgreSQL joins when its backend lands (see `postgres_is_reachable…`).
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use quire_core::{
    CommentId, CommentStatus, Discussion, Email, Page, PostKind, PostStatus, Role, SearchQuery, TermKind,
};
use quire_store::{
    CommenterKey, NewComment, NewJob, NewPost, NewUser, PostFilter, RateLimit, Store, StoreError, TermRef,
};
use time::{Duration, OffsetDateTime};

struct Fixture {
    store: Store,
    _dir: tempfile::TempDir,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
    store.migrate().await.unwrap();
    Fixture { store, _dir: dir }
}

async fn writer(store: &Store) -> quire_core::User {
    store
        .create_user(&NewUser {
            email: Email::parse("kathy@hailsham.example").unwrap(),
            name: "Kathy H".into(),
            slug: "kathy-h".into(),
            role: Role::Author,
            password_hash: None,
            bio: None,
        })
        .await
        .unwrap()
}

fn post(author: quire_core::UserId, slug: &str, title: &str, body: &str, published: OffsetDateTime) -> NewPost {
    NewPost {
        kind: PostKind::Post,
        status: PostStatus::Published,
        slug: slug.into(),
        title: title.into(),
        markdown: body.into(),
        html: format!("<p>{body}</p>"),
        text: body.into(),
        word_count: body.split_whitespace().count() as u32,
        excerpt: None,
        content_warning: None,
        featured_media_id: None,
        author_id: author,
        published_at: Some(published),
        discussion: Discussion::Open,
        terms: vec![TermRef { kind: TermKind::Tag, slug: "books".into(), name: "Books".into() }],
        reviewed_item: None,
    }
}

fn comment(post: quire_core::PostId, parent: Option<CommentId>, name: &str) -> NewComment {
    NewComment {
        post_id: post,
        parent_id: parent,
        author_name: name.into(),
        author_email: None,
        author_url: None,
        user_id: None,
        markdown: "hi".into(),
        html: "<p>hi</p>".into(),
        status: CommentStatus::Approved,
        created_at: OffsetDateTime::now_utc(),
        max_depth: 3,
        guest_key: None,
        fingerprint: None,
        ip_hash: None,
        user_agent: None,
        held_reason: None,
        rate_limits: vec![],
        jobs: vec![],
    }
}

#[tokio::test]
async fn every_write_bumps_the_content_version() {
    let f = sqlite().await;
    let v0 = f.store.content_version().await.unwrap();
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "a", "A", "body", OffsetDateTime::now_utc())).await.unwrap();
    let v1 = f.store.content_version().await.unwrap();
    assert!(v1 > v0);
    f.store.create_comment(&comment(id, None, "Ruth")).await.unwrap();
    f.store.put_setting("title", &serde_json::json!("X")).await.unwrap();
    assert!(f.store.content_version().await.unwrap() >= v1 + 2);
}

#[tokio::test]
async fn duplicate_slugs_and_emails_are_conflicts_not_failures() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    f.store.create_post(&post(user.id, "same", "One", "x", now)).await.unwrap();
    let again = f.store.create_post(&post(user.id, "same", "Two", "y", now)).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let dup = f
        .store
        .create_user(&NewUser {
            email: Email::parse("KATHY@hailsham.example").unwrap(),
            name: "Other".into(),
            slug: "other".into(),
            role: Role::Editor,
            password_hash: None,
            bio: None,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "emails are unique whatever their case: {dup:?}");
    assert_eq!(
        f.store.post_by_slug(PostKind::Post, "same").await.unwrap().unwrap().title,
        "One",
        "nothing saved was lost"
    );
}

#[tokio::test]
async fn public_lists_hide_future_posts_and_page_newest_first() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    for (i, slug) in ["old", "mid", "new"].iter().enumerate() {
        f.store.create_post(&post(user.id, slug, slug, "x", now - Duration::days(10 - i as i64))).await.unwrap();
    }
    f.store.create_post(&post(user.id, "future", "future", "x", now + Duration::days(1))).await.unwrap();
    let filter = PostFilter { now: Some(now), ..Default::default() };
    let first = f.store.public_posts(&filter, Page::new(1, 2)).await.unwrap();
    assert_eq!(first.total, 3);
    assert_eq!(first.items.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(), ["new", "mid"]);
    let second = f.store.public_posts(&filter, Page::new(2, 2)).await.unwrap();
    assert_eq!(second.items.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(), ["old"]);
    let mid = f.store.post_by_slug(PostKind::Post, "mid").await.unwrap().unwrap();
    let adjacent = f.store.adjacent_posts(&mid, now).await.unwrap();
    assert_eq!(adjacent.previous.unwrap().slug, "old");
    assert_eq!(adjacent.next.unwrap().slug, "new", "the future post is not a neighbour yet");
}

#[tokio::test]
async fn search_ranks_title_matches_and_understands_phrases_and_exclusions() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc() - Duration::hours(1);
    f.store.create_post(&post(user.id, "a", "Clones at Hailsham", "a boarding school story", now)).await.unwrap();
    f.store
        .create_post(&post(user.id, "b", "Cottages", "the clones leave Hailsham for the cottages", now))
        .await
        .unwrap();
    f.store.create_post(&post(user.id, "c", "Klara", "an artificial friend, not a clone", now)).await.unwrap();
    let hits = |q: &str| {
        let store = f.store.clone();
        let q = SearchQuery::parse(q);
        async move {
            store
                .search(&q, OffsetDateTime::now_utc(), Page::new(1, 10))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|h| h.post.slug)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(hits("hailsham").await, ["a", "b"], "title matches rank first");
    assert_eq!(hits("\"leave hailsham\"").await, ["b"]);
    assert_eq!(hits("clone -hailsham").await, ["c"], "stemming finds clones for clone; exclusion drops the rest");
    assert_eq!(hits("cott*").await, ["b"]);
    assert!(hits("-everything").await.is_empty());
    let snippet =
        f.store.search(&SearchQuery::parse("boarding"), OffsetDateTime::now_utc(), Page::new(1, 10)).await.unwrap();
    assert!(snippet.items[0].snippet.contains("\u{2}boarding\u{3}"), "{:?}", snippet.items[0].snippet);
}

#[tokio::test]
async fn comment_threads_keep_replies_under_parents_and_cap_their_depth() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let ruth = f.store.create_comment(&comment(id, None, "Ruth")).await.unwrap();
    let tommy = f.store.create_comment(&comment(id, None, "Tommy")).await.unwrap();
    let reply = f.store.create_comment(&comment(id, Some(ruth), "Kathy")).await.unwrap();
    let deeper = f.store.create_comment(&comment(id, Some(reply), "Madame")).await.unwrap();
    // max_depth 3: a reply to the depth-2 comment attaches to its parent at depth 1.
    let too_deep = f.store.create_comment(&comment(id, Some(deeper), "Emily")).await.unwrap();
    let thread = f.store.approved_comments(id).await.unwrap();
    let order: Vec<_> = thread.iter().map(|c| (c.author_name.as_str(), c.depth())).collect();
    assert_eq!(order, [("Ruth", 0), ("Kathy", 1), ("Madame", 2), ("Emily", 2), ("Tommy", 0)]);
    let emily = thread.iter().find(|c| c.id == too_deep).unwrap();
    assert_eq!(emily.parent_id, Some(reply));
    let _ = tommy;
}

#[tokio::test]
async fn a_reply_to_a_comment_of_another_post_is_refused() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    let a = f.store.create_post(&post(user.id, "a", "A", "x", OffsetDateTime::now_utc())).await.unwrap();
    let b = f.store.create_post(&post(user.id, "b", "B", "x", OffsetDateTime::now_utc())).await.unwrap();
    let on_a = f.store.create_comment(&comment(a, None, "Ruth")).await.unwrap();
    let wrong = f.store.create_comment(&comment(b, Some(on_a), "Tommy")).await;
    assert!(matches!(wrong, Err(StoreError::NotFound(_))), "{wrong:?}");
    assert_eq!(f.store.approved_comments(b).await.unwrap().len(), 0, "nothing half-written");
}

#[tokio::test]
async fn a_database_from_a_newer_quire_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    // Simulate a newer binary's migration having run.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (99990101000000, 'future', '2099-01-01', 1, x'00', 0)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let store = Store::connect(&url).await.unwrap();
    let refused = store.migrate().await;
    assert!(matches!(refused, Err(StoreError::SchemaTooNew { .. })), "{refused:?}");
}

#[tokio::test]
async fn postgres_is_reachable_when_required() {
    // The PostgreSQL backend arrives with the scaling work; until then this only proves that the
    // environment CI promises is there, and says plainly when it is not.
    let url =
        std::env::var("QUIRE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let required = std::env::var("QUIRE_REQUIRE_PG").is_ok_and(|v| v == "1");
    let connected = tokio::time::timeout(std::time::Duration::from_secs(5), sqlx::PgPool::connect(&url)).await;
    match connected {
        Ok(Ok(pool)) => {
            let (one,): (i32,) = sqlx::query_as("SELECT 1").fetch_one(&pool).await.unwrap();
            assert_eq!(one, 1);
        }
        Ok(Err(e)) if required => panic!("PostgreSQL at {url} is required (QUIRE_REQUIRE_PG=1) but unreachable: {e}"),
        Err(_) if required => panic!("PostgreSQL at {url} is required (QUIRE_REQUIRE_PG=1) but did not answer in 5 s"),
        _ => eprintln!("skipped: PostgreSQL at {url} is not reachable (set QUIRE_REQUIRE_PG=1 to fail instead)"),
    }
}

#[tokio::test]
async fn a_rate_limited_comment_is_refused_with_the_wait_and_nothing_is_written() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let limited = |n: usize| NewComment {
        rate_limits: vec![RateLimit { key: "comment:ip:203.0.113.7".into(), capacity: 2.0, per_seconds: 60.0 }],
        ..comment(id, None, &format!("Guest {n}"))
    };
    f.store.create_comment(&limited(1)).await.unwrap();
    f.store.create_comment(&limited(2)).await.unwrap();
    let third = f.store.create_comment(&limited(3)).await;
    match third {
        Err(StoreError::RateLimited(wait)) => assert!((1..=30).contains(&wait), "wait {wait}"),
        other => panic!("expected a rate limit, got {other:?}"),
    }
    assert_eq!(f.store.approved_comments(id).await.unwrap().len(), 2);
    let other_ip = NewComment {
        rate_limits: vec![RateLimit { key: "comment:ip:198.51.100.1".into(), capacity: 2.0, per_seconds: 60.0 }],
        ..comment(id, None, "Elsewhere")
    };
    f.store.create_comment(&other_ip).await.unwrap();
}

#[tokio::test]
async fn guests_find_their_own_comments_and_duplicates_are_recognised() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let pending = NewComment {
        status: CommentStatus::Pending,
        guest_key: Some("guest-a".into()),
        fingerprint: Some("f1".into()),
        author_email: Some("ruth@hailsham.example".into()),
        ..comment(id, None, "Ruth")
    };
    let cid = f.store.create_comment(&pending).await.unwrap();
    assert_eq!(f.store.guest_comments(id, "guest-a").await.unwrap().len(), 1);
    assert!(f.store.guest_comments(id, "guest-b").await.unwrap().is_empty());
    assert!(f.store.is_duplicate_comment(id, "f1").await.unwrap());
    assert!(!f.store.is_duplicate_comment(id, "f2").await.unwrap());
    assert!(!f.store.has_approved_comment(&CommenterKey::Guest("guest-a".into())).await.unwrap(), "still pending");
    let approved = NewComment { guest_key: Some("guest-a".into()), ..comment(id, None, "Ruth") };
    f.store.create_comment(&approved).await.unwrap();
    assert!(f.store.has_approved_comment(&CommenterKey::Guest("guest-a".into())).await.unwrap());
    let since = OffsetDateTime::now_utc() - Duration::minutes(15);
    assert!(!f.store.edit_guest_comment(cid, "guest-b", since, Some(("x", "<p>x</p>"))).await.unwrap(), "not theirs");
    assert!(f.store.edit_guest_comment(cid, "guest-a", since, Some(("new", "<p>new</p>"))).await.unwrap());
    assert_eq!(f.store.comment(cid).await.unwrap().unwrap().markdown, "new");
    let later = OffsetDateTime::now_utc() + Duration::minutes(1);
    assert!(!f.store.edit_guest_comment(cid, "guest-a", later, None).await.unwrap(), "the window has passed");
}

#[tokio::test]
async fn jobs_queued_with_a_comment_are_claimed_once_and_retried() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let with_job = NewComment {
        jobs: vec![NewJob {
            kind: "mail.test".into(),
            payload: serde_json::json!({"n": 1}),
            run_at: OffsetDateTime::now_utc(),
        }],
        ..comment(id, None, "Ruth")
    };
    f.store.create_comment(&with_job).await.unwrap();
    let claimed = f.store.claim_jobs("a", "mail.", 10, 60).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].payload["n"], 1);
    assert!(f.store.claim_jobs("b", "mail.", 10, 60).await.unwrap().is_empty(), "a leased job is not claimed twice");
    f.store
        .retry_job(claimed[0].id, "smtp down", Some(OffsetDateTime::now_utc() - Duration::seconds(1)))
        .await
        .unwrap();
    let again = f.store.claim_jobs("b", "mail.", 10, 60).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    f.store.finish_job(again[0].id).await.unwrap();
    assert_eq!(f.store.pending_jobs().await.unwrap(), 0);
}

#[tokio::test]
async fn a_site_key_is_made_once_and_kept() {
    let f = sqlite().await;
    let first = f.store.site_key("form", b"first").await.unwrap();
    let second = f.store.site_key("form", b"second").await.unwrap();
    assert_eq!(first, b"first");
    assert_eq!(second, b"first");
}

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

#[tokio::test]
async fn a_subscription_is_made_once_per_address_and_confirmed_by_its_token_only() {
    let f = sqlite().await;
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

#[tokio::test]
async fn staff_comment_notifications_are_on_until_turned_off() {
    let f = sqlite().await;
    let user = writer(&f.store).await;
    assert!(f.store.comment_notifications(user.id).await.unwrap());
    f.store.set_comment_notifications(user.id, false).await.unwrap();
    assert!(!f.store.comment_notifications(user.id).await.unwrap());
    assert!(!f.store.comment_notifications(quire_core::UserId(999)).await.unwrap());
}

#[tokio::test]
async fn jobs_queued_behind_an_empty_bucket_are_not_queued_and_sent_mail_is_remembered() {
    let f = sqlite().await;
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

#[tokio::test]
async fn erasing_a_readers_data_removes_lone_comments_and_keeps_answered_ones_as_tombstones() {
    let f = sqlite().await;
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
