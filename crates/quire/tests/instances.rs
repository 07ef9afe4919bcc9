//! Several `quire serve` processes over one PostgreSQL database, as behind a load balancer: a
//! comment accepted by one is on every instance's next page view, a session made on one works on
//! the others, a queued mail is sent by exactly one of them, and killing one (SIGKILL, mid-stream)
//! loses no acknowledged comment. Needs PostgreSQL and the SMTP sink (aiosmtpd); says so and skips
//! without them, and fails instead when `QUIRE_REQUIRE_PG=1` / `QUIRE_REQUIRE_SMTP=1`.
#![expect(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quire_store::testing::{TestDatabase, count};

/// One running `quire serve`.
struct Instance {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Instance {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn quire(args: &[&str], data_dir: &Path, database_url: &str, stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .env("QUIRE_DATA_DIR", data_dir)
        .env("QUIRE_DATABASE_URL", database_url)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "quire {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Starts an instance with its own data directory (as on its own machine) and waits until ready.
async fn start(root: &Path, name: &str, database_url: &str, smtp_port: u16, demo: bool) -> Instance {
    let data_dir = root.join(name);
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::write(
        data_dir.join("quire.toml"),
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"none\"\n\
             from = \"Quire <noreply@quire.test>\"\nretry_seconds = 0.3\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = root.join(format!("{name}.log"));
    let mut args = vec!["serve".to_string(), "--bind".into(), format!("127.0.0.1:{port}"), "--site-url".into()];
    args.push(base.clone());
    if !demo {
        args.push("--no-demo".into());
    }
    let child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(&args)
        .env("QUIRE_DATA_DIR", &data_dir)
        .env("QUIRE_DATABASE_URL", database_url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let instance = Instance { child, base, log };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(instance.url("/readyz")).send().await
            && r.status().is_success()
        {
            return instance;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} did not become ready: {}", std::fs::read_to_string(&instance.log).unwrap_or_default());
}

/// The `value` of the input named `name` in `html`.
fn field(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no field {name}"));
    let tag_end = at + html[at..].find('>').unwrap();
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..tag_end];
    let value = tag.split("value=\"").nth(1).unwrap_or_default();
    value[..value.find('"').unwrap_or(0)].replace("&#x2f;", "/").replace("&#x2F;", "/").replace("&amp;", "&")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Posts a comment through the form of the instance at `base`; the status code answered (0: the
/// instance did not answer). With an `email`, the reader asks to be notified (a mail job).
async fn comment(client: &reqwest::Client, base: &str, post: &str, text: &str, email: Option<&str>) -> u16 {
    let Ok(page) = client.get(format!("{base}{post}")).send().await else { return 0 };
    let Ok(html) = page.text().await else { return 0 };
    let mut form = vec![
        ("comment_post_ID", field(&html, "comment_post_ID")),
        ("quire_token", field(&html, "quire_token")),
        ("comment", text.to_string()),
        ("author", "Ruth".to_string()),
        ("email", email.unwrap_or("ruth@example.org").to_string()),
    ];
    if email.is_some() {
        form.push(("subscribe", "1".to_string()));
    }
    match client.post(format!("{base}/comments")).form(&form).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

async fn page(instance: &Instance, path: &str) -> String {
    // A fresh client: an anonymous reader, served from the instance's page cache when it can.
    reqwest::get(instance.url(path)).await.unwrap().text().await.unwrap()
}

fn smtp_sink() -> Option<(Child, u16, tempfile::TempDir)> {
    let required = std::env::var("QUIRE_REQUIRE_SMTP").is_ok_and(|v| v == "1");
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/python/bin/python");
    let python = std::env::var("QUIRE_SMTP_PYTHON").map(PathBuf::from).unwrap_or(tools);
    let ok = Command::new(&python).args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
    if !ok {
        assert!(!required, "QUIRE_REQUIRE_SMTP=1 but no Python with aiosmtpd at {}", python.display());
        eprintln!("SKIP several instances: no Python with aiosmtpd (run scripts/test)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../quire-web/tests/fixtures/smtp_sink.py");
    let mut child =
        Command::new(&python).arg(script).arg(dir.path()).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let port = line.trim().trim_start_matches("PORT ").parse().unwrap();
    Some((child, port, dir))
}

/// Recipients of every mail the sink holds.
fn recipients(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().extension().is_some_and(|x| x == "json") {
            let mail: serde_json::Value = serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
            for to in mail["rcpt_tos"].as_array().unwrap() {
                out.push(to.as_str().unwrap().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_over_one_postgresql_share_comments_sessions_and_jobs_and_survive_a_kill() {
    let Some(db) = TestDatabase::create("instances_over_one_postgresql").await else { return };
    let Some((mut sink, smtp_port, mail_dir)) = smtp_sink() else { return };
    let root = tempfile::tempdir().unwrap();
    let url = db.url.clone();

    let a = start(root.path(), "a", &url, smtp_port, true).await;
    let policy = r#"{"min_fill_seconds": 0, "hold_first_comment": false}"#;
    quire(&["settings", "set", "comment_policy", policy], &root.path().join("a"), &url, None);
    let rate = r#"{"per_ip": 100000.0, "per_subnet": 100000.0, "seconds": 1.0}"#;
    quire(&["settings", "set", "comment_rate", rate], &root.path().join("a"), &url, None);
    quire(&["settings", "set", "comment_threads_per_page", "0"], &root.path().join("a"), &url, None);
    let b = start(root.path(), "b", &url, smtp_port, false).await;
    let c = start(root.path(), "c", &url, smtp_port, false).await;
    let home = page(&b, "/").await;
    let post = home
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .find(|href| href.contains("never-let-me-go"))
        .expect("the demo essay is on B's home page")
        .replace("&#x2f;", "/");
    // Links may be absolute (the site URL) or relative; keep the path.
    let post = match post.find("://") {
        Some(at) => post[at + 3..].find('/').map(|p| post[at + 3 + p..].to_string()).unwrap(),
        None => post.to_string(),
    };

    // 1. A comment accepted on one instance is on the others' very next page view, cache or not.
    let instances = [&a, &b, &c];
    let writer = client();
    for round in 0..6 {
        let (on, then) = (instances[round % 3], instances[(round + 1) % 3]);
        let before = page(then, &post).await;
        let _cached = page(then, &post).await;
        let text = format!("Round {round}: Kathy remembers Hailsham.");
        assert!(!before.contains(&text));
        let email = format!("reader{round}@example.org");
        let status = comment(&writer, &on.base, &post, &text, Some(&email)).await;
        assert_eq!(status, 303, "round {round}");
        for other in instances {
            assert!(page(other, &post).await.contains(&text), "round {round}: {} is stale", other.base);
        }
    }

    // 2. A session made on one instance works on another, and signing out there ends it everywhere.
    quire(
        &["user", "add", "--email", "ed@example.org", "--name", "Ed", "--role", "admin"],
        &root.path().join("a"),
        &url,
        Some("a long enough password\n"),
    );
    let staff = client();
    let login = staff.get(a.url("/admin/login")).send().await.unwrap().text().await.unwrap();
    let form = [
        ("email", "ed@example.org".to_string()),
        ("password", "a long enough password".to_string()),
        ("csrf_token", field(&login, "csrf_token")),
    ];
    let signed_in = staff.post(a.url("/admin/login")).form(&form).send().await.unwrap();
    assert_eq!(signed_in.status().as_u16(), 303, "sign-in on A");
    let account = staff.get(c.url("/admin/account")).send().await.unwrap();
    assert_eq!(account.status().as_u16(), 200, "A's session on C");
    let account = account.text().await.unwrap();
    assert!(account.contains("ed@example.org"));
    let logout = [("csrf_token", field(&account, "csrf_token"))];
    let out = staff.post(c.url("/admin/logout")).form(&logout).send().await.unwrap();
    assert_eq!(out.status().as_u16(), 303, "sign-out on C");
    let after = staff.get(a.url("/admin/account")).send().await.unwrap();
    assert_ne!(after.status().as_u16(), 200, "signed out on C means signed out on A");

    // 3. Each comment queued a confirmation mail to its writer; three workers claim the same
    //    table, and each mail goes out exactly once.
    //    The post's author hears of each approved comment too.
    let mut expected: Vec<String> = (0..6).map(|round| format!("reader{round}@example.org")).collect();
    expected.extend(std::iter::repeat_n("writer@demo.quire.invalid".to_string(), 6));
    expected.sort();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while recipients(mail_dir.path()).len() < expected.len() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(recipients(mail_dir.path()), expected, "each mail once, by one instance");

    // 4. SIGKILL an instance while readers post to it: every comment it acknowledged is kept, and
    //    the others go on serving.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let b_base = b.base.clone();
    let mut posters = Vec::new();
    for worker in 0..4 {
        let acknowledged = acknowledged.clone();
        let (base, post) = (b_base.clone(), post.clone());
        posters.push(tokio::spawn(async move {
            let client = client();
            for n in 0.. {
                let text = format!("Kill test {worker}-{n}: Tommy's animals.");
                match comment(&client, &base, &post, &text, None).await {
                    303 => acknowledged.lock().unwrap().push(text),
                    0 => break,
                    status => panic!("B answered {status}"),
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut b = b;
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    for poster in posters {
        poster.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 4, "B acknowledged comments before it was killed: {}", acknowledged.len());
    let on_a = page(&a, &post).await;
    for text in &acknowledged {
        assert!(on_a.contains(text), "acknowledged by B, lost: {text}");
    }
    let half_written = count(&url, "SELECT COUNT(*) FROM comments WHERE html = '' OR path = ''").await;
    assert_eq!(half_written, 0);
    assert_eq!(comment(&writer, &c.base, &post, "After the kill.", None).await, 303);
    assert!(page(&a, &post).await.contains("After the kill."));
    let _ = sink.kill();
    let _ = sink.wait();
}

/// A TCP relay to PostgreSQL that the test can cut (every connection dropped, new ones refused
/// at once) and mend, to play a database that goes away under a running Quire.
struct Relay {
    port: u16,
    open: Arc<std::sync::atomic::AtomicBool>,
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(upstream: u16) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let (is_open, held) = (open.clone(), connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !is_open.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection closed
                }
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().unwrap().push(relay.abort_handle());
            }
        });
        Relay { port, open, connections, task }
    }

    fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    fn mend(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_database_gets_503_with_retry_after_while_cached_pages_keep_serving() {
    let Some(db) = TestDatabase::create("a_lost_database_gets_503").await else { return };
    let Some((mut sink, smtp_port, _mail_dir)) = smtp_sink() else { return };
    let upstream = url::Url::parse(&db.url).unwrap().port().unwrap_or(5432);
    let relay = Relay::start(upstream).await;
    let mut through = url::Url::parse(&db.url).unwrap();
    through.set_port(Some(relay.port)).unwrap();
    let root = tempfile::tempdir().unwrap();
    let quire = start(root.path(), "a", through.as_str(), smtp_port, true).await;
    let home = reqwest::get(quire.url("/")).await.unwrap();
    assert_eq!(home.status().as_u16(), 200);

    relay.cut();
    let cached = reqwest::get(quire.url("/")).await.unwrap();
    assert_eq!(cached.status().as_u16(), 200, "a page in the cache needs no database");
    let fresh = reqwest::get(quire.url("/2020/01/")).await.unwrap();
    let log = || std::fs::read_to_string(&quire.log).unwrap_or_default();
    assert_eq!(fresh.status().as_u16(), 503, "an uncached page without its database: {}", log());
    assert!(fresh.headers().get("retry-after").is_some(), "503 says when to come back");
    let body = fresh.text().await.unwrap();
    assert!(body.to_lowercase().contains("try again"), "a plain message: {body}");

    relay.mend();
    let mut status = 0;
    for _ in 0..100 {
        status = reqwest::get(quire.url("/2020/01/")).await.unwrap().status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, 200, "back once the database is: {}", std::fs::read_to_string(&quire.log).unwrap_or_default());
    let _ = sink.kill();
    let _ = sink.wait();
}
