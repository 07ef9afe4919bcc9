//! Signing in and out, first-run set-up, and the account page. Thin: read the form, call the
//! account use case, answer with a redirect, a cookie, or the form again with a plain message.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use quire_app::accounts::setup::FirstAdmin;
use quire_app::accounts::{AccountError, PasswordChange, SignIn, StaffSession, new_secret};
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::{
    PREAUTH_COOKIE, SESSION_COOKIE, Staff, clear_session_cookie, cookie, preauth_cookie, safe_next, session_cookie,
    staff_of,
};
use super::{AdminError, render};
use crate::WebState;

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The pre-sign-in cookie's value and its form token; a new cookie to set when there was none.
pub(super) fn preauth(state: &WebState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    let (secret, set) = match cookie(headers, PREAUTH_COOKIE).filter(|c| !c.is_empty() && c.len() <= 100) {
        Some(existing) => (existing.to_string(), None),
        None => {
            let fresh = new_secret();
            let set = preauth_cookie(state, &fresh);
            (fresh, set)
        }
    };
    (state.app.csrf_token(&format!("pre:{secret}")), set)
}

pub(super) fn with_cookies(mut response: Response, cookies: impl IntoIterator<Item = Option<HeaderValue>>) -> Response {
    for value in cookies.into_iter().flatten() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Status of a refused account action, and the seconds to wait for a throttled one.
fn status_of(error: &AccountError) -> (StatusCode, Option<u32>) {
    match error {
        AccountError::BadCredentials | AccountError::Deactivated | AccountError::WrongPassword => {
            (StatusCode::UNAUTHORIZED, None)
        }
        AccountError::Throttled(wait) => (StatusCode::TOO_MANY_REQUESTS, Some(*wait)),
        AccountError::BadSetupToken => (StatusCode::FORBIDDEN, None),
        AccountError::AlreadySetUp => (StatusCode::NOT_FOUND, None),
        AccountError::Invalid(_) => (StatusCode::BAD_REQUEST, None),
        AccountError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, None),
    }
}

/// The form again with the reason, or the error page for failures that are not the form's.
async fn refused(
    state: &WebState,
    error: AccountError,
    template: &str,
    session: Option<&StaffSession>,
    mut page: Value,
) -> Response {
    if let AccountError::Internal(e) = &error {
        return AdminError::Internal(e.to_string()).into_response();
    }
    let (status, wait) = status_of(&error);
    if let Some(map) = page.as_object_mut() {
        map.insert("message".into(), json!(error.to_string()));
    }
    let mut response = render(state, status, template, session, page).await;
    if let Some(wait) = wait.and_then(|w| HeaderValue::from_str(&w.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, wait);
    }
    response
}

/// Query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
    password_set: Option<String>,
}

/// `GET /admin/login`.
pub async fn login_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AdminError> {
    if staff_of(&state, &headers).await.is_some() {
        return Ok(Redirect::to(&safe_next(query.next.as_deref())).into_response());
    }
    let (csrf_token, set) = preauth(&state, &headers);
    let notice = match query.signed_out.as_deref() {
        Some("everywhere") => Some("You are signed out on every device."),
        Some(_) => Some("You are signed out."),
        None if query.password_set.is_some() => Some("Your password is set. Sign in with it."),
        None => None,
    };
    let setup_open = state.app.setup_token().await?.is_some();
    let page = json!({
        "title": "Sign in",
        "csrf_token": csrf_token,
        "next": safe_next(query.next.as_deref()),
        "email": "",
        "notice": notice,
        "message": null,
        "setup_open": setup_open,
    });
    Ok(with_cookies(render(&state, StatusCode::OK, "admin/login.html", None, page).await, [set]))
}

/// The sign-in form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
    csrf_token: String,
}

/// `POST /admin/login`: a new session (the old cookie's session ends), or the form again.
pub async fn login(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let attempt = SignIn {
        email: form.email.clone(),
        password: form.password,
        ip: Some(peer.ip()),
        user_agent: user_agent(&headers),
        replaces: cookie(&headers, SESSION_COOKIE).map(str::to_string),
    };
    match state.app.sign_in(attempt).await {
        Ok(signed_in) => {
            let to = safe_next(Some(&form.next));
            with_cookies(Redirect::to(&to).into_response(), [session_cookie(&state, &signed_in.secret)])
        }
        Err(error) => {
            let page = json!({
                "title": "Sign in",
                "csrf_token": form.csrf_token,
                "next": safe_next(Some(&form.next)),
                "email": form.email,
                "notice": null,
                "setup_open": false,
            });
            refused(&state, error, "admin/login.html", None, page).await
        }
    }
}

/// `POST /admin/logout`: ends this session.
pub async fn logout(State(state): State<WebState>, _staff: Staff, headers: HeaderMap) -> Result<Response, AdminError> {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        state.app.sign_out(secret).await?;
    }
    Ok(with_cookies(Redirect::to("/admin/login?signed_out=1").into_response(), [clear_session_cookie(&state)]))
}

/// `POST /admin/logout-everywhere`: ends every session of the account, on every device.
pub async fn logout_everywhere(State(state): State<WebState>, Staff(session): Staff) -> Result<Response, AdminError> {
    state.app.sign_out_everywhere(session.user.id).await?;
    Ok(with_cookies(Redirect::to("/admin/login?signed_out=everywhere").into_response(), [clear_session_cookie(&state)]))
}

/// Query of the set-up page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupQuery {
    token: String,
}

/// `GET /admin/setup?token=…`: the first admin's form, only with the token and only while the
/// site has no account.
pub async fn setup_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(query): Query<SetupQuery>,
) -> Result<Response, AdminError> {
    match state.app.check_setup_token(&query.token).await {
        Ok(()) => {}
        Err(AccountError::AlreadySetUp) => return Err(AdminError::NotFound),
        Err(error) => {
            let page = json!({ "title": "Set up Quire", "setup_refused": true });
            return Ok(refused(&state, error, "admin/setup.html", None, page).await);
        }
    }
    let (csrf_token, set) = preauth(&state, &headers);
    let page = json!({
        "title": "Set up Quire",
        "csrf_token": csrf_token,
        "token": query.token,
        "email": "",
        "name": "",
        "message": null,
        "setup_refused": false,
    });
    Ok(with_cookies(render(&state, StatusCode::OK, "admin/setup.html", None, page).await, [set]))
}

/// The set-up form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    token: String,
    email: String,
    name: String,
    password: String,
    csrf_token: String,
}

/// `POST /admin/setup`: creates the first admin and signs them in.
pub async fn setup(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, AdminError> {
    let first = FirstAdmin {
        token: form.token.clone(),
        email: form.email.clone(),
        name: form.name.clone(),
        password: form.password,
        ip: Some(peer.ip()),
        user_agent: user_agent(&headers),
    };
    match state.app.complete_setup(first).await {
        Ok(signed_in) => {
            Ok(with_cookies(Redirect::to("/admin/").into_response(), [session_cookie(&state, &signed_in.secret)]))
        }
        Err(AccountError::AlreadySetUp) => Err(AdminError::NotFound),
        Err(error) => {
            let refused_token = matches!(error, AccountError::BadSetupToken);
            let page = json!({
                "title": "Set up Quire",
                "csrf_token": form.csrf_token,
                "token": form.token,
                "email": form.email,
                "name": form.name,
                "setup_refused": refused_token,
            });
            Ok(refused(&state, error, "admin/setup.html", None, page).await)
        }
    }
}

/// Query of the account page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountQuery {
    changed: Option<String>,
}

async fn account_context(state: &WebState, session: &StaffSession) -> Result<Value, AdminError> {
    let sessions = state.app.store().sessions_of(session.user.id, time::OffsetDateTime::now_utc()).await;
    let sessions = sessions.map_err(|e| AdminError::Internal(e.to_string()))?;
    let tokens = state.app.api_tokens_of(session.user.id).await?;
    Ok(json!({
        "title": "Your account",
        "sessions": sessions.len(),
        "tokens": tokens,
        "notice": null,
        "message": null,
    }))
}

/// `GET /admin/account`: the signed-in account, its sessions, and the password form.
pub async fn account_page(
    State(state): State<WebState>,
    Staff(session): Staff,
    Query(query): Query<AccountQuery>,
) -> Result<Response, AdminError> {
    let mut page = account_context(&state, &session).await?;
    if query.changed.is_some()
        && let Some(map) = page.as_object_mut()
    {
        map.insert("notice".into(), json!("Your password was changed and your other sessions were signed out."));
    }
    Ok(render(&state, StatusCode::OK, "admin/account.html", Some(&session), page).await)
}

/// The password form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// `POST /admin/account/password`: changes one's own password; other sessions end.
pub async fn change_password(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Staff(session): Staff,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AdminError> {
    let change =
        PasswordChange { current: form.current_password, new: form.new_password, confirm: form.confirm_password };
    match state.app.change_password(&session, change, Some(peer.ip())).await {
        Ok(_) => Ok(Redirect::to("/admin/account?changed=1").into_response()),
        Err(error) => {
            let page = account_context(&state, &session).await?;
            Ok(refused(&state, error, "admin/account.html", Some(&session), page).await)
        }
    }
}
