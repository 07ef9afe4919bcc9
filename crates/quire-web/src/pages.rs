//! Reader-facing pages: every public GET goes through [`public`], which serves anonymous readers
//! from the page cache and otherwise resolves, renders and caches.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use quire_app::reading::Resolved;
use serde_json::json;

use crate::cache::CachedPage;
use crate::error::{AppError, plain};
use crate::{WebState, feeds, request, seo};

/// Cache-Control of HTML pages: caches may store them but must revalidate (cheap, with the ETag).
const HTML_CACHE: &str = "public, max-age=0, must-revalidate";
/// Cache-Control of feeds and the sitemap.
const FEED_CACHE: &str = "public, max-age=300";

/// Whether the reader carries a session or guest cookie (and so must get a fresh render).
fn is_personal(headers: &HeaderMap) -> bool {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).any(|c| {
        c.contains("quire_session=")
            || c.contains("quire_guest=")
            || c.contains("quire_reader=")
            || c.contains("quire_draft=")
    })
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|enc| enc.trim().split(';').next() == Some("gzip") && !enc.contains("q=0")))
}

/// Answers from a cached (or just rendered) page, honouring If-None-Match and Accept-Encoding.
fn respond(state: &WebState, page: &CachedPage, headers: &HeaderMap) -> Response {
    let etag_matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == page.etag || tag.trim() == "*"));
    let mut builder = Response::builder()
        .header(header::ETAG, &page.etag)
        .header(header::CACHE_CONTROL, page.cache_control)
        .header(header::VARY, "Accept-Encoding, Cookie");
    if etag_matches {
        return builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default();
    }
    builder = builder.header(header::CONTENT_TYPE, page.content_type);
    let token = |post| state.app.form_token(post);
    let gzip = if accepts_gzip(headers) { page.gzip_with(token) } else { None };
    let body = match gzip {
        Some(gz) => {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
            gz
        }
        None => page.body_with(token),
    };
    builder.body(Body::from(body)).unwrap_or_default()
}

/// Every public GET/HEAD that no explicit route took: posts, pages, archives, search, feeds.
pub async fn public(State(state): State<WebState>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "This address only answers GET and HEAD.");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let path = match request::decode_path(uri.path()) {
        Ok(path) => path,
        Err(reason) => return plain(StatusCode::BAD_REQUEST, reason),
    };
    let query = match request::decode_query(uri.query()) {
        Ok(query) => query,
        Err(reason) => return plain(StatusCode::BAD_REQUEST, &reason),
    };
    let key = request::cache_key(&path, &query);
    let version = state.app.fresh_version().await;
    let personal = is_personal(&headers);
    if !personal && let Some(page) = state.cache.get(version, &key) {
        return respond(&state, &page, &headers);
    }
    let guest = crate::comments::guest_of(&state, &headers);
    let staff = if personal { crate::admin::session::staff_of(&state, &headers).await } else { None };
    let staff = staff.map(|s| s.user);
    let reader = if personal { crate::auth::reader_bits(&state, &headers).await } else { Default::default() };
    match render_public(&state, &path, &query, version, guest.as_ref(), staff.as_ref(), &reader).await {
        Ok(Rendered::Page(page)) => {
            let page: Arc<CachedPage> = Arc::from(page);
            if !personal {
                state.cache.insert(version, &key, page.clone());
            }
            respond(&state, &page, &headers)
        }
        Ok(Rendered::Redirect(to)) => moved_permanently(&to),
        Err(e) => error_page(&state, e, &path).await,
    }
}

/// 301, as WordPress answers for moved content (308 would also pin the method; readers only GET).
fn moved_permanently(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response(),
        Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "The new address of this page is invalid."),
    }
}

enum Rendered {
    Page(Box<CachedPage>),
    Redirect(String),
}

async fn render_public(
    state: &WebState,
    path: &str,
    query: &quire_app::reading::ReaderQuery,
    version: u64,
    guest: Option<&quire_app::comments::GuestCookie>,
    staff: Option<&quire_core::User>,
    reader: &crate::auth::ReaderBits,
) -> Result<Rendered, AppError> {
    let resolved = state.app.resolve(path, query).await?;
    let etag = format!("W/\"{}-{version}\"", state.boot_id);
    let page = match resolved {
        Resolved::MovedTo(to) => return Ok(Rendered::Redirect(to)),
        Resolved::Post(mut page) => {
            crate::comments::prepare_form(state, &mut page, query, guest, staff).await?;
            let auth = crate::auth::context(state, &mut page, reader).await;
            let site = state.app.site_view().await?;
            let meta = seo::for_post(&site, &page);
            let context = json!({ "site": site, "meta": meta, "page": page, "request_path": path, "auth": auth });
            let html = state.theme.render("post.html", context)?;
            CachedPage::with_form("text/html; charset=utf-8", HTML_CACHE, html, etag, page.post.id)
        }
        Resolved::List(list) => {
            let site = state.app.site_view().await?;
            let meta = seo::for_list(&site, &list);
            let html = state
                .theme
                .render("list.html", json!({ "site": site, "meta": meta, "list": list, "request_path": path }))?;
            CachedPage::new("text/html; charset=utf-8", HTML_CACHE, Bytes::from(html), etag)
        }
        Resolved::Feed(feed, format) => {
            CachedPage::new(feeds::content_type(format), FEED_CACHE, Bytes::from(feeds::write(&feed, format)), etag)
        }
    };
    Ok(Rendered::Page(Box::new(page)))
}

/// A themed error page; falls back to plain text if even the theme fails.
pub async fn error_page(state: &WebState, error: AppError, path: &str) -> Response {
    error.log();
    let status = error.status();
    let (title, message) = error.public_text();
    let rendered = match state.app.site_view().await {
        Ok(site) => {
            let meta = seo::for_error(&site, title, path);
            let context = json!({
                "site": site,
                "meta": meta,
                "error": { "status": status.as_u16(), "title": title, "message": message },
                "request_path": path,
            });
            state.theme.render("error.html", context).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    let mut response = match rendered {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(detail) => {
            tracing::error!(error = %detail, "the error page itself failed");
            plain(status, &format!("{title}: {message}"))
        }
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

/// `GET /sitemap.xml`.
pub async fn sitemap(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let version = state.app.fresh_version().await;
    if let Some(page) = state.cache.get(version, "/sitemap.xml") {
        return respond(&state, &page, &headers);
    }
    let entries = match state.app.sitemap().await {
        Ok(entries) => entries,
        Err(e) => return error_page(&state, e.into(), "/sitemap.xml").await,
    };
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for entry in entries {
        xml.push_str(&format!(
            "  <url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
            quire_content::escape_html(&entry.url),
            quire_content::escape_html(&entry.lastmod)
        ));
    }
    xml.push_str("</urlset>\n");
    let etag = format!("W/\"{}-{version}\"", state.boot_id);
    let page = Arc::new(CachedPage::new("application/xml; charset=utf-8", FEED_CACHE, Bytes::from(xml), etag));
    state.cache.insert(version, "/sitemap.xml", page.clone());
    respond(&state, &page, &headers)
}

/// `GET /robots.txt`.
pub async fn robots(State(state): State<WebState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /api/\nDisallow: /search\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
        state.app.config().site_url()
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], body)
        .into_response()
}

/// `GET /static/{*name}`: theme files; versioned URLs may be cached forever.
pub async fn static_file(State(state): State<WebState>, uri: Uri) -> Response {
    let name = uri.path().trim_start_matches("/static/");
    let Some(file) = state.theme.static_file(name) else {
        return error_page(&state, AppError::NotFound, uri.path()).await;
    };
    let versioned = uri.query().is_some_and(|q| q == format!("v={}", state.theme.static_version));
    let cache = if versioned { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    ([(header::CONTENT_TYPE, file.mime.as_str()), (header::CACHE_CONTROL, cache)], file.bytes.clone()).into_response()
}

/// `GET /media/{*key}`: files of the media library.
pub async fn media(State(state): State<WebState>, uri: Uri) -> Response {
    let Ok(path) = request::decode_path(uri.path()) else {
        return plain(StatusCode::BAD_REQUEST, "The requested path is not valid.");
    };
    let key = path.trim_start_matches("/media/");
    match state.app.media_file(key).await {
        Ok(file) => {
            // Only raster images a browser shows as images are inline; anything else (an imported
            // PDF, an SVG that could run script) is a download. Sniffing is off for all of them.
            let shown =
                matches!(file.mime.as_str(), "image/jpeg" | "image/png" | "image/gif" | "image/webp" | "image/avif");
            let disposition = if shown { "inline" } else { "attachment" };
            (
                [
                    (header::CONTENT_TYPE, file.mime),
                    (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
                    (header::CONTENT_DISPOSITION, disposition.to_string()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                ],
                file.bytes,
            )
                .into_response()
        }
        Err(e) => error_page(&state, e.into(), &path).await,
    }
}

/// `GET /avatars/{seed}.svg`: a commenter's identicon, drawn from the seed alone (no lookup), so
/// it can be cached for good.
pub async fn avatar(State(state): State<WebState>, axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let seed = file.strip_suffix(".svg").unwrap_or_default();
    if !quire_app::avatars::is_valid_seed(seed) {
        return error_page(&state, quire_app::Error::NotFound.into(), &format!("/avatars/{file}")).await;
    }
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
        quire_content::identicon_svg(seed),
    )
        .into_response()
}

/// `GET /metrics` (only when the configuration turns it on): this process's counters in
/// Prometheus's text format.
pub async fn metrics(State(state): State<WebState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
        state.app.metrics().render(),
    )
        .into_response()
}

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], "ok\n").into_response()
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): State<WebState>) -> Response {
    match state.app.store().ping().await {
        Ok(()) => ([(header::CACHE_CONTROL, "no-store")], "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            let mut response = plain(StatusCode::SERVICE_UNAVAILABLE, "database unreachable");
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
    }
}
