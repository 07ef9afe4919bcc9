//! `GET /preview/{id}?token=…`: the private preview link of a post that is not public yet. It
//! renders with the theme like the post's own page, works without signing in, is never cached or
//! indexed, and a wrong token (or none) is an ordinary 404.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_core::PostId;
use serde::Deserialize;
use serde_json::json;

use crate::error::AppError;
use crate::pages::error_page;
use crate::{WebState, seo};

/// The link's query string.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct PreviewQuery {
    token: String,
}

/// `GET /preview/{id}?token=…`.
pub async fn show(
    State(state): State<WebState>,
    Path(id): Path<String>,
    Query(query): Query<PreviewQuery>,
) -> Response {
    let path = format!("/preview/{id}");
    let Ok(id) = id.parse::<i64>() else {
        return error_page(&state, AppError::NotFound, &path).await;
    };
    let page = match state.app.preview_page(PostId(id), &query.token).await {
        Ok(page) => page,
        Err(e) => return error_page(&state, e.into(), &path).await,
    };
    let site = match state.app.site_view().await {
        Ok(site) => site,
        Err(e) => return error_page(&state, e.into(), &path).await,
    };
    let mut meta = seo::for_post(&site, &page);
    meta.noindex = true;
    meta.title = format!("Preview: {}", meta.title);
    let rendered =
        state.theme.render("post.html", json!({ "site": site, "meta": meta, "page": page, "request_path": path }));
    let mut response = match rendered {
        Ok(html) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => return error_page(&state, e.into(), &path).await,
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}
