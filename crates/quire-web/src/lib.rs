//! Quire's HTTP face: the axum router, the page cache, the theme, security headers and the one
//! mapping from failures to responses. Handlers stay thin: decode, call `quire-app`, render.

pub mod admin;
pub mod api;
pub mod auth;
mod cache;
mod comments;
pub mod csrf;
pub mod error;
pub mod feeds;
mod headers;
mod mail;
mod own_comments;
mod pages;
mod preview;
pub mod request;
mod seo;
pub mod theme;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use quire_app::App;
use tokio::net::TcpListener;

pub use cache::PageCache;
pub use error::AppError;
pub use theme::Theme;

/// What every handler can reach.
#[derive(Clone)]
pub struct WebState {
    /// The site.
    pub app: App,
    /// Templates and static files.
    pub theme: Arc<Theme>,
    /// Rendered pages for anonymous readers.
    pub cache: PageCache,
    /// Differs per process start, so ETags change when the theme may have.
    pub boot_id: String,
}

impl WebState {
    /// Loads the theme named in the configuration and sizes the cache.
    pub fn new(app: App) -> Result<WebState, String> {
        let theme = Theme::load(&app.config().theme_dir())?;
        let cache = PageCache::new(app.config().page_cache_entries);
        let boot_id = format!("{:x}", time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64 & 0xffff_ffff);
        Ok(WebState { app, theme, cache, boot_id })
    }
}

/// The whole router with its middleware.
pub fn router(state: WebState) -> Router {
    let mut routes = Router::new()
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(pages::readyz))
        .route("/robots.txt", get(pages::robots))
        .route("/sitemap.xml", get(pages::sitemap))
        .route("/static/{*name}", get(pages::static_file))
        .route("/media/{*key}", get(pages::media))
        .route("/avatars/{file}", get(pages::avatar))
        .route("/preview/{id}", get(preview::show))
        .route("/comments", axum::routing::post(comments::create))
        .route("/wp-comments-post.php", axum::routing::post(comments::create))
        .route("/comments/forget", axum::routing::post(comments::forget))
        .route("/auth/email/start", axum::routing::post(auth::email_start))
        .route(auth::CONFIRM_PATH, get(auth::email_confirm_page).post(auth::email_confirm))
        .route("/auth/logout", axum::routing::post(auth::logout))
        .route("/auth/{provider}/start", get(auth::start_get).post(auth::start_post))
        .route("/auth/{provider}/callback", get(auth::callback))
        .route("/comments/{id}/edit", get(own_comments::edit_page).post(own_comments::edit))
        .route("/comments/{id}/delete", get(own_comments::delete_page).post(own_comments::delete))
        .route(mail::CONFIRM_PATH, get(mail::confirm_page).post(mail::confirm))
        .route(mail::UNSUBSCRIBE_PATH, get(mail::unsubscribe_page).post(mail::unsubscribe))
        .route(mail::MY_DATA_PATH, get(mail::my_data_page).post(mail::my_data_request))
        .route(mail::EXPORT_PATH, get(mail::my_data_export))
        .route(mail::DELETE_PATH, get(mail::my_data_delete_page).post(mail::my_data_delete));
    // Off by default (DESIGN.md §3): without the route, /metrics is an ordinary missing page.
    if state.app.config().metrics {
        routes = routes.route("/metrics", get(pages::metrics));
    }
    let routes = routes
        .merge(admin::routes(state.clone()))
        .merge(api::routes(state.clone()))
        .fallback(pages::public)
        .with_state(state.clone());
    headers::wrap(routes, state)
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish for up to `grace`.
pub async fn serve(
    state: WebState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stopping_tx.send(());
    };
    let server = axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(signal);
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!("grace period over; dropping remaining connections");
            Ok(())
        }
    }
}
