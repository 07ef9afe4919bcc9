//! Moving a whole site between databases (`quire copy`): every archive table, row by row, with
//! each value turned from the source backend's stored form into the target's. The two backends
//! store the same columns, but SQLite keeps booleans as 0/1, JSON as text and times as UTC text,
//! where PostgreSQL has `boolean`, `jsonb` and `timestamptz`; PostgreSQL's catalogue says which
//! column is which.

use serde_json::Value;

use crate::{ARCHIVE_TABLES, Store, StoreError, timestamp};

/// How a column's values differ between the backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Portable {
    /// The same JSON on both sides (text, numbers, bytes as `\x…` hex).
    Plain,
    /// `boolean` on PostgreSQL, 0/1 on SQLite.
    Bool,
    /// `jsonb` on PostgreSQL, JSON text on SQLite.
    Json,
    /// `timestamptz` on PostgreSQL, RFC 3339 UTC text with microseconds on SQLite.
    Time,
}

impl Portable {
    /// The kind of a PostgreSQL column from its `information_schema` data type.
    pub(crate) fn of_pg_type(data_type: &str) -> Portable {
        match data_type {
            "boolean" => Portable::Bool,
            "json" | "jsonb" => Portable::Json,
            "timestamp with time zone" | "timestamp without time zone" => Portable::Time,
            _ => Portable::Plain,
        }
    }
}

/// Which way a row travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Same,
    SqliteToPostgres,
    PostgresToSqlite,
}

/// What one table's copy moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedTable {
    /// The table.
    pub table: String,
    /// Rows written.
    pub rows: usize,
}

/// Copies every archive table from `from` into `to`, which must be migrated and empty (no posts
/// and no accounts). Each table is written in one transaction; `progress` hears of each table once
/// it is done.
pub async fn copy_site(
    from: &Store,
    to: &Store,
    mut progress: impl FnMut(&CopiedTable),
) -> Result<Vec<CopiedTable>, StoreError> {
    if !to.is_empty().await? || to.count_users().await? > 0 {
        return Err(StoreError::Conflict("the target site is not empty; copy into a fresh database".into()));
    }
    let direction = match (from, to) {
        (Store::Sqlite(_), Store::Postgres(_)) => Direction::SqliteToPostgres,
        (Store::Postgres(_), Store::Sqlite(_)) => Direction::PostgresToSqlite,
        _ => Direction::Same,
    };
    let mut copied = Vec::new();
    for table in ARCHIVE_TABLES {
        let mut rows = from.export_rows(table).await?;
        let kinds = match (direction, from, to) {
            (Direction::Same, _, _) => Vec::new(),
            (_, Store::Postgres(pg), _) | (_, _, Store::Postgres(pg)) => pg.portable_columns(table).await?,
            _ => Vec::new(),
        };
        for row in &mut rows {
            convert_row(row, &kinds, direction)?;
        }
        to.restore_rows(table, &rows).await?;
        let done = CopiedTable { table: table.to_string(), rows: rows.len() };
        progress(&done);
        copied.push(done);
    }
    Ok(copied)
}

fn convert_row(row: &mut Value, kinds: &[(String, Portable)], direction: Direction) -> Result<(), StoreError> {
    let Some(object) = row.as_object_mut() else {
        return Err(StoreError::Corrupt("an exported row is not an object".into()));
    };
    for (column, kind) in kinds {
        if let Some(value) = object.get_mut(column) {
            *value = convert_value(std::mem::take(value), *kind, direction)
                .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))?;
        }
    }
    Ok(())
}

fn convert_value(value: Value, kind: Portable, direction: Direction) -> Result<Value, String> {
    if value.is_null() {
        return Ok(value);
    }
    Ok(match (direction, kind) {
        (Direction::Same, _) | (_, Portable::Plain) => value,
        (Direction::SqliteToPostgres, Portable::Bool) => Value::Bool(value.as_i64().map(|n| n != 0).unwrap_or(false)),
        (Direction::SqliteToPostgres, Portable::Json) => match value {
            Value::String(text) => serde_json::from_str(&text).map_err(|e| format!("stored JSON is invalid: {e}"))?,
            other => other,
        },
        (Direction::SqliteToPostgres, Portable::Time) => value,
        (Direction::PostgresToSqlite, Portable::Bool) => Value::from(i64::from(value.as_bool().unwrap_or(false))),
        (Direction::PostgresToSqlite, Portable::Json) => Value::String(value.to_string()),
        (Direction::PostgresToSqlite, Portable::Time) => {
            let text = value.as_str().ok_or("a time that is not text")?;
            let at = timestamp::from_db(text).map_err(|e| e.to_string())?;
            Value::String(timestamp::to_db(at))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_take_each_backends_stored_form() {
        let to_pg = Direction::SqliteToPostgres;
        let to_lite = Direction::PostgresToSqlite;
        assert_eq!(convert_value(json!(1), Portable::Bool, to_pg), Ok(json!(true)));
        assert_eq!(convert_value(json!(false), Portable::Bool, to_lite), Ok(json!(0)));
        assert_eq!(convert_value(json!("[1,{\"a\":2}]"), Portable::Json, to_pg), Ok(json!([1, {"a": 2}])));
        assert_eq!(convert_value(json!({"a": [1]}), Portable::Json, to_lite), Ok(json!("{\"a\":[1]}")));
        assert_eq!(
            convert_value(json!("2026-11-24T08:30:00.5+02:00"), Portable::Time, to_lite),
            Ok(json!("2026-11-24T06:30:00.500000Z"))
        );
        assert_eq!(convert_value(Value::Null, Portable::Time, to_lite), Ok(Value::Null));
        assert_eq!(convert_value(json!("x"), Portable::Plain, to_pg), Ok(json!("x")));
        assert!(convert_value(json!("{not json"), Portable::Json, to_pg).is_err());
    }
}
