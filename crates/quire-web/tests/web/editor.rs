//! The post and page editor over HTTP: writing, saving, publishing, scheduling (also across a
//! restart), unpublishing, trash and restore, revisions, autosave, stale edits, duplicate slugs,
//! private preview links, and the role and CSRF checks beneath all of it.

use std::time::Duration;

use quire_core::{PostId, PostStatus, Role};
use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::support::{Agent, Page, TestApp};

const PASSWORD: &str = "correct horse battery";

/// A browser signed in as a new account with `role`.
async fn writer(app: &TestApp, email: &str, role: Role) -> Agent {
    app.add_staff(email, role, PASSWORD).await;
    let agent = Agent::new(app);
    let signed = agent.sign_in(email, PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{email} signs in");
    agent
}

/// Every field of the editor form on `page` as the browser would send it (no button yet).
fn form_of(page: &Page) -> Vec<(String, String)> {
    let html = Html::parse_document(&page.body);
    let mut fields = Vec::new();
    let inputs = Selector::parse("form#editor input[name]").unwrap();
    for input in html.select(&inputs) {
        let name = input.value().attr("name").unwrap().to_string();
        let kind = input.value().attr("type").unwrap_or("text");
        if kind == "checkbox" && input.value().attr("checked").is_none() {
            continue;
        }
        fields.push((name, input.value().attr("value").unwrap_or_default().to_string()));
    }
    let areas = Selector::parse("form#editor textarea[name]").unwrap();
    for area in html.select(&areas) {
        fields.push((area.value().attr("name").unwrap().to_string(), area.text().collect()));
    }
    fields
}

/// The textarea `id`'s text on a page, exactly.
fn textarea(page: &Page, id: &str) -> String {
    let html = Html::parse_document(&page.body);
    let selector = Selector::parse(&format!("textarea#{id}")).unwrap();
    html.select(&selector).next().map(|a| a.text().collect()).unwrap_or_default()
}

/// Loads the editor at `path`, sets `changes` over its fields and presses `action`.
async fn send_editor(agent: &Agent, path: &str, changes: &[(&str, &str)], action: &str) -> Page {
    let page = agent.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    let mut form = form_of(&page);
    for (name, value) in changes {
        form.retain(|(n, _)| n != name);
        form.push((name.to_string(), value.to_string()));
    }
    form.push(("action".into(), action.into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let post_to = if path.ends_with("/new") { path.to_string() } else { path.split('?').next().unwrap().to_string() };
    agent.post(&post_to, &form).await
}

/// The id a successful save redirected to (`/admin/posts/{id}?saved=…`).
fn saved_id(page: &Page) -> PostId {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the save went through: {}", page.body);
    let location = page.header("location").unwrap();
    let id = location.trim_start_matches("/admin/posts/").trim_start_matches("/admin/pages/");
    PostId(id.split('?').next().unwrap().parse().unwrap())
}

async fn post_of(app: &TestApp, id: PostId) -> quire_core::Post {
    app.app.store().post(id).await.unwrap().unwrap()
}

/// The public path of a post as the site builds it.
async fn public_path(app: &TestApp, id: PostId) -> String {
    let post = post_of(app, id).await;
    app.app.post_path(&post, &*app.app.settings().await)
}

// --- writing and publishing ----------------------------------------------------------------

#[tokio::test]
async fn an_author_writes_a_draft_then_publishes_it_and_readers_see_it_at_once() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let home_before = app.get("/").await;
    assert!(!home_before.body.contains("Notes from the cottages"));
    let created = send_editor(
        &kathy,
        "/admin/posts/new",
        &[
            ("title", "Notes from the cottages"),
            ("markdown", "We read *Daniel Deronda* in the long evenings."),
            ("tags", "Cottages, reading"),
            ("categories", "Diaries"),
            ("content_warning", "Mild spoilers"),
        ],
        "save",
    )
    .await;
    let id = saved_id(&created);
    let draft = post_of(&app, id).await;
    assert_eq!(draft.status, PostStatus::Draft);
    assert_eq!(draft.slug, "notes-from-the-cottages");
    assert!(!app.get("/").await.body.contains("Notes from the cottages"), "a draft is not public");

    let published = send_editor(&kathy, &format!("/admin/posts/{}", id.0), &[], "publish").await;
    assert_eq!(saved_id(&published), id);
    let post = post_of(&app, id).await;
    assert_eq!(post.status, PostStatus::Published);
    // The cached home page refreshed: publishing bumped the content version.
    assert!(app.get("/").await.body.contains("Notes from the cottages"));
    let page = app.get(&public_path(&app, id).await).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<em>Daniel Deronda</em>"), "{}", page.body);
    assert!(page.body.contains("Mild spoilers"), "the content warning shows");
    // Tags and categories typed in the editor were created on the way.
    for archive in ["/tag/cottages/", "/tag/reading/", "/category/diaries/"] {
        let list = app.get(archive).await;
        assert_eq!(list.status, StatusCode::OK, "{archive}");
        assert!(list.body.contains("Notes from the cottages"), "{archive}");
    }
}

#[tokio::test]
async fn pages_are_written_and_published_like_posts() {
    let app = TestApp::with_demo().await;
    let editor = writer(&app, "ruth@hailsham.example", Role::Editor).await;
    let created = send_editor(
        &editor,
        "/admin/pages/new",
        &[("title", "Colophon"), ("markdown", "Set in *Quire*."), ("slug", "colophon")],
        "publish",
    )
    .await;
    assert!(created.header("location").unwrap().starts_with("/admin/pages/"));
    let id = saved_id(&created);
    assert_eq!(post_of(&app, id).await.kind, quire_core::PostKind::Page);
    let page = app.get("/colophon/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Set in <em>Quire</em>."));
    let list = editor.get("/admin/pages").await;
    assert!(list.texts(".post-title").contains(&"Colophon".to_string()), "{:?}", list.texts(".post-title"));
}

#[tokio::test]
async fn the_live_preview_renders_exactly_as_the_published_post() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let markdown =
        "A footnote[^1] and code:\n\n```rust\nfn main() {}\n```\n\n> Quoted.\n>\n> — Ch. 6\n\n[^1]: The note.\n";
    let created =
        send_editor(&kathy, "/admin/posts/new", &[("title", "Rendering"), ("markdown", markdown)], "publish").await;
    let id = saved_id(&created);
    let token = kathy.csrf_token().await;
    let preview = kathy
        .post_with(
            "/admin/preview",
            &[("markdown", markdown)],
            &[("x-csrf-token", &token), ("accept", "application/json")],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    let html = serde_json::from_str::<serde_json::Value>(&preview.body).unwrap()["html"].as_str().unwrap().to_string();
    assert!(html.contains("footnote") && html.contains("<cite>"), "{html}");
    let site = app.get(&public_path(&app, id).await).await;
    assert!(site.body.contains(&html), "the site shows the same HTML as the preview:\n{html}\n---\n{}", site.body);
}

#[tokio::test]
async fn unpublishing_takes_a_post_off_the_site_and_trash_and_restore_bring_it_back_as_a_draft() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let id = saved_id(
        &send_editor(&kathy, "/admin/posts/new", &[("title", "Gone soon"), ("markdown", "Here today.")], "publish")
            .await,
    );
    let path = public_path(&app, id).await;
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    saved_id(&send_editor(&kathy, &format!("/admin/posts/{}", id.0), &[], "unpublish").await);
    assert_eq!(post_of(&app, id).await.status, PostStatus::Draft);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);

    let token = kathy.csrf_token().await;
    let trashed = kathy.post(&format!("/admin/posts/{}/trash", id.0), &[("csrf_token", &token)]).await;
    assert_eq!(trashed.status, StatusCode::SEE_OTHER);
    assert_eq!(post_of(&app, id).await.status, PostStatus::Trash);
    let trash = kathy.get("/admin/posts?status=trash").await;
    assert_eq!(trash.texts(".post-title"), vec!["Gone soon"]);
    assert!(
        !kathy.get("/admin/posts").await.texts(".post-title").contains(&"Gone soon".to_string()),
        "All hides trash"
    );
    let restored = kathy.post(&format!("/admin/posts/{}/restore", id.0), &[("csrf_token", &token)]).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER);
    assert_eq!(post_of(&app, id).await.status, PostStatus::Draft);
    assert!(kathy.get("/admin/posts?status=draft").await.texts(".post-title").contains(&"Gone soon".to_string()));
}

// --- bad input -------------------------------------------------------------------------------

#[tokio::test]
async fn a_duplicate_slug_gets_a_plain_message_and_the_text_is_kept() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let body = "Every word of this must survive the refusal.\n\nSecond paragraph.";
    let refused = send_editor(
        &kathy,
        "/admin/posts/new",
        &[("title", "Another essay"), ("slug", "never-let-me-go"), ("markdown", body)],
        "save",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let alert = refused.texts("[role=alert]").join(" ");
    assert!(alert.contains("“never-let-me-go” is already used"), "{alert}");
    assert_eq!(textarea(&refused, "markdown"), body);
    assert_eq!(refused.field("title").as_deref(), Some("Another essay"));
    assert_eq!(refused.field("slug").as_deref(), Some("never-let-me-go"));
}

#[tokio::test]
async fn scheduling_for_a_time_already_past_is_refused_with_the_text_kept() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let refused = send_editor(
        &kathy,
        "/admin/posts/new",
        &[("title", "Too late"), ("markdown", "Kept."), ("publish_at", "2001-01-01T10:00")],
        "schedule",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.texts("[role=alert]").join(" ").contains("already passed"));
    assert_eq!(textarea(&refused, "markdown"), "Kept.");
}

#[tokio::test]
async fn a_stale_save_answers_409_with_both_texts_and_overwrites_nothing() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Editor).await;
    let ruth = writer(&app, "ruth@hailsham.example", Role::Editor).await;
    let id = saved_id(
        &send_editor(&kathy, "/admin/posts/new", &[("title", "Shared"), ("markdown", "First text.")], "save").await,
    );
    let path = format!("/admin/posts/{}", id.0);
    // Kathy opens the editor; Ruth saves meanwhile; then Kathy saves what she typed.
    let opened = kathy.get(&path).await;
    saved_id(&send_editor(&ruth, &path, &[("markdown", "Ruth's text.")], "save").await);
    let mut form = form_of(&opened);
    form.retain(|(n, _)| n != "markdown");
    form.push(("markdown".into(), "Kathy's text.".into()));
    form.push(("action".into(), "save".into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let stale = kathy.post(&path, &form).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(textarea(&stale, "mine-markdown"), "Kathy's text.");
    assert_eq!(textarea(&stale, "theirs-markdown"), "Ruth's text.");
    assert_eq!(post_of(&app, id).await.markdown, "Ruth's text.", "nothing was overwritten");
    // Choosing her own text sends it with the newer version, and that save goes through.
    let html = Html::parse_document(&stale.body);
    let selector = Selector::parse(".conflict form input[name], .conflict form textarea[name]").unwrap();
    let mut choice: Vec<(String, String)> = html
        .select(&selector)
        .map(|e| {
            let value = if e.value().name() == "textarea" {
                e.text().collect()
            } else {
                e.value().attr("value").unwrap_or_default().to_string()
            };
            (e.value().attr("name").unwrap().to_string(), value)
        })
        .collect();
    choice.push(("action".into(), "save".into()));
    let choice: Vec<(&str, &str)> = choice.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    saved_id(&kathy.post(&path, &choice).await);
    assert_eq!(post_of(&app, id).await.markdown, "Kathy's text.");
}

// --- revisions and autosave ------------------------------------------------------------------

#[tokio::test]
async fn every_save_is_a_revision_with_a_diff_and_an_old_one_can_be_restored() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let id = saved_id(
        &send_editor(&kathy, "/admin/posts/new", &[("title", "Drafts"), ("markdown", "one\ntwo\nthree")], "save").await,
    );
    let path = format!("/admin/posts/{}", id.0);
    saved_id(&send_editor(&kathy, &path, &[("markdown", "one\n2\nthree")], "save").await);
    let revisions = app.app.store().revisions(id).await.unwrap();
    assert_eq!(revisions.len(), 2, "one revision per save");
    let first = revisions.last().unwrap();
    assert_eq!(first.markdown, "one\ntwo\nthree");

    let list = kathy.get(&format!("{path}/revisions")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.texts(".revision-list li").len(), 2);
    let compare = kathy.get(&format!("{path}/revisions/{}", first.id)).await;
    assert_eq!(compare.status, StatusCode::OK);
    assert_eq!(compare.texts(".diff-delete"), vec!["− two"]);
    assert_eq!(compare.texts(".diff-insert"), vec!["+ 2"]);
    let version = compare.field("version").unwrap();
    let token = kathy.csrf_token().await;
    let restored = kathy
        .post(&format!("{path}/revisions/{}/restore", first.id), &[("csrf_token", &token), ("version", &version)])
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER);
    assert_eq!(post_of(&app, id).await.markdown, "one\ntwo\nthree");
    assert_eq!(app.app.store().revisions(id).await.unwrap().len(), 3, "the restore is a revision too");
}

#[tokio::test]
async fn autosave_keeps_the_text_apart_from_the_post_and_the_editor_offers_it_back() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let id = saved_id(
        &send_editor(&kathy, "/admin/posts/new", &[("title", "Published text"), ("markdown", "As saved.")], "publish")
            .await,
    );
    let path = format!("/admin/posts/{}", id.0);
    let token = kathy.csrf_token().await;
    let kept = kathy
        .post_with(
            &format!("{path}/autosave"),
            &[("title", "Published text"), ("markdown", "Typed since, not saved.")],
            &[("x-csrf-token", &token), ("accept", "application/json")],
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!(post_of(&app, id).await.markdown, "As saved.", "the post is untouched");
    assert!(app.get(&public_path(&app, id).await).await.body.contains("As saved."));
    let editor = kathy.get(&path).await;
    assert_eq!(textarea(&editor, "markdown"), "As saved.");
    assert_eq!(editor.texts(".autosave-offer").len(), 1, "a newer autosave is offered");
    let restored = kathy.get(&format!("{path}?restore=autosave")).await;
    assert_eq!(textarea(&restored, "markdown"), "Typed since, not saved.");
    // Another writer's slot is their own.
    let ruth = writer(&app, "ruth@hailsham.example", Role::Editor).await;
    assert!(ruth.get(&path).await.texts(".autosave-offer").is_empty());
}

// --- scheduling --------------------------------------------------------------------------------

#[tokio::test]
async fn a_scheduled_post_appears_at_its_time_also_after_a_restart() {
    let mut app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let created = send_editor(
        &kathy,
        "/admin/posts/new",
        &[("title", "Written in advance"), ("markdown", "Out on time."), ("publish_at", &at.format(&format).unwrap())],
        "schedule",
    )
    .await;
    let id = saved_id(&created);
    assert_eq!(post_of(&app, id).await.status, PostStatus::Scheduled);
    let path = public_path(&app, id).await;
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "not before its time");
    // The site goes down before the time comes, and starts again after it.
    app.restart_after(Duration::from_secs(3)).await;
    let mut status = StatusCode::NOT_FOUND;
    for _ in 0..40 {
        status = app.get(&path).await.status;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, StatusCode::OK, "the scheduled post is on the site after the restart");
    assert_eq!(post_of(&app, id).await.status, PostStatus::Published);
    assert!(app.get("/").await.body.contains("Written in advance"), "and on the home page");
}

#[tokio::test]
async fn the_publishing_sweep_publishes_each_due_post_once() {
    let app = TestApp::with_demo().await;
    let author = app.app.store().user_by_slug("demo-writer").await.unwrap().unwrap();
    let past = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let draft = quire_app::publishing::Draft {
        status: PostStatus::Scheduled,
        published_at: Some(past),
        ..crate::support::draft("Due already", "Due.")
    };
    let id = app.app.create_post(author.id, draft).await.unwrap();
    let (a, b) = tokio::join!(app.app.publish_due(), app.app.publish_due());
    let mut all = a.unwrap();
    all.extend(b.unwrap());
    // The background task may have been first; either way nobody published it twice.
    assert!(all.iter().filter(|p| **p == id).count() <= 1, "{all:?}");
    assert_eq!(post_of(&app, id).await.status, PostStatus::Published);
}

// --- private preview links ------------------------------------------------------------------

#[tokio::test]
async fn a_private_preview_link_shows_an_unpublished_post_without_sign_in_and_a_wrong_token_is_404() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Contributor).await;
    let id = saved_id(
        &send_editor(&kathy, "/admin/posts/new", &[("title", "Secret draft"), ("markdown", "Not *yet*.")], "save")
            .await,
    );
    let editor = kathy.get(&format!("/admin/posts/{}", id.0)).await;
    let link = editor.attrs("a.preview-link", "href").pop().expect("the editor shows the preview link");
    assert!(link.starts_with(&format!("/preview/{}?token=", id.0)), "{link}");
    let page = app.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Secret draft") && page.body.contains("Not <em>yet</em>."));
    assert!(page.body.contains(r#"<meta name="robots" content="noindex">"#));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    assert!(page.attrs("#commentform", "id").is_empty(), "no comment form on a preview");
    for wrong in [
        format!("/preview/{}?token=nope", id.0),
        format!("/preview/{}", id.0),
        format!("/preview/{}?token={}", id.0 + 1, link.split("token=").nth(1).unwrap()),
    ] {
        assert_eq!(app.get(&wrong).await.status, StatusCode::NOT_FOUND, "{wrong}");
    }
}

// --- roles and forgery ------------------------------------------------------------------------

#[tokio::test]
async fn a_contributor_submits_for_review_and_cannot_publish_even_by_forging_the_form() {
    let app = TestApp::with_demo().await;
    let tommy = writer(&app, "tommy@hailsham.example", Role::Contributor).await;
    let new = tommy.get("/admin/posts/new").await;
    assert!(new.attrs("button[value=publish]", "value").is_empty(), "no Publish button for contributors");
    let id = saved_id(
        &send_editor(&tommy, "/admin/posts/new", &[("title", "My first piece"), ("markdown", "Please read.")], "save")
            .await,
    );
    let path = format!("/admin/posts/{}", id.0);
    for forged in ["publish", "schedule"] {
        let at = [("publish_at", "2099-01-01T10:00")];
        let refused = send_editor(&tommy, &path, &at, forged).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{forged}");
        assert_eq!(post_of(&app, id).await.status, PostStatus::Draft, "{forged}");
    }
    let forged_new =
        send_editor(&tommy, "/admin/posts/new", &[("title", "Sneaky"), ("markdown", "x")], "publish").await;
    assert_eq!(forged_new.status, StatusCode::FORBIDDEN);
    assert!(app.app.store().post_by_slug(quire_core::PostKind::Post, "sneaky").await.unwrap().is_none());
    saved_id(&send_editor(&tommy, &path, &[], "submit").await);
    assert_eq!(post_of(&app, id).await.status, PostStatus::Pending);
    // An editor publishes it.
    let ruth = writer(&app, "ruth@hailsham.example", Role::Editor).await;
    assert!(ruth.get("/admin/posts?status=pending").await.texts(".post-title").contains(&"My first piece".to_string()));
    saved_id(&send_editor(&ruth, &path, &[], "publish").await);
    assert_eq!(post_of(&app, id).await.status, PostStatus::Published);
    // Now public, the contributor can no longer change it.
    let refused = send_editor(&tommy, &path, &[("markdown", "Changed after publication.")], "save").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_author_cannot_open_change_or_trash_another_writers_post_nor_see_it_listed() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let ruth = writer(&app, "ruth@hailsham.example", Role::Author).await;
    let id = saved_id(
        &send_editor(&kathy, "/admin/posts/new", &[("title", "Kathy's own"), ("markdown", "Mine.")], "save").await,
    );
    let path = format!("/admin/posts/{}", id.0);
    assert_eq!(ruth.get(&path).await.status, StatusCode::FORBIDDEN);
    let token = ruth.csrf_token().await;
    let forged = ruth
        .post(&path, &[("csrf_token", &token), ("title", "Ruth's now"), ("markdown", "Hers."), ("action", "save")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(ruth.post(&format!("{path}/trash"), &[("csrf_token", &token)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ruth.get(&format!("{path}/revisions")).await.status, StatusCode::FORBIDDEN);
    let post = post_of(&app, id).await;
    assert_eq!((post.title.as_str(), post.status), ("Kathy's own", PostStatus::Draft));
    assert!(!ruth.get("/admin/posts").await.texts(".post-title").contains(&"Kathy's own".to_string()));
    assert!(kathy.get("/admin/posts").await.texts(".post-title").contains(&"Kathy's own".to_string()));
    // An editor sees and may edit everyone's.
    let editor = writer(&app, "emily@hailsham.example", Role::Editor).await;
    assert!(editor.get("/admin/posts").await.texts(".post-title").contains(&"Kathy's own".to_string()));
    assert_eq!(editor.get(&path).await.status, StatusCode::OK);
}

#[tokio::test]
async fn editor_forms_without_the_token_or_from_another_site_are_refused() {
    let app = TestApp::with_demo().await;
    let kathy = writer(&app, "kathy@hailsham.example", Role::Author).await;
    let fields = [("title", "Forged"), ("markdown", "x"), ("action", "publish")];
    let refused = kathy.post("/admin/posts/new", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let token = kathy.csrf_token().await;
    let mut with_token = fields.to_vec();
    with_token.push(("csrf_token", &token));
    let cross = kathy.post_with("/admin/posts/new", &with_token, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let preview = kathy.post("/admin/preview", &[("markdown", "x")]).await;
    assert_eq!(preview.status, StatusCode::FORBIDDEN);
    assert!(app.app.store().post_by_slug(quire_core::PostKind::Post, "forged").await.unwrap().is_none());
}

#[tokio::test]
async fn the_editor_is_for_signed_in_staff_only() {
    let app = TestApp::with_demo().await;
    for path in ["/admin/posts", "/admin/posts/new", "/admin/pages", "/admin/posts/1"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.header("location").unwrap().starts_with("/admin/login"), "{path}");
    }
}
