//! Our reqwest client as `openidconnect`'s asynchronous HTTP client, and the one place that turns
//! transport failures into "the provider is not answering".

use openidconnect::{HttpRequest, HttpResponse};

/// A failed exchange with a provider; the message names no secret (URLs carry no tokens here).
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// Could not connect, or no answer in time.
    #[error("no answer: {0}")]
    Unreachable(String),
    /// Anything else about the exchange.
    #[error("{0}")]
    Other(String),
}

impl From<reqwest::Error> for HttpError {
    fn from(e: reqwest::Error) -> Self {
        // `without_url`: a provider's query string could carry a code or token.
        let unreachable = e.is_timeout() || e.is_connect();
        let text = e.without_url().to_string();
        if unreachable { HttpError::Unreachable(text) } else { HttpError::Other(text) }
    }
}

/// Sends one request built by `openidconnect` with `client`.
pub(crate) async fn send(client: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let response = client.request(parts.method, parts.uri.to_string()).headers(parts.headers).body(body).send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let mut answer =
        http::Response::builder().status(status).body(body.to_vec()).map_err(|e| HttpError::Other(e.to_string()))?;
    *answer.headers_mut() = headers;
    Ok(answer)
}
