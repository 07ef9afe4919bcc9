//! The SQLite backend: one file, WAL journal, synchronous commits so that an acknowledged write
//! survives a crash. Writes go through a single-connection pool (SQLite has one writer anyway),
//! which avoids busy errors from transactions racing to upgrade their locks; reads use a pool.

mod api_tokens;
mod archive;
mod backup;
mod batch;
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

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

pub(crate) use backup::check_snapshot;

use crate::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A site stored in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    comments: batch::CommentWriter,
}

impl SqliteStore {
    /// Opens (creating when missing) the file named by `url`: `sqlite://path`, `sqlite:path` or a path.
    pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return Err(StoreError::Setup("the SQLite URL names no file".into()));
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(|e| StoreError::Setup(format!("bad SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options.clone())
            .await
            .map_err(|e| StoreError::Setup(format!("cannot open {path}: {e}")))?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options.read_only(false))
            .await
            .map_err(|e| StoreError::Setup(format!("cannot open {path}: {e}")))?;
        let comments = batch::CommentWriter::start(write.clone());
        Ok(SqliteStore { read, write, comments })
    }

    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let has_table: Option<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
                .fetch_optional(&self.write)
                .await?;
        if has_table.is_some() {
            let (found,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.write)
                .await?;
            if let Some(found) = found.filter(|f| *f > known) {
                return Err(StoreError::SchemaTooNew { found, known });
            }
        }
        MIGRATOR.run(&self.write).await.map_err(|e| StoreError::Setup(format!("migration failed: {e}")))
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub(crate) async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    pub(crate) async fn content_version(&self) -> Result<u64, StoreError> {
        let (v,): (i64,) =
            sqlx::query_as("SELECT value FROM meta WHERE key = 'content_version'").fetch_one(&self.read).await?;
        Ok(u64::try_from(v).unwrap_or(0))
    }

    pub(crate) async fn is_empty(&self) -> Result<bool, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM posts").fetch_one(&self.read).await?;
        Ok(n == 0)
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` semantics come from the single writer
    /// connection: nothing else can hold the write lock in between.
    async fn begin(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.write.begin().await?)
    }

    pub(crate) async fn settings(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM settings ORDER BY key").fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|(k, v)| {
                serde_json::from_str(&v)
                    .map(|v| (k.clone(), v))
                    .map_err(|e| StoreError::Corrupt(format!("setting {k}: {e}")))
            })
            .collect()
    }

    pub(crate) async fn put_setting(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value.to_string())
        .execute(&mut *tx)
        .await?;
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn redirect(&self, from_path: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT to_path FROM redirects WHERE from_path = ?")
            .bind(from_path)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|(to,)| to))
    }

    pub(crate) async fn put_redirect(&self, from_path: &str, to_path: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO redirects (from_path, to_path) VALUES (?, ?) ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path",
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

/// Marks that what readers see has changed; part of the caller's transaction.
async fn bump_version(tx: &mut Transaction<'static, Sqlite>) -> Result<(), StoreError> {
    sqlx::query("UPDATE meta SET value = value + 1 WHERE key = 'content_version'").execute(&mut **tx).await?;
    Ok(())
}

/// Turns a unique-constraint failure into a [`StoreError::Conflict`] naming `what`.
fn conflict_as(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what.to_string()),
        _ => StoreError::Database(e),
    }
}

/// `?, ?, ?` for an IN list of `n` items (at least one, so the SQL stays valid).
fn placeholders(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}
