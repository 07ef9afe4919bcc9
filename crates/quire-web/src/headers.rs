//! Middleware every response passes through: request ids and one log line per request, security
//! headers, timeouts, body limits, compression, and a last-resort answer for panics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;

use crate::WebState;

/// Largest request body accepted by default (uploads raise it on their own routes).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: this process's boot id and a counter, short and unique enough to grep logs.
#[derive(Clone)]
struct Counter {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

/// The security headers of every response. The CSP allows no inline script and nothing from other
/// origins except images in authors' posts (imports keep remote image URLs).
fn security_headers(site_is_https: bool) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
                 font-src 'self'; connect-src 'self'; media-src 'self' https:; object-src 'none'; \
                 base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            ),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
            ),
        ),
        (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
        (HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin")),
    ];
    if site_is_https {
        headers
            .push((header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains")));
    }
    headers
}

async fn add_security_headers(
    axum::extract::State(headers): axum::extract::State<Arc<Vec<(HeaderName, HeaderValue)>>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    for (name, value) in headers.iter() {
        response.headers_mut().entry(name.clone()).or_insert_with(|| value.clone());
    }
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from(
            "<!doctype html><html lang=en><title>Something went wrong</title><h1>Something went wrong</h1>\
             <p>The page could not be shown because of an error on our side. It has been logged.</p><p><a href=\"/\">Home</a></p>",
        ))
        .unwrap_or_default()
}

/// Caps every request body at [`MAX_BODY_BYTES`], except uploads to the media library, which
/// get `upload_limit` (the route sets the same limit for its multipart reader). A declared length
/// over the cap is refused before the body is read; a body that runs past it is cut off.
async fn limit_body(
    axum::extract::State(upload_limit): axum::extract::State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let is_upload =
        request.method() == axum::http::Method::POST && request.uri().path() == crate::admin::media::LIBRARY_PATH;
    let limit = if is_upload { upload_limit.max(MAX_BODY_BYTES) } else { MAX_BODY_BYTES };
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let message = if is_upload {
            format!("The file is too large: the limit is {} MB.", upload_limit / (1024 * 1024))
        } else {
            "The request is too large.".to_string()
        };
        return crate::error::plain(StatusCode::PAYLOAD_TOO_LARGE, &message);
    }
    next.run(request.map(|body| Body::new(http_body_util::Limited::new(body, limit)))).await
}

/// Wraps the routes in the middleware stack.
pub fn wrap(routes: Router, state: WebState) -> Router {
    let https = state.app.config().site_url().starts_with("https://");
    let counter = Counter { prefix: Arc::from(state.boot_id.as_str()), next: Arc::new(AtomicU64::new(1)) };
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let id = request.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        .on_response(|response: &axum::http::Response<_>, latency: Duration, _: &tracing::Span| {
            tracing::info!(status = response.status().as_u16(), latency_us = latency.as_micros() as u64, "served");
        })
        .on_failure(DefaultOnFailure::new().level(Level::WARN));
    routes.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), counter))
            .layer(trace)
            .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(middleware::from_fn_with_state(Arc::new(security_headers(https)), add_security_headers))
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
            .layer(middleware::from_fn_with_state(crate::admin::media::body_limit(state.app.config()), limit_body))
            .layer(CompressionLayer::new()),
    )
}
