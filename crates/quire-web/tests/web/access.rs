//! Who may open what: one table of every admin route with the answer each role gets, walked for an
//! anonymous visitor and for each staff role, and kept complete by reading the admin's router
//! source. Then the public face: other people's drafts, private posts and pending comments are
//! never revealed, by direct address (404, not 403), feeds, search, the sitemap or next/previous.

use std::collections::BTreeSet;

use quire_core::{PostKind, PostStatus, Role};
use reqwest::StatusCode;

use crate::support::{Agent, Page, TestApp, draft, without_fill_delay};

const PASSWORD: &str = "correct horse battery";

/// The askers, in the order of each row's expected answers.
const ASKERS: [Option<Role>; 5] =
    [None, Some(Role::Contributor), Some(Role::Author), Some(Role::Editor), Some(Role::Admin)];

/// One admin route: its method and pattern as written in the router, a concrete address (with
/// `{post}`, `{page}`, `{revision}`, `{comment}`, `{user}`, `{media}` filled in from the seed: all
/// belong to someone else than the asker), and the status for anonymous, contributor, author,
/// editor, admin. State changes are sent with the asker's valid form token and no other field.
struct Row {
    method: &'static str,
    route: &'static str,
    path: &'static str,
    expect: [u16; 5],
}

const fn row(method: &'static str, route: &'static str, path: &'static str, expect: [u16; 5]) -> Row {
    Row { method, route, path, expect }
}

// 303: sent to the sign-in form. 403 for an anonymous state change: no session, so no valid token.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    //                                                                                         anon  contr author editor admin
    row("GET",  "/admin",                                      "/admin",                                 [308, 308, 308, 308, 308]),
    row("GET",  "/admin/",                                     "/admin/",                                [303, 200, 200, 200, 200]),
    row("GET",  "/admin/login",                                "/admin/login",                           [200, 303, 303, 303, 303]),
    row("POST", "/admin/login",                                "/admin/login",                           [403, 403, 403, 403, 403]),
    row("GET",  "/admin/setup",                                "/admin/setup",                           [404, 404, 404, 404, 404]),
    row("POST", "/admin/setup",                                "/admin/setup",                           [403, 403, 403, 403, 403]),
    row("GET",  "/admin/account",                              "/admin/account",                         [303, 200, 200, 200, 200]),
    row("POST", "/admin/account/password",                     "/admin/account/password",                [303, 401, 401, 401, 401]),
    row("POST", "/admin/account/tokens/{id}/revoke",           "/admin/account/tokens/999999/revoke",    [303, 404, 404, 404, 404]),
    row("GET",  "/admin/settings",                             "/admin/settings",                        [303, 403, 403, 403, 200]),
    row("POST", "/admin/settings",                             "/admin/settings",                        [303, 403, 403, 403, 400]),
    row("GET",  "/admin/comments",                             "/admin/comments",                        [303, 403, 403, 200, 200]),
    row("POST", "/admin/comments/moderate",                    "/admin/comments/moderate",               [303, 403, 403, 303, 303]),
    row("GET",  "/admin/comments/{id}",                        "/admin/comments/{comment}",              [303, 403, 403, 200, 200]),
    row("POST", "/admin/comments/{id}/edit",                   "/admin/comments/{comment}/edit",         [303, 403, 403, 400, 400]),
    row("POST", "/admin/comments/{id}/reply",                  "/admin/comments/{comment}/reply",        [303, 403, 403, 400, 400]),
    row("GET",  "/admin/users",                                "/admin/users",                           [303, 403, 403, 403, 200]),
    row("POST", "/admin/users/invite",                         "/admin/users/invite",                    [303, 403, 403, 403, 400]),
    row("POST", "/admin/users/{id}/role",                      "/admin/users/{user}/role",               [303, 403, 403, 403, 400]),
    row("POST", "/admin/users/{id}/deactivate",                "/admin/users/{user}/deactivate",         [303, 403, 403, 403, 303]),
    row("POST", "/admin/users/{id}/reactivate",                "/admin/users/{user}/reactivate",         [303, 403, 403, 403, 303]),
    row("GET",  "/admin/invitation",                           "/admin/invitation",                      [410, 410, 410, 410, 410]),
    row("POST", "/admin/invitation",                           "/admin/invitation",                      [403, 403, 403, 403, 403]),
    row("GET",  "/admin/reset-password",                       "/admin/reset-password",                  [410, 410, 410, 410, 410]),
    row("POST", "/admin/reset-password",                       "/admin/reset-password",                  [403, 403, 403, 403, 403]),
    row("GET",  "/admin/forgot-password",                      "/admin/forgot-password",                 [200, 200, 200, 200, 200]),
    row("POST", "/admin/forgot-password",                      "/admin/forgot-password",                 [403, 403, 403, 403, 403]),
    row("POST", "/admin/preview",                              "/admin/preview",                         [303, 200, 200, 200, 200]),
    row("GET",  "/admin/posts",                                "/admin/posts",                           [303, 200, 200, 200, 200]),
    row("GET",  "/admin/posts/new",                            "/admin/posts/new",                       [303, 200, 200, 200, 200]),
    row("POST", "/admin/posts/new",                            "/admin/posts/new",                       [303, 422, 422, 422, 422]),
    row("GET",  "/admin/posts/{id}",                           "/admin/posts/{post}",                    [303, 403, 403, 200, 200]),
    row("POST", "/admin/posts/{id}",                           "/admin/posts/{post}",                    [303, 403, 403, 422, 422]),
    row("POST", "/admin/posts/{id}/autosave",                  "/admin/posts/{post}/autosave",           [303, 403, 403, 200, 200]),
    row("GET",  "/admin/posts/{id}/revisions",                 "/admin/posts/{post}/revisions",          [303, 403, 403, 200, 200]),
    row("GET",  "/admin/posts/{id}/revisions/{revision}",      "/admin/posts/{post}/revisions/{revision}", [303, 403, 403, 200, 200]),
    row("POST", "/admin/posts/{id}/revisions/{revision}/restore", "/admin/posts/{post}/revisions/{revision}/restore", [303, 403, 403, 422, 422]),
    row("POST", "/admin/posts/{id}/trash",                     "/admin/posts/{post}/trash",              [303, 403, 403, 303, 303]),
    row("POST", "/admin/posts/{id}/restore",                   "/admin/posts/{post}/restore",            [303, 403, 403, 303, 303]),
    row("GET",  "/admin/pages",                                "/admin/pages",                           [303, 200, 200, 200, 200]),
    row("GET",  "/admin/pages/new",                            "/admin/pages/new",                       [303, 200, 200, 200, 200]),
    row("POST", "/admin/pages/new",                            "/admin/pages/new",                       [303, 422, 422, 422, 422]),
    row("GET",  "/admin/pages/{id}",                           "/admin/pages/{page}",                    [303, 403, 403, 200, 200]),
    row("POST", "/admin/pages/{id}",                           "/admin/pages/{page}",                    [303, 403, 403, 422, 422]),
    row("POST", "/admin/pages/{id}/autosave",                  "/admin/pages/{page}/autosave",           [303, 403, 403, 200, 200]),
    row("GET",  "/admin/pages/{id}/revisions",                 "/admin/pages/{page}/revisions",          [303, 403, 403, 200, 200]),
    row("GET",  "/admin/pages/{id}/revisions/{revision}",      "/admin/pages/{page}/revisions/{revision}", [303, 403, 403, 200, 200]),
    row("POST", "/admin/pages/{id}/revisions/{revision}/restore", "/admin/pages/{page}/revisions/{revision}/restore", [303, 403, 403, 422, 422]),
    row("POST", "/admin/pages/{id}/trash",                     "/admin/pages/{page}/trash",              [303, 403, 403, 303, 303]),
    row("POST", "/admin/pages/{id}/restore",                   "/admin/pages/{page}/restore",            [303, 403, 403, 303, 303]),
    row("GET",  "/admin/media",                                "/admin/media",                           [303, 403, 200, 200, 200]),
    row("POST", "/admin/media",                                "/admin/media",                           [303, 400, 400, 400, 400]),
    row("GET",  "/admin/media/{id}",                           "/admin/media/{media}",                   [303, 403, 200, 200, 200]),
    row("GET",  "/admin/media/{id}/insert",                    "/admin/media/{media}/insert",            [303, 403, 200, 200, 200]),
    row("POST", "/admin/media/{id}",                           "/admin/media/{media}",                   [303, 403, 303, 303, 303]),
    row("ANY",  "/admin/{*rest}",                              "/admin/no-such-screen",                  [404, 404, 404, 404, 404]),
    // Last: they end the asker's session.
    row("POST", "/admin/logout-everywhere",                    "/admin/logout-everywhere",               [303, 303, 303, 303, 303]),
    row("POST", "/admin/logout",                               "/admin/logout",                          [303, 303, 303, 303, 303]),
];

// --- the admin's routes, read from its source ----------------------------------------------

/// The text between the parenthesis opening at `start` and its match.
fn balanced(text: &str, start: usize) -> &str {
    let mut depth = 0usize;
    for (i, c) in text[start..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[start + 1..start + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced route call");
}

/// The first string literal in `text`.
fn literal(text: &str) -> String {
    let open = text.find('"').unwrap_or_else(|| panic!("no string in {text:?}"));
    let rest = &text[open + 1..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Every `(method, pattern)` the admin router registers, read from `src/admin/*.rs`. A path
/// expression this reader does not understand fails the test, so a new route cannot slip by.
fn admin_routes_in_source() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/admin");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            sources.push(std::fs::read_to_string(&path).unwrap());
        }
    }
    let all = sources.concat();
    let mut found = BTreeSet::new();
    for source in &sources {
        // Routes repeated over `for base in ["/admin/posts", …]`.
        let bases: Vec<String> = source
            .find("for base in [")
            .map(|at| balanced(source, at + "for base in ".len()).split(',').map(literal).collect())
            .unwrap_or_default();
        for (at, _) in source.match_indices(".route(") {
            let args = balanced(source, at + ".route".len());
            let (path, methods) = args.split_once(',').unwrap_or_else(|| panic!("route without handler: {args}"));
            let path = path.trim();
            let patterns: Vec<String> = if path.starts_with('"') {
                vec![literal(path)]
            } else if path.contains("format!(") || path == "base" {
                let template = if path == "base" { "{base}".to_string() } else { literal(path) };
                let template = template.replace("{{", "\u{1}").replace("}}", "\u{2}");
                assert!(template.contains("{base}") && !bases.is_empty(), "unreadable route path {path}");
                bases
                    .iter()
                    .map(|b| template.replace("{base}", b).replace('\u{1}', "{").replace('\u{2}', "}"))
                    .collect()
            } else {
                let name = path.rsplit("::").next().unwrap();
                let decl = format!("const {name}: &str = ");
                let at = all.find(&decl).unwrap_or_else(|| panic!("unreadable route path {path}"));
                vec![literal(&all[at + decl.len()..])]
            };
            let mut verbs = Vec::new();
            for verb in ["get", "post", "put", "patch", "delete", "any"] {
                let call = format!("{verb}(");
                for (i, _) in methods.match_indices(&call) {
                    let before = methods[..i].chars().next_back().unwrap_or(' ');
                    if !(before.is_alphanumeric() || before == '_' || before == ':') {
                        verbs.push(verb.to_uppercase());
                    }
                }
            }
            assert!(!verbs.is_empty(), "no method in route {args}");
            for pattern in &patterns {
                for verb in &verbs {
                    found.insert((verb.clone(), pattern.clone()));
                }
            }
        }
    }
    found
}

#[test]
fn every_admin_route_has_a_row_in_the_access_table_and_every_row_a_route() {
    let in_source = admin_routes_in_source();
    let in_table: BTreeSet<(String, String)> =
        TABLE.iter().map(|r| (r.method.to_string(), r.route.to_string())).collect();
    assert_eq!(in_table.len(), TABLE.len(), "no row twice");
    let missing: Vec<_> = in_source.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&in_source).collect();
    assert!(missing.is_empty(), "admin routes without a row in the access table: {missing:?}");
    assert!(stale.is_empty(), "rows for routes the admin no longer has: {stale:?}");
    assert!(in_source.len() > 40, "the reader found the routes: {}", in_source.len());
}

// --- walking the table ------------------------------------------------------------------------

/// Someone else's things, for the table's addresses.
struct Seed {
    post: i64,
    page: i64,
    revision: i64,
    page_revision: i64,
    comment: i64,
    user: i64,
    media: i64,
}

impl Seed {
    fn fill(&self, path: &str) -> String {
        let revision = if path.starts_with("/admin/pages/") { self.page_revision } else { self.revision };
        path.replace("{post}", &self.post.to_string())
            .replace("{page}", &self.page.to_string())
            .replace("{revision}", &revision.to_string())
            .replace("{comment}", &self.comment.to_string())
            .replace("{user}", &self.user.to_string())
            .replace("{media}", &self.media.to_string())
    }
}

/// The demo site plus the things the table points at, none of them the asker's.
async fn seeded() -> (TestApp, Seed) {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let writer = app.app.store().user_by_slug("demo-writer").await.unwrap().unwrap();
    let post = app
        .app
        .create_post(
            writer.id,
            quire_app::publishing::Draft { status: PostStatus::Draft, ..draft("Sketch", "Not yet.") },
        )
        .await
        .unwrap();
    let page = app
        .app
        .create_post(
            writer.id,
            quire_app::publishing::Draft {
                kind: PostKind::Page,
                status: PostStatus::Draft,
                ..draft("Plans", "Later.")
            },
        )
        .await
        .unwrap();
    // One revision id valid for both the post and the page (ids are shared, so give each one).
    let revision = app.app.store().add_revision(&revision_of(post, writer.id)).await.unwrap();
    let page_revision = app.app.store().add_revision(&revision_of(page, writer.id)).await.unwrap();
    let reader = Agent::from_ip(&app, [127, 0, 0, 9]);
    let sent = reader
        .comment(TestApp::ESSAY, &[("author", "Ruth"), ("email", "ruth@hailsham.example"), ("comment", "Held.")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let comment = sent.header("location").unwrap().rsplit("#comment-").next().unwrap().parse().unwrap();
    let user = app.add_staff("target@hailsham.example", Role::Contributor, PASSWORD).await.id.0;
    let media = sample_media(&app).await;
    (app, Seed { post: post.0, page: page.0, revision, page_revision, comment, user, media })
}

/// A library item with alt text, stored as an import would (no upload needed); its id.
pub async fn sample_media(app: &TestApp) -> i64 {
    let key = "imported/card.png";
    app.app.put_media_file(key, b"not really").await.unwrap();
    let media = quire_store::NewMedia {
        storage_key: key.into(),
        mime: "image/png".into(),
        bytes: 10,
        width: Some(1),
        height: Some(1),
        alt: "A card".into(),
        caption: None,
        credit: None,
        licence: None,
        uploaded_by: None,
    };
    app.app.store().create_media(&media).await.unwrap().0
}

fn revision_of(post: quire_core::PostId, author: quire_core::UserId) -> quire_store::NewRevision {
    quire_store::NewRevision {
        post_id: post,
        author_id: author,
        title: "Earlier".into(),
        markdown: "Earlier text.".into(),
        excerpt: None,
    }
}

/// An agent for `asker`, signed in unless anonymous.
async fn agent_for(app: &TestApp, asker: Option<Role>) -> Agent {
    let agent = Agent::new(app);
    if let Some(role) = asker {
        let signed_in = agent.sign_in(&format!("{role}@hailsham.example"), PASSWORD).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{role} signs in: {}", signed_in.body);
    }
    agent
}

async fn ask(agent: &Agent, signed_in: bool, row: &Row, path: &str) -> Page {
    match row.method {
        "GET" | "ANY" => agent.get(path).await,
        _ => {
            let token = if signed_in { agent.csrf_token().await } else { String::new() };
            agent.post(path, &[("csrf_token", &token)]).await
        }
    }
}

async fn walk(asker_index: usize) {
    let asker = ASKERS[asker_index];
    let (app, seed) = seeded().await;
    if let Some(role) = asker {
        app.add_staff(&format!("{role}@hailsham.example"), role, PASSWORD).await;
    }
    let mut agent = agent_for(&app, asker).await;
    let mut wrong = Vec::new();
    for row in TABLE {
        let path = seed.fill(row.path);
        let page = ask(&agent, asker.is_some(), row, &path).await;
        let expected = row.expect[asker_index];
        if page.status.is_server_error() {
            println!("{} {path}: {}", row.method, page.body);
        }
        if page.status.as_u16() != expected {
            wrong.push(format!("{} {path}: {} (expected {expected})", row.method, page.status.as_u16()));
        }
        if row.route.contains("logout") && asker.is_some() {
            agent = agent_for(&app, asker).await;
        }
    }
    let who = asker.map_or("anonymous".to_string(), |r| r.to_string());
    assert!(wrong.is_empty(), "{who}:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_access_table_holds_for_an_anonymous_visitor() {
    walk(0).await;
}

#[tokio::test]
async fn the_access_table_holds_for_a_contributor() {
    walk(1).await;
}

#[tokio::test]
async fn the_access_table_holds_for_an_author() {
    walk(2).await;
}

#[tokio::test]
async fn the_access_table_holds_for_an_editor() {
    walk(3).await;
}

#[tokio::test]
async fn the_access_table_holds_for_an_admin() {
    walk(4).await;
}

// --- the public face does not reveal what is not public ----------------------------------------

/// Words that appear only in the hidden things, so any surface that shows them leaks.
const SECRETS: [&str; 6] =
    ["hidden-orchard", "Hidden Orchard", "private-marsh", "Private Marsh", "quiet-plans", "Tommy held these words"];

#[tokio::test]
async fn drafts_private_posts_and_pending_comments_are_not_revealed_anywhere_public() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let writer = app.app.store().user_by_slug("demo-writer").await.unwrap().unwrap();
    // Dated between the essay (2020-01-01) and Klara (2021-03-14): a leak would show in next/previous.
    let june = time::macros::datetime!(2020-06-01 12:00 UTC);
    let hidden = [
        (PostKind::Post, PostStatus::Draft, "Hidden Orchard", "hidden-orchard"),
        (PostKind::Post, PostStatus::Private, "Private Marsh", "private-marsh"),
        (PostKind::Page, PostStatus::Draft, "Quiet plans", "quiet-plans"),
    ];
    let mut ids = Vec::new();
    for (kind, status, title, slug) in hidden {
        let post = quire_app::publishing::Draft {
            kind,
            status,
            slug: Some(slug.into()),
            published_at: Some(june),
            tags: vec!["hailsham".into()],
            ..draft(title, &format!("{title}: not for readers."))
        };
        ids.push(app.app.create_post(writer.id, post).await.unwrap());
    }
    let reader = Agent::from_ip(&app, [127, 0, 0, 7]);
    let sent = reader
        .comment(
            TestApp::ESSAY,
            &[("author", "Tommy"), ("email", "tommy@hailsham.example"), ("comment", "Tommy held these words")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let comment: i64 = sent.header("location").unwrap().rsplit("#comment-").next().unwrap().parse().unwrap();
    let held = app.app.store().comment(quire_core::CommentId(comment)).await.unwrap().unwrap();
    assert_eq!(held.status, quire_core::CommentStatus::Pending, "a first comment is held");

    // Direct addresses answer 404, exactly as an address that never existed would.
    let stranger = Agent::from_ip(&app, [127, 0, 0, 8]);
    let never = stranger.get("/2020/06/01/never-was/").await;
    assert_eq!(never.status, StatusCode::NOT_FOUND);
    let mut direct = vec![
        "/2020/06/01/hidden-orchard/".to_string(),
        "/2020/06/01/private-marsh/".to_string(),
        "/quiet-plans/".to_string(),
        "/2020/06/01/hidden-orchard/feed/".to_string(),
        "/2020/06/01/private-marsh/feed/".to_string(),
        format!("/comments/{comment}/edit"),
        format!("/comments/{comment}/delete"),
    ];
    direct.extend(ids.iter().map(|id| format!("/preview/{id}")));
    for path in &direct {
        let page = stranger.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path} is not revealed: {}", page.status);
    }

    // Every public surface that lists posts or comments.
    let surfaces = [
        "/",
        "/feed/",
        "/feed/atom/",
        "/feed.json",
        "/comments/feed/",
        &format!("{}feed/", TestApp::ESSAY),
        "/sitemap.xml",
        "/search?q=orchard",
        "/search?q=marsh",
        "/search?q=plans",
        "/search?q=these+words",
        "/?s=orchard",
        "/tag/hailsham/",
        "/tag/hailsham/feed/",
        "/author/demo-writer/",
        "/2020/",
        "/2020/06/",
        "/2020/06/01/",
        TestApp::ESSAY,
        TestApp::KLARA,
    ];
    for path in surfaces {
        let page = stranger.get(path).await;
        assert!(page.status == StatusCode::OK || page.status == StatusCode::NOT_FOUND, "{path}: {}", page.status);
        for secret in SECRETS {
            assert!(!page.body.contains(secret), "{path} reveals {secret:?}");
        }
        assert!(!page.body.contains(&format!("comment-{comment}\"")), "{path} reveals the pending comment's id");
    }
    // The surfaces were live: the essay and its neighbour link each other, the search finds public text.
    let essay = stranger.get(TestApp::ESSAY).await;
    assert_eq!(essay.attrs("a[rel=next]", "href"), vec![TestApp::KLARA.to_string()], "the essay's next is Klara");
    let klara = stranger.get(TestApp::KLARA).await;
    assert_eq!(klara.attrs("a[rel=prev]", "href"), vec![TestApp::ESSAY.to_string()], "Klara's previous is the essay");
    let found = stranger.get("/search?q=Ishiguro").await;
    assert!(found.body.contains("Klara and the Sun"), "the search answers public posts");
}
