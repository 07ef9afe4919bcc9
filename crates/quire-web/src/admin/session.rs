//! The signed-in staff member of a request: the `quire_session` cookie, the [`Staff`] extractor
//! (pages redirect to the sign-in form, API-ish requests get a 401 problem), and [`Staff::require`],
//! the server-side role check every handler that does something calls.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use quire_app::accounts::{SESSION_LIFETIME, StaffSession};
use quire_core::{Action, Ownership};

use super::AdminError;
use crate::WebState;

/// Name of the staff session cookie (its value is the secret; the database keeps its hash).
pub const SESSION_COOKIE: &str = "quire_session";
/// Name of the cookie that binds the sign-in and set-up forms' tokens before there is a session.
pub const PREAUTH_COOKIE: &str = "quire_preauth";

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

fn secure(state: &WebState) -> &'static str {
    if state.app.config().site_url().starts_with("https://") { "; Secure" } else { "" }
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, whole site (the comment form knows
/// staff too), Secure when the site is served over TLS, living as long as a session may.
pub fn session_cookie(state: &WebState, secret: &str) -> Option<HeaderValue> {
    let max_age = SESSION_LIFETIME.whole_seconds();
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        secure(state)
    ))
    .ok()
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(state: &WebState) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(state)))
        .ok()
}

/// `Set-Cookie` for the pre-sign-in cookie: only the admin sees it, gone with the browser session.
pub fn preauth_cookie(state: &WebState, secret: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{PREAUTH_COOKIE}={secret}; Path=/admin; HttpOnly; SameSite=Lax{}", secure(state)))
        .ok()
}

/// The staff session a request's cookie names, if it is live. Errors count as "not signed in"
/// after being logged: a database hiccup must not open anything.
pub async fn staff_of(state: &WebState, headers: &HeaderMap) -> Option<StaffSession> {
    let secret = cookie(headers, SESSION_COOKIE)?;
    match state.app.staff_session(secret).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    }
}

/// The session resolved once per admin request by the admin middleware, for the extractor.
#[derive(Clone)]
pub(crate) struct Resolved(pub Option<StaffSession>);

/// A signed-in staff member. As an extractor it refuses requests without a live session.
#[derive(Debug, Clone)]
pub struct Staff(pub StaffSession);

impl Staff {
    /// Refuses with 403 unless the account may do `action` on anyone's things.
    pub fn require(&self, action: Action) -> Result<(), AdminError> {
        self.require_on(action, Ownership::Others)
    }

    /// Refuses with 403 unless the account may do `action` on something with `ownership`.
    pub fn require_on(&self, action: Action, ownership: Ownership) -> Result<(), AdminError> {
        if self.0.can(action, ownership) {
            Ok(())
        } else {
            tracing::info!(user_id = %self.0.user.id, action = %action, "refused by role");
            Err(AdminError::Forbidden)
        }
    }
}

impl FromRequestParts<WebState> for Staff {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let session = match parts.extensions.get::<Resolved>() {
            Some(Resolved(found)) => found.clone(),
            None => staff_of(state, &parts.headers).await,
        };
        match session {
            Some(session) if session.may(Action::UseAdmin) => Ok(Staff(session)),
            Some(_) => Err(AdminError::Forbidden),
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
                Err(AdminError::SignInRequired { next })
            }
        }
    }
}

/// Where to go after signing in: only a path of this site's admin, never another host.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/admin")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace())
                && !n.starts_with("/admin/login")
                && !n.starts_with("/admin/logout") =>
        {
            n.to_string()
        }
        _ => "/admin/".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("xquire_session=no; quire_session=yes; a=b"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("yes"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn only_admin_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/admin/account?x=1")), "/admin/account?x=1");
        for bad in ["https://evil.example/", "//evil.example/admin", "/admin\\@evil", "/2020/", "/admin/logout"] {
            assert_eq!(safe_next(Some(bad)), "/admin/", "{bad}");
        }
        assert_eq!(safe_next(None), "/admin/");
    }
}
