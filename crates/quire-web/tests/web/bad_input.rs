//! Malformed requests get a plain 400 with the reason; nothing panics or leaks internals.

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::TestApp;

#[tokio::test]
async fn a_page_number_that_is_not_a_number_is_a_bad_request() {
    let app = TestApp::with_demo().await;
    for query in ["/search?q=x&page=abc", "/search?q=x&page=0", "/?s=x&page=-1", "/search?q=x&page=99999999999"] {
        let page = app.get(query).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.body.contains("page number"), "{query}: {}", page.body);
        assert!(page.header("content-type").unwrap().starts_with("text/plain"));
    }
}

#[tokio::test]
async fn invalid_utf8_and_malformed_escapes_are_bad_requests() {
    let app = TestApp::with_demo().await;
    for path in ["/%FF%FE/", "/tag/%C3/", "/%zz/", "/search?q=%FF", "/search?q=%E2%82"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(page.body.contains("UTF-8"), "{path}: {}", page.body);
    }
}

#[tokio::test]
async fn an_overlong_path_is_a_bad_request() {
    let app = TestApp::with_demo().await;
    let page = app.get(&format!("/{}/", "a".repeat(5000))).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("too long"));
}

#[tokio::test]
async fn posting_to_a_reading_page_is_refused_with_405() {
    let app = TestApp::with_demo().await;
    let response = app.client.post(format!("{}{}", app.base, TestApp::ESSAY)).body("x").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
}

#[tokio::test]
async fn raw_garbage_on_the_socket_gets_an_answer_and_the_server_keeps_serving() {
    let app = TestApp::with_demo().await;
    let address = app.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = vec![0; 512];
    let read = stream.read(&mut answer).await.unwrap_or(0);
    let text = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(text.starts_with("HTTP/1.1 4"), "{text}");
    assert_eq!(app.get("/").await.status, StatusCode::OK);
}
