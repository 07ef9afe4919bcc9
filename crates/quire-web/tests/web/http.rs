//! HTTP behaviour: compression, revalidation, caching, security headers, request ids, health.

use reqwest::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn pages_are_gzipped_for_clients_that_accept_it() {
    let app = TestApp::with_demo().await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let response =
        raw.get(format!("{}{}", app.base, TestApp::ESSAY)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert!(response.headers()["vary"].to_str().unwrap().contains("Accept-Encoding"));
    let compressed = response.bytes().await.unwrap().len();
    let plain = app.get(TestApp::ESSAY).await.body.len();
    assert!(compressed * 2 < plain, "gzip {compressed} vs plain {plain}");
}

#[tokio::test]
async fn a_repeat_visit_revalidates_with_the_etag_and_gets_304() {
    let app = TestApp::with_demo().await;
    let first = app.get(TestApp::ESSAY).await;
    let etag = first.header("etag").expect("etag");
    assert!(etag.starts_with("W/\""), "ETags are weak: {etag}");
    assert!(first.header("cache-control").unwrap().contains("must-revalidate"));
    let again = app.get_with(TestApp::ESSAY, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
}

#[tokio::test]
async fn any_write_changes_the_etag_and_shows_at_once() {
    let app = TestApp::with_demo().await;
    let before = app.get("/").await;
    app.set("title", serde_json::json!("Hailsham Letters")).await;
    let after = app.get_with("/", &[("if-none-match", &before.header("etag").unwrap())]).await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(after.body.contains("Hailsham Letters"));
}

#[tokio::test]
async fn anonymous_readers_are_served_from_memory_without_the_database() {
    let app = TestApp::with_demo().await;
    let warm = app.get(TestApp::ESSAY).await;
    assert_eq!(warm.status, StatusCode::OK);
    // Close every database connection: a page served now can only come from the cache.
    app.app.store().close().await;
    let cached = app.get(TestApp::ESSAY).await;
    assert_eq!(cached.status, StatusCode::OK);
    assert_eq!(cached.body, warm.body);
    let uncached = app.get(TestApp::KLARA).await;
    assert_ne!(uncached.status, StatusCode::OK, "an uncached page cannot have been rendered without the database");
}

#[tokio::test]
async fn readers_with_a_session_cookie_get_a_fresh_render() {
    let app = TestApp::with_demo().await;
    app.get(TestApp::ESSAY).await;
    app.app.store().close().await;
    let personal = app.get_with(TestApp::ESSAY, &[("cookie", "quire_session=abc")]).await;
    assert_ne!(personal.status, StatusCode::OK, "a signed-in reader must not get the shared cached page");
}

#[tokio::test]
async fn every_response_carries_strict_security_headers() {
    let app = TestApp::with_demo().await;
    for path in ["/", TestApp::ESSAY, "/feed/", "/no-such-page/", "/static/style.css"] {
        let page = app.get(path).await;
        let csp = page.header("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(page.header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        assert_eq!(page.header("referrer-policy").as_deref(), Some("strict-origin-when-cross-origin"), "{path}");
        assert!(page.header("x-request-id").is_some_and(|id| !id.is_empty()), "{path}: no request id");
    }
}

#[tokio::test]
async fn pages_have_no_inline_scripts_for_the_csp_to_block() {
    let app = TestApp::with_demo().await;
    for path in ["/", TestApp::ESSAY, "/about/", "/search?q=madame", "/missing/"] {
        let page = app.get(path).await;
        let html = page.html();
        let scripts = scraper::Selector::parse("script").unwrap();
        for script in html.select(&scripts) {
            let executable = script.value().attr("type").is_none_or(|t| t == "module" || t.contains("javascript"));
            if executable {
                assert!(script.value().attr("src").is_some(), "{path}: inline script {:?}", script.html());
            }
        }
        assert!(!page.body.contains(" onclick=") && !page.body.contains(" onload="), "{path}: inline handler");
    }
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::with_demo().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.app.store().close().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(not_ready.header("retry-after").is_some());
}

#[tokio::test]
async fn versioned_static_files_may_be_cached_forever() {
    let app = TestApp::with_demo().await;
    let home = app.get("/").await;
    let css = home.attrs("link[rel=stylesheet]", "href").into_iter().find(|h| h.contains("style.css")).unwrap();
    assert!(css.contains("?v="), "{css}");
    let file = app.get(&css).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.header("cache-control").unwrap().contains("immutable"));
    assert!(file.header("content-type").unwrap().starts_with("text/css"));
}

#[tokio::test]
async fn media_files_are_served_with_their_recorded_type() {
    let app = TestApp::with_demo().await;
    let gif = app.client.get(format!("{}/media/demo/question-mark.gif", app.base)).send().await.unwrap();
    assert_eq!(gif.status(), StatusCode::OK);
    assert_eq!(gif.headers()["content-type"], "image/gif");
    let bytes = gif.bytes().await.unwrap();
    assert!(bytes.starts_with(b"GIF89a"));
    // Animated: more than one image descriptor (0x2C after a graphic control block).
    assert!(bytes.windows(3).filter(|w| w == b"\x21\xF9\x04").count() > 1, "the GIF lost its animation");
    assert_eq!(app.get("/media/../quire.db").await.status.as_u16() / 100, 4);
    assert_eq!(app.get("/media/quire.db").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn shutting_down_lets_an_in_flight_response_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut app = TestApp::with_demo().await;
    let body = "A long paragraph about Hailsham and the cottages. ".repeat(18_000);
    app.publish(quire_app::publishing::Draft {
        kind: quire_core::PostKind::Page,
        slug: Some("long".into()),
        ..crate::support::draft("Long page", &body)
    })
    .await;
    // A reader on a slow line: a tiny receive window, so most of the page is still with the server.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let address = app.base.trim_start_matches("http://").parse().unwrap();
    let mut stream = socket.connect(address).await.unwrap();
    stream.write_all(b"GET /long/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    // The kernel may already hold the rest of the page; what the reader must see either way is the
    // whole page, while new connections are refused.
    let server = app.begin_shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(tokio::net::TcpStream::connect(address).await.is_err(), "new connections are refused once stopping");

    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{}", &text[..text.len().min(200)]);
    assert!(text.trim_end().ends_with("</html>"), "the page was cut off after {} bytes", response.len());
    tokio::time::timeout(std::time::Duration::from_secs(5), server).await.expect("server finished").unwrap().unwrap();
}
