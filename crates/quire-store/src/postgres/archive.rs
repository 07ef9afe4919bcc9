//! Whole tables as JSON rows on PostgreSQL, for Quire's portable archive: `row_to_json` out,
//! `json_populate_record` in, ids kept and identity sequences moved past them.

use sqlx::AssertSqlSafe;

use super::{PgStore, bump_version};
use crate::copy::Portable;
use crate::{ARCHIVE_TABLES, StoreError};

fn known(table: &str) -> Result<(), StoreError> {
    if ARCHIVE_TABLES.contains(&table) { Ok(()) } else { Err(StoreError::NotFound(format!("table {table}"))) }
}

impl PgStore {
    async fn has_id(&self, table: &str) -> Result<bool, StoreError> {
        let (found,): (bool,) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id')",
        )
        .bind(table)
        .fetch_one(&self.pool)
        .await?;
        Ok(found)
    }

    /// Each column of `table` with how its values differ from SQLite's stored form.
    pub(crate) async fn portable_columns(&self, table: &str) -> Result<Vec<(String, Portable)>, StoreError> {
        known(table)?;
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'",
        )
        .bind(table)
        .fetch_all(&self.pool)
        .await?;
        Ok(columns.into_iter().map(|(column, data_type)| (column, Portable::of_pg_type(&data_type))).collect())
    }

    pub(crate) async fn export_rows(&self, table: &str) -> Result<Vec<serde_json::Value>, StoreError> {
        known(table)?;
        // The generated search column is derived from the row; it is not part of the archive.
        let order = if self.has_id(table).await? { "t.id" } else { "1" };
        let sql = format!("SELECT to_jsonb(t) - 'search' FROM \"{table}\" t ORDER BY {order}");
        let rows: Vec<(serde_json::Value,)> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    pub(crate) async fn restore_rows(&self, table: &str, rows: &[serde_json::Value]) -> Result<(), StoreError> {
        known(table)?;
        let columns: Vec<(String,)> = sqlx::query_as(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&self.pool)
        .await?;
        let list: Vec<String> = columns.iter().map(|(c,)| format!("\"{c}\"")).collect();
        let sql = format!(
            "INSERT INTO \"{table}\" ({0}) OVERRIDING SYSTEM VALUE SELECT {0} FROM jsonb_populate_record(NULL::\"{table}\", $1)",
            list.join(", ")
        );
        let mut tx = self.begin().await?;
        if table == "site_keys" {
            // The restored site takes the archived site's keys (and so its avatars and tokens).
            sqlx::query("DELETE FROM site_keys").execute(&mut *tx).await?;
        }
        for row in rows {
            sqlx::query(AssertSqlSafe(sql.clone())).bind(sqlx::types::Json(row)).execute(&mut *tx).await?;
        }
        if self.has_id(table).await? {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), GREATEST((SELECT MAX(id) FROM \"{table}\"), 1))"
            );
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
        bump_version(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
