//! The admin editor's store: saves refused when the post moved since it was opened, a revision per
//! save, autosave slots, staff lists by status, and scheduled posts published once.

use quire_core::{Discussion, Page, PostKind, PostStatus, TermKind, UserId};
use quire_store::{Autosave, NewRevision, PostEdit, SaveOutcome, StaffPostFilter, StoreError, TermRef};
use time::{Duration, OffsetDateTime};

use crate::support::{Fixture, post, writer};

on_both_backends!(
    a_save_goes_through_once_and_a_second_one_from_the_same_version_is_stale,
    a_save_replaces_terms_keeps_search_in_step_and_refuses_a_taken_slug,
    autosaves_keep_one_slot_per_post_and_writer_and_a_save_clears_the_writers,
    staff_lists_filter_by_status_and_writer_and_count_each_status,
    status_changes_move_the_version_and_bump_the_content_version,
    scheduled_posts_are_published_once_when_due,
);

fn edit(title: &str, markdown: &str, expected: OffsetDateTime, editor: UserId) -> PostEdit {
    PostEdit {
        status: PostStatus::Draft,
        slug: "a".into(),
        title: title.into(),
        markdown: markdown.into(),
        html: format!("<p>{markdown}</p>"),
        text: markdown.into(),
        word_count: 1,
        excerpt: None,
        content_warning: None,
        featured_media_id: None,
        published_at: None,
        discussion: Discussion::Open,
        terms: vec![],
        expected,
        editor,
    }
}

async fn a_save_goes_through_once_and_a_second_one_from_the_same_version_is_stale(f: &Fixture) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "a", "A", "first", OffsetDateTime::now_utc())).await.unwrap();
    let opened = f.store.post(id).await.unwrap().unwrap().updated_at;
    let first = f.store.save_post(id, &edit("A", "mine", opened, user.id)).await.unwrap();
    let SaveOutcome::Saved(version) = first else { panic!("the first save goes through") };
    let stored = f.store.post(id).await.unwrap().unwrap();
    assert_eq!((stored.markdown.as_str(), stored.updated_at), ("mine", version));
    assert!(version > opened);
    let second = f.store.save_post(id, &edit("A", "theirs", opened, user.id)).await.unwrap();
    assert_eq!(second, SaveOutcome::Stale);
    assert_eq!(f.store.post(id).await.unwrap().unwrap().markdown, "mine", "nothing overwritten");
    let third = f.store.save_post(id, &edit("A", "theirs", version, user.id)).await.unwrap();
    assert!(matches!(third, SaveOutcome::Saved(_)));
    let revisions = f.store.revisions(id).await.unwrap();
    let texts: Vec<_> = revisions.iter().map(|r| r.markdown.as_str()).collect();
    assert_eq!(texts, ["theirs", "mine"], "one revision per save that went through, newest first");
    assert_eq!(revisions[0].author_name.as_deref(), Some("Kathy H"));
    let one = f.store.revision(id, revisions[1].id).await.unwrap().unwrap();
    assert_eq!(one, revisions[1]);
    let missing = f.store.save_post(quire_core::PostId(9999), &edit("A", "x", opened, user.id)).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    let added = f
        .store
        .add_revision(&NewRevision {
            post_id: id,
            author_id: user.id,
            title: "T".into(),
            markdown: "m".into(),
            excerpt: Some("e".into()),
        })
        .await
        .unwrap();
    assert_eq!(f.store.revision(id, added).await.unwrap().unwrap().excerpt.as_deref(), Some("e"));
}

async fn a_save_replaces_terms_keeps_search_in_step_and_refuses_a_taken_slug(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc() - Duration::minutes(1);
    let id = f.store.create_post(&post(user.id, "a", "A", "first", now)).await.unwrap();
    f.store.create_post(&post(user.id, "b", "B", "other", now)).await.unwrap();
    let opened = f.store.post(id).await.unwrap().unwrap().updated_at;
    let mut change = edit("Renamed", "zeppelins everywhere", opened, user.id);
    change.status = PostStatus::Published;
    change.published_at = Some(now);
    change.terms = vec![TermRef { kind: TermKind::Tag, slug: "airships".into(), name: "Airships".into() }];
    assert!(matches!(f.store.save_post(id, &change).await.unwrap(), SaveOutcome::Saved(_)));
    let terms: Vec<_> = f.store.terms_of(&[id]).await.unwrap().into_iter().map(|(_, t)| t.slug).collect();
    assert_eq!(terms, ["airships"], "the old tag is gone, the new one created");
    let hits = f
        .store
        .search(&quire_core::SearchQuery::parse("zeppelins"), OffsetDateTime::now_utc(), Page::new(1, 10))
        .await
        .unwrap();
    assert_eq!(hits.items.iter().map(|h| h.post.id).collect::<Vec<_>>(), [id], "search sees the saved text");
    let version = f.store.post(id).await.unwrap().unwrap().updated_at;
    let mut taken = edit("Renamed", "x", version, user.id);
    taken.slug = "b".into();
    let refused = f.store.save_post(id, &taken).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(f.store.post(id).await.unwrap().unwrap().slug, "a");
}

async fn autosaves_keep_one_slot_per_post_and_writer_and_a_save_clears_the_writers(f: &Fixture) {
    let user = writer(&f.store).await;
    let other = f
        .store
        .create_user(&quire_store::NewUser {
            email: quire_core::Email::parse("ruth@hailsham.example").unwrap(),
            name: "Ruth".into(),
            slug: "ruth".into(),
            role: quire_core::Role::Editor,
            password_hash: None,
            bio: None,
        })
        .await
        .unwrap();
    let id = f.store.create_post(&post(user.id, "a", "A", "saved", OffsetDateTime::now_utc())).await.unwrap();
    assert_eq!(f.store.autosave(id, user.id).await.unwrap(), None);
    let at = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    for text in ["typing", "typing more"] {
        let slot = Autosave { post_id: id, user_id: user.id, title: "A".into(), markdown: text.into(), saved_at: at };
        f.store.put_autosave(&slot).await.unwrap();
    }
    let theirs = Autosave { post_id: id, user_id: other.id, title: "A".into(), markdown: "hers".into(), saved_at: at };
    f.store.put_autosave(&theirs).await.unwrap();
    let mine = f.store.autosave(id, user.id).await.unwrap().unwrap();
    assert_eq!((mine.markdown.as_str(), mine.saved_at), ("typing more", at));
    assert_eq!(f.store.post(id).await.unwrap().unwrap().markdown, "saved", "the post is untouched");
    let opened = f.store.post(id).await.unwrap().unwrap().updated_at;
    f.store.save_post(id, &edit("A", "typing more", opened, user.id)).await.unwrap();
    assert_eq!(f.store.autosave(id, user.id).await.unwrap(), None, "the writer's slot is cleared by their save");
    assert_eq!(f.store.autosave(id, other.id).await.unwrap(), Some(theirs), "another writer's is kept");
}

async fn staff_lists_filter_by_status_and_writer_and_count_each_status(f: &Fixture) {
    let kathy = writer(&f.store).await;
    let ruth = f
        .store
        .create_user(&quire_store::NewUser {
            email: quire_core::Email::parse("ruth@hailsham.example").unwrap(),
            name: "Ruth".into(),
            slug: "ruth".into(),
            role: quire_core::Role::Author,
            password_hash: None,
            bio: None,
        })
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let mut ids = Vec::new();
    for (slug, author, status) in [
        ("p1", kathy.id, PostStatus::Published),
        ("d1", kathy.id, PostStatus::Draft),
        ("t1", kathy.id, PostStatus::Trash),
        ("d2", ruth.id, PostStatus::Draft),
    ] {
        let mut new = post(author, slug, slug, "x", now);
        new.status = status;
        ids.push(f.store.create_post(&new).await.unwrap());
    }
    let mut page = post(kathy.id, "pg", "Page", "x", now);
    page.kind = PostKind::Page;
    f.store.create_post(&page).await.unwrap();
    let list = |status, author| StaffPostFilter { kind: PostKind::Post, status, author };
    let slugs =
        |paged: quire_core::Paged<quire_core::Post>| paged.items.into_iter().map(|p| p.slug).collect::<Vec<_>>();
    let all = f.store.staff_posts(&list(None, None), Page::new(1, 10)).await.unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(slugs(all), ["d2", "d1", "p1"], "all but trash, most recently changed first");
    let trash = f.store.staff_posts(&list(Some(PostStatus::Trash), None), Page::new(1, 10)).await.unwrap();
    assert_eq!(slugs(trash), ["t1"]);
    let drafts = f.store.staff_posts(&list(Some(PostStatus::Draft), Some(kathy.id)), Page::new(1, 10)).await.unwrap();
    assert_eq!(slugs(drafts), ["d1"]);
    let counts = f.store.post_status_counts(PostKind::Post, None).await.unwrap();
    assert_eq!(counts, [(PostStatus::Draft, 2), (PostStatus::Published, 1), (PostStatus::Trash, 1)]);
    let hers = f.store.post_status_counts(PostKind::Post, Some(ruth.id)).await.unwrap();
    assert_eq!(hers, [(PostStatus::Draft, 1)]);
}

async fn status_changes_move_the_version_and_bump_the_content_version(f: &Fixture) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "a", "A", "x", OffsetDateTime::now_utc())).await.unwrap();
    let before = f.store.post(id).await.unwrap().unwrap();
    let version = f.store.content_version().await.unwrap();
    assert!(f.store.set_post_status(id, PostStatus::Trash, None).await.unwrap());
    let after = f.store.post(id).await.unwrap().unwrap();
    assert_eq!(after.status, PostStatus::Trash);
    assert_eq!(after.published_at, before.published_at, "kept when not given");
    assert!(after.updated_at > before.updated_at, "an editor opened before sees its save refused");
    assert!(f.store.content_version().await.unwrap() > version);
    let stale = f.store.save_post(id, &edit("A", "x", before.updated_at, user.id)).await.unwrap();
    assert_eq!(stale, SaveOutcome::Stale);
    assert!(!f.store.set_post_status(quire_core::PostId(9999), PostStatus::Draft, None).await.unwrap());
}

async fn scheduled_posts_are_published_once_when_due(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    assert_eq!(f.store.next_scheduled_at().await.unwrap(), None);
    let mut due = post(user.id, "due", "Due", "x", now - Duration::seconds(5));
    due.status = PostStatus::Scheduled;
    let due = f.store.create_post(&due).await.unwrap();
    let later_at = (now + Duration::hours(1)).replace_nanosecond(0).unwrap();
    let mut later = post(user.id, "later", "Later", "x", later_at);
    later.status = PostStatus::Scheduled;
    let later = f.store.create_post(&later).await.unwrap();
    let version = f.store.content_version().await.unwrap();
    let (a, b) = tokio::join!(f.store.publish_due_posts(now), f.store.publish_due_posts(now));
    let mut published = a.unwrap();
    published.extend(b.unwrap());
    assert_eq!(published, [due], "published once, by one of the two sweeps");
    assert_eq!(f.store.post(due).await.unwrap().unwrap().status, PostStatus::Published);
    assert_eq!(f.store.post(later).await.unwrap().unwrap().status, PostStatus::Scheduled);
    assert!(f.store.content_version().await.unwrap() > version);
    assert_eq!(f.store.next_scheduled_at().await.unwrap(), Some(later_at));
    let quiet = f.store.content_version().await.unwrap();
    assert!(f.store.publish_due_posts(now).await.unwrap().is_empty());
    assert_eq!(f.store.content_version().await.unwrap(), quiet, "a sweep with nothing due changes nothing");
}
