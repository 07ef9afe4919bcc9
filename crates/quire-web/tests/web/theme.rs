//! The default theme: accessible structure, no third-party requests, overridable from disk, and
//! themed error pages.

use std::path::PathBuf;

use reqwest::StatusCode;

use crate::support::{Options, TestApp};

const READER_PAGES: &[&str] = &[
    "/",
    "/page/1/",
    TestApp::ESSAY,
    TestApp::KLARA,
    "/about/",
    "/tag/books/",
    "/author/demo-writer/",
    "/2020/",
    "/search?q=madame",
    "/search?q=",
    "/no-such-page/",
    "/comments/my-data",
    "/comments/subscriptions/confirm?token=stale",
];

#[tokio::test]
async fn no_page_asks_another_origin_for_anything() {
    let app = TestApp::with_demo().await;
    for path in READER_PAGES {
        let page = app.get(path).await;
        for (selector, attr) in [
            ("script", "src"),
            ("link", "href"),
            ("img", "src"),
            ("img", "srcset"),
            ("source", "srcset"),
            ("iframe", "src"),
        ] {
            for url in page.attrs(selector, attr) {
                if selector == "link" && url.starts_with(&app.base) {
                    continue; // canonical and feed links name this site absolutely
                }
                assert!(!url.contains("//") || url.starts_with(&app.base), "{path}: {selector}[{attr}] = {url}");
            }
        }
        assert!(!page.body.contains("fonts.googleapis") && !page.body.contains("gravatar.com"), "{path}");
    }
}

#[tokio::test]
async fn every_page_has_a_skip_link_a_main_landmark_and_one_heading() {
    let app = TestApp::with_demo().await;
    for path in READER_PAGES {
        let page = app.get(path).await;
        let first_link = page.attrs("a", "href").into_iter().next().unwrap_or_default();
        assert_eq!(first_link, "#content", "{path}: the skip link must come first");
        assert_eq!(page.attrs("main", "id"), vec!["content".to_string()], "{path}");
        assert_eq!(page.texts("h1").len(), 1, "{path}: {:?}", page.texts("h1"));
        assert_eq!(page.attrs("html", "lang"), vec!["en".to_string()], "{path}");
        let labels = page.attrs("label", "for");
        for input in page.attrs("input[type=search]", "id") {
            assert!(labels.contains(&input), "{path}: search field {input} has no label");
        }
    }
}

#[tokio::test]
async fn no_page_shows_an_unfilled_placeholder() {
    let app = TestApp::with_demo().await;
    for path in
        READER_PAGES.iter().copied().chain(["/feed/", "/feed/atom/", "/feed.json", "/comments/feed/", "/sitemap.xml"])
    {
        let body = app.get(path).await.body;
        for placeholder in ["{{", "{%", "%s", "[object Object]"] {
            assert!(!body.contains(placeholder), "{path} contains {placeholder:?}");
        }
        // Words, not letters inside the random tokens and keyed hashes a page carries.
        for word in ["undefined", "NaN"] {
            assert!(!contains_word(&body, word), "{path} contains {word:?}");
        }
        assert!(!body.contains(">none<") && !body.contains(">None<"), "{path} prints a missing value");
    }
}

#[tokio::test]
async fn the_stylesheet_follows_the_readers_colour_scheme_and_shows_focus() {
    let app = TestApp::with_demo().await;
    let css = app.get("/static/style.css").await.body;
    assert!(css.contains("prefers-color-scheme: dark"), "no dark mode");
    assert!(css.contains(":focus-visible"), "no visible focus style");
    assert!(css.contains("max-width: 100%") || css.contains("max-width:100%"), "images may overflow narrow screens");
    let syntax = app.get("/static/syntax.css").await.body;
    assert!(syntax.contains(".hl-"), "syntax highlighting classes are not styled");
}

#[tokio::test]
async fn a_template_in_the_data_directory_overrides_the_default() {
    let app = TestApp::start(Options {
        files: vec![(
            PathBuf::from("themes/default/templates/partials/pagination.html"),
            "<p class=\"custom-pager\">Own pager, page {{ list.pagination.number }}</p>".into(),
        )],
        ..Default::default()
    })
    .await;
    let home = app.get("/").await;
    assert_eq!(home.texts(".custom-pager"), vec!["Own pager, page 1".to_string()]);
    assert!(home.texts("h2").len() >= 2, "the rest of the default theme still applies");
}

#[tokio::test]
async fn unknown_urls_get_the_themed_404_page() {
    let app = TestApp::with_demo().await;
    let page = app.get("/2031/no/such/thing/").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(page.attrs("link[rel=stylesheet]", "href").len(), 2, "the 404 page uses the theme");
    assert!(page.texts("h1")[0].contains("not found"), "{:?}", page.texts("h1"));
    assert!(!page.attrs("form[role=search]", "action").is_empty(), "the 404 page offers a search");
}

#[tokio::test]
async fn a_failing_page_gets_the_themed_500_page_without_details() {
    // A broken template override makes rendering fail: the reader must get the theme's error page.
    let app = TestApp::start(Options {
        files: vec![(PathBuf::from("themes/default/templates/post.html"), "{{ no_such_variable.field }}".into())],
        ..Default::default()
    })
    .await;
    let page = app.get(TestApp::ESSAY).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.texts("h1")[0].contains("went wrong"), "{:?}", page.texts("h1"));
    assert_eq!(page.attrs("link[rel=stylesheet]", "href").len(), 2);
    assert!(!page.body.contains("no_such_variable"), "internals leaked to the reader");
}

/// Whether `word` occurs in `text` on its own, not inside a longer run of token characters
/// (letters, digits, `-`, `_`: base64url, which signed tokens and avatar seeds are made of).
fn contains_word(text: &str, word: &str) -> bool {
    let token_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(token_char) && !after.is_some_and(token_char)
    })
}
