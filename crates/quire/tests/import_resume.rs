//! `quire import wordpress` killed mid-way (SIGKILL: no chance to tidy up) and run again: every
//! post and comment of the file ends up there exactly once, and neither the killed run nor the
//! resumed one ever leaves a post without its terms, comments, redirect or import record (each
//! post is written whole in one transaction). On SQLite, and on PostgreSQL when reachable.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use quire_formats::synthetic::{Shape, write_wxr};
use quire_store::testing::{TestDatabase, count, try_count};

/// Big enough that the import is still running when the first posts are in.
const SHAPE: Shape = Shape { posts: 1_200, comments: 12_000 };

fn import(file: &Path, dir: &Path, url: &str, report: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_quire"));
    command
        .args(["import", "wordpress"])
        .arg(file)
        .arg("--data-dir")
        .arg(dir)
        .args(["--database-url", url, "--report"])
        .arg(dir.join(report))
        .env_remove("QUIRE_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Imported posts missing any part of what the file gives them: comments (as many as the shape
/// spreads onto that post), terms (three on posts, none on pages), the redirect from `/?p=N`.
fn half_written() -> String {
    let base = SHAPE.comments / SHAPE.posts;
    let extra = SHAPE.comments % SHAPE.posts;
    format!(
        "SELECT COUNT(*) FROM posts p JOIN import_items i ON i.kind = 'post' AND i.quire_id = p.id \
         WHERE (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id) \
                <> {base} + CASE WHEN CAST(i.source_id AS INTEGER) <= {extra} THEN 1 ELSE 0 END \
            OR (SELECT COUNT(*) FROM post_terms t WHERE t.post_id = p.id) \
                <> CASE WHEN p.kind = 'page' THEN 0 ELSE 3 END \
            OR NOT EXISTS (SELECT 1 FROM redirects r WHERE r.from_path = '/?p=' || i.source_id)"
    )
}

async fn assert_nothing_half_written(url: &str, when: &str) {
    assert_eq!(count(url, &half_written()).await, 0, "{when}: a post is missing some of its parts");
    let posts = count(url, "SELECT COUNT(*) FROM posts").await;
    let recorded = count(url, "SELECT COUNT(*) FROM import_items WHERE kind = 'post'").await;
    assert_eq!(posts, recorded, "{when}: a post without its import record, or a record without its post");
    let comments = count(url, "SELECT COUNT(*) FROM comments").await;
    let recorded = count(url, "SELECT COUNT(*) FROM import_items WHERE kind = 'comment'").await;
    assert_eq!(comments, recorded, "{when}: a comment without its import record");
    let orphans = "SELECT COUNT(*) FROM comments c WHERE c.parent_id IS NOT NULL AND NOT EXISTS \
                   (SELECT 1 FROM comments p WHERE p.id = c.parent_id AND p.post_id = c.post_id)";
    assert_eq!(count(url, orphans).await, 0, "{when}: a reply without its parent");
}

async fn killed_then_resumed(dir: &Path, url: &str) {
    let file = dir.join("export.xml");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    write_wxr(&mut out, &SHAPE).unwrap();
    drop(out);

    let mut first = import(&file, dir, url, "first.json").spawn().unwrap();
    let started = Instant::now();
    loop {
        assert!(first.try_wait().unwrap().is_none(), "the import ended before it could be killed mid-way");
        // Until the run has made the database and its tables, there is nothing to count.
        if try_count(url, "SELECT COUNT(*) FROM posts").await.is_ok_and(|n| n >= 20) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no post was imported in two minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let before = count(url, "SELECT COUNT(*) FROM posts").await;
    let total = i64::from(SHAPE.posts);
    assert!(before >= 20 && before < total, "killed after {before} of {total} posts: not mid-way");
    assert_nothing_half_written(url, "after the kill").await;

    let second = import(&file, dir, url, "second.json").status().unwrap();
    assert!(second.success(), "the resumed import failed: {second}");
    assert_eq!(count(url, "SELECT COUNT(*) FROM posts").await, total);
    assert_eq!(count(url, "SELECT COUNT(DISTINCT title) FROM posts").await, total);
    assert_eq!(count(url, "SELECT COUNT(*) FROM comments").await, i64::from(SHAPE.comments));
    let replies = count(url, "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL").await;
    assert_eq!(replies, i64::from(SHAPE.replies()));
    assert_nothing_half_written(url, "after the resumed run").await;

    // The second run found what the first had written and made only the rest.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("second.json")).unwrap()).unwrap();
    let counts = &report["counts"];
    let number = |kind: &str, which: &str| counts[kind][which].as_i64().unwrap_or(0);
    assert_eq!(number("posts", "existing") + number("pages", "existing"), before, "{report}");
    assert_eq!(number("posts", "created") + number("pages", "created"), total - before, "{report}");
    assert_eq!(report["failed"].as_array().map(Vec::len), Some(0), "{report}");
}

#[tokio::test]
async fn a_killed_import_resumes_with_every_post_and_comment_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("quire.db").display());
    killed_then_resumed(dir.path(), &url).await;
}

#[tokio::test]
async fn a_killed_import_resumes_with_every_post_and_comment_once_on_postgres() {
    let Some(db) = TestDatabase::create("a_killed_import_resumes_on_postgres").await else { return };
    let dir = tempfile::tempdir().unwrap();
    killed_then_resumed(dir.path(), &db.url).await;
}
