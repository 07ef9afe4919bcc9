//! `/metrics`: off by default; when the configuration turns it on, comments accepted and refused
//! are counted, by status and by reason, in Prometheus's text format.

use std::collections::{HashMap, HashSet};

use reqwest::StatusCode;
use serde_json::json;

use crate::comments::RUTH;
use crate::support::{Agent, without_fill_delay};
use crate::support::{Options, TestApp};

/// Reads Prometheus's text exposition format strictly enough to catch a malformed line: every
/// sample must follow its family's `# HELP` and `# TYPE` lines. Answers samples by series.
fn parse_prometheus(text: &str) -> HashMap<String, f64> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars().enumerate().all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit()))
    };
    let (mut helped, mut typed, mut samples) = (HashSet::new(), HashSet::new(), HashMap::new());
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or_else(|| panic!("HELP without text: {line}"));
            assert!(is_name(name) && !help.trim().is_empty(), "{line}");
            helped.insert(name.to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or_else(|| panic!("TYPE without a type: {line}"));
            assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind), "{line}");
            typed.insert(name.to_string());
        } else {
            assert!(!line.starts_with('#'), "unknown comment line: {line}");
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
            let value: f64 = value.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
            let name = series.split('{').next().unwrap();
            assert!(is_name(name), "bad metric name in {line}");
            let labels = &series[name.len()..];
            if !labels.is_empty() {
                let inner = labels.strip_prefix('{').and_then(|l| l.strip_suffix('}')).expect(line);
                for pair in inner.split(',') {
                    let (label, quoted) = pair.split_once('=').expect(line);
                    assert!(
                        is_name(label) && quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"'),
                        "{line}"
                    );
                }
            }
            assert!(helped.contains(name) && typed.contains(name), "{name} has no HELP/TYPE before its samples");
            samples.insert(series.to_string(), value);
        }
    }
    samples
}

async fn with_metrics() -> TestApp {
    let app = TestApp::start(Options { metrics: true, ..Default::default() }).await;
    without_fill_delay(&app).await;
    app
}

async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let page = app.get("/metrics").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    parse_prometheus(&page.body)
}

#[tokio::test]
async fn metrics_are_not_served_unless_the_configuration_asks() {
    let app = TestApp::with_demo().await;
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refused_comment_is_counted_under_its_reason() {
    let app = with_metrics().await;
    let before = scrape(&app).await;
    assert_eq!(before.get("quire_comments_refused_total{reason=\"honeypot\"}"), Some(&0.0));
    let trap = [RUTH, &[("quire_hp", "https://spam.example")]].concat();
    assert_eq!(Agent::new(&app).comment(TestApp::ESSAY, &trap).await.status, StatusCode::BAD_REQUEST);
    let after = scrape(&app).await;
    assert_eq!(after.get("quire_comments_refused_total{reason=\"honeypot\"}"), Some(&1.0));
    assert_eq!(after.get("quire_comments_refused_total{reason=\"token\"}"), Some(&0.0));
    assert_eq!(after.get("quire_comments_accepted_total{status=\"pending\"}"), Some(&0.0));
}

#[tokio::test]
async fn under_attack_a_form_without_proof_of_work_is_counted_as_such_before_its_token_is_read() {
    let app = with_metrics().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "proof_of_work_bits": 8 })).await;
    let reader = Agent::new(&app);
    reader.comment(TestApp::ESSAY, RUTH).await;
    let forged = [RUTH, &[("quire_token", "eyJwb3N0IjoxLCJpc3N1ZWQiOjB9.AAAA")]].concat();
    reader.comment(TestApp::ESSAY, &forged).await;
    let samples = scrape(&app).await;
    assert_eq!(samples.get("quire_comments_refused_total{reason=\"proof_of_work\"}"), Some(&2.0));
    assert_eq!(samples.get("quire_comments_refused_total{reason=\"honeypot\"}"), Some(&0.0));
}

#[tokio::test]
async fn an_accepted_comment_is_counted_under_the_status_it_was_stored_with() {
    let app = with_metrics().await;
    let sent = Agent::new(&app).comment(TestApp::ESSAY, RUTH).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let samples = scrape(&app).await;
    assert_eq!(samples.get("quire_comments_accepted_total{status=\"pending\"}"), Some(&1.0));
    assert_eq!(samples.get("quire_comments_accepted_total{status=\"approved\"}"), Some(&0.0));
}
