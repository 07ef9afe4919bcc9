//! A real S3-compatible server for tests: moto in server mode, started on a free loopback port
//! with the Python named by `QUIRE_MOTO_PYTHON` (a venv with `moto[server]`), stopped on drop.
//! Without it, [`Moto::start`] says why, and `QUIRE_REQUIRE_S3=1` makes that a failure.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{MediaConfig, StoreKind};

/// A running moto server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Moto {
    /// Starts moto, or explains why it cannot (no Python, no moto). Panics when it cannot and
    /// `QUIRE_REQUIRE_S3=1`.
    pub fn start_or_skip() -> Option<Moto> {
        match Moto::start() {
            Ok(moto) => Some(moto),
            Err(why) if std::env::var("QUIRE_REQUIRE_S3").as_deref() == Ok("1") => {
                panic!("QUIRE_REQUIRE_S3=1, but no S3 server: {why}")
            }
            Err(why) => {
                eprintln!(
                    "skipped: no S3-compatible server ({why}); set QUIRE_MOTO_PYTHON to a Python with moto[server]"
                );
                None
            }
        }
    }

    /// Starts moto on a free loopback port and waits until it answers.
    pub fn start() -> Result<Moto, String> {
        let python = python();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let child = Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {python}: {e}"))?;
        let mut moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                return Err(format!("{python} -m moto.server exited with {status} (is moto[server] installed?)"));
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(moto);
            }
            if Instant::now() > deadline {
                return Err("moto did not start listening within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Creates `bucket` (moto takes unsigned requests) and returns a `[media]` table using it.
    pub async fn bucket(&self, bucket: &str) -> Result<MediaConfig, String> {
        let client = reqwest::Client::new();
        let response = client
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .map_err(|e| format!("create bucket: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("create bucket: {}", response.status()));
        }
        Ok(MediaConfig {
            store: StoreKind::S3,
            bucket: Some(bucket.into()),
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            ..MediaConfig::default()
        })
    }

    /// Lists the keys in `bucket`, straight from the server (not through `object_store`).
    pub async fn keys(&self, bucket: &str) -> Result<Vec<String>, String> {
        let body = reqwest::get(format!("{}/{bucket}?list-type=2", self.endpoint))
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        Ok(body.split("<Key>").skip(1).filter_map(|rest| rest.split("</Key>").next()).map(str::to_string).collect())
    }
}

/// `QUIRE_MOTO_PYTHON`, else the workspace's `.tools/python` (made by `scripts/test`), else `python3`.
fn python() -> String {
    if let Ok(path) = std::env::var("QUIRE_MOTO_PYTHON") {
        return path;
    }
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/python/bin/python");
    if tools.exists() {
        return tools.display().to_string();
    }
    "python3".into()
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
