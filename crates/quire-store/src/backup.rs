//! Snapshots for `quire backup`. SQLite copies itself: `VACUUM INTO` writes one read
//! transaction's view of the whole database to a new file while writers go on (WAL lets them),
//! so the copy holds every row committed before it began and no half-written one. PostgreSQL is
//! backed up with `pg_dump` (see `docs/backup.md`); the store has no part in it, so there is no
//! backend method to dispatch to.

use std::path::Path;

use crate::{ARCHIVE_TABLES, Store, StoreError};

/// What a check of a snapshot file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotCheck {
    /// What `PRAGMA integrity_check` and `PRAGMA foreign_key_check` reported; empty when sound.
    pub problems: Vec<String>,
    /// Rows in each archive table, in [`ARCHIVE_TABLES`] order.
    pub rows: Vec<(String, u64)>,
}

impl Store {
    /// Writes a consistent copy of the whole SQLite database to `path`, a file that must not
    /// exist yet. Refused on PostgreSQL, whose backups `pg_dump` makes.
    pub async fn snapshot_into(&self, path: &Path) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.snapshot_into(path).await,
            Store::Postgres(_) => {
                Err(StoreError::Unsupported("a PostgreSQL database is backed up with pg_dump".into()))
            }
        }
    }
}

/// Opens the SQLite file at `path` read only (nothing about it changes, not even its journal
/// mode) and checks it: integrity, foreign keys, and the rows of every archive table.
pub async fn check_sqlite_snapshot(path: &Path) -> Result<SnapshotCheck, StoreError> {
    crate::sqlite::check_snapshot(path, ARCHIVE_TABLES).await
}
