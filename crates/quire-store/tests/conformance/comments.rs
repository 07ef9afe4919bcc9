//! Comments: threads, guests' own comments, duplicates, rate limits, feeds and counts.

use quire_core::{CommentStatus, Page, PostKind, PostStatus};
use quire_store::{CommenterKey, GuestEdit, NewComment, PostFilter, RateLimit, StoreError};
use time::{Duration, OffsetDateTime};

use crate::support::{Fixture, comment, post, writer};

on_both_backends!(
    comment_threads_keep_replies_under_parents_and_cap_their_depth,
    a_reply_to_a_comment_of_another_post_is_refused,
    a_rate_limited_comment_is_refused_with_the_wait_and_nothing_is_written,
    a_bucket_shared_by_simultaneous_comments_lets_only_its_capacity_through,
    guests_find_their_own_comments_and_duplicates_are_recognised,
    guests_delete_their_own_comments_within_the_window,
    earlier_approved_comments_are_found_by_email_whatever_its_case,
    feeds_and_counts_show_only_approved_comments_on_public_posts,
    thread_pages_hold_whole_threads_and_count_top_level_comments,
    simultaneous_comments_are_each_stored_or_refused_on_their_own,
    an_approved_comment_whose_edit_is_held_goes_back_to_pending_and_deleting_trashes_it,
);

async fn comment_threads_keep_replies_under_parents_and_cap_their_depth(f: &Fixture) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let ruth = f.store.create_comment(&comment(id, None, "Ruth")).await.unwrap();
    f.store.create_comment(&comment(id, None, "Tommy")).await.unwrap();
    let reply = f.store.create_comment(&comment(id, Some(ruth), "Kathy")).await.unwrap();
    let deeper = f.store.create_comment(&comment(id, Some(reply), "Madame")).await.unwrap();
    // max_depth 3: a reply to the depth-2 comment attaches to its parent at depth 1.
    let too_deep = f.store.create_comment(&comment(id, Some(deeper), "Emily")).await.unwrap();
    let thread = f.store.approved_comments(id).await.unwrap();
    let order: Vec<_> = thread.iter().map(|c| (c.author_name.as_str(), c.depth())).collect();
    assert_eq!(order, [("Ruth", 0), ("Kathy", 1), ("Madame", 2), ("Emily", 2), ("Tommy", 0)]);
    let emily = thread.iter().find(|c| c.id == too_deep).unwrap();
    assert_eq!(emily.parent_id, Some(reply));
}

async fn a_reply_to_a_comment_of_another_post_is_refused(f: &Fixture) {
    let user = writer(&f.store).await;
    let a = f.store.create_post(&post(user.id, "a", "A", "x", OffsetDateTime::now_utc())).await.unwrap();
    let b = f.store.create_post(&post(user.id, "b", "B", "x", OffsetDateTime::now_utc())).await.unwrap();
    let on_a = f.store.create_comment(&comment(a, None, "Ruth")).await.unwrap();
    let version = f.store.content_version().await.unwrap();
    let wrong = f.store.create_comment(&comment(b, Some(on_a), "Tommy")).await;
    assert!(matches!(wrong, Err(StoreError::NotFound(_))), "{wrong:?}");
    assert_eq!(f.store.approved_comments(b).await.unwrap().len(), 0, "nothing half-written");
    assert_eq!(f.store.content_version().await.unwrap(), version, "a refused write bumps nothing");
}

async fn a_rate_limited_comment_is_refused_with_the_wait_and_nothing_is_written(f: &Fixture) {
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
    // A refusal by any one bucket refuses the comment and spends nothing from the others.
    let both = NewComment {
        rate_limits: vec![
            RateLimit { key: "comment:post:1".into(), capacity: 5.0, per_seconds: 60.0 },
            RateLimit { key: "comment:ip:203.0.113.7".into(), capacity: 2.0, per_seconds: 60.0 },
        ],
        ..comment(id, None, "Both")
    };
    assert!(matches!(f.store.create_comment(&both).await, Err(StoreError::RateLimited(_))));
    for n in 0..5 {
        let post_only = NewComment {
            rate_limits: vec![RateLimit { key: "comment:post:1".into(), capacity: 5.0, per_seconds: 60.0 }],
            ..comment(id, None, &format!("Post-only {n}"))
        };
        f.store.create_comment(&post_only).await.unwrap();
    }
}

async fn a_bucket_shared_by_simultaneous_comments_lets_only_its_capacity_through(f: &Fixture) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..12 {
        let store = f.store.clone();
        let new = NewComment {
            rate_limits: vec![
                RateLimit { key: format!("comment:guest:{}", n % 2), capacity: 100.0, per_seconds: 60.0 },
                RateLimit { key: "comment:site".into(), capacity: 4.0, per_seconds: 3600.0 },
            ],
            ..comment(id, None, &format!("Guest {n}"))
        };
        tasks.push(tokio::spawn(async move { store.create_comment(&new).await }));
    }
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(StoreError::RateLimited(_)) => {}
            Err(e) => panic!("unexpected failure: {e:?}"),
        }
    }
    assert_eq!(accepted, 4, "the bucket holds four tokens, however many writers race for them");
    assert_eq!(f.store.approved_comments(id).await.unwrap().len(), 4);
}

async fn guests_find_their_own_comments_and_duplicates_are_recognised(f: &Fixture) {
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
    let spam =
        NewComment { status: CommentStatus::Spam, guest_key: Some("guest-c".into()), ..comment(id, None, "Spam") };
    f.store.create_comment(&spam).await.unwrap();
    assert_eq!(f.store.guest_comments(id, "guest-c").await.unwrap().len(), 1, "a spammer sees their own as pending");
    assert!(f.store.is_duplicate_comment(id, "f1").await.unwrap());
    assert!(!f.store.is_duplicate_comment(id, "f2").await.unwrap());
    assert!(!f.store.has_approved_comment(&CommenterKey::Guest("guest-a".into())).await.unwrap(), "still pending");
    let approved = NewComment { guest_key: Some("guest-a".into()), ..comment(id, None, "Ruth") };
    f.store.create_comment(&approved).await.unwrap();
    assert!(f.store.has_approved_comment(&CommenterKey::Guest("guest-a".into())).await.unwrap());
    let since = OffsetDateTime::now_utc() - Duration::minutes(15);
    let edit = |markdown| GuestEdit { markdown, html: "<p>new</p>", fingerprint: "f3", held_reason: None };
    assert!(!f.store.edit_guest_comment(cid, "guest-b", since, Some(edit("x"))).await.unwrap(), "not theirs");
    let version = f.store.content_version().await.unwrap();
    assert!(f.store.edit_guest_comment(cid, "guest-a", since, Some(edit("new"))).await.unwrap());
    assert!(f.store.content_version().await.unwrap() > version, "an edit changes the page");
    let edited = f.store.comment(cid).await.unwrap().unwrap();
    assert_eq!((edited.markdown.as_str(), edited.html.as_str()), ("new", "<p>new</p>"));
    assert_eq!(edited.status, CommentStatus::Pending, "an edit does not approve");
    assert!(f.store.is_duplicate_comment(id, "f3").await.unwrap(), "the fingerprint follows the text");
    assert!(!f.store.is_duplicate_comment(id, "f1").await.unwrap());
    let later = OffsetDateTime::now_utc() + Duration::minutes(1);
    assert!(!f.store.edit_guest_comment(cid, "guest-a", later, None).await.unwrap(), "the window has passed");
}

async fn guests_delete_their_own_comments_within_the_window(f: &Fixture) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let mine =
        NewComment { guest_key: Some("guest-a".into()), fingerprint: Some("f".into()), ..comment(id, None, "R") };
    let cid = f.store.create_comment(&mine).await.unwrap();
    let since = OffsetDateTime::now_utc() - Duration::minutes(15);
    assert!(f.store.edit_guest_comment(cid, "guest-a", since, None).await.unwrap());
    assert_eq!(f.store.comment(cid).await.unwrap().unwrap().status, CommentStatus::Trash);
    assert!(f.store.approved_comments(id).await.unwrap().is_empty());
    assert!(f.store.guest_comments(id, "guest-a").await.unwrap().is_empty());
    assert!(!f.store.is_duplicate_comment(id, "f").await.unwrap(), "a deleted comment may be posted again");
    assert!(!f.store.edit_guest_comment(cid, "guest-a", since, None).await.unwrap(), "gone is gone");
}

async fn earlier_approved_comments_are_found_by_email_whatever_its_case(f: &Fixture) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let by_ruth = NewComment { author_email: Some("Ruth@Hailsham.example".into()), ..comment(id, None, "Ruth") };
    f.store.create_comment(&by_ruth).await.unwrap();
    let key = |e: &str| CommenterKey::Email(e.into());
    assert!(f.store.has_approved_comment(&key("ruth@hailsham.example")).await.unwrap());
    assert!(f.store.has_approved_comment(&key("RUTH@HAILSHAM.EXAMPLE")).await.unwrap());
    assert!(!f.store.has_approved_comment(&key("tommy@hailsham.example")).await.unwrap());
}

async fn feeds_and_counts_show_only_approved_comments_on_public_posts(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    let public = f.store.create_post(&post(user.id, "pub", "Public", "x", now - Duration::days(1))).await.unwrap();
    let other = f.store.create_post(&post(user.id, "other", "Other", "x", now - Duration::days(1))).await.unwrap();
    let mut hidden = post(user.id, "draft", "Draft", "x", now - Duration::days(1));
    hidden.status = PostStatus::Draft;
    let draft = f.store.create_post(&hidden).await.unwrap();
    let at = |mins: i64| now - Duration::minutes(mins);
    for (post_id, name, status, mins) in [
        (public, "Oldest", CommentStatus::Approved, 30),
        (other, "Middle", CommentStatus::Approved, 20),
        (public, "Newest", CommentStatus::Approved, 10),
        (public, "Held", CommentStatus::Pending, 5),
        (public, "Spam", CommentStatus::Spam, 4),
        (draft, "On a draft", CommentStatus::Approved, 3),
    ] {
        let new = NewComment { status, created_at: at(mins), ..comment(post_id, None, name) };
        f.store.create_comment(&new).await.unwrap();
    }
    let recent = f.store.recent_public_comments(now, 10).await.unwrap();
    let names: Vec<_> = recent.iter().map(|(c, p)| (c.author_name.as_str(), p.slug.as_str())).collect();
    assert_eq!(names, [("Newest", "pub"), ("Middle", "other"), ("Oldest", "pub")]);
    assert_eq!(f.store.recent_public_comments(now, 1).await.unwrap().len(), 1);
    let mut counts = f.store.approved_comment_counts(&[public, other, draft]).await.unwrap();
    counts.sort();
    assert_eq!(counts, [(public, 2), (other, 1), (draft, 1)]);
    assert!(f.store.approved_comment_counts(&[]).await.unwrap().is_empty());
    let listed = f.store.public_posts(&PostFilter::default(), Page::new(1, 10)).await.unwrap();
    assert!(listed.items.iter().all(|p| p.kind == PostKind::Post && p.slug != "draft"));
}

async fn thread_pages_hold_whole_threads_and_count_top_level_comments(f: &Fixture) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let mut roots = Vec::new();
    for n in 0..5 {
        roots.push(f.store.create_comment(&comment(id, None, &format!("Root {n}"))).await.unwrap());
    }
    // A late reply to the first thread stays with it, on the first page.
    let late = f.store.create_comment(&comment(id, Some(roots[0]), "Late reply")).await.unwrap();
    let first = f.store.approved_thread_page(id, Page::new(1, 2)).await.unwrap();
    let names: Vec<_> = first.items.iter().map(|c| c.author_name.as_str()).collect();
    assert_eq!(names, ["Root 0", "Late reply", "Root 1"]);
    assert_eq!(first.total, 5, "threads, not comments");
    assert_eq!(first.total_pages(), 3);
    let last = f.store.approved_thread_page(id, Page::new(3, 2)).await.unwrap();
    assert_eq!(last.items.iter().map(|c| c.author_name.as_str()).collect::<Vec<_>>(), ["Root 4"]);
    assert!(f.store.approved_thread_page(id, Page::new(4, 2)).await.unwrap().items.is_empty());
    let late = f.store.comment(late).await.unwrap().unwrap();
    assert_eq!(f.store.approved_threads_before(id, &late.path).await.unwrap(), 0);
    let fourth = f.store.comment(roots[3]).await.unwrap().unwrap();
    assert_eq!(f.store.approved_threads_before(id, &fourth.path).await.unwrap(), 3);
}

async fn an_approved_comment_whose_edit_is_held_goes_back_to_pending_and_deleting_trashes_it(f: &Fixture) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let approved = NewComment { guest_key: Some("guest-a".into()), ..comment(id, None, "Ruth") };
    let cid = f.store.create_comment(&approved).await.unwrap();
    let since = OffsetDateTime::now_utc() - Duration::minutes(15);
    let plain = GuestEdit { markdown: "fine", html: "<p>fine</p>", fingerprint: "f4", held_reason: None };
    assert!(f.store.edit_guest_comment(cid, "guest-a", since, Some(plain)).await.unwrap());
    assert_eq!(f.store.comment(cid).await.unwrap().unwrap().status, CommentStatus::Approved, "a clean edit stays");
    let held = GuestEdit { held_reason: Some("links"), ..plain };
    assert!(f.store.edit_guest_comment(cid, "guest-a", since, Some(held)).await.unwrap());
    assert_eq!(f.store.comment(cid).await.unwrap().unwrap().status, CommentStatus::Pending);
    assert!(f.store.edit_guest_comment(cid, "guest-a", since, Some(plain)).await.unwrap());
    assert_eq!(f.store.comment(cid).await.unwrap().unwrap().status, CommentStatus::Pending, "an edit never approves");
    assert!(f.store.edit_guest_comment(cid, "guest-a", since, None).await.unwrap());
    assert_eq!(f.store.comment(cid).await.unwrap().unwrap().status, CommentStatus::Trash);
    assert!(!f.store.edit_guest_comment(cid, "guest-a", since, Some(plain)).await.unwrap(), "a deleted one stays so");
}

async fn simultaneous_comments_are_each_stored_or_refused_on_their_own(f: &Fixture) {
    // Comments arriving together may share one commit (SQLite's group commit); a refused one must
    // still leave no trace, and every other one must be stored with its own id and jobs.
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    let root = f.store.create_comment(&comment(id, None, "Root")).await.unwrap();
    let version = f.store.content_version().await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = f.store.clone();
        // Every fifth replies to a comment that does not exist.
        let parent = if n % 5 == 0 { Some(quire_core::CommentId(999_999)) } else { Some(root) };
        let new = NewComment {
            jobs: vec![quire_store::NewJob {
                kind: "test.batch".into(),
                payload: serde_json::json!({ "n": n }),
                run_at: OffsetDateTime::now_utc(),
            }],
            ..comment(id, parent, &format!("Guest {n}"))
        };
        tasks.push(tokio::spawn(async move { (n, store.create_comment(&new).await) }));
    }
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        match task.await.unwrap() {
            (n, Ok(cid)) if n % 5 != 0 => assert!(ids.insert(cid), "ids are distinct"),
            (n, Err(StoreError::NotFound(_))) if n % 5 == 0 => {}
            (n, other) => panic!("comment {n}: unexpected {other:?}"),
        }
    }
    assert_eq!(ids.len(), 32);
    let thread = f.store.approved_comments(id).await.unwrap();
    assert_eq!(thread.len(), 33, "the root and the 32 good replies, nothing of the refused");
    assert!(thread.iter().all(|c| c.author_name == "Root" || c.parent_id == Some(root)));
    let jobs = f.store.claim_jobs("w", "test.batch", 100, 60).await.unwrap();
    assert_eq!(jobs.len(), 32, "the refused comments' jobs were rolled back with them");
    assert!(f.store.content_version().await.unwrap() > version);
}
