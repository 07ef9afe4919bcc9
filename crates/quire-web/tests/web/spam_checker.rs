//! The Akismet-compatible spam checker, against a stand-in for Akismet that this file starts on
//! loopback: it speaks the protocol (form-encoded POSTs to `/1.1/comment-check`, `submit-spam`,
//! `submit-ham`), answers by a marker in the comment's text and records every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode as AxumStatus;
use axum::response::{IntoResponse, Response};
use axum::{Form, Router};
use quire_core::{CommentId, CommentStatus};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::Agent;
use crate::support::{Page, TestApp};

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    fields: HashMap<String, String>,
    user_agent: String,
}

type Log = Arc<Mutex<Vec<Recorded>>>;

/// A stand-in for Akismet: `[spam]`, `[discard]`, `[error]` (500), `[invalid]` (a bad key's
/// answer) and `[slow]` (longer than any test's timeout) in a comment choose the answer; anything
/// else is ham.
struct FakeAkismet {
    endpoint: String,
    log: Log,
    server: tokio::task::JoinHandle<()>,
}

async fn answer(
    State(log): State<Log>,
    Path(method): Path<String>,
    headers: axum::http::HeaderMap,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let user_agent = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let content = fields.get("comment_content").cloned().unwrap_or_default();
    log.lock().unwrap().push(Recorded { method: method.clone(), fields, user_agent });
    if method != "comment-check" {
        return "Thanks for making the web a better place.".into_response();
    }
    if content.contains("[spam]") {
        "true".into_response()
    } else if content.contains("[discard]") {
        ([("X-akismet-pro-tip", "discard")], "true").into_response()
    } else if content.contains("[error]") {
        (AxumStatus::INTERNAL_SERVER_ERROR, "upstream trouble").into_response()
    } else if content.contains("[invalid]") {
        ([("X-akismet-debug-help", "We were unable to verify your API key.")], "invalid").into_response()
    } else if content.contains("[slow]") {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "false".into_response()
    } else {
        "false".into_response()
    }
}

impl FakeAkismet {
    async fn start() -> FakeAkismet {
        let log: Log = Arc::default();
        let app = Router::new().route("/1.1/{method}", axum::routing::post(answer)).with_state(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}/1.1", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeAkismet { endpoint, log, server }
    }

    fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for FakeAkismet {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A demo site that asks `fake`, takes forms at once, and approves first comments unless the
/// checker objects (so that "held" can only come from the checker).
async fn site_asking(fake: &FakeAkismet) -> TestApp {
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "hold_first_comment": false })).await;
    let settings = json!({ "enabled": true, "endpoint": fake.endpoint, "api_key": "k3y", "timeout_ms": 500 });
    app.set("spam_checker", settings).await;
    app
}

fn comment_id(sent: &Page) -> CommentId {
    let location = sent.header("location").unwrap_or_else(|| panic!("no location: {} {}", sent.status, sent.body));
    CommentId(location.rsplit("#comment-").next().unwrap().parse().unwrap())
}

async fn status_of(app: &TestApp, id: CommentId) -> CommentStatus {
    app.app.store().comment(id).await.unwrap().unwrap().status
}

fn by(name: &str, text: &str) -> Vec<(&'static str, String)> {
    vec![
        ("author", name.to_string()),
        ("email", format!("{}@example.org", name.to_lowercase())),
        ("comment", text.into()),
    ]
}

async fn send(reader: &Agent, fields: &[(&'static str, String)]) -> Page {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    reader.comment(TestApp::ESSAY, &fields).await
}

#[tokio::test]
async fn spam_is_stored_as_spam_and_its_writer_sees_it_awaiting_moderation_like_any_held_comment() {
    let fake = FakeAkismet::start().await;
    let app = site_asking(&fake).await;
    let reader = Agent::new(&app);
    let sent = send(&reader, &by("Pills", "Cheap pills here [spam]")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(status_of(&app, comment_id(&sent)).await, CommentStatus::Spam);
    let own = reader.get(TestApp::ESSAY).await;
    assert!(own.body.contains("Cheap pills here [spam]") && own.body.contains("awaiting moderation"));
    assert!(!app.get(TestApp::ESSAY).await.body.contains("Cheap pills here"), "spam leaked to other readers");
}

#[tokio::test]
async fn the_checker_is_told_akismets_fields_about_the_comment() {
    let fake = FakeAkismet::start().await;
    let app = site_asking(&fake).await;
    let reader = Agent::new(&app);
    let mut form = reader.fill(TestApp::ESSAY, &[]).await;
    form.extend(by("Ruth", "Madame was crying.").into_iter().map(|(n, v)| (n.to_string(), v)));
    form.push(("url".into(), "https://ruth.example/".into()));
    let referrer = format!("{}{}", app.base, TestApp::ESSAY);
    let response = reader
        .client
        .post(format!("{}/comments", app.base))
        .header("referer", &referrer)
        .header("user-agent", "Mozilla/5.0 (Test)")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.method, "comment-check");
    assert!(request.user_agent.starts_with("Quire/"), "{}", request.user_agent);
    let field = |name: &str| request.fields.get(name).cloned().unwrap_or_else(|| panic!("{name} missing: {request:?}"));
    assert_eq!(field("api_key"), "k3y");
    assert_eq!(field("blog"), format!("{}/", app.base));
    assert_eq!(field("permalink"), referrer);
    assert_eq!(field("referrer"), referrer);
    assert_eq!(field("user_ip"), "127.0.0.1");
    assert_eq!(field("user_agent"), "Mozilla/5.0 (Test)");
    assert_eq!(field("comment_type"), "comment");
    assert_eq!(field("comment_author"), "Ruth");
    assert_eq!(field("comment_author_email"), "ruth@example.org");
    assert_eq!(field("comment_author_url"), "https://ruth.example/");
    assert_eq!(field("comment_content"), "Madame was crying.");
    assert!(field("comment_date_gmt").ends_with('Z'), "{}", field("comment_date_gmt"));
    assert_eq!((field("blog_lang"), field("blog_charset")), ("en".into(), "UTF-8".into()));
}

#[tokio::test]
async fn ham_keeps_the_local_verdict() {
    let fake = FakeAkismet::start().await;
    let app = site_asking(&fake).await;
    let sent = send(&Agent::new(&app), &by("Ruth", "Madame was crying.")).await;
    assert_eq!(status_of(&app, comment_id(&sent)).await, CommentStatus::Approved);
    assert!(app.get(TestApp::ESSAY).await.body.contains("Madame was crying."));
    app.set("comment_policy", json!({ "min_fill_seconds": 0 })).await;
    let held = send(&Agent::new(&app), &by("Tommy", "I kicked the football.")).await;
    assert_eq!(status_of(&app, comment_id(&held)).await, CommentStatus::Pending, "a first comment is still held");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_comment_the_checker_says_to_discard_is_refused_and_not_stored() {
    let fake = FakeAkismet::start().await;
    let app = site_asking(&fake).await;
    let reader = Agent::new(&app);
    let page = send(&reader, &by("Bot", "Buy now [discard]")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.texts("[role=alert]")[0].contains("spam filter"), "{:?}", page.texts("[role=alert]"));
    assert!(page.body.contains("Buy now [discard]"), "the text is kept");
    let metrics = app.app.metrics();
    let stored: u64 = [CommentStatus::Approved, CommentStatus::Pending, CommentStatus::Spam]
        .map(|s| metrics.accepted(s))
        .iter()
        .sum();
    assert_eq!(stored, 0, "nothing was stored");
    assert_eq!(metrics.refused("spam_checker"), 1);
}

#[tokio::test]
async fn errors_timeouts_and_a_bad_key_hold_the_comment_for_moderation_never_approve_it() {
    let fake = FakeAkismet::start().await;
    let app = site_asking(&fake).await;
    for (name, text) in [("Ruth", "Hello [error]"), ("Tommy", "Hello [slow]"), ("Kathy", "Hello [invalid]")] {
        let sent = send(&Agent::new(&app), &by(name, text)).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{text}: {}", sent.body);
        assert_eq!(status_of(&app, comment_id(&sent)).await, CommentStatus::Pending, "{text}");
    }
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn a_checker_that_is_turned_off_is_never_called() {
    let fake = FakeAkismet::start().await;
    let app = site_asking(&fake).await;
    app.set("spam_checker", json!({ "enabled": false, "endpoint": fake.endpoint, "api_key": "k3y" })).await;
    let sent = send(&Agent::new(&app), &by("Ruth", "Madame was crying [spam]")).await;
    assert_eq!(status_of(&app, comment_id(&sent)).await, CommentStatus::Approved);
    app.app.report_spam(comment_id(&sent)).await.unwrap();
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn moderators_reports_reach_the_checker_as_submit_spam_and_submit_ham() {
    let fake = FakeAkismet::start().await;
    let app = site_asking(&fake).await;
    let sent = send(&Agent::new(&app), &by("Ruth", "Sneaky advert")).await;
    let id = comment_id(&sent);
    app.app.report_spam(id).await.unwrap();
    app.app.report_ham(id).await.unwrap();
    let requests = fake.requests();
    let methods: Vec<&str> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["comment-check", "submit-spam", "submit-ham"]);
    for report in &requests[1..] {
        assert_eq!(report.fields.get("comment_content").map(String::as_str), Some("Sneaky advert"));
        assert_eq!(report.fields.get("comment_author").map(String::as_str), Some("Ruth"));
        assert_eq!(report.fields.get("api_key").map(String::as_str), Some("k3y"));
    }
}
