//! "Under attack" mode in a real browser: `pow.js` solves the form's challenge and the comment
//! goes through, under the site's Content-Security-Policy, with no help from the test.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;

use super::harness::Browser;
use crate::support::TestApp;

#[tokio::test]
async fn under_attack_chromium_solves_the_proof_of_work_and_the_comment_is_taken() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "proof_of_work_bits": 10 })).await;
    browser.goto(&format!("{}{}", app.base, TestApp::ESSAY)).await;
    assert!(browser.wait_until("document.querySelector('.pow-status')", Duration::from_secs(5)).await, "pow.js ran");
    for (selector, text) in [
        ("#comment", "Sent from a browser that did its sums."),
        ("#author", "Kathy"),
        ("#email", "kathy@hailsham.example"),
    ] {
        browser.client.find(Locator::Css(selector)).await.unwrap().send_keys(text).await.unwrap();
    }
    // Scrolled there at once: the theme scrolls smoothly, and WebDriver would click mid-scroll.
    let submit = browser.client.find(Locator::Css("#submit")).await.unwrap();
    let _: Option<bool> = browser
        .js("arguments[0].scrollIntoView({ block: 'center', behavior: 'instant' }); return null;", vec![json!(submit)])
        .await;
    submit.click().await.unwrap();
    // quire.js posts in place; the comment shows up in the thread either way.
    let shown = "document.querySelector('.comment-list') && document.querySelector('.comment-list').innerText";
    let arrived = browser
        .wait_until(
            &format!("({shown} || '').includes('Sent from a browser that did its sums.')"),
            Duration::from_secs(20),
        )
        .await;
    let body: String = browser.js("return document.body.innerText;", vec![]).await;
    assert!(arrived, "the comment was not taken; the page says:\n{body}");
    assert!(body.contains("Sent from a browser that did its sums.") && body.contains("awaiting moderation"), "{body}");
    assert_eq!(app.app.metrics().refused("proof_of_work"), 0, "the first try was the one that went through");
}

#[tokio::test]
async fn a_form_sent_before_the_puzzle_is_solved_waits_for_it_and_then_goes_by_itself() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "proof_of_work_bits": 14 })).await;
    browser.goto(&format!("{}{}", app.base, TestApp::ESSAY)).await;
    assert!(browser.wait_until("document.querySelector('.pow-status')", Duration::from_secs(5)).await, "pow.js ran");
    // Filled without focusing the form, so no work has started when the reader sends it.
    let sent: bool = browser
        .js(
            "const f = document.getElementById('commentform');
             f.comment.value = 'Sent before the sums were done.';
             f.author.value = 'Tommy';
             f.email.value = 'tommy@hailsham.example';
             const waiting = !f.quire_pow.value;
             f.requestSubmit(document.getElementById('submit'));
             return waiting;",
            vec![],
        )
        .await;
    assert!(sent, "the proof of work was already there");
    let shown = "document.querySelector('.comment-list') && document.querySelector('.comment-list').innerText";
    let arrived = browser
        .wait_until(&format!("({shown} || '').includes('Sent before the sums were done.')"), Duration::from_secs(30))
        .await;
    let body: String = browser.js("return document.body.innerText;", vec![]).await;
    assert!(arrived, "the comment was not sent once the work was done; the page says:\n{body}");
    assert!(body.contains("Sent before the sums were done."), "{body}");
    assert_eq!(app.app.metrics().refused("proof_of_work"), 0);
}
