//! RFC 9457 problem details: every failure of the API, with `errors` per field for bad input.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// A failure as the API tells it.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: u16,
    /// Short, fixed summary of the kind of problem.
    pub title: &'static str,
    /// What happened this time, for a person.
    pub detail: String,
    /// Field name → what is wrong with it (validation failures only).
    pub errors: Map<String, Value>,
}

impl Problem {
    /// A problem with no per-field errors.
    pub fn new(status: u16, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem { status, title, detail: detail.into(), errors: Map::new() }
    }

    /// 401: nobody, or an unusable token.
    pub fn unauthorized(detail: &str) -> Problem {
        Problem::new(401, "Authentication required", detail)
    }

    /// 403: the role does not allow it.
    pub fn forbidden() -> Problem {
        Problem::new(403, "Not allowed", "Your role does not allow this. Ask an administrator if you need it.")
    }

    /// 404.
    pub fn not_found() -> Problem {
        Problem::new(404, "Not found", "There is nothing at this address of the API.")
    }

    /// 422 with what is wrong with each field.
    pub fn invalid(errors: Map<String, Value>) -> Problem {
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        let detail = format!("Some fields need fixing: {}.", fields.join(", "));
        Problem { status: 422, title: "Invalid input", detail, errors }
    }

    /// 422 about one field.
    pub fn field(name: &str, message: impl Into<String>) -> Problem {
        let mut errors = Map::new();
        errors.insert(name.into(), Value::String(message.into()));
        Problem::invalid(errors)
    }

    /// 500, logged here; the cause is never shown.
    pub fn internal(error: impl std::fmt::Display) -> Problem {
        tracing::error!(error = %error, "API request failed");
        Problem::new(500, "Something went wrong", "Something went wrong on our side. It has been logged.")
    }

    fn type_uri(&self) -> &'static str {
        if self.errors.is_empty() { "about:blank" } else { "/api/v1/problems/validation" }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = json!({
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        });
        if !self.errors.is_empty()
            && let Some(map) = body.as_object_mut()
        {
            map.insert("errors".into(), Value::Object(self.errors));
        }
        let mut response = (status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        response
    }
}
