//! The one mapping from failures to HTTP answers. Readers get a themed page (or a plain line for
//! malformed requests); internals are logged here, once, and never shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why a request failed, as the HTTP edge sees it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing lives at that URL.
    #[error("not found")]
    NotFound,
    /// The request itself is malformed; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// The reader may not do this; the message says why.
    #[error("{0}")]
    Forbidden(String),
    /// The database is unreachable or overloaded.
    #[error("temporarily unavailable")]
    Unavailable,
    /// Anything else; logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<quire_app::Error> for AppError {
    fn from(e: quire_app::Error) -> Self {
        match e {
            quire_app::Error::NotFound => AppError::NotFound,
            quire_app::Error::Invalid(msg) => AppError::BadRequest(msg),
            quire_app::Error::Store(store) if store.is_unavailable() => AppError::Unavailable,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<crate::theme::RenderError> for AppError {
    fn from(e: crate::theme::RenderError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl AppError {
    /// The status this failure answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and message a reader is shown.
    pub fn public_text(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => {
                ("Page not found", "Nothing lives at this address. Try a search, or start from the home page.".into())
            }
            AppError::BadRequest(msg) => ("Bad request", msg.clone()),
            AppError::Forbidden(msg) => ("Not allowed", msg.clone()),
            AppError::Unavailable => {
                ("Temporarily unavailable", "The site is briefly unavailable. Please try again in a moment.".into())
            }
            AppError::Internal(_) => (
                "Something went wrong",
                "The page could not be shown because of an error on our side. It has been logged.".into(),
            ),
        }
    }

    /// Logs internals once, at the edge.
    pub fn log(&self) {
        match self {
            AppError::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            AppError::Unavailable => tracing::warn!("database unavailable"),
            _ => {}
        }
    }
}

/// A plain-text answer for requests too malformed to deserve a themed page.
pub fn plain(status: StatusCode, message: &str) -> Response {
    let mut response = (status, format!("{message}\n")).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

impl IntoResponse for AppError {
    /// Without the theme at hand (extractor rejections, panics): a plain answer. Handlers with
    /// state render themed pages through [`crate::pages::error_page`] instead.
    fn into_response(self) -> Response {
        self.log();
        let (title, message) = self.public_text();
        let mut response = plain(self.status(), &format!("{title}: {message}"));
        if matches!(self, AppError::Unavailable) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}
