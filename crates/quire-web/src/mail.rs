//! Pages behind the links in mails, and the readers' data page. A GET only shows a page with a
//! button (link scanners fetch mail links; they must not confirm or delete anything); the POST
//! acts. The one exception to the CSRF check is RFC 8058's one-click unsubscribe, which mail
//! providers POST without cookies or Origin: the unguessable signed token is the authority.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_app::mail::notify::SubscriptionTarget;
use quire_app::mail::reader_data::DataRequestError;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::csrf::cross_site;
use crate::error::{AppError, plain};
use crate::pages::error_page;
use crate::{WebState, seo};

/// Where the confirmation link of a subscription points.
pub const CONFIRM_PATH: &str = "/comments/subscriptions/confirm";
/// Where unsubscribe links point.
pub const UNSUBSCRIBE_PATH: &str = "/comments/subscriptions/unsubscribe";
/// The readers' data page.
pub const MY_DATA_PATH: &str = "/comments/my-data";
/// Where the export link of a data request points.
pub const EXPORT_PATH: &str = "/comments/my-data/export";
/// Where the erase link of a data request points.
pub const DELETE_PATH: &str = "/comments/my-data/delete";

/// `?token=…` (or a form field of that name).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenParams {
    token: String,
}

/// The data request form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

#[derive(Debug, Default, Serialize)]
struct Notice {
    heading: String,
    paragraphs: Vec<String>,
    form: Option<NoticeForm>,
    link: Option<NoticeLink>,
}

#[derive(Debug, Default, Serialize)]
struct NoticeForm {
    action: &'static str,
    button: &'static str,
    fields: Vec<Field>,
    email: bool,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Field {
    name: &'static str,
    value: String,
}

#[derive(Debug, Serialize)]
struct NoticeLink {
    label: String,
    url: String,
}

impl Notice {
    fn new(heading: impl Into<String>, paragraphs: &[&str]) -> Notice {
        Notice {
            heading: heading.into(),
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        }
    }

    fn button(mut self, action: &'static str, button: &'static str, token: &str) -> Notice {
        self.form = Some(NoticeForm {
            action,
            button,
            fields: vec![Field { name: "token", value: token.trim().to_string() }],
            ..Default::default()
        });
        self
    }

    fn back_to(mut self, target: &SubscriptionTarget) -> Notice {
        if let (Some(title), Some(url)) = (&target.post_title, &target.post_url) {
            self.link = Some(NoticeLink { label: format!("Back to “{title}”"), url: url.clone() });
        }
        self
    }
}

async fn render(state: &WebState, status: StatusCode, path: &str, notice: &Notice) -> Response {
    let rendered = match state.app.site_view().await {
        Ok(site) => {
            let meta = seo::for_error(&site, &notice.heading, path);
            let context = json!({ "site": site, "meta": meta, "notice": notice, "request_path": path });
            state.theme.render("notice.html", context).map_err(AppError::from)
        }
        Err(e) => Err(e.into()),
    };
    let mut response = match rendered {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => return error_page(state, e, path).await,
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // These pages carry tokens in their URL; no other site should see them in a Referer.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

async fn link_not_valid(state: &WebState, path: &str) -> Response {
    let notice = Notice::new(
        "This link does not work",
        &["The link is not valid any more: it may have been used already, have expired, or be incomplete."],
    );
    render(state, StatusCode::NOT_FOUND, path, &notice).await
}

async fn failed(state: &WebState, error: quire_app::Error, path: &str) -> Response {
    match error {
        quire_app::Error::NotFound => link_not_valid(state, path).await,
        other => error_page(state, other.into(), path).await,
    }
}

fn refused_cross_site() -> Response {
    plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.")
}

/// `GET /comments/subscriptions/confirm?token=…`: asks to confirm; changes nothing.
pub async fn confirm_page(
    State(state): State<WebState>,
    params: Result<Query<TokenParams>, QueryRejection>,
) -> Response {
    let token = params.map(|Query(p)| p.token).unwrap_or_default();
    match state.app.subscription_to_confirm(&token).await {
        Ok(target) => {
            let title = target.post_title.clone().unwrap_or_default();
            let notice = Notice::new(
                "Confirm your subscription",
                &[&format!("Send new comments on “{title}” to your email address?")],
            )
            .button(CONFIRM_PATH, "Yes, send me new comments", &token);
            render(&state, StatusCode::OK, CONFIRM_PATH, &notice).await
        }
        Err(e) => failed(&state, e, CONFIRM_PATH).await,
    }
}

/// `POST /comments/subscriptions/confirm`: confirms.
pub async fn confirm(
    State(state): State<WebState>,
    headers: HeaderMap,
    form: Result<Form<TokenParams>, FormRejection>,
) -> Response {
    if cross_site(&state, &headers) {
        return refused_cross_site();
    }
    let token = form.map(|Form(f)| f.token).unwrap_or_default();
    match state.app.confirm_subscription(&token).await {
        Ok(target) => {
            let title = target.post_title.clone().unwrap_or_default();
            let notice = Notice::new(
                "Subscription confirmed",
                &[&format!(
                    "You will get an email when a new comment on “{title}” is published. Every such email has a link to stop them."
                )],
            )
            .back_to(&target);
            render(&state, StatusCode::OK, CONFIRM_PATH, &notice).await
        }
        Err(e) => failed(&state, e, CONFIRM_PATH).await,
    }
}

fn unsubscribe_words(target: &SubscriptionTarget) -> String {
    match (&target.post_title, target.author) {
        (_, true) => "comment notifications for the posts you wrote".into(),
        (Some(title), false) => format!("new comments on “{title}”"),
        (None, false) => "these emails".into(),
    }
}

/// `GET /comments/subscriptions/unsubscribe?token=…`: asks to unsubscribe; changes nothing.
pub async fn unsubscribe_page(
    State(state): State<WebState>,
    params: Result<Query<TokenParams>, QueryRejection>,
) -> Response {
    let token = params.map(|Query(p)| p.token).unwrap_or_default();
    match state.app.unsubscribe_target(&token).await {
        Ok(target) => {
            let notice = Notice::new(
                "Unsubscribe",
                &[&format!("Stop sending {} to your email address?", unsubscribe_words(&target))],
            )
            .button(UNSUBSCRIBE_PATH, "Unsubscribe", &token)
            .back_to(&target);
            render(&state, StatusCode::OK, UNSUBSCRIBE_PATH, &notice).await
        }
        Err(e) => failed(&state, e, UNSUBSCRIBE_PATH).await,
    }
}

/// Reads the unsubscribe POST body: the token (from the page's form) and whether it is RFC 8058's
/// one-click request, which may come form-encoded or as multipart/form-data.
fn read_unsubscribe_body(headers: &HeaderMap, body: &[u8]) -> (Option<String>, bool) {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let text = String::from_utf8_lossy(body);
        let one_click = text.contains("name=\"List-Unsubscribe\"") && text.contains("One-Click");
        return (None, one_click);
    }
    let mut token = None;
    let mut one_click = false;
    for (name, value) in url::form_urlencoded::parse(body) {
        match name.as_ref() {
            "token" => token = Some(value.into_owned()),
            "List-Unsubscribe" => one_click = value == "One-Click",
            _ => {}
        }
    }
    (token, one_click)
}

/// `POST /comments/subscriptions/unsubscribe[?token=…]`: unsubscribes, from the page's button or
/// from a mail provider's one-click POST (RFC 8058).
pub async fn unsubscribe(
    State(state): State<WebState>,
    headers: HeaderMap,
    params: Result<Query<TokenParams>, QueryRejection>,
    body: bytes::Bytes,
) -> Response {
    let (form_token, one_click) = read_unsubscribe_body(&headers, &body);
    if !one_click && cross_site(&state, &headers) {
        return refused_cross_site();
    }
    let token =
        form_token.filter(|t| !t.is_empty()).unwrap_or_else(|| params.map(|Query(p)| p.token).unwrap_or_default());
    match state.app.unsubscribe(&token).await {
        Ok(target) => {
            let words = unsubscribe_words(&target);
            let notice =
                Notice::new("Unsubscribed", &[&format!("You will not get {words} any more.")]).back_to(&target);
            render(&state, StatusCode::OK, UNSUBSCRIBE_PATH, &notice).await
        }
        Err(e) => failed(&state, e, UNSUBSCRIBE_PATH).await,
    }
}

fn my_data_form(error: Option<String>) -> Notice {
    let mut notice = Notice::new(
        "Your data",
        &[
            "Did you comment here? You can download everything this site stores about your email address — your comments and subscriptions — or have it deleted.",
            "Give the address you commented with; we will send the links there.",
        ],
    );
    notice.form = Some(NoticeForm {
        action: MY_DATA_PATH,
        button: "Send me the links",
        email: true,
        error,
        ..Default::default()
    });
    notice
}

/// `GET /comments/my-data`: the form asking for an email address.
pub async fn my_data_page(State(state): State<WebState>) -> Response {
    render(&state, StatusCode::OK, MY_DATA_PATH, &my_data_form(None)).await
}

/// `POST /comments/my-data`: queues the mail with the links; answers the same for every address.
pub async fn my_data_request(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<EmailForm>, FormRejection>,
) -> Response {
    if cross_site(&state, &headers) {
        return refused_cross_site();
    }
    let email = form.map(|Form(f)| f.email).unwrap_or_default();
    match state.app.request_reader_data(&email, Some(peer.ip())).await {
        Ok(()) => {
            let notice = Notice::new(
                "Check your mail",
                &[
                    "If this site holds anything about that address, we have sent it a mail with two links: one to download the data, one to delete it.",
                    "The links work for 24 hours. Nothing arrives? Then we hold nothing about that address (or look in the spam folder).",
                ],
            );
            render(&state, StatusCode::OK, MY_DATA_PATH, &notice).await
        }
        Err(DataRequestError::Invalid(message)) => {
            render(&state, StatusCode::BAD_REQUEST, MY_DATA_PATH, &my_data_form(Some(message))).await
        }
        Err(DataRequestError::RateLimited(wait)) => {
            let message = DataRequestError::RateLimited(wait).to_string();
            let mut response =
                render(&state, StatusCode::TOO_MANY_REQUESTS, MY_DATA_PATH, &my_data_form(Some(message))).await;
            if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(DataRequestError::MailOff) => {
            let notice = Notice::new("Your data", &[&DataRequestError::MailOff.to_string()]);
            render(&state, StatusCode::SERVICE_UNAVAILABLE, MY_DATA_PATH, &notice).await
        }
        Err(DataRequestError::Internal(e)) => error_page(&state, e.into(), MY_DATA_PATH).await,
    }
}

/// `GET /comments/my-data/export?token=…`: the data as a JSON download.
pub async fn my_data_export(
    State(state): State<WebState>,
    params: Result<Query<TokenParams>, QueryRejection>,
) -> Response {
    let token = params.map(|Query(p)| p.token).unwrap_or_default();
    match state.app.export_reader_data(&token).await {
        Ok(data) => {
            let body = serde_json::to_string_pretty(&data).unwrap_or_default();
            (
                [
                    (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"my-comments.json\""),
                    (header::CACHE_CONTROL, "no-store"),
                    (header::REFERRER_POLICY, "no-referrer"),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => failed(&state, e, EXPORT_PATH).await,
    }
}

/// `GET /comments/my-data/delete?token=…`: asks to confirm the deletion; changes nothing.
pub async fn my_data_delete_page(
    State(state): State<WebState>,
    params: Result<Query<TokenParams>, QueryRejection>,
) -> Response {
    let token = params.map(|Query(p)| p.token).unwrap_or_default();
    match state.app.erase_target(&token) {
        Ok(email) => {
            let notice = Notice::new(
                "Delete your data",
                &[
                    &format!("Delete everything this site stores about {email}?"),
                    "Your comments are removed. A comment that others replied to keeps its place so their replies still make sense, but it loses your name, email, website and text. Your subscriptions end. This cannot be undone.",
                ],
            )
            .button(DELETE_PATH, "Delete my data", &token);
            render(&state, StatusCode::OK, DELETE_PATH, &notice).await
        }
        Err(e) => failed(&state, e, DELETE_PATH).await,
    }
}

/// `POST /comments/my-data/delete`: erases.
pub async fn my_data_delete(
    State(state): State<WebState>,
    headers: HeaderMap,
    form: Result<Form<TokenParams>, FormRejection>,
) -> Response {
    if cross_site(&state, &headers) {
        return refused_cross_site();
    }
    let token = form.map(|Form(f)| f.token).unwrap_or_default();
    match state.app.erase_reader_data(&token).await {
        Ok(erased) => {
            let notice = Notice::new(
                "Your data is deleted",
                &[&format!(
                    "Comments removed: {}. Comments kept as “deleted” because others replied: {}. Subscriptions ended: {}.",
                    erased.removed, erased.anonymised, erased.subscriptions
                )],
            );
            render(&state, StatusCode::OK, DELETE_PATH, &notice).await
        }
        Err(e) => failed(&state, e, DELETE_PATH).await,
    }
}
