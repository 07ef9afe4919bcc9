//! A real SMTP server on loopback for the mail tests: Python's aiosmtpd running
//! `tests/fixtures/smtp_sink.py`, which saves every message it accepts. Tests skip (saying why)
//! when Python or aiosmtpd is missing, and fail instead when `QUIRE_REQUIRE_SMTP=1`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use quire_app::config::{SmtpConfig, SmtpSecurity};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// One message the sink received.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Envelope recipients.
    pub rcpt_tos: Vec<String>,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The text/plain part, decoded.
    pub text: String,
    /// The text/html part, decoded.
    pub html: String,
}

impl Mail {
    /// A header's value (first of that name, case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether it went to `address`.
    pub fn is_to(&self, address: &str) -> bool {
        self.rcpt_tos.iter().any(|r| r.eq_ignore_ascii_case(address))
    }

    /// The subject.
    pub fn subject(&self) -> &str {
        self.header("subject").unwrap_or_default()
    }

    /// The first URL in the text part whose path starts with `path`, made relative to the site.
    pub fn link(&self, path: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .filter_map(|word| word.find("://").map(|i| &word[i + 3..]))
            .filter_map(|rest| rest.find('/').map(|i| &rest[i..]))
            .find(|p| p.starts_with(path))
            .map(str::to_string)
    }
}

/// A running sink; stopped when dropped.
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
    _child: Child,
}

fn python() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("QUIRE_SMTP_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/python/bin/python");
    if tools.exists() {
        return Some(tools);
    }
    Some(PathBuf::from("python3"))
}

fn has_aiosmtpd(python: &Path) -> bool {
    std::process::Command::new(python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl SmtpSink {
    /// A sink on a free port, or `None` (after saying why) when it cannot run here.
    pub async fn start() -> Option<SmtpSink> {
        Self::start_on(0).await
    }

    /// A sink on `port` (0: any free one).
    pub async fn start_on(port: u16) -> Option<SmtpSink> {
        let required = std::env::var("QUIRE_REQUIRE_SMTP").is_ok_and(|v| v == "1");
        let python = python().filter(|p| has_aiosmtpd(p));
        let Some(python) = python else {
            let why = "no Python with aiosmtpd (run scripts/test, or set QUIRE_SMTP_PYTHON)";
            assert!(!required, "QUIRE_REQUIRE_SMTP=1 but {why}");
            eprintln!("skipped: {why}");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smtp_sink.py");
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(dir.path())
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP sink did not start in 20 s")
            .unwrap()
            .expect("the SMTP sink exited before it was ready");
        let port = line.trim_start_matches("PORT ").trim().parse().unwrap();
        Some(SmtpSink { port, dir, _child: child })
    }

    /// The `[smtp]` table that sends to this sink, retrying quickly.
    pub fn config(&self) -> SmtpConfig {
        config_for_port(self.port)
    }

    /// Every message received so far, in order.
    pub fn mails(&self) -> Vec<Mail> {
        read_mails(self.dir.path())
    }

    /// Waits up to 20 s for the messages matching `pick` to number `n`, and returns them.
    pub async fn wait_for(&self, n: usize, pick: impl Fn(&Mail) -> bool) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let found: Vec<Mail> = self.mails().into_iter().filter(|m| pick(m)).collect();
            if found.len() >= n || tokio::time::Instant::now() > deadline {
                assert!(found.len() >= n, "expected {n} mails, got {}: {found:#?}", found.len());
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until mail has had time to go (the worker is idle), then the messages matching `pick`.
    pub async fn settle(&self, app: &quire_app::App, pick: impl Fn(&Mail) -> bool) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while app.store().pending_jobs().await.unwrap() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.mails().into_iter().filter(|m| pick(m)).collect()
    }
}

/// An `[smtp]` table for a plain server on 127.0.0.1:`port` with quick retries.
pub fn config_for_port(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "Quire Tests <noreply@quire.test>".into(),
        timeout_seconds: 5.0,
        retry_seconds: 0.3,
        max_attempts: 8,
    }
}

fn read_mails(dir: &Path) -> Vec<Mail> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .filter_map(|path| {
            let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
            let strings = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            Some(Mail {
                rcpt_tos: json["rcpt_tos"].as_array()?.iter().map(strings).collect(),
                headers: json["headers"].as_array()?.iter().map(|h| (strings(&h[0]), strings(&h[1]))).collect(),
                text: strings(&json["text"]),
                html: strings(&json["html"]),
            })
        })
        .collect()
}
