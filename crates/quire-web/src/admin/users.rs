//! `/admin/users` (administrators only): the accounts, inviting someone by email, changing a role,
//! deactivating and reactivating; and the pages a mailed link opens to set a password (an
//! invitation, or "Forgot password?" before sign-in). Thin: read the form, call the account use
//! case, answer with a redirect or the form again with the reason and the typed values.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use quire_app::accounts::invites::{Invitation, NewPassword, StaffError};
use quire_core::{Role, UserId};
use quire_store::TokenPurpose;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{preauth, with_cookies};
use super::{AdminError, Staff, render};
use crate::WebState;

fn status_of(error: &StaffError) -> StatusCode {
    match error {
        StaffError::Forbidden => StatusCode::FORBIDDEN,
        StaffError::NotFound => StatusCode::NOT_FOUND,
        StaffError::LastAdmin(_) => StatusCode::CONFLICT,
        StaffError::BadLink => StatusCode::GONE,
        StaffError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        StaffError::MailOff | StaffError::Invalid(_) => StatusCode::BAD_REQUEST,
        StaffError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<StaffError> for AdminError {
    fn from(e: StaffError) -> Self {
        match e {
            StaffError::Forbidden => AdminError::Forbidden,
            StaffError::NotFound => AdminError::NotFound,
            other => AdminError::Internal(other.to_string()),
        }
    }
}

/// Query of the users page: what was just done.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UsersQuery {
    done: String,
}

async fn users_page(state: &WebState, staff: &Staff, status: StatusCode, extra: Value) -> Result<Response, AdminError> {
    let accounts = state.app.staff_accounts(&staff.0).await?;
    let users: Vec<Value> = accounts
        .iter()
        .map(|c| {
            json!({
                "id": c.user.id.0,
                "name": c.user.name,
                "email": c.user.email,
                "role": c.user.role,
                "active": c.active,
                "invited": c.password_hash.is_none(),
                "me": c.user.id == staff.0.user.id,
            })
        })
        .collect();
    let mut page = json!({
        "title": "Users",
        "users": users,
        "roles": Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "invite": { "email": "", "name": "", "role": "author" },
        "message": null,
        "notice": null,
        "mail_enabled": state.app.mail_enabled(),
    });
    if let (Some(page), Some(extra)) = (page.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            page.insert(k.clone(), v.clone());
        }
    }
    Ok(render(state, status, "admin/users.html", Some(&staff.0), page).await)
}

/// `GET /admin/users`.
pub async fn list(
    State(state): State<WebState>,
    staff: Staff,
    Query(query): Query<UsersQuery>,
) -> Result<Response, AdminError> {
    staff.require(quire_core::Action::ManageUsers)?;
    let notice = match query.done.as_str() {
        "invited" => Some("The invitation is on its way."),
        "role" => Some("The role was changed."),
        "deactivated" => Some("The account was deactivated and signed out everywhere."),
        "reactivated" => Some("The account was reactivated."),
        _ => None,
    };
    users_page(&state, &staff, StatusCode::OK, json!({ "notice": notice })).await
}

/// The invitation form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    name: String,
    role: String,
}

/// `POST /admin/users/invite`.
pub async fn invite(
    State(state): State<WebState>,
    staff: Staff,
    Form(form): Form<InviteForm>,
) -> Result<Response, AdminError> {
    staff.require(quire_core::Action::ManageUsers)?;
    let typed = json!({ "email": form.email, "name": form.name, "role": form.role });
    let Ok(role) = form.role.parse::<Role>() else {
        let extra = json!({ "invite": typed, "message": "Choose one of the roles offered." });
        return users_page(&state, &staff, StatusCode::BAD_REQUEST, extra).await;
    };
    let invitation = Invitation { email: form.email.clone(), name: form.name.clone(), role };
    match state.app.invite(&staff.0, invitation).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=invited").into_response()),
        Err(e @ (StaffError::Invalid(_) | StaffError::MailOff)) => {
            let extra = json!({ "invite": typed, "message": e.to_string() });
            users_page(&state, &staff, status_of(&e), extra).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The role form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

/// `POST /admin/users/{id}/role`.
pub async fn change_role(
    State(state): State<WebState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AdminError> {
    staff.require(quire_core::Action::ManageUsers)?;
    let Ok(role) = form.role.parse::<Role>() else {
        let extra = json!({ "message": "Choose one of the roles offered." });
        return users_page(&state, &staff, StatusCode::BAD_REQUEST, extra).await;
    };
    let result = state.app.change_role(&staff.0, UserId(id), role).await;
    after_change(&state, &staff, result, "role").await
}

/// `POST /admin/users/{id}/deactivate`.
pub async fn deactivate(
    State(state): State<WebState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AdminError> {
    staff.require(quire_core::Action::ManageUsers)?;
    let result = state.app.deactivate(&staff.0, UserId(id)).await;
    after_change(&state, &staff, result, "deactivated").await
}

/// `POST /admin/users/{id}/reactivate`.
pub async fn reactivate(
    State(state): State<WebState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AdminError> {
    staff.require(quire_core::Action::ManageUsers)?;
    let result = state.app.reactivate(&staff.0, UserId(id)).await;
    after_change(&state, &staff, result, "reactivated").await
}

async fn after_change(
    state: &WebState,
    staff: &Staff,
    result: Result<(), StaffError>,
    done: &str,
) -> Result<Response, AdminError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users?done={done}")).into_response()),
        Err(e @ (StaffError::LastAdmin(_) | StaffError::Invalid(_))) => {
            users_page(state, staff, status_of(&e), json!({ "message": e.to_string() })).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- pages before sign-in -------------------------------------------------------------------

/// Which page a link opens: the template's wording and the token's purpose.
fn link_kind(purpose: TokenPurpose) -> (&'static str, &'static str) {
    match purpose {
        TokenPurpose::Invite => ("Choose your password", "/admin/invitation"),
        TokenPurpose::Reset => ("Choose a new password", "/admin/reset-password"),
    }
}

async fn link_form(
    state: &WebState,
    headers: &HeaderMap,
    purpose: TokenPurpose,
    token: &str,
    status: StatusCode,
    message: Option<String>,
) -> Response {
    let (title, action) = link_kind(purpose);
    let (csrf_token, set) = preauth(state, headers);
    let user = state.app.account_link(token, purpose).await;
    let (status, message, email) = match user {
        Ok(user) => (status, message, Some(user.email.to_string())),
        Err(e @ StaffError::BadLink) => (StatusCode::GONE, Some(e.to_string()), None),
        Err(e) => return AdminError::Internal(e.to_string()).into_response(),
    };
    let page = json!({
        "title": title,
        "mode": "set",
        "action": action,
        "csrf_token": csrf_token,
        "token": token,
        "email": email,
        "message": message,
        "notice": null,
    });
    with_cookies(render(state, status, "admin/reset.html", None, page).await, [set])
}

/// Query of a link's page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkQuery {
    token: String,
}

/// `GET /admin/invitation?token=…`: the form to choose a first password (the link is not used yet).
pub async fn invitation_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<LinkQuery>,
) -> Response {
    link_form(&state, &headers, TokenPurpose::Invite, &q.token, StatusCode::OK, None).await
}

/// `GET /admin/reset-password?token=…`: the form to choose a new password (the link is not used yet).
pub async fn reset_page(State(state): State<WebState>, headers: HeaderMap, Query(q): Query<LinkQuery>) -> Response {
    link_form(&state, &headers, TokenPurpose::Reset, &q.token, StatusCode::OK, None).await
}

/// The new-password form of a link's page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetPasswordForm {
    token: String,
    password: String,
    confirm_password: String,
}

async fn set_password(state: &WebState, headers: &HeaderMap, purpose: TokenPurpose, form: SetPasswordForm) -> Response {
    let token = form.token.clone();
    let new = NewPassword { token: form.token, password: form.password, confirm: form.confirm_password };
    match state.app.set_password_by_link(purpose, new).await {
        Ok(_) => Redirect::to("/admin/login?password_set=1").into_response(),
        Err(e @ (StaffError::Invalid(_) | StaffError::BadLink)) => {
            link_form(state, headers, purpose, &token, status_of(&e), Some(e.to_string())).await
        }
        Err(e) => AdminError::Internal(e.to_string()).into_response(),
    }
}

/// `POST /admin/invitation`: sets the first password; the link is used up.
pub async fn accept_invitation(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<SetPasswordForm>,
) -> Response {
    set_password(&state, &headers, TokenPurpose::Invite, form).await
}

/// `POST /admin/reset-password`: sets the new password; the link is used up, sessions end.
pub async fn reset_password(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<SetPasswordForm>,
) -> Response {
    set_password(&state, &headers, TokenPurpose::Reset, form).await
}

/// `GET /admin/forgot-password`: asks for the address.
pub async fn forgot_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let (csrf_token, set) = preauth(&state, &headers);
    let page = json!({
        "title": "Forgot your password?",
        "mode": "ask",
        "action": "/admin/forgot-password",
        "csrf_token": csrf_token,
        "email": "",
        "message": null,
        "notice": null,
    });
    with_cookies(render(&state, StatusCode::OK, "admin/reset.html", None, page).await, [set])
}

/// The "Forgot password?" form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
    csrf_token: String,
}

/// `POST /admin/forgot-password`: mails a reset link if the address has an account, and says the
/// same either way.
pub async fn forgot(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<ForgotForm>,
) -> Response {
    let mut page = json!({
        "title": "Forgot your password?",
        "mode": "ask",
        "action": "/admin/forgot-password",
        "csrf_token": form.csrf_token,
        "email": form.email,
        "message": null,
        "notice": null,
    });
    let (status, wait) = match state.app.request_password_reset(&form.email, Some(peer.ip())).await {
        Ok(()) => {
            if let Some(map) = page.as_object_mut() {
                map.insert(
                    "notice".into(),
                    json!("If an account uses that address, a link to choose a new password is on its way. It works for an hour."),
                );
            }
            (StatusCode::OK, None)
        }
        Err(e @ (StaffError::Throttled(_) | StaffError::MailOff)) => {
            let wait = if let StaffError::Throttled(w) = e { Some(w) } else { None };
            if let Some(map) = page.as_object_mut() {
                map.insert("message".into(), json!(e.to_string()));
            }
            (status_of(&e), wait)
        }
        Err(e) => return AdminError::Internal(e.to_string()).into_response(),
    };
    let mut response = render(&state, status, "admin/reset.html", None, page).await;
    if let Some(wait) = wait.and_then(|w| HeaderValue::from_str(&w.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, wait);
    }
    response
}
