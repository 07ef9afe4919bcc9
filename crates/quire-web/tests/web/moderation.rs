//! Comment moderation in the admin, over HTTP: the queue with its counts, each action one by one
//! and in bulk, filters, search and pages, edits, replies threaded on the post page, and who may
//! moderate at all.

use quire_core::{CommentId, CommentStatus, Role};
use reqwest::StatusCode;

use crate::support::{Agent, TestApp, without_fill_delay};

const PASSWORD: &str = "correct horse battery";

/// A signed-in staff member with `role`.
async fn staff(app: &TestApp, role: Role) -> Agent {
    let email = format!("{role}@hailsham.example");
    app.add_staff(&email, role, PASSWORD).await;
    let agent = Agent::new(app);
    let signed_in = agent.sign_in(&email, PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    agent
}

/// A guest's comment on the essay from its own address; returns its id (held: a first comment).
async fn guest_says(app: &TestApp, ip: u8, name: &str, email: &str, text: &str) -> i64 {
    let reader = Agent::from_ip(app, [127, 0, 0, ip]);
    let sent = reader.comment(TestApp::ESSAY, &[("author", name), ("email", email), ("comment", text)]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    sent.header("location").unwrap().rsplit("#comment-").next().unwrap().parse().unwrap()
}

async fn status_of(app: &TestApp, id: i64) -> Option<CommentStatus> {
    app.app.store().comment(CommentId(id)).await.unwrap().map(|c| c.status)
}

async fn moderate(agent: &Agent, action: &str, ids: &[i64]) -> crate::support::Page {
    let token = agent.csrf_token().await;
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let mut form = vec![("csrf_token", token.as_str()), ("action", action), ("back", "/admin/comments?status=all")];
    form.extend(ids.iter().map(|id| ("ids", id.as_str())));
    agent.post("/admin/comments/moderate", &form).await
}

fn count(page: &crate::support::Page, status: &str) -> u64 {
    page.texts(&format!(".tabs .count[data-status={status}]"))[0].parse().unwrap()
}

#[tokio::test]
async fn the_queue_counts_each_status_and_shows_who_wrote_what_where() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let id = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Madame was crying.").await;
    let editor = staff(&app, Role::Editor).await;
    let page = editor.get("/admin/comments").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!((count(&page, "pending"), count(&page, "approved")), (1, 50));
    assert_eq!((count(&page, "spam"), count(&page, "trash")), (0, 0));
    let row = format!("#comment-{id}");
    assert_eq!(page.texts(&format!("{row} .author")), vec!["Ruth"]);
    assert_eq!(page.texts(&format!("{row} .email")), vec!["ruth@hailsham.example"]);
    assert!(page.texts(&format!("{row} .ip-hash"))[0].starts_with("IP "), "the address is shown as a hash");
    assert!(page.texts(&format!("{row} .excerpt"))[0].contains("Madame was crying."));
    assert!(page.texts(&format!("{row} .post"))[0].contains("Never Let Me Go"));
}

#[tokio::test]
async fn approving_a_held_comment_publishes_it_on_the_post() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let id = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Madame was crying.").await;
    assert!(!app.get(TestApp::ESSAY).await.body.contains("Madame was crying."));
    let editor = staff(&app, Role::Editor).await;
    let done = moderate(&editor, "approve", &[id]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(status_of(&app, id).await, Some(CommentStatus::Approved));
    assert!(app.get(TestApp::ESSAY).await.body.contains("Madame was crying."), "the cached page follows");
    let queue = editor.get(&done.header("location").unwrap()).await;
    assert_eq!(queue.texts("[role=status]"), vec!["1 comment approved."]);
}

#[tokio::test]
async fn each_action_moves_a_comment_to_its_status_and_delete_removes_it_for_good() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let id = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Buy cheap watches").await;
    let editor = staff(&app, Role::Editor).await;
    assert_eq!(moderate(&editor, "delete", &[id]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, id).await, Some(CommentStatus::Pending), "only spam and trash can be deleted");
    for (action, expected) in [
        ("spam", CommentStatus::Spam),
        ("not_spam", CommentStatus::Pending),
        ("approve", CommentStatus::Approved),
        ("unapprove", CommentStatus::Pending),
        ("trash", CommentStatus::Trash),
        ("restore", CommentStatus::Pending),
        ("trash", CommentStatus::Trash),
    ] {
        let done = moderate(&editor, action, &[id]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{action}");
        assert_eq!(status_of(&app, id).await, Some(expected), "{action}");
    }
    let trash = editor.get("/admin/comments?status=trash").await;
    assert_eq!(count(&trash, "trash"), 1);
    assert_eq!(trash.attrs(&format!("#comment-{id} button[name=action]"), "value"), vec!["restore", "delete"]);
    moderate(&editor, "delete", &[id]).await;
    assert_eq!(status_of(&app, id).await, None);
}

#[tokio::test]
async fn a_bulk_action_applies_to_every_checked_comment() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let a = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Madame was crying.").await;
    let b = guest_says(&app, 3, "Tommy", "tommy@hailsham.example", "I kept the tape.").await;
    let c = guest_says(&app, 4, "Kathy", "kathy@hailsham.example", "Norfolk, the lost corner.").await;
    let editor = staff(&app, Role::Editor).await;
    let queue = editor.get("/admin/comments").await;
    assert_eq!(queue.attrs("form#bulk select[name=action] option", "value"), vec!["approve", "spam", "trash"]);
    assert_eq!(queue.attrs("input[name=ids][form=bulk]", "value").len(), 3, "one box per row, in the bulk form");
    moderate(&editor, "spam", &[a, c]).await;
    assert_eq!(status_of(&app, a).await, Some(CommentStatus::Spam));
    assert_eq!(status_of(&app, b).await, Some(CommentStatus::Pending));
    assert_eq!(status_of(&app, c).await, Some(CommentStatus::Spam));
    let queue = editor.get("/admin/comments?status=spam").await;
    assert_eq!((count(&queue, "pending"), count(&queue, "spam")), (1, 2));
}

#[tokio::test]
async fn filters_by_post_and_author_and_search_narrow_the_queue() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let ruth = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Madame was crying.").await;
    let tommy = guest_says(&app, 3, "Tommy", "tommy@hailsham.example", "I kept the tape.").await;
    let editor = staff(&app, Role::Editor).await;
    let ids = |page: &crate::support::Page| page.attrs("tr.comment-row", "id");
    let by_author = editor.get("/admin/comments?status=pending&author=TOMMY@hailsham").await;
    assert_eq!(ids(&by_author), vec![format!("comment-{tommy}")]);
    let searched = editor.get("/admin/comments?status=all&q=crying").await;
    assert_eq!(ids(&searched), vec![format!("comment-{ruth}")]);
    assert_eq!(count(&searched, "pending"), 1, "counts follow the search");
    let post = app.app.store().post_by_slug(quire_core::PostKind::Post, "klara-and-the-sun").await.unwrap().unwrap();
    let other_post = editor.get(&format!("/admin/comments?status=pending&post={}", post.id.0)).await;
    assert!(ids(&other_post).is_empty(), "{:?}", ids(&other_post));
    let essay = app.app.store().post_by_slug(quire_core::PostKind::Post, "never-let-me-go").await.unwrap().unwrap();
    let this_post = editor.get(&format!("/admin/comments?status=pending&post={}", essay.id.0)).await;
    assert_eq!(ids(&this_post).len(), 2);
    assert_eq!(this_post.attrs("#filter-post option[selected]", "value"), vec![essay.id.0.to_string()]);
}

#[tokio::test]
async fn the_queue_is_paginated() {
    let app = TestApp::with_demo().await;
    let editor = staff(&app, Role::Editor).await;
    let first = editor.get("/admin/comments?status=approved").await;
    assert_eq!(first.attrs("tr.comment-row", "id").len(), 20);
    let next = first.attrs("a[rel=next]", "href").pop().expect("a next page");
    let last = editor.get(&next.replace("page=2", "page=3").replace("&amp;", "&")).await;
    assert_eq!(last.attrs("tr.comment-row", "id").len(), 10, "50 approved demo comments");
    let second = editor.get(&next.replace("&amp;", "&")).await;
    let seen: Vec<String> = first.attrs("tr.comment-row", "id");
    assert!(second.attrs("tr.comment-row", "id").iter().all(|id| !seen.contains(id)));
}

#[tokio::test]
async fn an_edit_is_rendered_by_the_comment_renderer_and_a_bad_one_keeps_the_typed_text() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let id = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Madame was crying.").await;
    let editor = staff(&app, Role::Editor).await;
    moderate(&editor, "approve", &[id]).await;
    let token = editor.csrf_token().await;
    let path = format!("/admin/comments/{id}/edit");
    let saved =
        editor.post(&path, &[("csrf_token", &token), ("markdown", "Madame was *crying*. <script>x</script>")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let post = app.get(TestApp::ESSAY).await;
    let body = post.html().root_element().html();
    assert!(body.contains("Madame was <em>crying</em>."), "re-rendered");
    assert!(!body.contains("<script>x</script>"), "sanitised");
    let long = "x".repeat(10_001);
    let refused = editor.post(&path, &[("csrf_token", &token), ("markdown", &long)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.texts("[role=alert]")[0].contains("the limit is 10000"));
    assert_eq!(refused.texts("textarea#markdown")[0].len(), 10_001, "the typed text is kept");
    assert!(app.app.store().comment(CommentId(id)).await.unwrap().unwrap().markdown.contains("*crying*"));
}

#[tokio::test]
async fn a_reply_from_the_admin_is_published_threaded_under_the_comment() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let id = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Madame was crying.").await;
    let editor = staff(&app, Role::Editor).await;
    let page = editor.get(&format!("/admin/comments/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = page.field("csrf_token").unwrap();
    let sent = editor
        .post(&format!("/admin/comments/{id}/reply"), &[("csrf_token", &token), ("reply", "She was, Ruth.")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let reply: i64 =
        sent.header("location").unwrap().split('/').nth(3).unwrap().split('?').next().unwrap().parse().unwrap();
    assert_eq!(status_of(&app, id).await, Some(CommentStatus::Approved), "answering a held comment approves it");
    let stored = app.app.store().comment(CommentId(reply)).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.parent_id), (CommentStatus::Approved, Some(CommentId(id))));
    assert!(stored.user_id.is_some(), "posted as the staff member");
    let post = app.get(TestApp::ESSAY).await;
    let nested = post.texts(&format!("li#comment-{id} ol.children li#comment-{reply} .comment-content"));
    assert_eq!(nested, vec!["She was, Ruth."]);
    assert_eq!(post.texts(&format!("li#comment-{reply} .comment-author")), vec!["editor"]);
}

#[tokio::test]
async fn an_empty_reply_is_refused_and_nothing_is_posted() {
    let app = TestApp::with_demo().await;
    let editor = staff(&app, Role::Editor).await;
    let id = app
        .app
        .store()
        .approved_comments(
            app.app.store().post_by_slug(quire_core::PostKind::Post, "never-let-me-go").await.unwrap().unwrap().id,
        )
        .await
        .unwrap()[0]
        .id;
    let token = editor.csrf_token().await;
    let sent =
        editor.post(&format!("/admin/comments/{}/reply", id.0), &[("csrf_token", &token), ("reply", "  ")]).await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert!(sent.texts("#reply-error")[0].contains("empty"));
}

#[tokio::test]
async fn authors_and_contributors_cannot_moderate_and_editors_can() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let id = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Madame was crying.").await;
    for role in [Role::Author, Role::Contributor] {
        let agent = staff(&app, role).await;
        assert_eq!(agent.get("/admin/comments").await.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(agent.get(&format!("/admin/comments/{id}")).await.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(moderate(&agent, "approve", &[id]).await.status, StatusCode::FORBIDDEN, "{role}");
        assert!(agent.get("/admin/").await.attrs("a[href='/admin/comments']", "href").is_empty(), "{role}");
    }
    assert_eq!(status_of(&app, id).await, Some(CommentStatus::Pending));
    let editor = staff(&app, Role::Editor).await;
    assert_eq!(editor.get("/admin/comments").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_moderation_form_without_the_token_is_refused() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let id = guest_says(&app, 2, "Ruth", "ruth@hailsham.example", "Madame was crying.").await;
    let editor = staff(&app, Role::Editor).await;
    let sent = editor.post("/admin/comments/moderate", &[("action", "approve"), ("ids", &id.to_string())]).await;
    assert_eq!(sent.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, id).await, Some(CommentStatus::Pending));
}
