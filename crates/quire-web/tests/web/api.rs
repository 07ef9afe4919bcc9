//! The JSON API under /api/v1/: application tokens (made by the use case behind
//! `quire token create`, revoked on the account page), the session with its X-CSRF-Token header,
//! role checks, RFC 9457 problems, and the OpenAPI document built from the router's own table.

use quire_core::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Agent, TestApp};

const PASSWORD: &str = "correct horse battery";

/// A reply: status, content type, JSON body (Null when empty).
struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
}

async fn call(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)], body: Option<Value>) -> Reply {
    call_with(&app.client, &app.base, method, path, headers, body).await
}

async fn call_with(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Reply {
    let mut request = client.request(method, format!("{base}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let text = response.text().await.unwrap();
    Reply { status, content_type, body: serde_json::from_str(&text).unwrap_or(Value::Null) }
}

/// A staff account with a fresh token; returns the token.
async fn token_for(app: &TestApp, email: &str, role: Role) -> String {
    app.add_staff(email, role, PASSWORD).await;
    let made = app.app.create_api_token(email, "test client").await.unwrap();
    assert!(made.secret.starts_with("quire_"));
    made.secret
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn assert_problem(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["status"], json!(status.as_u16()));
    assert!(reply.body["type"].is_string() && reply.body["title"].is_string() && reply.body["detail"].is_string());
}

#[tokio::test]
async fn a_token_lists_creates_updates_and_deletes_a_post() {
    let app = TestApp::with_demo().await;
    let token = token_for(&app, "ed@example.org", Role::Editor).await;
    let auth = bearer(&token);
    let h = [("authorization", auth.as_str())];

    let listed = call(&app, Method::GET, "/api/v1/posts?per_page=1", &h, None).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let total = listed.body["total"].as_u64().unwrap();
    assert!(total >= 2, "the demo's posts are listed");
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "per_page is obeyed");

    let body =
        json!({ "title": "Sent by a program", "body": "Hello *API*.", "tags": ["robots"], "status": "published" });
    let created = call(&app, Method::POST, "/api/v1/posts", &h, Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    let url = created.body["url"].as_str().unwrap().to_string();
    assert_eq!(created.body["status"], "published");
    assert_eq!(created.body["tags"], json!(["robots"]));
    let path = url.strip_prefix(&app.base).unwrap_or(&url).to_string();
    assert!(app.get(&path).await.body.contains("Hello <em>API</em>."), "the post is on the site at its url");

    let patched =
        call(&app, Method::PATCH, &format!("/api/v1/posts/{id}"), &h, Some(json!({ "title": "Renamed" }))).await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(patched.body["title"], "Renamed");
    assert_eq!(patched.body["body"], "Hello *API*.", "fields not sent are kept");
    let read = call(&app, Method::GET, &format!("/api/v1/posts/{id}"), &h, None).await;
    assert_eq!(read.body["title"], "Renamed");
    let after = call(&app, Method::GET, "/api/v1/posts", &h, None).await;
    assert_eq!(after.body["total"].as_u64().unwrap(), total + 1);

    let deleted = call(&app, Method::DELETE, &format!("/api/v1/posts/{id}"), &h, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let trashed = call(&app, Method::GET, "/api/v1/posts?status=trash", &h, None).await;
    assert!(trashed.body["items"].as_array().unwrap().iter().any(|p| p["id"] == json!(id)));
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_contributor_token_saves_drafts_but_cannot_publish() {
    let app = TestApp::with_demo().await;
    let token = token_for(&app, "con@example.org", Role::Contributor).await;
    let auth = bearer(&token);
    let h = [("authorization", auth.as_str())];
    let refused =
        call(&app, Method::POST, "/api/v1/posts", &h, Some(json!({ "title": "Mine", "status": "published" }))).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    let draft = call(&app, Method::POST, "/api/v1/posts", &h, Some(json!({ "title": "Mine" }))).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{:?}", draft.body);
    assert_eq!(draft.body["status"], "draft");
    let id = draft.body["id"].as_i64().unwrap();
    let publish = json!({ "status": "published" });
    let refused = call(&app, Method::PATCH, &format!("/api/v1/posts/{id}"), &h, Some(publish)).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    assert_eq!(call(&app, Method::GET, &format!("/api/v1/posts/{id}"), &h, None).await.body["status"], "draft");
}

#[tokio::test]
async fn without_a_token_the_api_answers_401_problem() {
    let app = TestApp::with_demo().await;
    for (method, path) in
        [(Method::GET, "/api/v1/posts"), (Method::POST, "/api/v1/posts"), (Method::GET, "/api/v1/pages/1")]
    {
        let reply = call(&app, method, path, &[], Some(json!({ "title": "x" }))).await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED);
    }
    let wrong = call(&app, Method::GET, "/api/v1/posts", &[("authorization", "Bearer quire_nonsense")], None).await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_revoked_on_the_account_page_answers_401() {
    let app = TestApp::with_demo().await;
    let token = token_for(&app, "au@example.org", Role::Author).await;
    let auth = bearer(&token);
    let h = [("authorization", auth.as_str())];
    assert_eq!(call(&app, Method::GET, "/api/v1/posts", &h, None).await.status, StatusCode::OK);

    let browser = Agent::new(&app);
    browser.sign_in("au@example.org", PASSWORD).await;
    let account = browser.get("/admin/account").await;
    assert!(account.texts("table th[scope=row]").contains(&"test client".to_string()));
    let action = account.attrs("form[action$='/revoke']", "action");
    assert_eq!(action.len(), 1);
    let csrf = account.field("csrf_token").unwrap();
    let revoked = browser.post(&action[0], &[("csrf_token", &csrf)]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert!(browser.get("/admin/account").await.body.contains("revoked"));

    assert_problem(&call(&app, Method::GET, "/api/v1/posts", &h, None).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_input_is_a_422_problem_naming_each_field() {
    let app = TestApp::with_demo().await;
    let token = token_for(&app, "ed@example.org", Role::Editor).await;
    let auth = bearer(&token);
    let h = [("authorization", auth.as_str())];
    let body = json!({ "title": "", "tags": "not a list", "status": "famous", "colour": "red" });
    let reply = call(&app, Method::POST, "/api/v1/posts", &h, Some(body)).await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = reply.body["errors"].as_object().unwrap();
    for field in ["title", "tags", "status", "colour"] {
        assert!(errors[field].as_str().is_some_and(|m| !m.is_empty()), "{field}: {errors:?}");
    }
    let listed = call(&app, Method::GET, "/api/v1/posts?status=trash", &h, None).await;
    assert_eq!(listed.body["total"], json!(0), "nothing was saved");
    let paging = call(&app, Method::GET, "/api/v1/posts?page=0&per_page=1000", &h, None).await;
    assert_problem(&paging, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(paging.body["errors"]["page"].is_string() && paging.body["errors"]["per_page"].is_string());
}

#[tokio::test]
async fn a_session_request_without_the_csrf_header_is_refused() {
    let app = TestApp::with_demo().await;
    app.add_staff("ed@example.org", Role::Editor, PASSWORD).await;
    let browser = Agent::new(&app);
    browser.sign_in("ed@example.org", PASSWORD).await;
    let read = call_with(&browser.client, &app.base, Method::GET, "/api/v1/posts", &[], None).await;
    assert_eq!(read.status, StatusCode::OK, "a read needs only the session");
    let body = json!({ "title": "From the admin's scripts" });
    let refused = call_with(&browser.client, &app.base, Method::POST, "/api/v1/posts", &[], Some(body.clone())).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    let csrf = browser.csrf_token().await;
    let h = [("x-csrf-token", csrf.as_str())];
    let sent = call_with(&browser.client, &app.base, Method::POST, "/api/v1/posts", &h, Some(body)).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
}

/// Every operation the brief asks for, as (method, path with ids filled in, path as documented).
const EXPECTED: &[(&str, &str)] = &[
    ("get", "/api/v1/posts"),
    ("post", "/api/v1/posts"),
    ("get", "/api/v1/posts/{id}"),
    ("patch", "/api/v1/posts/{id}"),
    ("delete", "/api/v1/posts/{id}"),
    ("get", "/api/v1/pages"),
    ("post", "/api/v1/pages"),
    ("get", "/api/v1/pages/{id}"),
    ("patch", "/api/v1/pages/{id}"),
    ("delete", "/api/v1/pages/{id}"),
];

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_every_route_the_api_serves() {
    let app = TestApp::with_demo().await;
    let doc = call(&app, Method::GET, "/api/v1/openapi.json", &[], None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1."));
    assert!(doc.body["info"]["title"].is_string() && doc.body["info"]["version"].is_string());
    assert!(doc.body["components"]["schemas"]["Problem"].is_object());
    let paths = doc.body["paths"].as_object().unwrap();
    // Every route asked for is documented…
    for (method, path) in EXPECTED {
        assert!(paths.get(*path).and_then(|p| p.get(*method)).is_some(), "{method} {path} is not documented");
    }
    // …and every documented operation is served (never a 404 or 405 from the router), and every
    // schema it names exists.
    let text = doc.body.to_string();
    for name in text.split("#/components/schemas/").skip(1).map(|s| s.split('"').next().unwrap()) {
        assert!(doc.body["components"]["schemas"][name].is_object(), "schema {name} is referenced but missing");
    }
    let token = token_for(&app, "ad@example.org", Role::Admin).await;
    let auth = bearer(&token);
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["operationId"].is_string() && op["responses"].is_object(), "{method} {path}");
            let concrete = path.replace("{id}", "1");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = call(&app, method.clone(), &concrete, &[("authorization", &auth)], Some(json!({}))).await;
            assert!(
                reply.status != StatusCode::METHOD_NOT_ALLOWED
                    && !(reply.status == StatusCode::NOT_FOUND
                        && reply.body["detail"].as_str().unwrap_or("").contains("nothing at this address")),
                "{method} {path}: {} {:?}",
                reply.status,
                reply.body
            );
        }
    }
    // An address outside the table is a 404 problem.
    let unknown = call(&app, Method::GET, "/api/v1/nothing", &[("authorization", &auth)], None).await;
    assert_problem(&unknown, StatusCode::NOT_FOUND);
}
