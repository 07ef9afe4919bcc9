//! Feeds parse in an independent parser, carry full content with absolute URLs, and exist for
//! the site, tags, comments and each post's comments.

use reqwest::StatusCode;

use crate::support::TestApp;

async fn parsed(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}");
    feed_rs::parser::parse(page.body.as_bytes()).unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{}", page.body))
}

#[tokio::test]
async fn rss_atom_and_json_feeds_parse_and_list_the_posts() {
    let app = TestApp::with_demo().await;
    for (path, content_type) in [
        ("/feed/", "application/rss+xml"),
        ("/feed/atom/", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
    ] {
        let feed = parsed(&app, path).await;
        assert_eq!(feed.entries.len(), 2, "{path}");
        assert!(feed.entries[0].title.as_ref().unwrap().content.contains("Klara"), "{path}");
        assert!(app.get(path).await.header("content-type").unwrap().starts_with(content_type), "{path}");
    }
}

#[tokio::test]
async fn feed_entries_carry_full_content_with_absolute_urls_and_the_warning_first() {
    let app = TestApp::with_demo().await;
    for path in ["/feed/", "/feed/atom/", "/feed.json"] {
        let feed = parsed(&app, path).await;
        let essay =
            feed.entries.iter().find(|e| e.title.as_ref().unwrap().content.starts_with("Why you should read")).unwrap();
        let body = essay.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
        assert!(body.contains("Madame"), "{path}: content is not the full post");
        assert!(body.contains(&format!("src=\"{}/media/demo/", app.base)), "{path}: image URLs are not absolute");
        assert!(!body.contains("src=\"/media"), "{path}: a relative image URL remains");
        let warning = body.find("This post contains spoilers!").expect("warning missing");
        assert!(warning < body.find("lucid prose").unwrap(), "{path}: the warning does not lead");
        assert_eq!(essay.links[0].href, format!("{}{}", app.base, TestApp::ESSAY), "{path}");
    }
}

#[tokio::test]
async fn tag_feeds_list_only_that_tags_posts() {
    let app = TestApp::with_demo().await;
    let spoilers = parsed(&app, "/tag/spoilers/feed/").await;
    assert_eq!(spoilers.entries.len(), 1);
    let ishiguro = parsed(&app, "/tag/ishiguro/feed/atom/").await;
    assert_eq!(ishiguro.entries.len(), 2);
    assert_eq!(app.get("/tag/nothing-here/feed/").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn comment_feeds_list_approved_comments_of_the_site_and_of_one_post() {
    let app = TestApp::with_demo().await;
    let site = parsed(&app, "/comments/feed/").await;
    assert_eq!(site.entries.len(), 20, "the feed holds the newest 20");
    let post = parsed(&app, &format!("{}feed/", TestApp::ESSAY)).await;
    assert_eq!(post.entries.len(), 20);
    assert!(post.entries[0].links[0].href.contains("#comment-"));
    let klara = parsed(&app, &format!("{}feed/", TestApp::KLARA)).await;
    assert_eq!(klara.entries.len(), 0);
}

#[tokio::test]
async fn the_sitemap_lists_every_public_url_and_robots_points_to_it() {
    let app = TestApp::with_demo().await;
    let sitemap = app.get("/sitemap.xml").await;
    assert_eq!(sitemap.status, StatusCode::OK);
    for path in ["/", TestApp::ESSAY, TestApp::KLARA, "/about/"] {
        assert!(sitemap.body.contains(&format!("<loc>{}{path}</loc>", app.base)), "{path} missing");
    }
    let robots = app.get("/robots.txt").await;
    assert!(robots.body.contains(&format!("Sitemap: {}/sitemap.xml", app.base)));
}
