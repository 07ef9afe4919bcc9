//! `POST /comments` (and WordPress's `wp-comments-post.php`): a reader leaves a reply. Works as a
//! plain form (303 back to the comment's anchor) and for the enhanced form (JSON). A refused
//! comment re-renders the post with the reader's text kept and each problem next to its field.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_app::comments::{Accepted, GuestCookie, Submission, SubmitError};
use quire_app::reading::{ReaderQuery, Resolved};
use quire_app::{CommentFormValues, CommentView, GuestView, PostPage, ReplyTarget};
use quire_core::policy::{RawCommentForm, TimingError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::csrf::cross_site;
use crate::error::{AppError, plain};
use crate::theme::RenderError;
use crate::{WebState, seo};

/// Name of the guest cookie.
pub const GUEST_COOKIE: &str = "quire_guest";

/// The comment form's fields, named as WordPress names them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommentFields {
    comment: String,
    author: String,
    email: String,
    url: String,
    #[serde(rename = "comment_post_ID")]
    comment_post_id: String,
    comment_parent: String,
    /// The signed form token.
    quire_token: String,
    /// The honeypot: a field people never see or fill.
    quire_hp: String,
    /// The proof of work `pow.js` found, in "under attack" mode.
    quire_pow: String,
    subscribe: Option<String>,
    #[serde(rename = "wp-comment-cookies-consent")]
    remember: Option<String>,
}

/// The genuine guest cookie a request carries, if any.
pub fn guest_of(state: &WebState, headers: &HeaderMap) -> Option<GuestCookie> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == GUEST_COOKIE)
        .and_then(|(_, value)| GuestCookie::open(&state.app.keys().guest, value))
}

fn guest_cookie_header(state: &WebState, guest: &GuestCookie) -> Option<HeaderValue> {
    let secure = if state.app.config().site_url().starts_with("https://") { "; Secure" } else { "" };
    // Remembered details live a year (the reader asked); the bare id lives for the browser session.
    let max_age = if guest.remembers() { "; Max-Age=31536000" } else { "" };
    HeaderValue::from_str(&format!(
        "{GUEST_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{max_age}{secure}",
        guest.seal(&state.app.keys().guest)
    ))
    .ok()
}

/// The outside account a reader signed in with, from the reader cookie.
async fn reader_identity(state: &WebState, headers: &HeaderMap) -> Option<quire_store::Identity> {
    let value = crate::admin::session::cookie(headers, quire_app::identity::READER_COOKIE)?;
    match state.app.reader_identity(value).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "reader identity lookup failed");
            None
        }
    }
}

/// Whether the client asked for JSON (the enhanced form) rather than a page.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"))
}

/// Fills in the parts of the form that depend on the request: the reply target, a signed-in
/// staff member's name and email, and for a returning guest a real token, their remembered details
/// and their own pending comments.
pub async fn prepare_form(
    state: &WebState,
    page: &mut PostPage,
    query: &ReaderQuery,
    guest: Option<&GuestCookie>,
    staff: Option<&quire_core::User>,
) -> Result<(), AppError> {
    let comments = page.comments.clone();
    let Some(form) = page.form.as_mut() else { return Ok(()) };
    if let Some(id) = query.reply_to {
        form.reply_to = comments.iter().find(|c| c.id == id).map(|c| ReplyTarget { id, name: c.author_name.clone() });
    }
    if let Some(user) = staff {
        form.values.author = user.name.clone();
        form.values.email = user.email.to_string();
    }
    if let Some(guest) = guest {
        form.token = state.app.form_token(form.post_id);
        if let (Some(name), true) = (&guest.name, guest.remembers()) {
            form.guest = Some(GuestView {
                name: name.clone(),
                email: guest.email.clone().unwrap_or_default(),
                url: guest.url.clone().unwrap_or_default(),
            });
            form.values.author = name.clone();
            form.values.email = guest.email.clone().unwrap_or_default();
            form.values.url = guest.url.clone().unwrap_or_default();
            form.values.remember = true;
        }
        let own = state.app.own_comments(form.post_id, guest).await?;
        for comment in &mut page.comments {
            comment.editable = own.editable.contains(&comment.id);
        }
        let pending: Vec<_> = own.pending.into_iter().filter(|c| page.places(c)).collect();
        if !pending.is_empty() {
            page.comments.extend(pending);
            page.comments.sort_by(|a, b| a.path.cmp(&b.path));
        }
    }
    Ok(())
}

/// An RFC 9457 problem: `title` for the whole form, `errors` per field name, and `token` when the
/// form can only be sent again with a fresh one.
pub fn problem(
    status: StatusCode,
    title: &str,
    errors: &std::collections::BTreeMap<String, String>,
    token: Option<String>,
) -> Response {
    #[derive(Serialize)]
    struct Problem<'a> {
        r#type: &'static str,
        title: &'a str,
        status: u16,
        errors: &'a std::collections::BTreeMap<String, String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    }
    let body = Problem { r#type: "about:blank", title, status: status.as_u16(), errors, token };
    let body = serde_json::to_string(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
}

/// One comment as its thread shows it, closed, rendered by the theme's own partial so that what
/// the script inserts is what a reload would show.
pub fn comment_fragment(state: &WebState, comment: &CommentView, can_reply: bool) -> Result<String, RenderError> {
    state.theme.render(
        "partials/comment.html",
        json!({ "comment": comment, "level": comment.depth, "can_reply": can_reply, "close": true }),
    )
}

/// The enhanced form's answer to an accepted comment: what the page needs to show it in place.
/// Without the fragment (it could not be built) the script falls back to loading `url`.
#[derive(Debug, Serialize)]
struct PostedAnswer<'a> {
    #[serde(flatten)]
    accepted: &'a Accepted,
    parent_id: Option<i64>,
    count: Option<u64>,
    count_text: Option<String>,
    html: Option<String>,
    token: Option<String>,
}

async fn posted_answer<'a>(state: &WebState, accepted: &'a Accepted) -> PostedAnswer<'a> {
    let mut answer = PostedAnswer { accepted, parent_id: None, count: None, count_text: None, html: None, token: None };
    match state.app.posted(accepted).await {
        Ok(posted) => {
            let count = json!({ "n": posted.count, "title": posted.post_title });
            answer.parent_id = posted.parent_id;
            answer.count = Some(posted.count);
            answer.count_text = state.theme.render("partials/comments-count.html", count).ok();
            answer.html = comment_fragment(state, &posted.view, true).ok();
            answer.token = Some(state.app.form_token(posted.post_id));
        }
        Err(e) => tracing::error!(error = %e, "could not build the posted comment's fragment"),
    }
    answer
}

/// `POST /comments`.
pub async fn create(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<CommentFields>, axum::extract::rejection::FormRejection>,
) -> Response {
    if cross_site(&state, &headers) {
        return plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.");
    }
    let Ok(Form(fields)) = form else {
        return plain(StatusCode::BAD_REQUEST, "The comment form could not be read (it must be UTF-8 form data).");
    };
    let guest = guest_of(&state, &headers);
    let staff = crate::admin::session::staff_of(&state, &headers).await.map(|s| s.user);
    let raw = RawCommentForm {
        comment: fields.comment.clone(),
        author: fields.author.clone(),
        email: fields.email.clone(),
        url: fields.url.clone(),
        parent: fields.comment_parent.clone(),
    };
    let submission = Submission {
        form: raw,
        post_id: fields.comment_post_id.clone(),
        token: fields.quire_token.clone(),
        honeypot: fields.quire_hp.clone(),
        notify: fields.subscribe.is_some(),
        remember: fields.remember.is_some(),
        guest,
        ip: Some(peer.ip()),
        user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string),
        referrer: headers.get(header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_string),
        proof_of_work: fields.quire_pow.clone(),
        staff,
        identity: reader_identity(&state, &headers).await,
    };
    match state.app.submit_comment(submission).await {
        Ok(accepted) => {
            let cookie = guest_cookie_header(&state, &accepted.guest);
            let mut response = if wants_json(&headers) {
                (StatusCode::CREATED, axum::Json(posted_answer(&state, &accepted).await)).into_response()
            } else {
                let location = HeaderValue::from_str(&accepted.url).unwrap_or(HeaderValue::from_static("/"));
                (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
            };
            if let Some(cookie) = cookie {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            // The comment is in: a draft kept during an outside sign-in is done with.
            if let Some(draft) = crate::admin::session::cookie(&headers, quire_app::identity::DRAFT_COOKIE) {
                if let Err(e) = state.app.drop_draft(draft).await {
                    tracing::error!(error = %e, "could not forget a comment draft");
                }
                let clear = HeaderValue::from_static("quire_draft=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
                response.headers_mut().append(header::SET_COOKIE, clear);
            }
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => refused(&state, &headers, fields, error).await,
    }
}

fn status_of(error: &SubmitError) -> StatusCode {
    match error {
        SubmitError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        SubmitError::UnknownPost => StatusCode::NOT_FOUND,
        SubmitError::Rejected(
            quire_core::policy::RejectReason::Closed | quire_core::policy::RejectReason::ClosedAfterDays(_),
        ) => StatusCode::FORBIDDEN,
        SubmitError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// Answers a refused comment: the post again with the form filled in and the reasons shown.
async fn refused(state: &WebState, headers: &HeaderMap, fields: CommentFields, error: SubmitError) -> Response {
    let status = status_of(&error);
    // Other refusals are counted and logged by `submit_comment`, with their reason.
    if let SubmitError::Internal(e) = &error {
        tracing::error!(error = %e, "comment submission failed");
    }
    let retry_after = match &error {
        SubmitError::RateLimited(wait) => Some(*wait),
        _ => None,
    };
    let mut errors = std::collections::BTreeMap::new();
    let message = match &error {
        SubmitError::Invalid(list) => {
            for e in list {
                errors.insert(e.field.as_str().to_string(), e.message.clone());
            }
            Some("Please correct the marked fields; your comment is kept below.".to_string())
        }
        SubmitError::Internal(_) => {
            Some("Your comment could not be saved because of an error on our side; it is kept below.".into())
        }
        other => Some(other.to_string()),
    };
    let mut response = if wants_json(headers) {
        // A forged or expired token cannot be sent again; the script swaps in the fresh one.
        let stale = matches!(error, SubmitError::BadToken | SubmitError::Timing(TimingError::Expired));
        let token = fields.comment_post_id.trim().parse().ok().filter(|_| stale).map(|post| state.app.form_token(post));
        problem(status, &message.clone().unwrap_or_default(), &errors, token)
    } else {
        match rerender(state, headers, &fields, errors, message.clone()).await {
            Some(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
            None => plain(status, &message.unwrap_or_default()),
        }
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(wait) = retry_after.and_then(|w| HeaderValue::from_str(&w.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, wait);
    }
    response
}

async fn rerender(
    state: &WebState,
    headers: &HeaderMap,
    fields: &CommentFields,
    errors: std::collections::BTreeMap<String, String>,
    message: Option<String>,
) -> Option<String> {
    let post_id: i64 = fields.comment_post_id.trim().parse().ok()?;
    let post = state.app.store().post(quire_core::PostId(post_id)).await.ok()??;
    let path = state.app.post_path(&post, &*state.app.settings().await);
    let query = ReaderQuery {
        reply_to: fields.comment_parent.trim().parse().ok().filter(|n: &i64| *n > 0),
        ..Default::default()
    };
    let Resolved::Post(mut page) = state.app.resolve(&path, &query).await.ok()? else { return None };
    let guest = guest_of(state, headers);
    prepare_form(state, &mut page, &query, guest.as_ref(), None).await.ok()?;
    // Without a form (comments closed) there is nowhere to show the text: answer in plain words.
    page.form.as_ref()?;
    if let Some(form) = page.form.as_mut() {
        form.token = state.app.form_token(post_id);
        form.values = CommentFormValues {
            comment: fields.comment.clone(),
            author: fields.author.clone(),
            email: fields.email.clone(),
            url: fields.url.clone(),
            notify: fields.subscribe.is_some(),
            remember: fields.remember.is_some(),
        };
        form.errors = errors;
        form.message = message;
    }
    let bits = crate::auth::ReaderBits {
        reader: match reader_identity(state, headers).await {
            Some(identity) => Some(state.app.reader_view(&identity).await),
            None => None,
        },
        draft: None,
    };
    let auth = crate::auth::context(state, &mut page, &bits).await;
    let site = state.app.site_view().await.ok()?;
    let meta = seo::for_post(&site, &page);
    let context = json!({ "site": site, "meta": meta, "page": page, "request_path": path, "auth": auth });
    state.theme.render("post.html", context).ok()
}

/// The form behind a remembered guest's "Log out".
#[derive(Debug, Deserialize)]
pub struct ForgetFields {
    /// Where to go afterwards: a path on this site.
    #[serde(default)]
    redirect_to: String,
}

/// `POST /comments/forget`: this browser forgets the guest (the cookie is cleared); their
/// comments stay as they are.
pub async fn forget(
    State(state): State<WebState>,
    headers: HeaderMap,
    form: Result<Form<ForgetFields>, axum::extract::rejection::FormRejection>,
) -> Response {
    if cross_site(&state, &headers) {
        return plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.");
    }
    let target = form.map(|Form(f)| f.redirect_to).unwrap_or_default();
    // Only a path on this site: never `//elsewhere` or a full URL (an open redirect).
    let target = if target.starts_with('/') && !target.starts_with("//") && !target.contains('\\') {
        target
    } else {
        "/".to_string()
    };
    let location = HeaderValue::from_str(&target).unwrap_or(HeaderValue::from_static("/"));
    let clear = HeaderValue::from_static("quire_guest=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::SET_COOKIE, clear),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}
