//! Posts with many comments: top-level threads paginated as WordPress does (`comment-page-N`),
//! each thread whole on one page, and every comment's link pointing at the page that holds it.

use quire_core::{Page as Slice, PostKind};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::Agent;
use crate::support::TestApp;

const PER_PAGE: u64 = 5;

/// The demo with five threads per comment page and no limits in the way of posting several.
async fn paged_demo() -> (TestApp, u64) {
    let app = TestApp::with_demo().await;
    app.set("comment_threads_per_page", json!(PER_PAGE)).await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "hold_first_comment": false })).await;
    app.set("comment_rate", json!({ "per_ip": 1000.0, "per_subnet": 1000.0, "seconds": 1.0 })).await;
    let essay = app.app.store().post_by_slug(PostKind::Post, "never-let-me-go").await.unwrap().unwrap();
    let threads = app.app.store().approved_thread_page(essay.id, Slice::new(1, 1)).await.unwrap().total;
    assert!(threads > 2 * PER_PAGE, "the demo has enough threads to page ({threads})");
    (app, threads)
}

fn page_path(n: u64) -> String {
    if n == 1 { TestApp::ESSAY.to_string() } else { format!("{}comment-page-{n}/", TestApp::ESSAY) }
}

#[tokio::test]
async fn threads_are_paginated_oldest_first_with_links_between_pages() {
    let (app, threads) = paged_demo().await;
    let pages = threads.div_ceil(PER_PAGE);
    let first = app.get(TestApp::ESSAY).await;
    assert_eq!(first.attrs("li.comment.depth-0", "id").len() as u64, PER_PAGE);
    assert_eq!(first.texts(".comment-pagination .pagination-current"), [format!("Comment page 1 of {pages}")]);
    assert_eq!(first.attrs(".comment-pagination a[rel=next]", "href"), [format!("{}#comments", page_path(2))]);
    let count = first.texts("#comments-title").pop().unwrap();
    assert!(count.starts_with("50 thoughts"), "the count is of every comment, not this page: {count}");

    let second = app.get(&page_path(2)).await;
    assert_eq!(second.status, StatusCode::OK);
    let first_ids = first.attrs("li.comment", "id");
    let second_ids = second.attrs("li.comment", "id");
    assert!(second_ids.iter().all(|id| !first_ids.contains(id)), "no thread on two pages");
    let numbers = |ids: &[String]| {
        ids.iter().map(|id| id.trim_start_matches("comment-").parse::<i64>().unwrap()).collect::<Vec<_>>()
    };
    let first_roots = numbers(&first.attrs("li.comment.depth-0", "id"));
    let second_roots = numbers(&second.attrs("li.comment.depth-0", "id"));
    assert!(first_roots.iter().max() < second_roots.iter().min(), "oldest threads first");

    let last = app.get(&page_path(pages)).await;
    assert_eq!(last.status, StatusCode::OK);
    assert!(last.attrs(".comment-pagination a[rel=next]", "href").is_empty());
    assert_eq!(app.get(&page_path(pages + 1)).await.status, StatusCode::NOT_FOUND);
    let one = app.get(&format!("{}comment-page-1/", TestApp::ESSAY)).await;
    assert_eq!(one.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(one.header("location").as_deref(), Some(TestApp::ESSAY));
}

#[tokio::test]
async fn a_new_comment_links_to_the_page_that_holds_its_thread() {
    let (app, threads) = paged_demo().await;
    let reader = Agent::new(&app);
    let fields = [("author", "Tommy"), ("email", "tommy@hailsham.example"), ("comment", "A new thread at the end.")];
    let sent = reader.comment(TestApp::ESSAY, &fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.header("location").unwrap();
    let last = (threads + 1).div_ceil(PER_PAGE);
    assert!(location.starts_with(&format!("{}#comment-", page_path(last))), "{location}");
    let shown = app.get(location.split('#').next().unwrap()).await;
    assert!(shown.body.contains("A new thread at the end."));

    // A reply to the first thread stays on the first page, under its parent.
    let first = app.get(TestApp::ESSAY).await;
    let parent = first.attrs("li.comment.depth-0", "id").first().unwrap().trim_start_matches("comment-").to_string();
    let reply = [("author", "Kathy"), ("email", "kathy@hailsham.example"), ("comment", "Late, but on page one.")];
    let reply = [&reply[..], &[("comment_parent", parent.as_str())]].concat();
    let sent = reader.comment(TestApp::ESSAY, &reply).await;
    let location = sent.header("location").unwrap();
    assert!(location.starts_with(&format!("{}#comment-", TestApp::ESSAY)), "{location}");
    let first = app.get(TestApp::ESSAY).await;
    assert!(first.texts(&format!("#comment-{parent} .children")).concat().contains("Late, but on page one."));
}

#[tokio::test]
async fn avatars_are_identicons_from_this_site_unless_gravatar_is_enabled() {
    let app = TestApp::with_demo().await;
    let page = app.get(TestApp::ESSAY).await;
    let avatars = page.attrs("li.comment img.avatar", "src");
    assert!(!avatars.is_empty());
    assert!(avatars.iter().all(|src| src.starts_with("/avatars/") && src.ends_with(".svg")), "{avatars:?}");
    assert!(!page.body.contains("gravatar"), "no reader's email hash leaves the site by default");
    let distinct: std::collections::HashSet<_> = avatars.iter().collect();
    assert!(distinct.len() > 10, "commenters get different pictures");

    let image = app.get(&avatars[0]).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.header("content-type").as_deref(), Some("image/svg+xml"));
    assert!(image.body.starts_with("<svg") && !image.body.contains("script"));
    assert_eq!(app.get(&avatars[0]).await.body, image.body, "the same seed draws the same picture");
    assert_eq!(app.get("/avatars/..%2Fetc.svg").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/avatars/abc.png").await.status, StatusCode::NOT_FOUND);

    app.set("gravatar", json!(true)).await;
    let page = app.get(TestApp::ESSAY).await;
    let avatars = page.attrs("li.comment img.avatar", "src");
    assert!(avatars.iter().any(|src| src.starts_with("https://gravatar.com/avatar/")), "{avatars:?}");
}
