//! Sign-in with outside accounts: `/auth/<id>/start` and `/auth/<id>/callback`, email links
//! (`/auth/email/start`, `/auth/email/confirm`: the GET shows a button, only the POST signs in),
//! and the reader's "Log out". Whatever goes wrong, the reader lands back on the post with their
//! comment text kept (stashed server-side under the draft cookie) and a message above the form.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_app::identity::{
    AuthError, BINDING_COOKIE, Callback, DRAFT_COOKIE, DRAFT_MINUTES, Draft, Finished, Purpose, READER_COOKIE,
    READER_DAYS, ReaderView, Start, local_path,
};
use quire_app::{PostPage, identity::ProviderButton};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::admin::session::{cookie, session_cookie};
use crate::csrf::cross_site;
use crate::error::{AppError, plain};
use crate::pages::error_page;
use crate::{WebState, seo};

/// The email-link confirmation path.
pub use quire_app::identity::email_link::CONFIRM_PATH;

fn secure(state: &WebState) -> &'static str {
    if state.app.config().site_url().starts_with("https://") { "; Secure" } else { "" }
}

fn set_cookie(state: &WebState, name: &str, value: &str, path: &str, max_age: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        secure(state)
    ))
    .ok()
}

fn see_other(to: &str, cookies: impl IntoIterator<Item = Option<HeaderValue>>) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/"));
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The callback's URL holds a code; the next site must not see it in a Referer.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    for value in cookies.into_iter().flatten() {
        headers.append(header::SET_COOKIE, value);
    }
    response
}

/// The comment form's fields a sign-in button sends along (kept as the draft), plus the
/// Mastodon instance and the email-link address.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartFields {
    comment: String,
    author: String,
    email: String,
    url: String,
    #[serde(rename = "comment_post_ID")]
    comment_post_id: String,
    /// Mastodon: the reader's instance.
    instance: String,
    /// Email sign-in: the address to send the link to.
    signin_email: String,
    /// Where to come back to, when not under a post.
    return_to: String,
}

/// `?for=admin` (staff sign-in) and `?return_to=` of a GET start.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartQuery {
    r#for: String,
    return_to: String,
    instance: String,
}

/// Keeps what the form held and works out where to come back to.
async fn keep_draft(state: &WebState, headers: &HeaderMap, fields: &StartFields) -> (String, Option<String>) {
    let post_id: i64 = fields.comment_post_id.trim().parse().unwrap_or(0);
    let back = match state.app.post_url_of(post_id).await {
        Some(path) => format!("{path}#respond"),
        None => local_path(&fields.return_to),
    };
    if post_id == 0 {
        return (back, None);
    }
    let draft = Draft {
        post_id,
        comment: fields.comment.clone(),
        author: fields.author.clone(),
        email: fields.email.clone(),
        url: fields.url.clone(),
        notice: None,
    };
    match state.app.stash_draft(cookie(headers, DRAFT_COOKIE), &draft).await {
        Ok(secret) => (back, Some(secret)),
        Err(e) => {
            tracing::error!(error = %e, "could not keep a comment draft");
            (back, cookie(headers, DRAFT_COOKIE).map(str::to_string))
        }
    }
}

/// Back to `to` with `error` shown above the comment form (admin paths get a page instead);
/// `draft` is the draft cookie's value (just made, or the browser's).
async fn back_with(state: &WebState, draft: Option<&str>, to: &str, error: AuthError) -> Response {
    if let AuthError::Internal(e) = &error {
        tracing::error!(error = %e, "sign-in failed");
    }
    let message = match &error {
        AuthError::Internal(_) => {
            "Signing in failed because of an error on our side. You can still comment as a guest.".to_string()
        }
        other => other.to_string(),
    };
    if to.starts_with("/admin") {
        let status = match error {
            AuthError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            AuthError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        return notice_page(state, status, "Sign-in did not work", &message, Some(("Back", to))).await;
    }
    let draft_cookie = match state.app.note_on_draft(draft, &message).await {
        Ok(secret) => set_cookie(state, DRAFT_COOKIE, &secret, "/", DRAFT_MINUTES * 60),
        Err(e) => {
            tracing::error!(error = %e, "could not keep the sign-in notice");
            None
        }
    };
    see_other(to, [draft_cookie])
}

async fn notice_page(
    state: &WebState,
    status: StatusCode,
    heading: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> Response {
    let notice = json!({
        "heading": heading,
        "paragraphs": [message],
        "form": null,
        "link": link.map(|(label, url)| json!({ "label": label, "url": url })),
    });
    let rendered = match state.app.site_view().await {
        Ok(site) => {
            let meta = seo::for_error(&site, heading, "/auth/");
            let context = json!({ "site": site, "meta": meta, "notice": notice, "request_path": "/auth/" });
            state.theme.render("notice.html", context).map_err(AppError::from)
        }
        Err(e) => Err(e.into()),
    };
    match rendered {
        Ok(html) => {
            let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => error_page(state, e, "/auth/").await,
    }
}

async fn start(state: &WebState, start: Start, draft: Option<String>) -> Response {
    let back = start.return_to.clone();
    match state.app.start_sign_in(start).await {
        Ok(started) => {
            let draft_cookie = draft.and_then(|d| set_cookie(state, DRAFT_COOKIE, &d, "/", DRAFT_MINUTES * 60));
            let binding = set_cookie(state, BINDING_COOKIE, &started.binding, "/auth", 600);
            see_other(&started.redirect, [draft_cookie, binding])
        }
        Err(error) => back_with(state, draft.as_deref(), &back, error).await,
    }
}

/// `POST /auth/<id>/start`: a sign-in button under the comment form (the form's text is kept).
pub async fn start_post(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<StartFields>,
) -> Response {
    if cross_site(&state, &headers) {
        return plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.");
    }
    let (back, draft) = keep_draft(&state, &headers, &fields).await;
    let request = Start {
        provider,
        return_to: back,
        purpose: Purpose::Comment,
        instance: Some(fields.instance.clone()).filter(|i| !i.trim().is_empty()),
        ip: Some(peer.ip()),
    };
    start(&state, request, draft).await
}

/// `GET /auth/<id>/start[?for=admin]`: a sign-in link (the admin's sign-in page, or no form).
pub async fn start_get(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Query(query): Query<StartQuery>,
) -> Response {
    let (purpose, return_to) = if query.r#for == "admin" {
        (Purpose::Admin, "/admin/".to_string())
    } else {
        (Purpose::Comment, local_path(&query.return_to))
    };
    let request = Start {
        provider,
        return_to,
        purpose,
        instance: Some(query.instance).filter(|i| !i.trim().is_empty()),
        ip: Some(peer.ip()),
    };
    start(&state, request, cookie(&headers, DRAFT_COOKIE).map(str::to_string)).await
}

/// What a provider sends back.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    state: String,
    code: Option<String>,
    error: Option<String>,
}

/// `GET /auth/<id>/callback`.
pub async fn callback(
    State(state): State<WebState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let draft = cookie(&headers, DRAFT_COOKIE).map(str::to_string);
    let back = match state.app.sign_in_return_path(&query.state).await {
        Some(path) => path,
        // A used or unknown state: back to the post whose text is kept, if any.
        None => match draft.as_deref() {
            Some(d) => match state.app.draft(d).await.ok().flatten() {
                Some(kept) => state.app.post_url_of(kept.post_id).await.map(|p| format!("{p}#respond")),
                None => None,
            },
            None => None,
        }
        .unwrap_or_else(|| "/".into()),
    };
    let callback = Callback {
        provider,
        state: query.state,
        code: query.code,
        error: query.error,
        binding: cookie(&headers, BINDING_COOKIE).map(str::to_string),
    };
    let clear_binding = set_cookie(&state, BINDING_COOKIE, "", "/auth", 0);
    match state.app.finish_sign_in(callback).await {
        Ok(finished) => signed_in(&state, finished, clear_binding),
        Err(error) => {
            let mut response = back_with(&state, draft.as_deref(), &back, error).await;
            if let Some(value) = clear_binding {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
    }
}

fn signed_in(state: &WebState, finished: Finished, extra: Option<HeaderValue>) -> Response {
    match finished.purpose {
        Purpose::Comment => {
            let reader = state.app.reader_cookie(finished.identity.id);
            let reader = set_cookie(state, READER_COOKIE, &reader, "/", READER_DAYS * 86_400);
            see_other(&finished.return_to, [reader, extra])
        }
        Purpose::Admin => {
            let session = finished.staff_session.as_deref().and_then(|s| session_cookie(state, s));
            see_other("/admin/", [session, extra])
        }
        Purpose::Link { .. } => see_other("/admin/account?linked=1", [extra]),
    }
}

/// `POST /auth/email/start`: mails a one-time sign-in link.
pub async fn email_start(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<StartFields>,
) -> Response {
    if cross_site(&state, &headers) {
        return plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.");
    }
    let (back, draft) = keep_draft(&state, &headers, &fields).await;
    let address = if fields.signin_email.trim().is_empty() { &fields.email } else { &fields.signin_email };
    let outcome = match state.app.request_email_link(address, &back, Some(peer.ip())).await {
        Ok(()) => AuthError::Invalid(format!(
            "We sent a sign-in link to {}. It works once, for 15 minutes; your comment is kept here meanwhile.",
            address.trim()
        )),
        Err(error) => error,
    };
    back_with(&state, draft.as_deref(), &back, outcome).await
}

/// `?token=…` or the confirmation form's field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenField {
    token: String,
}

/// `GET /auth/email/confirm?token=…`: a page with a button; nothing is used up.
pub async fn email_confirm_page(State(state): State<WebState>, Query(query): Query<TokenField>) -> Response {
    match state.app.email_link_email(query.token.trim()).await {
        Ok(Some(email)) => {
            let context_form = json!({ "token": query.token.trim(), "email": email });
            let rendered = match state.app.site_view().await {
                Ok(site) => {
                    let meta = seo::for_error(&site, "Sign in", CONFIRM_PATH);
                    let context =
                        json!({ "site": site, "meta": meta, "confirm": context_form, "request_path": CONFIRM_PATH });
                    state.theme.render("auth-confirm.html", context).map_err(AppError::from)
                }
                Err(e) => Err(e.into()),
            };
            match rendered {
                Ok(html) => {
                    let mut response =
                        (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
                    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
                    response
                }
                Err(e) => error_page(&state, e, CONFIRM_PATH).await,
            }
        }
        Ok(None) => {
            let message =
                "This sign-in link was already used or has expired; ask for a new one under the comment form.";
            notice_page(&state, StatusCode::NOT_FOUND, "This link does not work", message, Some(("Home", "/"))).await
        }
        Err(e) => error_page(&state, e.into(), CONFIRM_PATH).await,
    }
}

/// `POST /auth/email/confirm`: uses the token up and signs the reader in.
pub async fn email_confirm(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<TokenField>,
) -> Response {
    if cross_site(&state, &headers) {
        return plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.");
    }
    match state.app.confirm_email_link(form.token.trim()).await {
        Ok(finished) => signed_in(&state, finished, None),
        Err(AuthError::Internal(e)) => error_page(&state, e.into(), CONFIRM_PATH).await,
        Err(error) => {
            notice_page(
                &state,
                StatusCode::NOT_FOUND,
                "This link does not work",
                &error.to_string(),
                Some(("Home", "/")),
            )
            .await
        }
    }
}

/// The "Log out" form of a signed-in reader.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogoutFields {
    redirect_to: String,
}

/// `POST /auth/logout`: this browser forgets the reader's outside account.
pub async fn logout(State(state): State<WebState>, headers: HeaderMap, Form(form): Form<LogoutFields>) -> Response {
    if cross_site(&state, &headers) {
        return plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.");
    }
    see_other(&local_path(&form.redirect_to), [set_cookie(&state, READER_COOKIE, "", "/", 0)])
}

/// The per-reader part of the comment form: who is signed in, and a kept draft with its notice.
#[derive(Debug, Default)]
pub struct ReaderBits {
    /// The signed-in reader.
    pub reader: Option<ReaderView>,
    /// A kept draft (and the draft cookie naming it).
    pub draft: Option<(String, Draft)>,
}

/// Reads the reader and draft cookies.
pub async fn reader_bits(state: &WebState, headers: &HeaderMap) -> ReaderBits {
    let mut bits = ReaderBits::default();
    if let Some(value) = cookie(headers, READER_COOKIE).filter(|v| !v.is_empty()) {
        match state.app.reader_identity(value).await {
            Ok(Some(identity)) => bits.reader = Some(state.app.reader_view(&identity).await),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "reader identity lookup failed"),
        }
    }
    if let Some(value) = cookie(headers, DRAFT_COOKIE).filter(|v| !v.is_empty()) {
        match state.app.draft(value).await {
            Ok(Some(draft)) => bits.draft = Some((value.to_string(), draft)),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "draft lookup failed"),
        }
    }
    bits
}

/// The template context of the sign-in part of a post: provider buttons, the signed-in reader,
/// whether email links work. Fills a kept draft into the form (and shows its notice once).
pub async fn context(state: &WebState, page: &mut PostPage, bits: &ReaderBits) -> Value {
    let buttons: Vec<ProviderButton> = match state.app.provider_buttons().await {
        Ok(buttons) => buttons,
        Err(e) => {
            tracing::error!(error = %e, "sign-in providers could not be listed");
            Vec::new()
        }
    };
    if let (Some(form), Some((secret, draft))) = (page.form.as_mut(), &bits.draft)
        && (draft.post_id == 0 || draft.post_id == form.post_id)
    {
        if form.values.comment.is_empty() && draft.post_id == form.post_id {
            form.values.comment = draft.comment.clone();
            form.values.author = draft.author.clone();
            form.values.email = draft.email.clone();
            form.values.url = draft.url.clone();
        }
        if let Some(notice) = &draft.notice {
            form.message = Some(notice.clone());
            let shown = Draft { notice: None, ..draft.clone() };
            if let Err(e) = state.app.stash_draft(Some(secret), &shown).await {
                tracing::error!(error = %e, "could not clear a shown sign-in notice");
            }
        }
    }
    if let (Some(form), Some(reader)) = (page.form.as_mut(), &bits.reader) {
        if form.values.author.is_empty() {
            form.values.author = reader.name.clone();
        }
        if form.values.email.is_empty() {
            form.values.email = reader.email.clone().unwrap_or_default();
        }
    }
    json!({
        "providers": buttons,
        "email_links": state.app.mail_enabled(),
        "reader": bits.reader,
    })
}
