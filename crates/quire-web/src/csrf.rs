//! Cross-site request forgery defences, shared by every state-changing route: a browser's own
//! word on where a request comes from (Sec-Fetch-Site, Origin), and for the admin a form token
//! bound to the session (or, before sign-in, to a pre-sign-in cookie) that another site cannot read.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use quire_app::accounts::same_secret;

use crate::WebState;

/// Name of the hidden form field carrying the token.
pub const FORM_FIELD: &str = "csrf_token";
/// Header carrying the token for requests made by first-party JavaScript.
pub const HEADER: &str = "x-csrf-token";

/// Whether a browser says a request comes from another site (Sec-Fetch-Site, Origin). Requests
/// without either header (old browsers, scripts) pass here and meet the form token instead.
pub fn cross_site(state: &WebState, headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(site, Some("cross-site" | "same-site")) {
        return true;
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match origin {
        None | Some("null") if site.is_some() => false,
        None => false,
        Some(origin) => {
            let ours = state.app.config().site_url();
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            origin != ours && origin != format!("http://{host}") && origin != format!("https://{host}")
        }
    }
}

/// Whether a method changes state (and so needs the checks).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The token a request presents (header, urlencoded form field, or for multipart uploads the
/// query string), and the request rebuilt around its buffered body. `None` for the token when the
/// request carries none; `Err` when the body cannot be read.
pub async fn presented_token(request: Request, limit: usize) -> Result<(Option<String>, Request), String> {
    if let Some(token) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        let token = token.to_string();
        return Ok((Some(token), request));
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| e.to_string())?;
            let token = field(&bytes, FORM_FIELD);
            Ok((token, Request::from_parts(parts, Body::from(bytes))))
        }
        // An upload's body is too large to buffer twice; its form names the token in its action.
        "multipart/form-data" => {
            let token = request.uri().query().and_then(|q| field(q.as_bytes(), FORM_FIELD));
            Ok((token, request))
        }
        _ => Ok((None, request)),
    }
}

/// The first value of `name` in urlencoded `data`.
fn field(data: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(data).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Whether `presented` is the token `expected` (constant-time).
pub fn token_matches(presented: Option<&str>, expected: Option<&str>) -> bool {
    match (presented, expected) {
        (Some(p), Some(e)) => !e.is_empty() && same_secret(p.trim(), e),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_found_by_name_and_decoded() {
        assert_eq!(field(b"a=1&csrf_token=x%2By&b=2", FORM_FIELD), Some("x+y".into()));
        assert_eq!(field(b"a=1", FORM_FIELD), None);
    }

    #[test]
    fn tokens_must_be_present_and_equal() {
        assert!(token_matches(Some("abc"), Some("abc")));
        assert!(!token_matches(Some("abc"), Some("abd")));
        assert!(!token_matches(None, Some("abc")));
        assert!(!token_matches(Some(""), Some("")));
        assert!(!token_matches(Some("abc"), None));
    }
}
