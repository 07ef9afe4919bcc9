//! Old links of an imported WordPress site keep working: its pretty permalinks and its plain
//! `/?p=N` and `/?page_id=N` addresses answer 301 to the new address, which shows the post.

use std::io::BufReader;

use quire_app::import::ImportOptions;
use reqwest::StatusCode;

use crate::support::{Options, TestApp};

const EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<link>https://old.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
<item>
<title>Hello from the old site</title>
<link>https://old.example/archives/hello-old-site</link>
<guid isPermaLink="false">https://old.example/?p=42</guid>
<wp:post_id>42</wp:post_id>
<wp:post_name>hello-old-site</wp:post_name>
<wp:post_type>post</wp:post_type>
<wp:status>publish</wp:status>
<wp:post_date_gmt>2020-01-02 10:00:00</wp:post_date_gmt>
<content:encoded><![CDATA[The first post.]]></content:encoded>
</item>
<item>
<title>About the writer</title>
<link>https://old.example/about-me/</link>
<guid isPermaLink="false">https://old.example/?page_id=7</guid>
<wp:post_id>7</wp:post_id>
<wp:post_name>about</wp:post_name>
<wp:post_type>page</wp:post_type>
<wp:status>publish</wp:status>
<content:encoded><![CDATA[Who writes here.]]></content:encoded>
</item>
</channel>
</rss>
"#;

async fn imported_site() -> TestApp {
    let app = TestApp::start(Options { no_demo: true, ..Default::default() }).await;
    let input = Box::new(BufReader::new(std::io::Cursor::new(EXPORT.as_bytes().to_vec())));
    let report = app.app.import_wordpress(input, &ImportOptions::default(), &|_| {}).await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    app
}

async fn moved(app: &TestApp, old: &str, new: &str, shows: &str) {
    let page = app.get(old).await;
    assert_eq!(page.status, StatusCode::MOVED_PERMANENTLY, "{old}");
    assert_eq!(page.header("location").as_deref(), Some(new), "{old}");
    let page = app.get(new).await;
    assert_eq!(page.status, StatusCode::OK, "{new}");
    assert!(page.body.contains(shows), "{new} does not show {shows:?}");
}

#[tokio::test]
async fn old_permalinks_and_plain_wordpress_addresses_answer_301_to_the_imported_post() {
    let app = imported_site().await;
    let post = "/2020/01/02/hello-old-site/";
    moved(&app, "/archives/hello-old-site", post, "The first post.").await;
    moved(&app, "/?p=42", post, "The first post.").await;
    moved(&app, "/about-me/", "/about/", "Who writes here.").await;
    moved(&app, "/?page_id=7", "/about/", "Who writes here.").await;
    // An address the old site never had is still the home page, not a redirect.
    assert_eq!(app.get("/?p=999").await.status, StatusCode::OK);
}
