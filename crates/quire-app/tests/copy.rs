//! `quire copy`'s engine: the demo site plus WordPress's theme test data moved from SQLite to
//! PostgreSQL and back, every archived row and every rendered page compared at each hop.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use std::io::BufReader;

use quire_app::import::ImportOptions;
use quire_app::reading::ReaderQuery;
use quire_app::{App, Config, ConfigOverrides};
use quire_store::testing::TestDatabase;

async fn open(dir: &std::path::Path, database_url: Option<String>, demo: bool) -> App {
    let overrides =
        ConfigOverrides { data_dir: Some(dir.to_path_buf()), database_url, demo: Some(demo), ..Default::default() };
    App::open(Config::load(None, &overrides).unwrap()).await.unwrap()
}

/// Every page a reader can reach from the site's posts, terms and home, as the app resolves it.
async fn pages(app: &App, paths: &[String]) -> Vec<(String, String)> {
    let query = ReaderQuery::default();
    let mut out = Vec::new();
    for path in paths {
        let page = app.resolve(path, &query).await.map(|r| format!("{r:?}")).map_err(|e| e.to_string());
        out.push((path.clone(), format!("{page:?}")));
    }
    out
}

async fn paths_of(app: &App) -> Vec<String> {
    let mut paths = vec!["/".to_string(), "/page/2/".into(), "/category/parent-category/".into()];
    let settings = app.settings().await;
    for row in app.store().export_rows("posts").await.unwrap() {
        let post = app.store().post(quire_core::PostId(row["id"].as_i64().unwrap())).await.unwrap().unwrap();
        paths.push(app.post_path(&post, &settings));
    }
    paths
}

async fn rows(app: &App) -> Vec<(String, Vec<serde_json::Value>)> {
    let mut out = Vec::new();
    for table in quire_store::ARCHIVE_TABLES {
        out.push((table.to_string(), app.store().export_rows(table).await.unwrap()));
    }
    out
}

/// A JSON column's text as the value it holds (PostgreSQL's jsonb keeps keys in its own order,
/// so the text may come back reordered); any other value as it is.
fn as_json(value: &serde_json::Value) -> serde_json::Value {
    match value.as_str().map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(parsed)) if parsed.is_object() || parsed.is_array() => parsed,
        _ => value.clone(),
    }
}

#[tokio::test]
async fn a_site_copied_to_postgresql_and_back_keeps_every_row_and_every_page() {
    let Some(pg) = TestDatabase::create("a_site_copied_to_postgresql_and_back").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let original = open(&dir.path().join("a"), None, true).await;
    let wxr = format!("{}/../quire-formats/tests/fixtures/themeunittestdata.wordpress.xml", env!("CARGO_MANIFEST_DIR"));
    let input = Box::new(BufReader::new(std::fs::File::open(wxr).unwrap()));
    original.import_wordpress(input, &ImportOptions::default(), &|_| {}).await.unwrap();
    original.update_setting("title", serde_json::json!("Copied")).await.unwrap();
    let paths = paths_of(&original).await;
    assert!(paths.len() > 30, "the fixture site has its posts: {}", paths.len());
    let expected_pages = pages(&original, &paths).await;
    let expected_rows = rows(&original).await;

    // SQLite → PostgreSQL.
    let target = quire_store::Store::connect(&pg.url).await.unwrap();
    target.migrate().await.unwrap();
    let mut heard = Vec::new();
    let copied = quire_store::copy_site(original.store(), &target, |t| heard.push(t.table.clone())).await.unwrap();
    assert_eq!(heard.len(), quire_store::ARCHIVE_TABLES.len());
    for ((table, expected), done) in expected_rows.iter().zip(&copied) {
        assert_eq!((&done.table, done.rows), (table, expected.len()), "rows copied");
    }
    target.close().await;
    let on_pg = open(&dir.path().join("a"), Some(pg.url.clone()), false).await;
    assert_eq!(pages(&on_pg, &paths).await, expected_pages, "PostgreSQL serves the same pages");

    // A second copy into the now full database is refused, and changes nothing.
    let again = quire_store::copy_site(original.store(), on_pg.store(), |_| {}).await;
    assert!(matches!(again, Err(quire_store::StoreError::Conflict(_))), "{again:?}");

    // PostgreSQL → a fresh SQLite file: every row as it was, byte for byte.
    let back_url = format!("sqlite://{}", dir.path().join("b.db").display());
    let back = quire_store::Store::connect(&back_url).await.unwrap();
    back.migrate().await.unwrap();
    quire_store::copy_site(on_pg.store(), &back, |_| {}).await.unwrap();
    back.close().await;
    let round_trip = open(&dir.path().join("a"), Some(back_url), false).await;
    let got = rows(&round_trip).await;
    for ((table, expected), (_, got)) in expected_rows.iter().zip(&got) {
        assert_eq!(expected.len(), got.len(), "rows of {table}");
        for (a, b) in expected.iter().zip(got) {
            assert_eq!(a.as_object().unwrap().len(), b.as_object().unwrap().len(), "columns of {table}");
            for (column, value) in a.as_object().unwrap() {
                let (want, have) = (as_json(value), b.get(column).map(as_json));
                assert_eq!(Some(want), have, "{table}.{column} of {} after SQLite → PostgreSQL → SQLite", a["id"]);
            }
        }
    }
    assert_eq!(pages(&round_trip, &paths).await, expected_pages, "the round trip serves the same pages");
}

#[tokio::test]
async fn lists_read_from_the_replica_once_it_caught_up_and_from_the_primary_while_it_lags() {
    let Some(primary) = TestDatabase::create("replica_primary").await else { return };
    let Some(replica) = TestDatabase::create("replica_replica").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let seeded = open(dir.path(), Some(primary.url.clone()), true).await;
    // The replica: a copy of the primary, as streaming replication would hold it, with its post
    // titles marked so that a read served from it shows.
    let copy = quire_store::Store::connect(&replica.url).await.unwrap();
    copy.migrate().await.unwrap();
    quire_store::copy_site(seeded.store(), &copy, |_| {}).await.unwrap();
    copy.close().await;
    let marked = "WITH u AS (UPDATE posts SET title = 'Seen on the replica' WHERE kind = 'post' RETURNING 1) \
                  SELECT COUNT(*) FROM u";
    assert!(quire_store::testing::count(&replica.url, marked).await > 0);
    let version = seeded.version();
    let caught_up = format!(
        "WITH u AS (UPDATE meta SET value = {version} WHERE key = 'content_version' RETURNING 1) SELECT COUNT(*) FROM u"
    );
    quire_store::testing::count(&replica.url, &caught_up).await;

    let overrides = ConfigOverrides {
        data_dir: Some(dir.path().to_path_buf()),
        database_url: Some(primary.url.clone()),
        demo: Some(false),
        ..Default::default()
    };
    let mut config = Config::load(None, &overrides).unwrap();
    config.database_read_url = Some(replica.url.clone());
    let app = App::open(config).await.unwrap();
    let query = ReaderQuery::default();
    let home = format!("{:?}", app.resolve("/", &query).await.unwrap());
    assert!(home.contains("Seen on the replica"), "a caught-up replica serves the home page's list");
    let found = format!("{:?}", app.search("Hailsham", 1).await.unwrap());
    assert!(found.contains("Seen on the replica"), "and search");
    let essay = paths_of(&app).await.into_iter().find(|p| p.contains("never-let-me-go")).unwrap();
    let post = format!("{:?}", app.resolve(&essay, &query).await.unwrap());
    assert!(!post.contains("Seen on the replica"), "a post page reads the primary");

    // A write the replica has not replayed: lists go back to the primary until it catches up.
    app.update_setting("title", serde_json::json!("After a write")).await.unwrap();
    let home = format!("{:?}", app.resolve("/", &query).await.unwrap());
    assert!(!home.contains("Seen on the replica") && home.contains("Ishiguro"), "a lagging replica is not read");
}
