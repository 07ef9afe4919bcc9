//! The PostgreSQL backend: one pool shared by any number of Quire instances. Writes are ordinary
//! transactions (PostgreSQL has many writers); what SQLite gets from its single writer, this
//! backend gets from row locks: `FOR UPDATE SKIP LOCKED` for jobs, `FOR UPDATE` for rate buckets.
//! Every content-version bump also sends `NOTIFY quire_version`, delivered on commit.

mod api_tokens;
mod archive;
mod comments;
mod editing;
mod identities;
mod import;
mod keys;
mod mail;
mod media;
mod media_library;
mod moderation;
mod posts;
mod rows;
mod search;
mod sessions;
mod staff;
mod terms;
mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres, Transaction};
use time::OffsetDateTime;

use crate::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The channel content-version bumps are announced on; the payload is the new version.
pub const VERSION_CHANNEL: &str = "quire_version";

/// A site stored in a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// A read replica for reads that may lag (see [`crate::Store::for_reading`]).
    replica: Option<PgPool>,
    /// The connection an import run writes its posts on (see `import.rs`), while one runs.
    import: import::Session,
}

impl PgStore {
    /// Connects to the database named by a `postgres://` or `postgresql://` URL.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        Ok(PgStore { pool: Self::connect_pool(url).await?, replica: None, import: import::Session::default() })
    }

    /// Connects to the primary at `url` and a read replica at `read_url`.
    pub async fn connect_with_replica(url: &str, read_url: &str) -> Result<PgStore, StoreError> {
        let pool = Self::connect_pool(url).await?;
        let replica =
            Self::connect_pool(read_url).await.map_err(|e| StoreError::Setup(format!("read replica: {e}")))?;
        Ok(PgStore { pool, replica: Some(replica), import: import::Session::default() })
    }

    /// The replica as a store of its own, when it has replayed every write up to content version
    /// `min_version`; `None` sends the read to the primary. A replica that fails to answer
    /// quickly is skipped (and logged), never waited on.
    pub(crate) async fn caught_up_replica(&self, min_version: u64) -> Option<PgStore> {
        let replica = self.replica.as_ref()?;
        let query = sqlx::query_as::<_, (i64,)>("SELECT value FROM meta WHERE key = 'content_version'");
        match tokio::time::timeout(Duration::from_secs(1), query.fetch_one(replica)).await {
            Ok(Ok((version,))) if u64::try_from(version).is_ok_and(|v| v >= min_version) => {
                Some(PgStore { pool: replica.clone(), replica: None, import: import::Session::default() })
            }
            Ok(Ok(_)) => None,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the read replica failed; reading from the primary");
                None
            }
            Err(_) => {
                tracing::warn!("the read replica did not answer within 1 s; reading from the primary");
                None
            }
        }
    }

    async fn connect_pool(url: &str) -> Result<PgPool, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Setup(format!("bad PostgreSQL URL: {e}")))?
            .application_name("quire");
        // One plain connection first: a server that is down or refuses us fails here at once,
        // with its own message, instead of after the pool's retries run out.
        let probe = tokio::time::timeout(Duration::from_secs(15), PgConnection::connect_with(&options))
            .await
            .map_err(|_| StoreError::Setup("PostgreSQL did not answer within 15 seconds".into()))?
            .map_err(|e| StoreError::Setup(format!("cannot connect to PostgreSQL: {e}")))?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Setup(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(pool)
    }

    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let (has_table,): (bool,) =
            sqlx::query_as("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(&self.pool).await?;
        if has_table {
            let (found,): (Option<i64>,) =
                sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(&self.pool).await?;
            if let Some(found) = found.filter(|f| *f > known) {
                return Err(StoreError::SchemaTooNew { found, known });
            }
        }
        // sqlx holds an advisory lock while migrating, so instances starting together take turns.
        MIGRATOR.run(&self.pool).await.map_err(|e| StoreError::Setup(format!("migration failed: {e}")))
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
        if let Some(replica) = &self.replica {
            replica.close().await;
        }
    }

    pub(crate) async fn content_version(&self) -> Result<u64, StoreError> {
        let (v,): (i64,) =
            sqlx::query_as("SELECT value FROM meta WHERE key = 'content_version'").fetch_one(&self.pool).await?;
        Ok(u64::try_from(v).unwrap_or(0))
    }

    pub(crate) async fn is_empty(&self) -> Result<bool, StoreError> {
        let (found,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM posts)").fetch_one(&self.pool).await?;
        Ok(!found)
    }

    /// Subscribes to content-version bumps made by any instance.
    pub(crate) async fn listen_versions(&self) -> Result<VersionListener, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(VERSION_CHANNEL).await?;
        Ok(VersionListener { listener })
    }

    /// Starts a write transaction (READ COMMITTED; the statements lock what they must).
    async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    pub(crate) async fn settings(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let rows: Vec<(String, serde_json::Value)> =
            sqlx::query_as("SELECT key, value FROM settings ORDER BY key COLLATE \"C\"").fetch_all(&self.pool).await?;
        Ok(rows)
    }

    pub(crate) async fn put_setting(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(sqlx::types::Json(value))
        .execute(&mut *tx)
        .await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn redirect(&self, from_path: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT to_path FROM redirects WHERE from_path = $1")
            .bind(from_path)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(to,)| to))
    }

    pub(crate) async fn put_redirect(&self, from_path: &str, to_path: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO redirects (from_path, to_path) VALUES ($1, $2) \
             ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path",
        )
        .bind(from_path)
        .bind(to_path)
        .execute(&mut *tx)
        .await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Content-version bumps committed by any instance over the same database.
pub struct VersionListener {
    listener: PgListener,
}

impl VersionListener {
    /// Waits for the next bump: `Some(version)`, or `None` when the connection dropped and was
    /// re-made, so bumps may have been missed and the caller should re-read the version.
    pub async fn recv(&mut self) -> Result<Option<u64>, StoreError> {
        loop {
            match self.listener.try_recv().await? {
                None => return Ok(None),
                Some(note) => {
                    if let Ok(version) = note.payload().parse::<u64>() {
                        return Ok(Some(version));
                    }
                    tracing::warn!(payload = note.payload(), "ignoring a malformed content-version notification");
                }
            }
        }
    }
}

/// Marks that what readers see has changed, and tells the other instances once the caller's
/// transaction commits (PostgreSQL delivers NOTIFY on commit, and never for a rollback).
async fn bump_version(tx: &mut Transaction<'static, Postgres>) -> Result<(), StoreError> {
    let (version,): (i64,) =
        sqlx::query_as("UPDATE meta SET value = value + 1 WHERE key = 'content_version' RETURNING value")
            .fetch_one(&mut **tx)
            .await?;
    sqlx::query("SELECT pg_notify($1, $2)").bind(VERSION_CHANNEL).bind(version.to_string()).execute(&mut **tx).await?;
    Ok(())
}

/// `at` cut to whole microseconds, rounding down as SQLite's stored text does. PostgreSQL keeps
/// microseconds too, but sqlx truncates toward 2000-01-01, which rounds earlier times up.
fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1000 * 1000).unwrap_or(at)
}

/// Turns a unique-constraint failure into a [`StoreError::Conflict`] naming `what`.
fn conflict_as(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what.to_string()),
        _ => StoreError::Database(e),
    }
}
