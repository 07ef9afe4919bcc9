//! The admin under `/admin/`: sign-in, first-run set-up, the dashboard shell, the account page and
//! the media library.
//! Every admin request passes [`guard`]: the session is resolved once, state changes must come from
//! this site and carry the form token, nothing is cached, and failures become themed pages (or
//! RFC 9457 problems for clients that ask for JSON). Roles are checked on the server with
//! [`Staff::require`] in each handler.

mod auth;
mod comments;
pub mod media;
mod posts;
mod revisions;
pub mod session;
mod settings;
mod tokens;
mod users;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use quire_app::accounts::StaffSession;
use quire_core::Action;
use serde_json::{Value, json};

use crate::error::plain;
use crate::{WebState, csrf};
pub use session::Staff;
use session::{PREAUTH_COOKIE, Resolved, cookie, staff_of};

/// Why an admin request was refused; turned into a page or a problem by [`guard`].
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No live session: pages go to the sign-in form, then back to `next`.
    #[error("Please sign in to continue.")]
    SignInRequired {
        /// Where the request was going.
        next: String,
    },
    /// Signed in, but the role does not allow it.
    #[error("Your role does not allow this. Ask an administrator if you need it.")]
    Forbidden,
    /// No such admin page.
    #[error("There is no such page in the admin.")]
    NotFound,
    /// A state change sent from another site.
    #[error("This request came from another site and was refused.")]
    CrossSite,
    /// A form without this session's token (stale page, or forged).
    #[error("This form has expired or did not come from this site. Go back, reload the page and send it again.")]
    BadToken,
    /// Anything else; logged, never shown.
    #[error("Something went wrong on our side. It has been logged.")]
    Internal(String),
}

impl AdminError {
    fn status(&self) -> StatusCode {
        match self {
            AdminError::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            AdminError::Forbidden | AdminError::CrossSite | AdminError::BadToken => StatusCode::FORBIDDEN,
            AdminError::NotFound => StatusCode::NOT_FOUND,
            AdminError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AdminError::SignInRequired { .. } => "Sign-in required",
            AdminError::Forbidden => "Not allowed",
            AdminError::NotFound => "Not found",
            AdminError::CrossSite | AdminError::BadToken => "Request refused",
            AdminError::Internal(_) => "Something went wrong",
        }
    }
}

impl From<quire_app::Error> for AdminError {
    fn from(e: quire_app::Error) -> Self {
        AdminError::Internal(e.to_string())
    }
}

/// Carried by a failed response so that [`guard`] can dress it as a page or a problem.
#[derive(Debug, Clone)]
struct Failure {
    title: &'static str,
    message: String,
    sign_in_next: Option<String>,
}

impl IntoResponse for AdminError {
    /// A bare answer (plain text, or the sign-in redirect) marked for [`guard`] to dress.
    fn into_response(self) -> Response {
        if let AdminError::Internal(detail) = &self {
            tracing::error!(error = %detail, "admin request failed");
        }
        let failure = Failure {
            title: self.title(),
            message: self.to_string(),
            sign_in_next: match &self {
                AdminError::SignInRequired { next } => Some(next.clone()),
                _ => None,
            },
        };
        let mut response = match &failure.sign_in_next {
            Some(next) => Redirect::to(&login_url(next)).into_response(),
            None => plain(self.status(), &failure.message),
        };
        if failure.sign_in_next.is_none() {
            *response.status_mut() = self.status();
        }
        response.extensions_mut().insert(failure);
        response
    }
}

fn login_url(next: &str) -> String {
    let next = session::safe_next(Some(next));
    if next == "/admin/" {
        return "/admin/login".into();
    }
    format!("/admin/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>())
}

/// The admin routes, wrapped in [`guard`].
pub fn routes(state: WebState) -> Router<WebState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(dashboard))
        .route("/admin/login", get(auth::login_page).post(auth::login))
        .route("/admin/logout", post(auth::logout))
        .route("/admin/logout-everywhere", post(auth::logout_everywhere))
        .route("/admin/setup", get(auth::setup_page).post(auth::setup))
        .route("/admin/account", get(auth::account_page))
        .route("/admin/account/password", post(auth::change_password))
        .route("/admin/account/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/settings", get(settings::page).post(settings::save))
        .route("/admin/comments", get(comments::queue))
        .route("/admin/comments/moderate", post(comments::moderate))
        .route("/admin/comments/{id}", get(comments::show))
        .route("/admin/comments/{id}/edit", post(comments::edit))
        .route("/admin/comments/{id}/reply", post(comments::reply))
        .route("/admin/users", get(users::list))
        .route("/admin/users/invite", post(users::invite))
        .route("/admin/users/{id}/role", post(users::change_role))
        .route("/admin/users/{id}/deactivate", post(users::deactivate))
        .route("/admin/users/{id}/reactivate", post(users::reactivate))
        .route("/admin/invitation", get(users::invitation_page).post(users::accept_invitation))
        .route("/admin/reset-password", get(users::reset_page).post(users::reset_password))
        .route("/admin/forgot-password", get(users::forgot_page).post(users::forgot))
        .merge(posts::routes())
        .route(
            media::LIBRARY_PATH,
            get(media::library).post(media::upload).layer(DefaultBodyLimit::max(media::body_limit(state.app.config()))),
        )
        .route("/admin/media/{id}", get(media::item).post(media::update))
        .route("/admin/media/{id}/insert", get(media::insert))
        .route("/admin/{*rest}", any(not_found))
        .layer(middleware::from_fn_with_state(state, guard))
}

/// Whether the client wants JSON (the admin's own scripts, API clients) rather than pages.
fn wants_json(request: &Request) -> bool {
    request.uri().path().starts_with("/api/")
        || request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json") || a.contains("application/problem+json"))
}

/// Paths whose forms are sent before there is a session; their token is bound to the pre-sign-in cookie.
fn is_pre_sign_in(path: &str) -> bool {
    matches!(
        path,
        "/admin/login" | "/admin/setup" | "/admin/forgot-password" | "/admin/reset-password" | "/admin/invitation"
    )
}

/// Middleware of every admin request: resolves the session once, refuses forged state changes,
/// forbids caching, and dresses failures.
pub async fn guard(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let json = wants_json(&request);
    let session = staff_of(&state, request.headers()).await;
    let mut response = match check_forgery(&state, request, session.as_ref()).await {
        Ok(mut checked) => {
            checked.extensions_mut().insert(Resolved(session.clone()));
            request = checked;
            next.run(request).await
        }
        Err(refused) => refused.into_response(),
    };
    if let Some(failure) = response.extensions_mut().remove::<Failure>() {
        response = dress(&state, response.status(), &failure, session.as_ref(), json).await;
    }
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    response
}

/// Refuses a state change that another site sent or that lacks this session's form token.
async fn check_forgery(
    state: &WebState,
    request: Request,
    session: Option<&StaffSession>,
) -> Result<Request, AdminError> {
    if !csrf::is_unsafe(request.method()) {
        return Ok(request);
    }
    if csrf::cross_site(state, request.headers()) {
        tracing::info!(path = %request.uri().path(), "cross-site admin request refused");
        return Err(AdminError::CrossSite);
    }
    let expected = if is_pre_sign_in(request.uri().path()) {
        cookie(request.headers(), PREAUTH_COOKIE).map(|c| state.app.csrf_token(&format!("pre:{c}")))
    } else {
        match session {
            Some(session) => Some(session.csrf_token.clone()),
            // Nothing to forge without a session: the handler sends the browser to sign in.
            None => return Ok(request),
        }
    };
    let (presented, request) =
        csrf::presented_token(request, crate::headers::MAX_BODY_BYTES).await.map_err(|_| AdminError::BadToken)?;
    if csrf::token_matches(presented.as_deref(), expected.as_deref()) {
        Ok(request)
    } else {
        tracing::info!(path = %request.uri().path(), "admin form without a valid token refused");
        Err(AdminError::BadToken)
    }
}

/// A failure as a themed admin page, a problem document, or (sign-in) the redirect it already is.
async fn dress(
    state: &WebState,
    status: StatusCode,
    failure: &Failure,
    session: Option<&StaffSession>,
    json: bool,
) -> Response {
    if json {
        let status = if failure.sign_in_next.is_some() { StatusCode::UNAUTHORIZED } else { status };
        let body = json!({
            "type": "about:blank",
            "title": failure.title,
            "status": status.as_u16(),
            "detail": failure.message,
        });
        return (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response();
    }
    if failure.sign_in_next.is_some() {
        return Redirect::to(&login_url(failure.sign_in_next.as_deref().unwrap_or_default())).into_response();
    }
    let page = json!({ "title": failure.title, "message": failure.message, "status": status.as_u16() });
    render(state, status, "admin/error.html", session, page).await
}

/// Renders an admin template with the layout's context: the site, the signed-in staff member
/// (with their form token and what their role may do) and `page`.
pub async fn render(
    state: &WebState,
    status: StatusCode,
    template: &str,
    session: Option<&StaffSession>,
    page: Value,
) -> Response {
    let settings = state.app.settings().await;
    let staff = session.map(|s| {
        json!({
            "name": s.user.name,
            "email": s.user.email,
            "role": s.user.role,
            "csrf_token": s.csrf_token,
            "may": Action::ALL.iter().map(|a| (a.as_str().to_string(), Value::Bool(s.may(*a)))).collect::<serde_json::Map<String, Value>>(),
        })
    });
    let context = json!({
        "site": { "title": settings.title, "language": settings.language },
        "staff": staff,
        "page": page,
    });
    match state.theme.render(template, context) {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "admin page could not be rendered");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "The admin page could not be shown. It has been logged.")
        }
    }
}

/// `GET /admin/`: who you are, your role, and the parts of the admin that exist.
async fn dashboard(State(state): State<WebState>, Staff(session): Staff) -> Response {
    let page = json!({ "title": "Dashboard" });
    render(&state, StatusCode::OK, "admin/dashboard.html", Some(&session), page).await
}

/// Any other admin address.
async fn not_found() -> AdminError {
    AdminError::NotFound
}
