//! A guest edits or deletes their own comment from the browser it was written in, for a while
//! after posting — without JavaScript; and nobody else can, ever.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Agent, TestApp, without_fill_delay};

const RUTH: &[(&str, &str)] =
    &[("author", "Ruth"), ("email", "ruth@hailsham.example"), ("comment", "Madame was crying, and so was I.")];

/// Ruth posts a comment; answers her browser and the comment's id.
async fn ruth_comments(app: &TestApp) -> (Agent, String) {
    let ruth = Agent::new(app);
    let sent = ruth.comment(TestApp::ESSAY, RUTH).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let id = sent.header("location").unwrap().rsplit("#comment-").next().unwrap().to_string();
    (ruth, id)
}

/// The edit form's token, as the edit page serves it to `reader`.
async fn edit_token(reader: &Agent, id: &str) -> String {
    let page = reader.get(&format!("/comments/{id}/edit")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.attrs("input[name=quire_edit_token]", "value").pop().unwrap()
}

#[tokio::test]
async fn a_guest_edits_their_own_comment_through_plain_forms() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let (ruth, id) = ruth_comments(&app).await;
    let page = ruth.get(TestApp::ESSAY).await;
    assert_eq!(page.attrs(&format!("#comment-{id} .comment-edit-link"), "href"), vec![format!("/comments/{id}/edit")]);
    assert_eq!(page.attrs(".comment-edit-link", "href").len(), 1, "only her own comment offers Edit");

    let form = ruth.get(&format!("/comments/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(form.texts("#comment-edit-form textarea"), vec!["Madame was crying, and so was I.".to_string()]);
    assert!(
        form.texts(".comment-own-context")[0].contains("15 more minutes"),
        "{:?}",
        form.texts(".comment-own-context")
    );
    let token = form.attrs("input[name=quire_edit_token]", "value").pop().unwrap();

    let saved = ruth
        .post_with(
            &format!("/comments/{id}/edit"),
            &[("comment", "Madame was *crying*."), ("quire_edit_token", &token)],
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.header("location"), Some(format!("{}#comment-{id}", TestApp::ESSAY)));
    let after = ruth.get(TestApp::ESSAY).await;
    assert_eq!(after.texts(&format!("#comment-{id} .comment-content em")), vec!["crying".to_string()]);
    assert!(!after.body.contains("so was I"), "the old text is gone");
}

#[tokio::test]
async fn another_browser_is_refused_and_the_text_it_typed_is_kept() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let (ruth, id) = ruth_comments(&app).await;
    let token = edit_token(&ruth, &id).await;
    let stranger = Agent::new(&app);
    assert!(stranger.get(TestApp::ESSAY).await.attrs(".comment-edit-link", "href").is_empty());
    // Ruth's comment is held: to anyone else it does not exist (issue 8: 404, not 403).
    assert_eq!(stranger.get(&format!("/comments/{id}/edit")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.get(&format!("/comments/{id}/delete")).await.status, StatusCode::NOT_FOUND);
    let refused = stranger
        .post_with(
            &format!("/comments/{id}/edit"),
            &[("comment", "Hijacked words."), ("quire_edit_token", &token)],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(refused.texts("[role=alert]")[0].contains("no such comment"), "{:?}", refused.texts("[role=alert]"));
    assert_eq!(refused.texts("textarea"), vec!["Hijacked words.".to_string()], "the typed text is kept");
    let deleted = stranger.post_with(&format!("/comments/{id}/delete"), &[("quire_edit_token", &token)], &[]).await;
    assert_eq!(deleted.status, StatusCode::NOT_FOUND);
    // Once approved it is public, and the refusal says why.
    let comment = quire_core::CommentId(id.parse().unwrap());
    let held = [quire_core::CommentStatus::Pending];
    app.app.store().set_comments_status(&[comment], &held, quire_core::CommentStatus::Approved).await.unwrap();
    app.app.refresh().await.unwrap();
    let approved = stranger
        .post_with(
            &format!("/comments/{id}/edit"),
            &[("comment", "Hijacked words."), ("quire_edit_token", &token)],
            &[],
        )
        .await;
    assert_eq!(approved.status, StatusCode::FORBIDDEN);
    assert!(
        approved.texts("[role=alert]")[0].contains("browser it was written in"),
        "{:?}",
        approved.texts("[role=alert]")
    );
    assert_eq!(approved.texts("textarea"), vec!["Hijacked words.".to_string()], "the typed text is kept");
    assert!(ruth.get(TestApp::ESSAY).await.body.contains("Madame was crying, and so was I."), "nothing changed");
}

#[tokio::test]
async fn after_the_window_an_edit_is_refused_with_the_text_kept() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let (ruth, id) = ruth_comments(&app).await;
    let token = edit_token(&ruth, &id).await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "edit_window_minutes": 0 })).await;
    let late = ruth
        .post_with(
            &format!("/comments/{id}/edit"),
            &[("comment", "Second thoughts."), ("quire_edit_token", &token)],
            &[],
        )
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert!(
        late.texts("[role=alert]")[0].contains("0 minutes after they are posted"),
        "{:?}",
        late.texts("[role=alert]")
    );
    assert_eq!(late.texts("textarea"), vec!["Second thoughts.".to_string()]);
    assert!(late.attrs("input[type=submit]", "value").iter().all(|v| v != "Save changes"), "nothing to save to");
    let json = ruth
        .post_with(
            &format!("/comments/{id}/edit"),
            &[("comment", "Second thoughts."), ("quire_edit_token", &token)],
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(json.status, StatusCode::FORBIDDEN);
    assert_eq!(json.header("content-type").as_deref(), Some("application/problem+json"));
    assert!(ruth.get(TestApp::ESSAY).await.attrs(".comment-edit-link", "href").is_empty(), "no Edit link any more");
}

#[tokio::test]
async fn an_edit_needs_its_form_token_and_a_same_site_request() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let (ruth, id) = ruth_comments(&app).await;
    let path = format!("/comments/{id}/edit");
    let forged = ruth.post_with(&path, &[("comment", "Forged."), ("quire_edit_token", "e30.AAAA")], &[]).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(forged.texts("[role=alert]")[0].contains("could not be verified"));
    assert_eq!(forged.texts("textarea"), vec!["Forged.".to_string()]);
    assert!(!forged.attrs("input[name=quire_edit_token]", "value")[0].is_empty(), "a fresh token to send it again");
    let token = edit_token(&ruth, &id).await;
    let cross = ruth
        .post_with(&path, &[("comment", "Cross."), ("quire_edit_token", &token)], &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(ruth.get(TestApp::ESSAY).await.body.contains("Madame was crying, and so was I."));
}

#[tokio::test]
async fn an_edit_is_checked_like_a_new_comment() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let (ruth, id) = ruth_comments(&app).await;
    let token = edit_token(&ruth, &id).await;
    let empty =
        ruth.post_with(&format!("/comments/{id}/edit"), &[("comment", "  "), ("quire_edit_token", &token)], &[]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.texts("#comment-error")[0].contains("write a comment"), "{:?}", empty.texts("#comment-error"));
    let long = "x".repeat(10_001);
    let token = edit_token(&ruth, &id).await;
    let too_long =
        ruth.post_with(&format!("/comments/{id}/edit"), &[("comment", &long), ("quire_edit_token", &token)], &[]).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(
        too_long.texts("#comment-error")[0].contains("the limit is 10,000"),
        "{:?}",
        too_long.texts("#comment-error")
    );
}

#[tokio::test]
async fn an_approved_comment_edited_to_carry_links_goes_back_to_moderation() {
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "hold_first_comment": false })).await;
    let (ruth, id) = ruth_comments(&app).await;
    assert!(app.get(TestApp::ESSAY).await.body.contains("Madame was crying"), "approved at once");
    let token = edit_token(&ruth, &id).await;
    let links = "See https://a.example/ and https://b.example/ for more.";
    let saved =
        ruth.post_with(&format!("/comments/{id}/edit"), &[("comment", links), ("quire_edit_token", &token)], &[]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(!app.get(TestApp::ESSAY).await.body.contains("a.example"), "the held edit is not public");
    assert!(!app.get(TestApp::ESSAY).await.body.contains("Madame was crying"), "nor is the old text");
    let own = ruth.get(TestApp::ESSAY).await;
    assert!(own.texts(&format!("#comment-{id} .comment-awaiting-moderation"))[0].contains("awaiting moderation"));
}

#[tokio::test]
async fn a_guest_deletes_their_own_comment_after_confirming() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let (ruth, id) = ruth_comments(&app).await;
    let page = ruth.get(TestApp::ESSAY).await;
    assert_eq!(
        page.attrs(&format!("#comment-{id} .comment-delete-link"), "href"),
        vec![format!("/comments/{id}/delete")]
    );
    let confirm = ruth.get(&format!("/comments/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.texts("h1")[0].contains("Delete your comment?"));
    assert!(confirm.body.contains("Madame was crying, and so was I."), "shows what will go");
    let token = confirm.attrs("#comment-delete-form input[name=quire_edit_token]", "value").pop().unwrap();
    let deleted = ruth.post_with(&format!("/comments/{id}/delete"), &[("quire_edit_token", &token)], &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.header("location"), Some(format!("{}#comments", TestApp::ESSAY)));
    assert!(!ruth.get(TestApp::ESSAY).await.body.contains("Madame was crying"), "gone for its writer too");
    assert_eq!(ruth.get(&format!("/comments/{id}/edit")).await.status, StatusCode::NOT_FOUND);
}
