//! Headless Chromium for tests: starts chromedriver, opens a session with the project's flags, and
//! offers the few helpers the browser tests share (navigation, scripts, keys, DevTools commands).
//! Without chromedriver or Chromium a test is skipped with a note, or fails when
//! `QUIRE_REQUIRE_BROWSER=1`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::actions::{InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::key::Key;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// How a [`Browser`] is launched, beyond the defaults every test shares.
#[derive(Default)]
pub struct BrowserOptions {
    /// Let navigation return at `DOMContentLoaded` instead of waiting for the load event (and so
    /// for every image), as WebDriver's `"eager"` page load strategy does.
    pub return_at_dom_content_loaded: bool,
    /// Turn JavaScript off in pages (Blink's `scriptEnabled=false`), to test the plain-HTML paths;
    /// WebDriver's own commands still work.
    pub javascript_disabled: bool,
}

/// A headless Chromium with a fresh profile, driven through a `chromedriver` child process that
/// this struct starts on a free port and ends when dropped (closing the browser first).
///
/// [`Browser::launch`] answers `None` after printing `skipped: …` when chromedriver or Chromium
/// is missing, and panics instead when `QUIRE_REQUIRE_BROWSER=1`. `QUIRE_CHROMEDRIVER` and
/// `QUIRE_CHROMIUM` name the programs when they are not `chromedriver` on the `PATH` and
/// `/usr/bin/chromium`. Each test launches its own: a fantoccini session lives on the runtime
/// that created it, and every `#[tokio::test]` has its own runtime.
pub struct Browser {
    /// The WebDriver session, for whatever the helpers below do not cover.
    pub client: Client,
    driver: Child,
    port: u16,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

/// The programs a browser test needs, or why they cannot be had.
fn programs() -> Result<(PathBuf, PathBuf), String> {
    let driver = match std::env::var_os("QUIRE_CHROMEDRIVER") {
        Some(path) => PathBuf::from(path),
        None => on_path("chromedriver")
            .ok_or("chromedriver is not on the PATH (Debian: apt-get install chromium-driver)")?,
    };
    let chromium = match std::env::var_os("QUIRE_CHROMIUM") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from("/usr/bin/chromium"),
    };
    for program in [&driver, &chromium] {
        if !is_executable(program) {
            return Err(format!(
                "{} is not an executable file (Debian: apt-get install chromium chromium-driver)",
                program.display()
            ));
        }
    }
    Ok((driver, chromium))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

impl Browser {
    /// A browser with the default options, or `None` when the test should be skipped.
    pub async fn launch() -> Option<Browser> {
        Self::launch_with(BrowserOptions::default()).await
    }

    /// A browser launched with `options`, or `None` when the test should be skipped.
    pub async fn launch_with(options: BrowserOptions) -> Option<Browser> {
        let (driver_path, chromium) = match programs() {
            Ok(found) => found,
            Err(problem) => {
                let required = std::env::var("QUIRE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
                assert!(!required, "QUIRE_REQUIRE_BROWSER=1 but {problem}");
                eprintln!("skipped: browser test: {problem}");
                return None;
            }
        };
        let (mut driver, port) = start_driver(&driver_path);
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,800",
        ]
        .into_iter()
        .map(str::to_string)
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        if options.javascript_disabled {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let mut capabilities = json!({
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        if options.return_at_dom_content_loaded {
            capabilities["pageLoadStrategy"] = json!("eager");
        }
        let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object") };
        let client = match connect(port, capabilities).await {
            Ok(client) => client,
            Err(e) => {
                end_process_group(&mut driver);
                panic!("chromedriver on port {port} could not start {}: {e}", chromium.display());
            }
        };
        let session = client.session_id().await.ok().flatten();
        Some(Browser { client, driver, port, session, _profile: profile })
    }

    /// Opens `url` and waits for it to load (or for `DOMContentLoaded`, see [`BrowserOptions`]).
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("navigating to {url}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and decodes what it
    /// returns.
    pub async fn js<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> T {
        let value = self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"));
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("script returned {value}: {e}\n{script}"))
    }

    /// Polls the JavaScript expression `predicate` until it is true; false if it never was within
    /// `timeout`.
    pub async fn wait_until(&self, predicate: &str, timeout: Duration) -> bool {
        let script = format!("return Boolean({predicate});");
        let deadline = Instant::now() + timeout;
        loop {
            if self.js::<bool>(&script, vec![]).await {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends a Chrome DevTools Protocol command (`Emulation.setEmulatedMedia`, `Fetch.enable`…)
    /// to the current tab.
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        self.client.issue_cmd(Cdp { cmd, params }).await.unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    /// Presses and releases one key, sent to whatever has focus.
    pub async fn press(&self, key: Key) {
        let value: char = key.into();
        let keys =
            KeyActions::new("keyboard".to_string()).then(KeyAction::Down { value }).then(KeyAction::Up { value });
        self.client.perform_actions(keys).await.unwrap_or_else(|e| panic!("pressing {key:?}: {e}"));
    }

    /// Moves the mouse to a point of the viewport (CSS pixels from its top-left corner) and clicks.
    pub async fn click_at(&self, x: f64, y: f64) {
        let mouse = MouseActions::new("mouse".to_string())
            .then(PointerAction::MoveTo { duration: None, x, y })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.client.perform_actions(mouse).await.unwrap_or_else(|e| panic!("clicking at ({x}, {y}): {e}"));
    }

    /// Resizes the window so that the page's viewport (`window.innerWidth`) is `width` CSS
    /// pixels wide, whatever the browser's frame takes.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        let (mut window_width, window_height) = (width, height);
        for _ in 0..3 {
            self.client
                .set_window_size(window_width, window_height)
                .await
                .unwrap_or_else(|e| panic!("window size: {e}"));
            let inner: u32 = self.js("return window.innerWidth;", vec![]).await;
            if inner == width {
                return;
            }
            window_width = (window_width + width).saturating_sub(inner);
        }
        // Chromium keeps windows from getting narrower than it likes; emulate the screen instead.
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
        let inner: u32 = self.js("return window.innerWidth;", vec![]).await;
        assert_eq!(inner, width, "could not make the viewport {width} px wide");
    }

    /// Ends the browser session through chromedriver, synchronously (this runs in `Drop`).
    fn quit_session(&self) -> std::io::Result<()> {
        let Some(session) = &self.session else { return Ok(()) };
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        // chromedriver answers once Chromium has quit; it may keep the connection open after.
        let mut answer = Vec::new();
        let mut chunk = [0_u8; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = stream.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            answer.extend_from_slice(chunk.get(..read).unwrap_or_default());
        }
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closing the session lets Chromium exit cleanly; killing chromedriver alone would leave it
        // running. The process group catches whatever a failed close left behind.
        let _ = self.quit_session();
        end_process_group(&mut self.driver);
    }
}

/// Kills `leader` and every process in its group (chromedriver and the Chromium it started).
fn end_process_group(leader: &mut Child) {
    let group = format!("-{}", leader.id());
    let killed = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
    if !killed.is_ok_and(|s| s.success()) {
        let _ = leader.kill();
    }
    let _ = leader.wait();
}

/// Starts chromedriver on a free loopback port in its own process group and waits until it
/// answers.
fn start_driver(path: &Path) -> (Child, u16) {
    use std::os::unix::process::CommandExt;
    let mut last_error = String::new();
    for _ in 0..3 {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port();
        let mut driver = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", path.display()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = driver.try_wait() {
                last_error = format!("chromedriver exited with {status} on port {port}");
                break;
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (driver, port);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        end_process_group(&mut driver);
        if last_error.is_empty() {
            last_error = format!("chromedriver did not listen on port {port} within 10 s");
        }
    }
    panic!("{last_error}")
}

async fn connect(port: u16, capabilities: Capabilities) -> Result<Client, String> {
    // On a loaded machine chromedriver may accept the port before it answers; try a few times.
    let mut last = String::new();
    for attempt in 0..4 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
        }
        let mut builder = ClientBuilder::rustls().map_err(|e| format!("TLS set-up: {e}"))?;
        builder.capabilities(capabilities.clone());
        match builder.connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(client) => return Ok(client),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}
