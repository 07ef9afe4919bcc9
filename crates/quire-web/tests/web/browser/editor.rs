//! The editor in a real browser: a writer signs in, writes a post, watches the live preview
//! (rendered by the site's pipeline through `admin-editor.js`, under the admin's CSP), publishes
//! it and finds it on the site; text typed but not saved survives a reload.

use std::time::Duration;

use fantoccini::Locator;
use quire_core::Role;
use serde_json::json;

use super::harness::Browser;
use crate::support::TestApp;

async fn type_into(browser: &Browser, selector: &str, text: &str) {
    browser.client.find(Locator::Css(selector)).await.unwrap().send_keys(text).await.unwrap();
}

async fn click(browser: &Browser, selector: &str) {
    let element = browser.client.find(Locator::Css(selector)).await.unwrap();
    let _: Option<bool> = browser
        .js("arguments[0].scrollIntoView({ block: 'center', behavior: 'instant' }); return null;", vec![json!(element)])
        .await;
    element.click().await.unwrap();
}

#[tokio::test]
async fn a_writer_signs_in_writes_with_a_live_preview_publishes_and_sees_the_post_on_the_site() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    app.add_staff("kathy@hailsham.example", Role::Author, "correct horse battery").await;
    browser.goto(&format!("{}/admin/login?next=/admin/posts/new", app.base)).await;
    type_into(&browser, "#email", "kathy@hailsham.example").await;
    type_into(&browser, "#password", "correct horse battery").await;
    click(&browser, "form button[type=submit]").await;
    assert!(
        browser.wait_until("document.getElementById('editor')", Duration::from_secs(10)).await,
        "the editor opened"
    );

    type_into(&browser, "#title", "Written in Chromium").await;
    type_into(&browser, "#markdown", "Hello from a *real* browser.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n").await;
    let previewed = browser
        .wait_until(
            "document.querySelector('#preview em') && document.querySelector('#preview em').textContent === 'real' \
             && document.querySelector('#preview table')",
            Duration::from_secs(10),
        )
        .await;
    let preview: String = browser.js("return document.getElementById('preview').innerHTML;", vec![]).await;
    assert!(previewed, "the live preview rendered the Markdown: {preview}");

    click(&browser, "button[value=publish]").await;
    assert!(
        browser.wait_until("/[?]saved=published/.test(location.search)", Duration::from_secs(10)).await,
        "published"
    );
    let notice: String = browser.js("return document.querySelector('.notice').textContent;", vec![]).await;
    assert!(notice.contains("Published"), "{notice}");
    let id: i64 = browser.js("return Number(document.getElementById('editor').dataset.postId);", vec![]).await;
    let post = app.app.store().post(quire_core::PostId(id)).await.unwrap().unwrap();
    let path = app.app.post_path(&post, &*app.app.settings().await);
    browser.goto(&format!("{}{path}", app.base)).await;
    let body: String = browser.js("return document.querySelector('.entry-content').innerHTML;", vec![]).await;
    assert!(body.contains("Hello from a <em>real</em> browser.") && body.contains("<table>"), "{body}");
    assert_eq!(body.trim(), preview.trim(), "the site shows what the preview showed");

    // Typed but never saved: the text survives a reload, offered back from this browser.
    browser.goto(&format!("{}/admin/posts/{id}", app.base)).await;
    type_into(&browser, "#markdown", "\n\nA sentence not saved yet.").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    browser.goto(&format!("{}/admin/posts/{id}", app.base)).await;
    assert!(browser.wait_until("document.querySelector('.restore-kept')", Duration::from_secs(5)).await, "offered");
    click(&browser, ".restore-kept").await;
    let text: String = browser.js("return document.getElementById('markdown').value;", vec![]).await;
    assert!(text.ends_with("A sentence not saved yet."), "{text}");
}
