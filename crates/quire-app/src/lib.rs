//! Quire's use cases, shared by the web server, the CLI and background jobs: opening a site,
//! reading it (view models for pages and feeds), publishing, users and their sign-in, and the demo site.

pub mod accounts;
pub mod api;
pub mod archive;
pub mod avatars;
pub mod comments;
pub mod config;
pub mod demo;
pub mod editing;
mod error;
mod export_wxr;
mod freshness;
pub mod identity;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod media;
mod media_worker;
pub mod metrics;
pub mod moderation;
pub mod publishing;
pub mod reading;
pub mod settings;
pub mod site_mail;
pub mod themes;
pub mod users;
mod views;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use quire_store::Store;
use tokio::sync::RwLock;

use comments::spam_checker::{Akismet, SpamChecker};
pub use config::{Config, ConfigError, ConfigOverrides};
pub use error::Error;
pub use metrics::Metrics;
pub use settings::SiteSettings;
pub use views::*;

/// A running site: its configuration, database and what is cheap to keep at hand.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Store,
    settings: RwLock<Arc<SiteSettings>>,
    version: AtomicU64,
    keys: comments::Keys,
    metrics: Metrics,
    spam_checker: Arc<dyn SpamChecker>,
    /// Opens `/admin/setup` while the site has no account; never stored.
    setup_token: String,
    /// The SMTP server, when the admin's settings or `[smtp]` configure one.
    mailer: std::sync::RwLock<Option<Arc<mail::Mailer>>>,
    /// Wakes the mail worker when a request queues mail.
    wake: tokio::sync::Notify,
    /// Readers' shared content-version query (several instances over PostgreSQL).
    freshness: Arc<freshness::Freshness>,
    /// Sign-in with outside accounts.
    auth: identity::Auth,
    /// Where the media library's files live.
    media: quire_media::MediaStorage,
    /// Wakes the media worker when an upload queues variants.
    media_wake: tokio::sync::Notify,
}

impl App {
    /// Opens the site described by `config`: creates the data dir, opens and migrates the
    /// database, and loads the demo site into an empty one when asked to.
    pub async fn open(config: Config) -> Result<App, Error> {
        prepare_data_dir(&config)?;
        let store = Store::connect_with_replica(&config.database_url(), config.database_read_url.as_deref()).await?;
        store.migrate().await?;
        let app = App::from_parts(config, store).await?;
        app.sweep_sessions().await?;
        if app.config().demo && app.store().is_empty().await? {
            demo::load(&app).await?;
            app.refresh().await?;
        }
        Ok(app)
    }

    /// Wraps an already migrated store.
    pub async fn from_parts(config: Config, store: Store) -> Result<App, Error> {
        App::from_parts_with(config, store, Arc::new(Akismet::new())).await
    }

    /// Wraps an already migrated store, asking `spam_checker` about comments when the site turns
    /// the checker on.
    pub async fn from_parts_with(
        config: Config,
        store: Store,
        spam_checker: Arc<dyn SpamChecker>,
    ) -> Result<App, Error> {
        let settings = SiteSettings::load(&store).await?;
        let version = store.content_version().await?;
        let keys = comments::Keys::load(&store).await?;
        let mailer = site_mail::mailer_for(config.smtp.as_ref(), &store).await?;
        let auth = identity::Auth::load(&store, &config.auth).await?;
        let media = quire_media::MediaStorage::open(&config.media, &config.media_dir())
            .map_err(|e| Error::MediaStorage(e.to_string()))?;
        Ok(App {
            inner: Arc::new(Inner {
                config,
                store,
                settings: RwLock::new(Arc::new(settings)),
                version: AtomicU64::new(version),
                keys,
                metrics: Metrics::new(),
                spam_checker,
                setup_token: accounts::setup::new_setup_token(),
                mailer: std::sync::RwLock::new(mailer),
                wake: tokio::sync::Notify::new(),
                freshness: Arc::new(freshness::Freshness::new()),
                auth,
                media,
                media_wake: tokio::sync::Notify::new(),
            }),
        })
    }

    /// The configuration in effect.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The store for reads that may be served by a read replica (lists, search, archives):
    /// the replica only once it has replayed every write this instance knows of, so a page
    /// rendered from it is never older than the content version it is cached under.
    pub async fn lag_tolerant_store(&self) -> Store {
        self.store().for_reading(self.version()).await
    }

    /// The site's signing keys.
    pub fn keys(&self) -> &comments::Keys {
        &self.inner.keys
    }

    /// This site's counters (for `/metrics`).
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The outside spam checker, asked only when the `spam_checker` setting turns it on.
    pub fn spam_checker(&self) -> &dyn SpamChecker {
        self.inner.spam_checker.as_ref()
    }

    fn inner_setup_token(&self) -> &str {
        &self.inner.setup_token
    }

    /// The sign-in machinery (see [`identity`]).
    fn auth_state(&self) -> &identity::Auth {
        &self.inner.auth
    }

    /// The SMTP server, when mail is configured.
    pub(crate) fn mailer(&self) -> Option<Arc<mail::Mailer>> {
        self.inner.mailer.read().map(|m| m.clone()).unwrap_or_default()
    }

    /// Replaces the mailer (the admin changed the SMTP settings).
    pub(crate) fn set_mailer(&self, mailer: Option<Arc<mail::Mailer>>) {
        if let Ok(mut current) = self.inner.mailer.write() {
            *current = mailer;
        }
    }

    /// Tells the mail worker that jobs are waiting (it also looks every few seconds anyway).
    pub(crate) fn wake_workers(&self) {
        self.inner.wake.notify_one();
    }

    /// Tells the media worker that variants are waiting to be made.
    pub(crate) fn wake_media_worker(&self) {
        self.inner.media_wake.notify_one();
    }

    /// The current site settings.
    pub async fn settings(&self) -> Arc<SiteSettings> {
        self.inner.settings.read().await.clone()
    }

    /// The content version readers' caches are keyed by. Read from memory: no database access.
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::Acquire)
    }

    /// Catches up with writes made elsewhere (this process, the CLI, another instance): reloads
    /// the version, and the settings when it moved.
    pub async fn refresh(&self) -> Result<u64, Error> {
        let stored = self.store().content_version().await?;
        let seen = self.inner.version.load(Ordering::Acquire);
        if stored != seen {
            let settings = SiteSettings::load(self.store()).await?;
            *self.inner.settings.write().await = Arc::new(settings);
            self.reload_mailer().await;
            self.inner.version.store(stored, Ordering::Release);
        }
        Ok(stored)
    }

    /// Follows writes made elsewhere until the returned task is aborted. On PostgreSQL a bump
    /// committed by any instance arrives over LISTEN/NOTIFY within milliseconds, so the next page
    /// view on this instance is fresh; the poll every `every` is the safety net for a dropped
    /// listener (and the only way on SQLite, where the other writers are CLI commands).
    pub fn spawn_version_watch(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut listener = app.listen_for_versions().await;
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                match listener.as_mut() {
                    Some(versions) => tokio::select! {
                        heard = versions.recv() => match heard {
                            // Our own bumps come back too; nothing to do when we are there already.
                            Ok(Some(version)) if version <= app.version() => continue,
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "lost the content-version listener; polling until it is back");
                                listener = None;
                            }
                        },
                        _ = tick.tick() => {}
                    },
                    None => {
                        tick.tick().await;
                        if app.store().backend() == "postgres" {
                            listener = app.listen_for_versions().await;
                        }
                    }
                }
                if let Err(e) = app.refresh().await {
                    tracing::warn!(error = %e, "could not check the content version");
                }
            }
        })
    }

    async fn listen_for_versions(&self) -> Option<quire_store::VersionListener> {
        match self.store().listen_versions().await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for content-version bumps; polling instead");
                None
            }
        }
    }
}

/// Creates the data dir (and media dir) and proves it is writable, so that a bad path fails at
/// start with a plain message rather than at the first upload.
fn prepare_data_dir(config: &Config) -> Result<(), Error> {
    let dir = &config.data_dir;
    let fail = |what: &str, e: std::io::Error| Error::DataDir(format!("{what} {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(|e| fail("cannot create data directory", e))?;
    std::fs::create_dir_all(config.media_dir()).map_err(|e| fail("cannot create media directory in", e))?;
    let probe = dir.join(".quire-write-test");
    std::fs::write(&probe, b"ok").map_err(|e| fail("data directory is not writable:", e))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}
