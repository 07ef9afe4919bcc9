//! `VACUUM INTO` for backups, and the read-only check of the file it wrote.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};

use super::SqliteStore;
use crate::{SnapshotCheck, StoreError};

impl SqliteStore {
    pub(crate) async fn snapshot_into(&self, path: &Path) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::Conflict(format!("{} (a snapshot never overwrites a file)", path.display())));
        }
        let target =
            path.to_str().ok_or_else(|| StoreError::Unsupported(format!("{} is not a UTF-8 path", path.display())))?;
        // On a reader: VACUUM INTO runs in one read transaction, so the writer is never blocked.
        sqlx::query("VACUUM INTO ?").bind(target).execute(&self.read).await?;
        Ok(())
    }
}

pub(crate) async fn check_snapshot(path: &Path, tables: &[&str]) -> Result<SnapshotCheck, StoreError> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true).create_if_missing(false);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| StoreError::Setup(format!("cannot open {}: {e}", path.display())))?;
    let mut problems: Vec<String> = sqlx::query_as::<_, (String,)>("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await?
        .into_iter()
        .map(|(line,)| line)
        .filter(|line| line != "ok")
        .collect();
    let orphans: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check").fetch_all(&mut conn).await?;
    problems.extend(orphans.into_iter().map(|(table, row, parent)| {
        format!("{table} row {} refers to a missing {parent} row", row.unwrap_or_default())
    }));
    let mut rows = Vec::new();
    for table in tables {
        let sql = format!("SELECT count(*) FROM \"{table}\"");
        let (n,): (i64,) = sqlx::query_as(AssertSqlSafe(sql)).fetch_one(&mut conn).await?;
        rows.push(((*table).to_string(), u64::try_from(n).unwrap_or_default()));
    }
    conn.close().await?;
    Ok(SnapshotCheck { problems, rows })
}
