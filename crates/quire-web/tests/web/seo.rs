//! What link previews and search engines read: canonical URLs, feed discovery, OpenGraph and
//! Twitter cards, schema.org JSON-LD.

use serde_json::Value;

use crate::support::TestApp;

fn json_ld(page: &crate::support::Page) -> Value {
    let blocks = page.texts("script[type='application/ld+json']");
    assert_eq!(blocks.len(), 1, "expected one JSON-LD block");
    serde_json::from_str(&blocks[0]).expect("JSON-LD parses")
}

#[tokio::test]
async fn pages_name_their_canonical_url_and_their_feeds() {
    let app = TestApp::with_demo().await;
    let post = app.get(TestApp::ESSAY).await;
    assert_eq!(post.attrs("link[rel=canonical]", "href"), vec![format!("{}{}", app.base, TestApp::ESSAY)]);
    let feeds = post.attrs("link[rel=alternate]", "href");
    for feed in ["/feed/", "/feed/atom/", "/feed.json"] {
        assert!(feeds.contains(&format!("{}{feed}", app.base)), "{feed} not discoverable: {feeds:?}");
    }
    assert!(feeds.contains(&format!("{}{}feed/", app.base, TestApp::ESSAY)), "post comments feed not discoverable");
    let tag = app.get("/tag/ishiguro/").await;
    assert!(tag.attrs("link[rel=alternate]", "href").contains(&format!("{}/tag/ishiguro/feed/", app.base)));
}

#[tokio::test]
async fn posts_carry_opengraph_and_twitter_card_tags() {
    let app = TestApp::with_demo().await;
    let post = app.get(TestApp::ESSAY).await;
    let meta = |property: &str| {
        let by_property = post.attrs(&format!("meta[property='{property}']"), "content");
        let by_name = post.attrs(&format!("meta[name='{property}']"), "content");
        by_property.into_iter().chain(by_name).next().unwrap_or_else(|| panic!("{property} missing"))
    };
    assert_eq!(meta("og:title"), "Why you should read Kazuo Ishiguro’s ‘Never Let Me Go’");
    assert_eq!(meta("og:type"), "article");
    assert_eq!(meta("og:url"), format!("{}{}", app.base, TestApp::ESSAY));
    assert!(meta("og:image").starts_with(&format!("{}/media/demo/", app.base)));
    assert!(meta("og:description").contains("lucid prose"));
    assert_eq!(meta("twitter:card"), "summary_large_image");
    assert_eq!(meta("article:published_time"), "2020-01-01T09:00:00Z");
}

#[tokio::test]
async fn the_essay_is_described_as_a_blog_posting_and_a_review_of_the_book() {
    let app = TestApp::with_demo().await;
    let ld = json_ld(&app.get(TestApp::ESSAY).await);
    assert_eq!(ld["@context"], "https://schema.org");
    let graph = ld["@graph"].as_array().expect("a @graph");
    let posting = graph.iter().find(|n| n["@type"] == "BlogPosting").expect("BlogPosting");
    assert_eq!(posting["headline"], "Why you should read Kazuo Ishiguro’s ‘Never Let Me Go’");
    assert_eq!(posting["datePublished"], "2020-01-01T09:00:00Z");
    assert_eq!(posting["author"]["name"], "Demo Writer");
    let review = graph.iter().find(|n| n["@type"] == "Review").expect("Review");
    assert_eq!(review["itemReviewed"]["@type"], "Book");
    assert_eq!(review["itemReviewed"]["name"], "Never Let Me Go");
    assert_eq!(review["itemReviewed"]["author"]["name"], "Kazuo Ishiguro");
    let klara = json_ld(&app.get(TestApp::KLARA).await);
    assert!(!klara["@graph"].as_array().unwrap().iter().any(|n| n["@type"] == "Review"), "only reviews are reviews");
}

#[tokio::test]
async fn the_home_page_describes_the_site_and_search_results_stay_out_of_indexes() {
    let app = TestApp::with_demo().await;
    let ld = json_ld(&app.get("/").await);
    assert_eq!(ld["@type"], "WebSite");
    assert!(ld["potentialAction"]["target"].as_str().unwrap().contains("/search?q="));
    let search = app.get("/search?q=madame").await;
    assert_eq!(search.attrs("meta[name=robots]", "content"), vec!["noindex".to_string()]);
}
