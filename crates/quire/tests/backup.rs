//! `quire backup OUT`: on SQLite a snapshot taken while readers keep commenting holds every
//! comment acknowledged before it began, passes SQLite's own checks, and restored (served from
//! OUT) has every row of every archive table; on PostgreSQL the printed `pg_dump` command and
//! `--run` both make a dump that `pg_restore` brings back row for row.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use quire_store::testing::TestDatabase;
use quire_store::{ARCHIVE_TABLES, Store, check_sqlite_snapshot};
use tokio::sync::Mutex;

/// Runs the binary on the site in `data_dir` (its database at `database_url`, or the data
/// directory's SQLite file).
fn quire(args: &[&str], data_dir: &Path, database_url: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_quire"));
    command.args(args).env("QUIRE_DATA_DIR", data_dir).env_remove("QUIRE_PG_DUMP");
    match database_url {
        Some(url) => command.env("QUIRE_DATABASE_URL", url),
        None => command.env_remove("QUIRE_DATABASE_URL"),
    };
    command.stdin(Stdio::null()).output().unwrap()
}

fn succeeded(args: &[&str], output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "quire {args:?}: {}{stdout}", String::from_utf8_lossy(&output.stderr));
    stdout
}

/// A site whose comment form takes comments at once and without limits, as a load test needs.
fn open_comment_policy(data_dir: &Path, database_url: Option<&str>) {
    for args in [
        &["migrate"][..],
        &["settings", "set", "comment_policy", r#"{"min_fill_seconds": 0, "hold_first_comment": false}"#],
        &["settings", "set", "comment_rate", r#"{"per_ip": 100000.0, "per_subnet": 100000.0, "seconds": 1.0}"#],
    ] {
        succeeded(args, &quire(args, data_dir, database_url));
    }
}

/// A running `quire serve`, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(data_dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_quire"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--site-url", &base])
            .env("QUIRE_DATA_DIR", data_dir)
            .env_remove("QUIRE_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server { child, base };
        for _ in 0..300 {
            if let Ok(r) = reqwest::get(format!("{}/readyz", server.base)).await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("quire serve on {} did not become ready", data_dir.display());
    }

    /// Stops the server as an operator would (SIGTERM) and waits for it.
    fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }

    /// The path of the demo essay, as the home page links it.
    async fn essay(&self) -> String {
        let home = reqwest::get(format!("{}/", self.base)).await.unwrap().text().await.unwrap();
        let href = home
            .split("href=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .find(|href| href.contains("never-let-me-go"))
            .expect("the demo essay is on the home page")
            .replace("&#x2f;", "/")
            .replace("&#x2F;", "/");
        match href.find("://") {
            Some(at) => href[at + 3..].find('/').map(|p| href[at + 3 + p..].to_string()).unwrap(),
            None => href,
        }
    }
}

/// The `value` of the input named `name` in `html`.
fn field(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no field {name}"));
    let tag_end = at + html[at..].find('>').unwrap();
    let tag_start = html[..at].rfind('<').unwrap();
    let value = html[tag_start..tag_end].split("value=\"").nth(1).unwrap_or_default();
    value[..value.find('"').unwrap_or(0)].replace("&#x2f;", "/").replace("&#x2F;", "/").replace("&amp;", "&")
}

/// Posts a comment through the form; whether it was acknowledged (303).
async fn comment(base: &str, post: &str, text: &str) -> bool {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let Ok(page) = client.get(format!("{base}{post}")).send().await else { return false };
    let Ok(html) = page.text().await else { return false };
    let form = [
        ("comment_post_ID", field(&html, "comment_post_ID")),
        ("quire_token", field(&html, "quire_token")),
        ("comment", text.to_string()),
        ("author", "Ruth".to_string()),
        ("email", "ruth@example.org".to_string()),
    ];
    client.post(format!("{base}/comments")).form(&form).send().await.is_ok_and(|r| r.status().as_u16() == 303)
}

/// Writers posting comments until told to stop; each acknowledged comment's text and when the
/// acknowledgement arrived.
struct Writers {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(String, Instant)>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    fn start(base: &str, post: &str, count: usize) -> Writers {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let tasks = (0..count)
            .map(|writer| {
                let (stop, acked, base, post) = (stop.clone(), acked.clone(), base.to_string(), post.to_string());
                tokio::spawn(async move {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let text = format!("Writer {writer}, comment {n}: Kathy remembers Hailsham.");
                        if comment(&base, &post, &text).await {
                            acked.lock().await.push((text, Instant::now()));
                        }
                    }
                })
            })
            .collect();
        Writers { stop, acked, tasks }
    }

    async fn until(&self, at_least: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.acked.lock().await.len() < at_least {
            assert!(Instant::now() < deadline, "the writers could not post {at_least} comments");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn stop(self) -> Vec<(String, Instant)> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.unwrap();
        }
        Arc::try_unwrap(self.acked).unwrap().into_inner()
    }
}

/// The Markdown source of every comment in the database at `url`.
async fn comment_texts(url: &str) -> Vec<String> {
    let store = Store::connect(url).await.unwrap();
    let rows = store.export_rows("comments").await.unwrap();
    store.close().await;
    rows.iter().map(|r| r["markdown"].as_str().unwrap_or_default().to_string()).collect()
}

/// Every row of every archive table of the database at `url`.
async fn archive(url: &str) -> Vec<(&'static str, Vec<serde_json::Value>)> {
    let store = Store::connect(url).await.unwrap();
    let mut tables = Vec::new();
    for table in ARCHIVE_TABLES {
        tables.push((*table, store.export_rows(table).await.unwrap()));
    }
    store.close().await;
    tables
}

fn assert_same_archive(original: &[(&str, Vec<serde_json::Value>)], restored: &[(&str, Vec<serde_json::Value>)]) {
    assert_eq!(original.len(), restored.len());
    for ((table, before), (_, after)) in original.iter().zip(restored) {
        assert_eq!(before.len(), after.len(), "{table}: {} rows, {} restored", before.len(), after.len());
        for (b, a) in before.iter().zip(after) {
            assert_eq!(b, a, "{table}: a row differs after the restore");
        }
    }
    let comments = original.iter().find(|(t, _)| *t == "comments").map(|(_, rows)| rows.len()).unwrap();
    assert!(comments > 50, "the site compared holds the demo's comments and more ({comments})");
}

/// The files under `dir`, relative, with their bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_readers_comment_holds_every_earlier_comment_and_passes_the_integrity_check() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("site");
    open_comment_policy(&site, None);
    let server = Server::start(&site).await;
    let post = server.essay().await;
    let writers = Writers::start(&server.base, &post, 3);
    writers.until(20).await;

    let out = root.path().join("backup");
    let started = Instant::now();
    let args = ["backup", out.to_str().unwrap()];
    let backup = tokio::task::spawn_blocking({
        let (site, args) = (site.clone(), args.map(str::to_string));
        move || quire(&args.iter().map(String::as_str).collect::<Vec<_>>(), &site, None)
    })
    .await
    .unwrap();
    let finished = Instant::now();
    let so_far = writers.acked.lock().await.len();
    writers.until(so_far + 10).await;
    let acked = writers.stop().await;
    let said = succeeded(&args, &backup);
    assert!(said.contains("integrity ok"), "{said}");

    let during = acked.iter().filter(|(_, at)| *at > started && *at < finished).count();
    assert!(during > 0, "comments were acknowledged while the backup ran");
    let snapshot = out.join("quire.db");
    let check = check_sqlite_snapshot(&snapshot).await.unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let saved = comment_texts(&format!("sqlite://{}", snapshot.display())).await;
    for (text, at) in &acked {
        if *at <= started {
            assert!(saved.contains(text), "acknowledged before the backup began, missing from it: {text}");
        }
    }
    // Nothing in the snapshot that the site does not have.
    let live = comment_texts(&format!("sqlite://{}", site.join("quire.db").display())).await;
    assert!(saved.iter().all(|t| live.contains(t)));
    assert!(saved.len() < live.len(), "comments acknowledged after the backup are not in it");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restored_backup_has_every_row_of_every_archive_table_and_serves_the_site() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("site");
    open_comment_policy(&site, None);
    let server = Server::start(&site).await;
    let post = server.essay().await;
    let writers = Writers::start(&server.base, &post, 2);
    writers.until(10).await;
    let acked = writers.stop().await;

    let out = root.path().join("backup");
    let args = ["backup", out.to_str().unwrap()];
    succeeded(&args, &quire(&args, &site, None));
    server.stop();
    // Backing up into a directory that holds something is refused, the earlier backup untouched.
    let again = quire(&args, &site, None);
    assert_eq!(again.status.code(), Some(2), "{}", String::from_utf8_lossy(&again.stderr));

    let original = archive(&format!("sqlite://{}", site.join("quire.db").display())).await;
    let media = files(&site.join("media"));
    assert!(!media.is_empty(), "the demo's figures are media files");
    assert_eq!(files(&out.join("media")), media, "every media file, byte for byte");
    // Restore: serve from the backup directory, then compare with the original, row for row.
    let restored = Server::start(&out).await;
    let page = reqwest::get(format!("{}{post}", restored.base)).await.unwrap().text().await.unwrap();
    for (text, _) in &acked {
        assert!(page.contains(text.as_str()), "the restored site shows {text}");
    }
    restored.stop();
    assert_same_archive(&original, &archive(&format!("sqlite://{}", out.join("quire.db").display())).await);
}

/// `pg_dump` and `pg_restore` on PATH or in Debian's PostgreSQL 15 directory.
fn pg_tools() -> Option<PathBuf> {
    let on_path = Command::new("pg_dump").arg("--version").output().is_ok_and(|o| o.status.success());
    if on_path {
        return Some(PathBuf::new());
    }
    let debian = PathBuf::from("/usr/lib/postgresql/15/bin");
    debian.join("pg_dump").is_file().then_some(debian)
}

/// A PostgreSQL site holding the demo and an account.
fn pg_site(data_dir: &Path, url: &str) {
    let args = ["user", "add", "--email", "ed@example.org", "--name", "Ed", "--role", "admin"];
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .env("QUIRE_DATA_DIR", data_dir)
        .env("QUIRE_DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
    succeeded(&args, &child.wait_with_output().unwrap());
}

fn sh(line: &str, tools: &Path) -> Output {
    let path = format!("{}:{}", tools.display(), std::env::var("PATH").unwrap_or_default());
    Command::new("sh").args(["-c", line]).env("PATH", path).output().unwrap()
}

#[tokio::test]
async fn the_printed_pg_dump_command_makes_a_dump_that_restores_every_row() {
    let Some(source) = TestDatabase::create("printed_pg_dump_command").await else { return };
    let root = tempfile::tempdir().unwrap();
    pg_site(root.path(), &source.url);
    let out = root.path().join("backup");
    let args = ["backup", out.to_str().unwrap()];
    let said = succeeded(&args, &quire(&args, root.path(), Some(&source.url)));
    let dump_line = said.lines().find(|l| l.starts_with("mkdir -p ")).unwrap_or_else(|| panic!("{said}"));
    let restore_line = said.lines().find(|l| l.starts_with("pg_restore ")).unwrap_or_else(|| panic!("{said}"));
    assert!(dump_line.contains("pg_dump --format=custom"), "{dump_line}");
    assert!(!out.exists(), "without --run nothing is written");
    let Some(tools) = pg_tools() else {
        eprintln!("SKIP running the printed command: pg_dump is not installed");
        return;
    };
    let dumped = sh(dump_line, &tools);
    assert!(dumped.status.success(), "{dump_line}: {}", String::from_utf8_lossy(&dumped.stderr));

    let target = TestDatabase::create("printed_pg_dump_command_restore").await.unwrap();
    let name = target.url.rsplit('/').next().unwrap();
    let restored = sh(&restore_line.replace("NEW_DATABASE", name), &tools);
    assert!(restored.status.success(), "{restore_line}: {}", String::from_utf8_lossy(&restored.stderr));
    assert_same_archive_pg(&source.url, &target.url).await;
}

#[tokio::test]
async fn backup_run_dumps_postgresql_and_pg_restore_brings_every_row_back() {
    let Some(source) = TestDatabase::create("backup_run_pg_dump").await else { return };
    let Some(tools) = pg_tools() else {
        eprintln!("SKIP quire backup --run: pg_dump is not installed");
        return;
    };
    let root = tempfile::tempdir().unwrap();
    pg_site(root.path(), &source.url);
    let out = root.path().join("backup");
    let pg_dump = tools.join("pg_dump");
    let pg_dump = if tools.as_os_str().is_empty() { "pg_dump".to_string() } else { pg_dump.display().to_string() };
    let args = ["backup", "--run", "--pg-dump", &pg_dump, out.to_str().unwrap()];
    let said = succeeded(&args, &quire(&args, root.path(), Some(&source.url)));
    assert!(said.contains("quire.pgdump"), "{said}");
    assert_eq!(files(&out.join("media")), files(&root.path().join("media")), "the media files are copied too");

    let target = TestDatabase::create("backup_run_pg_dump_restore").await.unwrap();
    let file = out.join("quire.pgdump");
    let restore = format!("pg_restore --no-owner --no-privileges --dbname={} {}", target.url, file.display());
    let restored = sh(&restore, &tools);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    assert_same_archive_pg(&source.url, &target.url).await;

    // A pg_dump that cannot be run is said in one line, with exit code 1.
    let other = root.path().join("other");
    let args = ["backup", "--run", "--pg-dump", "/no/such/pg_dump", other.to_str().unwrap()];
    let failed = quire(&args, root.path(), Some(&source.url));
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("cannot run /no/such/pg_dump"));
}

async fn assert_same_archive_pg(source: &str, target: &str) {
    // The source got the demo (50 comments) and an account; both must be back.
    let original = archive(source).await;
    let users = original.iter().find(|(t, _)| *t == "users").map(|(_, rows)| rows.len()).unwrap();
    assert!(users >= 1);
    let restored = archive(target).await;
    for ((table, before), (_, after)) in original.iter().zip(&restored) {
        assert_eq!(before, after, "{table} differs after pg_restore");
    }
    let comments = original.iter().find(|(t, _)| *t == "comments").map(|(_, rows)| rows.len()).unwrap();
    assert_eq!(comments, 50, "the demo's comments are compared");
}
