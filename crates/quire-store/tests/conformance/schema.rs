//! Migrations, the schema version, and the PostgreSQL server the suite expects.

use quire_store::testing::{TestDatabase, pg_required, pg_server_url};
use quire_store::{Store, StoreError};

use crate::support::Fixture;

on_both_backends!(
    migrating_twice_is_harmless_and_a_database_from_a_newer_quire_is_refused,
    every_table_is_archived_or_knowingly_left_out
);

async fn migrating_twice_is_harmless_and_a_database_from_a_newer_quire_is_refused(f: &Fixture) {
    f.store.migrate().await.unwrap();
    f.store.ping().await.unwrap();
    // Simulate a newer binary's migration having run.
    if f.is_postgres() {
        let pool = sqlx::PgPool::connect(&f.url).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99990101000000, 'future', TRUE, '\\x00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&f.url).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             VALUES (99990101000000, 'future', '2099-01-01', 1, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let store = Store::connect(&f.url).await.unwrap();
    let refused = store.migrate().await;
    assert!(matches!(refused, Err(StoreError::SchemaTooNew { .. })), "{refused:?}");
    store.close().await;
}

/// Tables and their columns, sorted, leaving out what only one backend has by design: the
/// migration bookkeeping, SQLite's FTS5 tables and PostgreSQL's generated tsvector column.
async fn columns_of(f: &Fixture) -> Vec<(String, String)> {
    let mut columns: Vec<(String, String)> = if f.is_postgres() {
        let pool = sqlx::PgPool::connect(&f.url).await.unwrap();
        let rows = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
             AND NOT (table_name = 'posts' AND column_name = 'search')",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows
    } else {
        let pool = sqlx::SqlitePool::connect(&f.url).await.unwrap();
        let rows = sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'post_search%' \
             AND m.name <> '_sqlx_migrations'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows
    };
    columns.sort();
    columns
}

async fn migration_versions(f: &Fixture) -> Vec<i64> {
    let sql = "SELECT version FROM _sqlx_migrations ORDER BY version";
    let rows: Vec<(i64,)> = if f.is_postgres() {
        let pool = sqlx::PgPool::connect(&f.url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&f.url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
    };
    rows.into_iter().map(|(v,)| v).collect()
}

#[tokio::test]
async fn both_backends_have_the_same_migrations_tables_and_columns() {
    // A migration added for one backend only fails here, before it fails a user.
    let Some(pg) = crate::support::postgres("schema::both_backends_have_the_same_tables").await else { return };
    let lite = crate::support::sqlite().await;
    assert_eq!(
        migration_versions(&lite).await,
        migration_versions(&pg).await,
        "migrations/sqlite vs migrations/postgres"
    );
    let (lite, pg) = (columns_of(&lite).await, columns_of(&pg).await);
    assert!(lite.contains(&("comments".into(), "guest_key".into())), "the listing sees the tables: {lite:?}");
    let only = |a: &[(String, String)], b: &[(String, String)]| {
        a.iter().filter(|c| !b.contains(c)).cloned().collect::<Vec<_>>()
    };
    assert!(
        only(&lite, &pg).is_empty() && only(&pg, &lite).is_empty(),
        "only on SQLite: {:?}; only on PostgreSQL: {:?}",
        only(&lite, &pg),
        only(&pg, &lite)
    );
}

#[tokio::test]
async fn postgres_is_reachable_when_required() {
    // CI sets QUIRE_REQUIRE_PG=1; elsewhere this says plainly that the PostgreSQL half was skipped.
    match TestDatabase::try_create().await {
        Ok(db) => {
            let store = Store::connect(&db.url).await.unwrap();
            store.ping().await.unwrap();
            store.close().await;
        }
        Err(why) if pg_required() => panic!("PostgreSQL is required (QUIRE_REQUIRE_PG=1): {why}"),
        Err(why) => eprintln!("SKIP PostgreSQL conformance: {why} (server {})", pg_server_url()),
    }
}

#[tokio::test]
async fn a_bad_postgres_url_is_a_setup_error_not_a_panic() {
    let refused = Store::connect("postgres://nobody@127.0.0.1:1/none?connect_timeout=2").await;
    assert!(matches!(refused, Err(StoreError::Setup(_))), "{:?}", refused.err());
    let garbage = Store::connect("postgres://[::1").await;
    assert!(matches!(garbage, Err(StoreError::Setup(_))), "{:?}", garbage.err());
}

async fn every_table_is_archived_or_knowingly_left_out(f: &Fixture) {
    // A new table must say whether `quire export` and `quire copy` carry it: forgetting loses data.
    let mut tables: Vec<String> = columns_of(f).await.into_iter().map(|(table, _)| table).collect();
    tables.dedup();
    for table in &tables {
        let archived = quire_store::ARCHIVE_TABLES.contains(&table.as_str());
        let left_out = quire_store::NOT_ARCHIVED_TABLES.contains(&table.as_str());
        assert!(
            archived != left_out,
            "table {table}: archived {archived}, left out {left_out}; it must be exactly one"
        );
    }
    for listed in quire_store::ARCHIVE_TABLES.iter().chain(quire_store::NOT_ARCHIVED_TABLES) {
        assert!(tables.iter().any(|t| t == listed), "{listed} is listed but is not a table");
    }
}
