//! Fixtures of the conformance suite: a fresh store per test on either backend, and the sample
//! rows the tests share.

use quire_core::{CommentId, CommentStatus, Discussion, Email, PostKind, PostStatus, Role, TermKind};
use quire_store::testing::TestDatabase;
use quire_store::{NewComment, NewPost, NewUser, Store, TermRef};
use time::OffsetDateTime;

/// A migrated, empty store of one backend, removed when the test ends.
pub struct Fixture {
    /// The store under test.
    pub store: Store,
    /// The URL it was opened with, for tests that reach behind the store's back.
    pub url: String,
    guard: Guard,
}

enum Guard {
    Sqlite(#[expect(dead_code, reason = "held for its Drop")] tempfile::TempDir),
    Postgres(#[expect(dead_code, reason = "held for its Drop")] TestDatabase),
}

impl Fixture {
    /// Whether this is the PostgreSQL run.
    pub fn is_postgres(&self) -> bool {
        matches!(self.guard, Guard::Postgres(_))
    }
}

/// A store on a fresh SQLite file.
pub async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    Fixture { store, url, guard: Guard::Sqlite(dir) }
}

/// A store on a fresh PostgreSQL database, or `None` when PostgreSQL is unreachable (and allowed to be).
pub async fn postgres(test: &str) -> Option<Fixture> {
    let db = TestDatabase::create(test).await?;
    let store = Store::connect(&db.url).await.unwrap();
    assert_eq!(store.backend(), "postgres");
    store.migrate().await.unwrap();
    Some(Fixture { store, url: db.url.clone(), guard: Guard::Postgres(db) })
}

/// A staff account named Kathy.
pub async fn writer(store: &Store) -> quire_core::User {
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

/// A published post tagged "books".
pub fn post(author: quire_core::UserId, slug: &str, title: &str, body: &str, published: OffsetDateTime) -> NewPost {
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

/// An approved comment by `name`.
pub fn comment(post: quire_core::PostId, parent: Option<CommentId>, name: &str) -> NewComment {
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
