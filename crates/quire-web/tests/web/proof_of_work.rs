//! "Under attack" mode over HTTP: the form asks for a proof of work bound to its token, the
//! server refuses comments without a valid one and takes each solution once. The nonce is found
//! here in Rust, as `pow.js` finds it in a browser.

use quire_app::comments::proof_of_work;
use reqwest::StatusCode;
use serde_json::json;

use crate::comments::RUTH;
use crate::support::Agent;
use crate::support::TestApp;

const BITS: u32 = 12;

async fn under_attack() -> TestApp {
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "proof_of_work_bits": BITS })).await;
    app
}

fn field(form: &[(String, String)], name: &str) -> String {
    form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

fn with(mut form: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    form.retain(|(n, _)| n != name);
    form.push((name.into(), value.into()));
    form
}

#[tokio::test]
async fn under_attack_the_form_asks_for_a_proof_of_work_and_loads_its_script_and_only_then() {
    let app = TestApp::with_demo().await;
    let calm = app.get(TestApp::ESSAY).await;
    assert!(calm.attrs("#commentform", "data-pow-bits").is_empty());
    assert!(!calm.body.contains("pow.js") && calm.attrs("input[name=quire_pow]", "name").is_empty());
    // The same URL again after the setting changed: the cached page must not be served.
    app.set("comment_policy", json!({ "proof_of_work_bits": BITS })).await;
    let page = app.get(TestApp::ESSAY).await;
    assert_eq!(page.attrs("#commentform", "data-pow-bits"), vec![BITS.to_string()]);
    let scripts = page.attrs("script[src*='pow.js']", "defer");
    assert_eq!(scripts.len(), 1, "pow.js is loaded, deferred");
    assert_eq!(page.attrs("#commentform input[name=quire_pow]", "type"), vec!["hidden".to_string()]);
    assert!(page.texts("#commentform noscript").concat().contains("JavaScript"), "{:?}", page.body);
    let script = app.get("/static/pow.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.header("content-type").unwrap_or_default().contains("javascript"));
}

#[tokio::test]
async fn a_comment_without_a_proof_of_work_is_refused_with_a_human_message_and_keeps_its_text() {
    let app = under_attack().await;
    let page = Agent::new(&app).comment(TestApp::ESSAY, RUTH).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let alert = page.texts("[role=alert]").concat();
    assert!(alert.contains("JavaScript"), "{alert}");
    assert!(page.body.contains("Madame was crying, and so was I."), "the text is kept");
    assert_eq!(app.app.metrics().refused("proof_of_work"), 1);
}

#[tokio::test]
async fn a_wrong_proof_of_work_is_refused() {
    let app = under_attack().await;
    let reader = Agent::new(&app);
    let form = reader.fill(TestApp::ESSAY, RUTH).await;
    let token = field(&form, "quire_token");
    let wrong = (0_u64..).map(|n| n.to_string()).find(|n| proof_of_work::check(&token, n, BITS).is_err()).unwrap();
    let page = reader.send(&with(form, "quire_pow", &wrong)).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.texts("[role=alert]").concat().contains("did not add up"), "{:?}", page.texts("[role=alert]"));
}

#[tokio::test]
async fn a_comment_with_a_solved_proof_of_work_is_taken() {
    let app = under_attack().await;
    let reader = Agent::new(&app);
    let form = reader.fill(TestApp::ESSAY, RUTH).await;
    let nonce = proof_of_work::solve(&field(&form, "quire_token"), BITS);
    let sent = reader.send(&with(form, "quire_pow", &nonce)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert!(reader.get(TestApp::ESSAY).await.body.contains("Madame was crying, and so was I."));
}

#[tokio::test]
async fn a_solution_brings_in_one_comment_only() {
    let app = under_attack().await;
    let reader = Agent::new(&app);
    let form = reader.fill(TestApp::ESSAY, RUTH).await;
    let nonce = proof_of_work::solve(&field(&form, "quire_token"), BITS);
    let form = with(form, "quire_pow", &nonce);
    assert_eq!(reader.send(&form).await.status, StatusCode::SEE_OTHER);
    let again = reader.send(&with(form, "comment", "A second comment, same solution.")).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.texts("[role=alert]").concat().contains("already been used"), "{:?}", again.texts("[role=alert]"));
}

#[tokio::test]
async fn a_solution_for_one_form_does_not_open_another() {
    let app = under_attack().await;
    let reader = Agent::new(&app);
    let other = field(&reader.fill(TestApp::KLARA, &[]).await, "quire_token");
    let form = reader.fill(TestApp::ESSAY, RUTH).await;
    let this = field(&form, "quire_token");
    // A solution of the other form's challenge (and, as nearly all are, not of this one's).
    let nonce = (0_u64..)
        .map(|n| n.to_string())
        .find(|n| proof_of_work::check(&other, n, BITS).is_ok() && proof_of_work::check(&this, n, BITS).is_err())
        .unwrap();
    let page = reader.send(&with(form, "quire_pow", &nonce)).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.texts("[role=alert]").concat().contains("did not add up"));
}
