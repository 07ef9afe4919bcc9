//! The comment flow in a real browser. With JavaScript, a comment and a reply are posted in place
//! without a page load (a marker set on `window` survives), the reply nested under its parent;
//! without JavaScript the same flow works through full page loads (`?replytocom=`, 303 back to
//! `#comment-N`), and a guest edits their own comment. Skipped without chromedriver, failing under
//! `QUIRE_REQUIRE_BROWSER=1`.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{Value, json};

use super::harness::*;
use crate::support::TestApp;

const WAIT: Duration = Duration::from_secs(10);

fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.base)
}

/// The theme scrolls smoothly, and WebDriver clicks where an element will be only once the
/// scrolling is over; readers who ask for reduced motion get instant jumps, and so does the test.
async fn without_smooth_scrolling(browser: &Browser) {
    let reduce = json!({ "features": [{ "name": "prefers-reduced-motion", "value": "reduce" }] });
    browser.cdp("Emulation.setEmulatedMedia", reduce).await;
}

/// Types `value` into each field named by id, replacing what it held.
async fn fill(browser: &Browser, fields: &[(&str, &str)]) {
    for (id, value) in fields {
        let field = browser.client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
}

async fn click(browser: &Browser, selector: &str) {
    let element = browser.client.find(Locator::Css(selector)).await.unwrap_or_else(|e| panic!("{selector}: {e}"));
    element.click().await.unwrap_or_else(|e| panic!("clicking {selector}: {e}"));
}

async fn text(browser: &Browser, selector: &str) -> String {
    let element = browser.client.find(Locator::Css(selector)).await.unwrap_or_else(|e| panic!("{selector}: {e}"));
    element.text().await.unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Waits until the address bar's URL contains `part`; answers the URL.
async fn wait_for_url(browser: &Browser, part: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = browser.client.current_url().await.unwrap().to_string();
        if now.contains(part) {
            return now;
        }
        assert!(Instant::now() < deadline, "the browser stayed at {now}, expected {part}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The id of the first comment that offers "Reply", and its author.
async fn first_reply_target(browser: &Browser) -> (String, String) {
    let link = browser.client.find(Locator::Css(".comment-reply-link")).await.unwrap();
    (link.attr("data-comment-id").await.unwrap().unwrap(), link.attr("data-author-name").await.unwrap().unwrap())
}

const IN_PLACE_STATE: &str = r#"
const li = document.querySelector('.comment-list > li.comment:last-child');
return {
  marker: window.__quireMarker === 1,
  comments: document.querySelectorAll('li.comment').length,
  text: li.querySelector('.comment-content').textContent.trim(),
  pending: !!li.querySelector('.comment-awaiting-moderation'),
  editable: !!li.querySelector('.comment-edit-link'),
  focused: document.activeElement === li,
  title: document.getElementById('comments-title').textContent,
  announced: document.getElementById('comment-announcer').textContent,
  textarea: document.getElementById('comment').value,
};
"#;

#[tokio::test]
async fn with_javascript_a_new_comment_appears_in_place_awaiting_moderation() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0 })).await;
    without_smooth_scrolling(&browser).await;
    browser.goto(&url(&app, TestApp::ESSAY)).await;
    let before: u64 = browser.js("return document.querySelectorAll('li.comment').length;", vec![]).await;
    let _: Value = browser.js("window.__quireMarker = 1; return null;", vec![]).await;

    // Refused first (no name): the message and the field's error show in place, the text stays.
    fill(&browser, &[("comment", "Madame was crying, and so was I."), ("email", "ruth@hailsham.example")]).await;
    click(&browser, "#submit").await;
    assert!(browser.wait_until("document.getElementById('author-error')", WAIT).await, "no error next to the name");
    assert!(text(&browser, "#respond .form-message").await.contains("correct the marked fields"));
    let kept: Value = browser
        .js(
            "return [window.__quireMarker === 1, document.getElementById('comment').value, \
             document.getElementById('author').getAttribute('aria-invalid')];",
            vec![],
        )
        .await;
    assert_eq!(kept, json!([true, "Madame was crying, and so was I.", "true"]));

    fill(&browser, &[("author", "Ruth")]).await;
    click(&browser, "#submit").await;
    let appeared = "document.querySelector('.comment-list > li.comment:last-child .comment-awaiting-moderation')";
    assert!(browser.wait_until(appeared, WAIT).await, "the pending comment did not appear in place");
    let state: Value = browser.js(IN_PLACE_STATE, vec![]).await;
    assert_eq!(state["marker"], true, "the page was reloaded: {state}");
    assert_eq!(state["comments"], before + 1, "{state}");
    assert_eq!(state["text"], "Madame was crying, and so was I.", "{state}");
    assert_eq!(state["pending"], true, "awaiting moderation, to its author: {state}");
    assert_eq!(state["editable"], true, "its author may edit it: {state}");
    assert_eq!(state["focused"], true, "focus moves to the new comment: {state}");
    assert!(state["title"].as_str().unwrap().starts_with(&format!("{} thoughts on", before + 1)), "{state}");
    assert!(state["announced"].as_str().unwrap().contains("moderator"), "{state}");
    assert_eq!(state["textarea"], "", "the form is ready for another comment: {state}");
    assert!(browser.js::<bool>("return !document.querySelector('#respond .form-message');", vec![]).await);
}

#[tokio::test]
async fn with_javascript_a_reply_moves_the_form_and_appears_nested_under_its_parent() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "hold_first_comment": false })).await;
    without_smooth_scrolling(&browser).await;
    browser.goto(&url(&app, TestApp::ESSAY)).await;
    let _: Value = browser.js("window.__quireMarker = 1; return null;", vec![]).await;
    let (parent, name) = first_reply_target(&browser).await;
    let form_state = "const r = document.getElementById('respond'); const li = r.closest('li.comment'); \
        return [li ? li.id : null, document.getElementById('comment_parent').value, \
        document.getElementById('reply-title').textContent.trim()];";

    click(&browser, ".comment-reply-link").await;
    let moved: Value = browser.js(form_state, vec![]).await;
    assert_eq!(moved, json!([format!("comment-{parent}"), parent, format!("Leave a Reply to {name} Cancel reply")]));
    assert!(!browser.client.current_url().await.unwrap().as_str().contains("replytocom"), "no page load");

    click(&browser, "#cancel-comment-reply-link").await;
    let back: Value = browser.js(form_state, vec![]).await;
    assert_eq!(back, json!([null, "0", "Leave a Reply"]), "Cancel reply restores the form");

    click(&browser, ".comment-reply-link").await;
    fill(&browser, &[("comment", "I kept the tape."), ("author", "Tommy"), ("email", "tommy@hailsham.example")]).await;
    click(&browser, "#submit").await;
    let nested = format!(
        "(document.querySelector('#comment-{parent} > ol.children > li.comment:last-child .comment-content') || {{}})\
         .textContent.trim() === 'I kept the tape.'"
    );
    if !browser.wait_until(&nested, WAIT).await {
        let message: Value =
            browser.js("const m = document.querySelector('.form-message'); return m && m.textContent;", vec![]).await;
        panic!("the reply did not appear under comment {parent}; the form says {message}");
    }
    assert!(browser.js::<bool>("return window.__quireMarker === 1;", vec![]).await, "the page was reloaded");
    let home: Value = browser.js(form_state, vec![]).await;
    assert_eq!(home, json!([null, "0", "Leave a Reply"]), "the form goes back after the reply");
    let reply_is_approved: bool = browser
        .js(
            &format!(
                "return !document.querySelector('#comment-{parent} > ol.children > li.comment:last-child \
                 .comment-awaiting-moderation');"
            ),
            vec![],
        )
        .await;
    assert!(reply_is_approved);
}

#[tokio::test]
async fn without_javascript_replying_works_through_page_loads() {
    let Some(browser) = Browser::launch_with(BrowserOptions { javascript_disabled: true, ..Default::default() }).await
    else {
        return;
    };
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "hold_first_comment": false })).await;
    without_smooth_scrolling(&browser).await;
    browser.goto(&url(&app, TestApp::ESSAY)).await;
    let (parent, name) = first_reply_target(&browser).await;

    click(&browser, ".comment-reply-link").await;
    // The link was followed: with JavaScript off there is nothing to keep the page in place.
    wait_for_url(&browser, &format!("?replytocom={parent}")).await;
    assert_eq!(text(&browser, "#reply-title").await, format!("Leave a Reply to {name} Cancel reply"));
    fill(&browser, &[("comment", "I kept the tape."), ("author", "Tommy"), ("email", "tommy@hailsham.example")]).await;
    click(&browser, "#submit").await;
    let landed = wait_for_url(&browser, "#comment-").await;
    assert!(landed.starts_with(&url(&app, TestApp::ESSAY)), "{landed}");
    let id = landed.rsplit("#comment-").next().unwrap().to_string();
    let nested = format!("#comment-{parent} > ol.children > #comment-{id} .comment-content");
    assert_eq!(text(&browser, &nested).await, "I kept the tape.");
    assert_eq!(text(&browser, "#reply-title").await, "Leave a Reply", "the form is back to a new comment");
}

#[tokio::test]
async fn without_javascript_a_guest_sees_their_pending_comment_and_edits_it_in_the_window() {
    let Some(browser) = Browser::launch_with(BrowserOptions { javascript_disabled: true, ..Default::default() }).await
    else {
        return;
    };
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0 })).await;
    without_smooth_scrolling(&browser).await;
    browser.goto(&url(&app, TestApp::ESSAY)).await;
    fill(
        &browser,
        &[("comment", "Madame was crying, and so was I."), ("author", "Ruth"), ("email", "ruth@hailsham.example")],
    )
    .await;
    click(&browser, "#submit").await;
    let landed = wait_for_url(&browser, "#comment-").await;
    let id = landed.rsplit("#comment-").next().unwrap().to_string();
    assert!(
        text(&browser, &format!("#comment-{id} .comment-awaiting-moderation")).await.contains("awaiting moderation")
    );

    click(&browser, &format!("#comment-{id} .comment-edit-link")).await;
    wait_for_url(&browser, &format!("/comments/{id}/edit")).await;
    fill(&browser, &[("comment", "Madame was crying. So was I, later.")]).await;
    click(&browser, "#submit").await;
    wait_for_url(&browser, &format!("{}#comment-{id}", TestApp::ESSAY)).await;
    assert_eq!(text(&browser, &format!("#comment-{id} .comment-content")).await, "Madame was crying. So was I, later.");
}
