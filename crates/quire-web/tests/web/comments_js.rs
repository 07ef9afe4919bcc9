//! The enhanced comment form's side of the server: JSON answers that carry the comment rendered by
//! the theme's own partial, and problem+json refusals the script can show next to each field.

use reqwest::StatusCode;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::support::{Agent, TestApp, without_fill_delay};

const JSON: &[(&str, &str)] = &[("accept", "application/json")];
const RUTH: &[(&str, &str)] =
    &[("author", "Ruth"), ("email", "ruth@hailsham.example"), ("comment", "Madame was crying, and so was I.")];

/// The outer HTML of the first element matching `selector` in `html`.
fn outer(html: &str, selector: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).next().map(|e| e.html())
}

#[tokio::test]
async fn the_enhanced_form_gets_the_new_comment_as_the_page_itself_shows_it() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let ruth = Agent::new(&app);
    let sent = ruth.comment_with(TestApp::ESSAY, RUTH, JSON).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    assert_eq!(sent.header("cache-control").as_deref(), Some("no-store"));
    let answer: Value = serde_json::from_str(&sent.body).unwrap();
    let id = answer["id"].as_i64().unwrap();
    assert_eq!(answer["status"], "pending");
    assert_eq!(answer["parent_id"], Value::Null);
    assert_eq!(answer["url"], format!("{}#comment-{id}", TestApp::ESSAY));
    assert!(answer["token"].as_str().unwrap().contains('.'), "a fresh form token for the next comment");
    assert_eq!(answer["count"], 51, "50 approved demo comments and Ruth's own pending one");
    assert_eq!(answer["count_text"], "51 thoughts on ‘Why you should read Kazuo Ishiguro’s ‘Never Let Me Go’’");

    let fragment = answer["html"].as_str().unwrap();
    assert!(fragment.starts_with(&format!("<li id=\"comment-{id}\"")), "{fragment}");
    assert!(fragment.trim_end().ends_with("</li>"), "the fragment is closed: {fragment}");
    assert!(fragment.contains("awaiting moderation"), "{fragment}");
    let page = ruth.get(TestApp::ESSAY).await;
    let article = format!("#comment-{id} > article");
    assert_eq!(outer(fragment, "article"), outer(&page.body, &article), "script and page disagree");
    assert_eq!(page.texts("#comments-title"), vec![answer["count_text"].as_str().unwrap().to_string()]);
}

#[tokio::test]
async fn a_reply_sent_in_place_names_its_parent_and_nests_one_level_down() {
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "hold_first_comment": false })).await;
    let page = app.get(TestApp::ESSAY).await;
    let parent = page.attrs(".comment-list > li.comment", "id")[0].trim_start_matches("comment-").to_string();
    let tommy = Agent::new(&app);
    let fields = [("author", "Tommy"), ("email", "tommy@hailsham.example"), ("comment", "I kept the tape.")];
    let sent = tommy.comment_with(TestApp::ESSAY, &[&fields[..], &[("comment_parent", &parent)]].concat(), JSON).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let answer: Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(answer["status"], "approved");
    assert_eq!(answer["parent_id"].to_string(), parent);
    let fragment = answer["html"].as_str().unwrap();
    assert!(fragment.contains("class=\"comment depth-1"), "{fragment}");
    assert!(!fragment.contains("awaiting moderation"));
    assert!(fragment.contains("comment-reply-link"), "an approved comment can be answered");
    assert!(fragment.contains(&format!("href=\"/comments/{}/edit\"", answer["id"])), "its writer may edit it");
}

#[tokio::test]
async fn a_refused_enhanced_comment_answers_problem_json_with_each_fields_message() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let reader = Agent::new(&app);
    let sent = reader
        .comment_with(TestApp::ESSAY, &[("author", ""), ("email", "ruth@"), ("comment", "Keep this.")], JSON)
        .await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert_eq!(sent.header("content-type").as_deref(), Some("application/problem+json"));
    let problem: Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(problem["status"], 400);
    assert!(problem["title"].as_str().unwrap().contains("correct the marked fields"));
    assert!(problem["errors"]["email"].as_str().unwrap().contains("not a valid email"));
    assert!(problem["errors"]["author"].as_str().unwrap().contains("name"));
    assert!(problem.get("token").is_none(), "a good token stays in the form");

    let forged = [RUTH, &[("quire_token", "eyJwb3N0IjoxLCJpc3N1ZWQiOjB9.AAAA")]].concat();
    let sent = reader.comment_with(TestApp::ESSAY, &forged, JSON).await;
    let problem: Value = serde_json::from_str(&sent.body).unwrap();
    assert!(problem["title"].as_str().unwrap().contains("could not be verified"));
    assert!(problem["token"].as_str().unwrap().contains('.'), "a fresh token to send the kept text again");
}
