//! The `quire` binary as a user meets it: help, one-line errors with exit codes 0/1/2, first run,
//! user creation, and a clean stop on SIGTERM.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn quire(args: &[&str], data_dir: &std::path::Path) -> Output {
    quire_with_stdin(args, data_dir, None)
}

fn quire_with_stdin(args: &[&str], data_dir: &std::path::Path, stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .env("QUIRE_DATA_DIR", data_dir)
        .env_remove("QUIRE_DATABASE_URL")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

fn assert_one_line_failure(output: &Output, code: i32, needle: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err:?}");
    assert!(err.starts_with("quire: "), "{err:?}");
    assert!(err.to_lowercase().contains(&needle.to_lowercase()), "{err:?} does not mention {needle:?}");
}

#[test]
fn every_command_documents_itself() {
    let dir = tempfile::tempdir().unwrap();
    for args in
        [&["--help"][..], &["serve", "--help"], &["migrate", "--help"], &["user", "--help"], &["user", "add", "--help"]]
    {
        let out = quire(args, dir.path());
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Usage:"), "{args:?}: {help}");
    }
    let serve = String::from_utf8_lossy(&quire(&["serve", "--help"], dir.path()).stdout).to_string();
    for flag in ["--bind", "--data-dir", "--database-url", "--no-demo", "--config"] {
        assert!(serve.contains(flag), "serve --help lacks {flag}");
    }
}

#[test]
fn a_bad_flag_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_one_line_failure(&quire(&["serve", "--bogus"], dir.path()), 2, "--bogus");
    assert_one_line_failure(&quire(&["serve", "--bind", "not-an-address"], dir.path()), 2, "not-an-address");
    assert_one_line_failure(
        &quire(&["user", "add", "--email", "a@b.example", "--name", "A", "--role", "king"], dir.path()),
        2,
        "king",
    );
}

#[test]
fn a_bad_config_file_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("quire.toml"), "bind = \"127.0.0.1:0\"\nthme = \"ink\"\n").unwrap();
    assert_one_line_failure(&quire(&["serve", "--print-config"], dir.path()), 2, "thme");
    std::fs::write(dir.path().join("quire.toml"), "bind = [").unwrap();
    assert_one_line_failure(&quire(&["migrate"], dir.path()), 2, "quire.toml");
    assert_one_line_failure(&quire(&["--config", "/no/such/file.toml", "migrate"], dir.path()), 2, "does not exist");
}

#[test]
fn print_config_shows_what_flags_environment_and_file_decided() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("quire.toml"), "theme = \"ink\"\n").unwrap();
    let out = quire(&["serve", "--print-config", "--site-url", "https://blog.example.org/"], dir.path());
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("theme = \"ink\""), "{printed}");
    assert!(printed.contains("site_url = \"https://blog.example.org/\""), "{printed}");
}

#[test]
fn a_port_in_use_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    assert_one_line_failure(&quire(&["serve", "--bind", &address], dir.path()), 1, "in use");
}

#[test]
fn an_unusable_data_directory_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let inside_a_file = file.join("data");
    let out = quire(&["migrate"], &inside_a_file);
    assert_one_line_failure(&out, 1, "data directory");
}

#[test]
fn user_add_takes_the_password_from_stdin_or_generates_one() {
    let dir = tempfile::tempdir().unwrap();
    let piped = quire_with_stdin(
        &["user", "add", "--email", "ruth@hailsham.example", "--name", "Ruth", "--role", "admin"],
        dir.path(),
        Some("a long enough password\n"),
    );
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    let said = String::from_utf8_lossy(&piped.stdout);
    assert!(said.contains("admin account for ruth@hailsham.example"), "{said}");
    assert!(!said.contains("password (shown once"), "a given password is not printed");

    let generated =
        quire(&["user", "add", "--email", "tommy@hailsham.example", "--name", "Tommy", "--role", "author"], dir.path());
    assert_eq!(generated.status.code(), Some(0), "{}", stderr(&generated));
    let said = String::from_utf8_lossy(&generated.stdout);
    let last = said.trim_end().lines().last().unwrap();
    assert_eq!(last.len(), 20, "the generated password is alone on the last line: {said}");

    let again = quire_with_stdin(
        &["user", "add", "--email", "RUTH@hailsham.example", "--name", "Ruth 2", "--role", "editor"],
        dir.path(),
        Some("another long password\n"),
    );
    assert_one_line_failure(&again, 2, "already taken");
    let short = quire_with_stdin(
        &["user", "add", "--email", "k@h.example", "--name", "K", "--role", "editor"],
        dir.path(),
        Some("short\n"),
    );
    assert_one_line_failure(&short, 2, "password");
    let bad_email = quire_with_stdin(
        &["user", "add", "--email", "not-an-email", "--name", "K", "--role", "editor"],
        dir.path(),
        Some("long enough pw\n"),
    );
    assert_one_line_failure(&bad_email, 2, "email");
}

#[test]
fn serve_loads_the_demo_then_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path())
        .env("QUIRE_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let ready = loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Read;
            stream
                .write_all(b"GET /2020/01/01/never-let-me-go/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            break answer;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "quire did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{}", &ready[..ready.len().min(200)]);
    assert!(dir.path().join("quire.db").exists(), "the database was created in the data dir");
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("\"request_id\""), "request ids are logged: {log}");
    assert!(log.contains("/admin/setup?token="), "no account can sign in yet, so the set-up link is logged: {log}");
}

#[tokio::test]
async fn an_admin_made_with_user_add_signs_in_and_closes_first_run_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let made = quire_with_stdin(
        &["user", "add", "--email", "emily@hailsham.example", "--name", "Emily", "--role", "admin"],
        dir.path(),
        Some("a long enough password\n"),
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let config = quire_app::Config { data_dir: dir.path().to_path_buf(), demo: false, ..Default::default() };
    let app = quire_app::App::open(config).await.unwrap();
    let attempt = quire_app::accounts::SignIn {
        email: "emily@hailsham.example".into(),
        password: "a long enough password".into(),
        ..Default::default()
    };
    let signed_in = app.sign_in(attempt).await.unwrap();
    assert_eq!(signed_in.user.role, quire_core::Role::Admin);
    let session = app.staff_session(&signed_in.secret).await.unwrap().unwrap();
    assert!(session.may(quire_core::Action::ManageSettings));
    assert!(app.setup_url().await.unwrap().is_none(), "no set-up link once an admin exists");
}

#[test]
fn settings_can_be_shown_and_changed_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let set = quire(&["settings", "set", "comment_policy", r#"{"min_fill_seconds": 0}"#], dir.path());
    assert_eq!(set.status.code(), Some(0), "{}", stderr(&set));
    let shown = quire(&["settings", "show", "comment_policy"], dir.path());
    let policy: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(policy["min_fill_seconds"], 0);
    assert_eq!(policy["max_depth"], 5, "the rest of the policy is kept");

    assert_one_line_failure(&quire(&["settings", "set", "titel", r#""x""#], dir.path()), 2, "not a setting");
    assert_one_line_failure(&quire(&["settings", "set", "posts_per_page", "ten"], dir.path()), 2, "not JSON");
    assert_one_line_failure(&quire(&["settings", "set", "posts_per_page", r#""ten""#], dir.path()), 2, "invalid");
    let kept = quire(&["settings", "show", "posts_per_page"], dir.path());
    assert_eq!(String::from_utf8_lossy(&kept.stdout).trim(), "10", "a refused change writes nothing");
}

fn fixture(name: &str) -> String {
    format!("{}/../quire-formats/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn import_wordpress_prints_a_summary_writes_a_report_and_a_second_run_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("theme-preview.xml");
    let dry = quire(&["import", "wordpress", &file, "--dry-run"], dir.path());
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let out = String::from_utf8_lossy(&dry.stdout).to_string();
    assert!(out.contains("Worth A Thousand Words") && out.contains("would import"), "{out}");
    let first = quire(&["import", "wordpress", &file], dir.path());
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let out = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(out.contains("wordpress imported: ") && out.contains("posts"), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("import-report.json")).unwrap()).unwrap();
    let posts = report["counts"]["posts"]["created"].as_u64().unwrap();
    assert!(posts >= 5, "{report}");
    let again =
        quire(&["import", "wordpress", &file, "--report", dir.path().join("again.json").to_str().unwrap()], dir.path());
    assert_eq!(again.status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("again.json")).unwrap()).unwrap();
    assert_eq!(report["counts"]["posts"]["created"], 0, "{report}");
    assert_eq!(report["counts"]["posts"]["existing"].as_u64(), Some(posts));
}

#[test]
fn a_broken_export_exits_2_naming_the_item_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("theme-preview.xml")).unwrap();
    let cut = text.find("<title>Elements</title>").unwrap() + 40;
    let file = dir.path().join("cut.xml");
    std::fs::write(&file, &text[..cut]).unwrap();
    let out = quire(&["import", "wordpress", file.to_str().unwrap()], dir.path());
    assert_one_line_failure(&out, 2, "Elements");
    assert!(stderr(&out).contains("line 34"), "{}", stderr(&out));
    assert_one_line_failure(&quire(&["import", "wordpress", "/no/such.xml"], dir.path()), 2, "/no/such.xml");
}

#[test]
fn export_then_import_quire_restores_a_site_and_wxr_export_writes_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("theme-preview.xml");
    assert_eq!(quire(&["import", "wordpress", &file], dir.path()).status.code(), Some(0));
    let archive = dir.path().join("archive");
    let out = quire(&["export", archive.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(archive.join("quire.json").is_file());
    let wxr = dir.path().join("site.xml");
    let out = quire(&["export", "--format", "wxr", wxr.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&wxr).unwrap().contains("<wp:wxr_version>1.2</wp:wxr_version>"));
    let fresh = tempfile::tempdir().unwrap();
    let out = quire(&["import", "quire", archive.to_str().unwrap()], fresh.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("posts"));
    assert_one_line_failure(&quire(&["import", "quire", archive.to_str().unwrap()], fresh.path()), 2, "not empty");
}

#[test]
fn import_ghost_reads_a_ghost_export_and_refuses_a_broken_one_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = quire(&["import", "ghost", &fixture("ghost.json")], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ghost imported: "));
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n\"db\": [\n").unwrap();
    assert_one_line_failure(&quire(&["import", "ghost", broken.to_str().unwrap()], dir.path()), 2, "line 3");
}
