//! Migrations, the schema version, and the PostgreSQL server the suite expects.

use quire_store::testing::{TestDatabase, pg_required, pg_server_url};
use quire_store::{Store, StoreError};

use crate::support::Fixture;

on_both_backends!(migrating_twice_is_harmless_and_a_database_from_a_newer_quire_is_refused);

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
