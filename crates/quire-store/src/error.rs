//! Errors of the store. Callers match on the kinds they can explain (a duplicate slug, a missing
//! row); everything else is `Database` and is logged once at the edge.

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. a slug or email already taken).
    #[error("{0} is already taken")]
    Conflict(String),
    /// A referenced row does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The URL or feature is not supported by this build.
    #[error("{0}")]
    Unsupported(String),
    /// The database was written by a newer Quire than this one.
    #[error(
        "the database schema (version {found}) is newer than this Quire understands (version {known}); upgrade Quire"
    )]
    SchemaTooNew {
        /// Newest migration in the database.
        found: i64,
        /// Newest migration this binary has.
        known: i64,
    },
    /// A stored value could not be read back (corruption or a hand-edited row).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database could not be opened or migrated.
    #[error("database set-up failed: {0}")]
    Setup(String),
    /// A rate-limit bucket is empty; try again after this many seconds.
    #[error("too many requests; try again in {0} seconds")]
    RateLimited(u32),
    /// Any other database failure.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the failure is the database being unreachable or overloaded (worth a 503).
    pub fn is_unavailable(&self) -> bool {
        match self {
            // A server (or a proxy in front of it) that accepts the connection and then drops it
            // or talks nonsense shows up as a protocol or TLS error while connecting.
            StoreError::Database(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::Tls(_),
            ) => true,
            StoreError::Database(sqlx::Error::Database(db)) => {
                db.code().is_some_and(|code| is_unavailable_state(&code))
            }
            _ => false,
        }
    }
}

/// SQLSTATEs that mean "the server is not there for you right now" rather than "your query is
/// wrong": connection exceptions (class 08), shutdowns and start-ups (57P01–57P03), and too many
/// connections (53300). SQLite reports none of these.
fn is_unavailable_state(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_losses_and_shutdowns_are_unavailability_and_query_errors_are_not() {
        for code in ["08000", "08006", "08001", "57P01", "57P02", "57P03", "53300"] {
            assert!(is_unavailable_state(code), "{code}");
        }
        for code in ["23505", "42P01", "22P02", "40001"] {
            assert!(!is_unavailable_state(code), "{code}");
        }
    }
}
