//! Imports: each source item once, whole, with a record of what it became.

use quire_core::{CommentKind, CommentStatus, Email, PostKind, Role, TermKind};
use quire_store::{ImportComment, ImportPost, ImportTerm, Imported, NewUser, SourceKey};
use time::OffsetDateTime;

use crate::support::{Fixture, post, writer};

on_both_backends!(
    an_imported_post_keeps_its_comment_threads_and_a_second_import_finds_it,
    imported_authors_and_terms_reuse_what_the_site_has,
);

fn reply(id: &str, parent: Option<usize>, kind: CommentKind) -> ImportComment {
    ImportComment {
        source_id: id.into(),
        parent,
        author_name: format!("Reader {id}"),
        author_email: None,
        author_url: None,
        user_id: None,
        markdown: "hi".into(),
        html: "<p>hi</p>".into(),
        status: CommentStatus::Approved,
        kind,
        created_at: OffsetDateTime::now_utc(),
    }
}

async fn an_imported_post_keeps_its_comment_threads_and_a_second_import_finds_it(f: &Fixture) {
    let user = writer(&f.store).await;
    let item = ImportPost {
        post: post(user.id, "old-post", "Old post", "body", OffsetDateTime::now_utc()),
        password: Some("enter".into()),
        sticky: true,
        created_at: None,
        updated_at: None,
        comments: vec![
            reply("1", None, CommentKind::Comment),
            reply("2", Some(0), CommentKind::Comment),
            reply("3", Some(1), CommentKind::Comment),
            reply("4", None, CommentKind::Pingback),
        ],
        redirects: vec![("/?p=7".into(), "/old-post/".into())],
    };
    let key = SourceKey { source: "wordpress:https://old.example", kind: "post", id: "7" };
    let v0 = f.store.content_version().await.unwrap();
    let Imported::Created(id) = f.store.import_post(key, &item).await.unwrap() else { panic!("not created") };
    assert!(f.store.content_version().await.unwrap() > v0);
    assert_eq!(f.store.import_post(key, &item).await.unwrap(), Imported::Existing(id));
    assert_eq!(f.store.imported(key).await.unwrap(), Some(id.0));
    let stored = f.store.post(id).await.unwrap().unwrap();
    assert_eq!((stored.password.as_deref(), stored.sticky), (Some("enter"), true));
    let thread = f.store.approved_comments(id).await.unwrap();
    let depths: Vec<_> = thread.iter().map(|c| (c.author_name.as_str(), c.depth(), c.kind)).collect();
    assert_eq!(
        depths,
        [
            ("Reader 1", 0, CommentKind::Comment),
            ("Reader 2", 1, CommentKind::Comment),
            ("Reader 3", 2, CommentKind::Comment),
            ("Reader 4", 0, CommentKind::Pingback)
        ]
    );
    assert_eq!(thread[2].parent_id, Some(thread[1].id));
    let comment_key = SourceKey { kind: "comment", id: "3", ..key };
    assert_eq!(f.store.imported(comment_key).await.unwrap(), Some(thread[2].id.0));
    assert_eq!(f.store.redirect("/?p=7").await.unwrap().as_deref(), Some("/old-post/"));
    // A comment made afterwards still gets a fresh id.
    let later = f.store.create_comment(&crate::support::comment(id, None, "Later")).await.unwrap();
    assert!(later.0 > thread[3].id.0);
    assert!(f.store.post_by_slug(PostKind::Post, "old-post").await.unwrap().is_some());
}

async fn imported_authors_and_terms_reuse_what_the_site_has(f: &Fixture) {
    let kathy = writer(&f.store).await;
    let same = NewUser {
        email: Email::parse("KATHY@hailsham.example").unwrap(),
        name: "Kathy".into(),
        slug: "kathy-h".into(),
        role: Role::Author,
        password_hash: None,
        bio: None,
    };
    let key = SourceKey { source: "ghost:x", kind: "author", id: "1" };
    assert_eq!(f.store.import_user(key, &same).await.unwrap(), Imported::Existing(kathy.id));
    let other = NewUser { email: Email::parse("tommy@hailsham.example").unwrap(), ..same };
    let tommy = f.store.import_user(SourceKey { id: "2", ..key }, &other).await.unwrap();
    assert!(tommy.is_created());
    assert_eq!(f.store.user(tommy.id()).await.unwrap().unwrap().slug, "kathy-h-2", "a taken slug gets a suffix");
    let term = |slug: &str, parent| ImportTerm {
        kind: TermKind::Category,
        slug: slug.into(),
        name: slug.into(),
        parent_id: parent,
        description: None,
    };
    let books = f.store.import_term(SourceKey { kind: "term", id: "b", ..key }, &term("books", None)).await.unwrap();
    let child = term("novels", Some(books.id()));
    let novels = f.store.import_term(SourceKey { kind: "term", id: "n", ..key }, &child).await.unwrap();
    let stored = f.store.term_by_slug(TermKind::Category, "novels").await.unwrap().unwrap();
    assert_eq!((stored.id, stored.parent_id), (novels.id(), Some(books.id())));
    let again = f.store.import_term(SourceKey { kind: "term", id: "other", ..key }, &term("books", None)).await;
    assert_eq!(again.unwrap(), Imported::Existing(books.id()));
}
