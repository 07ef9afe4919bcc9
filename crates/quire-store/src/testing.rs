//! Throw-away PostgreSQL databases for tests (feature `test-support`): each test gets a database
//! of its own on the server named by `QUIRE_TEST_PG_URL`, so tests run in parallel, and the
//! database is dropped when its guard goes, even when the test panics. When the server does not
//! answer, tests skip with a line saying so, unless `QUIRE_REQUIRE_PG=1` makes that a failure.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The server tests use: `QUIRE_TEST_PG_URL`, else the local default with an explicit user (the
/// client would otherwise use the OS user's name).
pub fn pg_server_url() -> String {
    std::env::var("QUIRE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Whether a missing PostgreSQL must fail the tests instead of skipping them (`QUIRE_REQUIRE_PG=1`).
pub fn pg_required() -> bool {
    std::env::var("QUIRE_REQUIRE_PG").is_ok_and(|v| v == "1")
}

/// Why the server could not be used, remembered so that only the first test waits for it.
static UNREACHABLE: OnceLock<Option<String>> = OnceLock::new();

/// A database made for one test, dropped with this guard.
pub struct TestDatabase {
    /// URL of the new database, for `Store::connect`.
    pub url: String,
    name: String,
    server: String,
}

impl TestDatabase {
    /// Creates an empty database for the test called `test`. `None` (after printing a SKIP line)
    /// when PostgreSQL is unreachable; panics instead when PostgreSQL is required.
    pub async fn create(test: &str) -> Option<TestDatabase> {
        match Self::try_create().await {
            Ok(db) => Some(db),
            Err(why) if pg_required() => panic!("{test}: PostgreSQL is required (QUIRE_REQUIRE_PG=1): {why}"),
            Err(why) => {
                eprintln!("SKIP {test} on PostgreSQL: {why}");
                // Once per test binary, past the harness's output capture, so that a run that
                // passes still says plainly that its PostgreSQL half did not run.
                static SAID: AtomicBool = AtomicBool::new(false);
                if !SAID.swap(true, Ordering::Relaxed) {
                    let line =
                        format!("SKIP the PostgreSQL half of these tests: {why} (QUIRE_REQUIRE_PG=1 fails instead)\n");
                    let _ = std::io::stderr().write_all(line.as_bytes());
                }
                None
            }
        }
    }

    /// Creates an empty database, or says why it could not.
    pub async fn try_create() -> Result<TestDatabase, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let server = pg_server_url();
        if let Some(Some(why)) = UNREACHABLE.get() {
            return Err(why.clone());
        }
        let mut admin = match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(&server)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(remember(format!("PostgreSQL at {server} is not reachable: {e}"))),
            Err(_) => return Err(remember(format!("PostgreSQL at {server} did not answer in 5 s"))),
        };
        let _ = UNREACHABLE.set(None);
        let name = format!("quire_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut admin)
            .await
            .map_err(|e| format!("cannot clear {name}: {e}"))?;
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .map_err(|e| format!("cannot create {name}: {e}"))?;
        let _ = admin.close().await;
        let url = database_url(&server, &name).ok_or_else(|| format!("cannot name {name} in {server}"))?;
        Ok(TestDatabase { url, name, server })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn remember(why: String) -> String {
    let _ = UNREACHABLE.set(Some(why.clone()));
    why
}

/// `server` with its database path replaced by `name`, query string kept.
fn database_url(server: &str, name: &str) -> Option<String> {
    let (scheme, rest) = server.split_once("://")?;
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next()?;
    let mut url = format!("{scheme}://{authority}/{name}");
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    Some(url)
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs outside any async context we could borrow (and maybe while unwinding), so the
        // database is dropped from a thread of its own; FORCE ends the test's open connections.
        let (server, name) = (self.server.clone(), self.name.clone());
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&server).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(e) = sqlx::query(AssertSqlSafe(sql)).execute(&mut admin).await {
                        eprintln!("could not drop test database {name}: {e}");
                    }
                    let _ = admin.close().await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// The single number `sql` (a `SELECT COUNT(*) …`) answers on the database at `url`, for tests
/// outside this crate that check rows the store has no call for.
pub async fn count(url: &str, sql: &str) -> i64 {
    match try_count(url, sql).await {
        Ok(n) => n,
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// Like [`count`], but says why it could not count (the database or table is not there yet,
/// e.g. while another process is still creating it).
pub async fn try_count(url: &str, sql: &str) -> Result<i64, String> {
    let run = async {
        if url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(url).await?;
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&pool).await?;
            pool.close().await;
            Ok::<i64, sqlx::Error>(n)
        } else {
            let pool = sqlx::SqlitePool::connect(url).await?;
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&pool).await?;
            pool.close().await;
            Ok(n)
        }
    };
    run.await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn the_test_database_replaces_the_servers_database_and_keeps_options() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "quire_test_1_0").as_deref(),
            Some("postgres://postgres@127.0.0.1:5432/quire_test_1_0")
        );
        assert_eq!(
            database_url("postgresql://u:p@db/x?sslmode=disable", "t").as_deref(),
            Some("postgresql://u:p@db/t?sslmode=disable")
        );
        assert_eq!(database_url("postgres://h", "t").as_deref(), Some("postgres://h/t"));
    }
}
