//! Whole tables as JSON rows on SQLite, for Quire's portable archive: every column as stored
//! (timestamps as their UTC text, booleans as 0/1, JSON columns as text), ids kept.

use sqlx::AssertSqlSafe;

use super::{SqliteStore, bump_version};
use crate::{ARCHIVE_TABLES, StoreError};

fn known(table: &str) -> Result<(), StoreError> {
    if ARCHIVE_TABLES.contains(&table) { Ok(()) } else { Err(StoreError::NotFound(format!("table {table}"))) }
}

impl SqliteStore {
    /// Column names, and whether each holds bytes (carried as `\x…` hex in JSON, as PostgreSQL does).
    async fn columns(&self, table: &str) -> Result<Vec<(String, bool)>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT name, type FROM pragma_table_info(?) ORDER BY cid")
            .bind(table)
            .fetch_all(&self.read)
            .await?;
        Ok(rows.into_iter().map(|(c, t)| (c, t.eq_ignore_ascii_case("blob"))).collect())
    }

    pub(crate) async fn export_rows(&self, table: &str) -> Result<Vec<serde_json::Value>, StoreError> {
        known(table)?;
        let columns = self.columns(table).await?;
        let pairs: Vec<String> = columns
            .iter()
            .map(
                |(c, blob)| {
                    if *blob { format!("'{c}', '\\x' || lower(hex(\"{c}\"))") } else { format!("'{c}', \"{c}\"") }
                },
            )
            .collect();
        let order = if columns.iter().any(|(c, _)| c == "id") { "id" } else { "1" };
        let sql = format!("SELECT json_object({}) FROM \"{table}\" ORDER BY {order}", pairs.join(", "));
        let rows: Vec<(String,)> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|(json,)| serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("{table}: {e}"))))
            .collect()
    }

    pub(crate) async fn restore_rows(&self, table: &str, rows: &[serde_json::Value]) -> Result<(), StoreError> {
        known(table)?;
        let columns = self.columns(table).await?;
        let list: Vec<String> = columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
        let values: Vec<String> = columns
            .iter()
            .map(|(c, blob)| {
                if *blob {
                    format!("unhex(substr(json_extract(?1, '$.\"{c}\"'), 3))")
                } else {
                    format!("json_extract(?1, '$.\"{c}\"')")
                }
            })
            .collect();
        let sql = format!("INSERT INTO \"{table}\" ({}) VALUES ({})", list.join(", "), values.join(", "));
        let mut tx = self.begin().await?;
        if table == "site_keys" {
            // The restored site takes the archived site's keys (and so its avatars and tokens).
            sqlx::query("DELETE FROM site_keys").execute(&mut *tx).await?;
        }
        for row in rows {
            sqlx::query(AssertSqlSafe(sql.clone())).bind(row.to_string()).execute(&mut *tx).await?;
        }
        if table == "posts" {
            sqlx::query("INSERT INTO post_search (rowid, title, body) SELECT id, title, text FROM posts")
                .execute(&mut *tx)
                .await?;
        }
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
