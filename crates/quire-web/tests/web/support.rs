//! `TestApp`: a real Quire on a random loopback port with its own data directory and database,
//! talked to over HTTP like a browser would. The database is a SQLite file in the data directory,
//! or, with `QUIRE_TEST_DATABASE=postgres`, a fresh PostgreSQL database per `TestApp` on the server
//! named by `QUIRE_TEST_PG_URL` (dropped when the test ends).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use quire_app::{App, Config};
use quire_web::WebState;
use reqwest::StatusCode;
use scraper::{Html, Selector};

/// A running site and a client for it.
pub struct TestApp {
    /// The site, for setting things up behind the server's back.
    pub app: App,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client that does not follow redirects.
    pub client: reqwest::Client,
    /// The data directory, removed when the test ends.
    _dir: tempfile::TempDir,
    /// The PostgreSQL database, when the suite runs on PostgreSQL; dropped when the test ends.
    _database: Option<quire_store::testing::TestDatabase>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The background workers (mail), as `quire serve` runs them.
    pub workers: Option<quire_app::jobs::Workers>,
}

/// A fetched response with its body read.
pub struct Page {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body as text.
    pub body: String,
}

impl Page {
    /// The body parsed as HTML.
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// Texts of elements matching a CSS selector.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let Ok(sel) = Selector::parse(selector) else { panic!("bad selector {selector}") };
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    /// Values of an attribute of elements matching a selector.
    pub fn attrs(&self, selector: &str, attr: &str) -> Vec<String> {
        let Ok(sel) = Selector::parse(selector) else { panic!("bad selector {selector}") };
        self.html().select(&sel).filter_map(|e| e.value().attr(attr).map(str::to_string)).collect()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// The `Set-Cookie` header that sets cookie `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// The value of the hidden form field `name` (the first one on the page).
    pub fn field(&self, name: &str) -> Option<String> {
        self.attrs(&format!("input[name={name}]"), "value").into_iter().next()
    }
}

/// A browser with its own cookie jar (one reader, one staff member), optionally connecting from
/// its own loopback address (127.0.0.0/8 is all loopback on Linux) to look like another client.
pub struct Agent {
    /// The client; it keeps cookies and does not follow redirects.
    pub client: reqwest::Client,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    jar: Arc<reqwest::cookie::Jar>,
}

async fn read(response: reqwest::Response) -> Page {
    let status = response.status();
    let headers = response.headers().clone();
    Page { status, headers, body: response.text().await.unwrap_or_default() }
}

impl Agent {
    /// A new browser.
    pub fn new(app: &TestApp) -> Agent {
        Self::build(app, None)
    }

    /// A new browser connecting from `ip` (a loopback address such as 127.0.0.2).
    pub fn from_ip(app: &TestApp, ip: [u8; 4]) -> Agent {
        Self::build(app, Some(IpAddr::from(ip)))
    }

    fn build(app: &TestApp, ip: Option<IpAddr>) -> Agent {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .local_address(ip)
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        Agent { client, base: app.base.clone(), jar }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    /// GET a path with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"))).await
    }

    /// POST a form.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_with(path, form, &[]).await
    }

    /// POST a form with extra headers.
    pub async fn post_with(&self, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.post(format!("{}{path}", self.base)).form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"))).await
    }

    /// The value of cookie `name` as this browser would send it to `path`.
    pub fn cookie(&self, path: &str, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = format!("{}{path}", self.base).parse().ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }

    /// Puts a cookie in the jar, as a script or another site might have.
    pub fn set_cookie(&self, cookie: &str) {
        if let Ok(url) = self.base.parse() {
            self.jar.add_cookie_str(cookie, &url);
        }
    }

    /// Loads the post, fills the comment form with `fields` over what the page offers, and sends it.
    pub async fn comment(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.comment_with(path, fields, &[]).await
    }

    /// As [`Agent::comment`], with extra request headers (`Accept: application/json`…).
    pub async fn comment_with(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let form = self.fill(path, fields).await;
        let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        self.post_with("/comments", &form, headers).await
    }

    /// Loads the post and answers its form's fields with `fields` over what the page offers.
    pub async fn fill(&self, path: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
        let page = self.get(path).await;
        let mut form: Vec<(String, String)> = ["comment_post_ID", "quire_token", "comment_parent"]
            .iter()
            .map(|name| {
                let value = page.attrs(&format!("#commentform input[name={name}]"), "value").pop().unwrap_or_default();
                (name.to_string(), value)
            })
            .collect();
        for (name, value) in fields {
            form.retain(|(n, _)| n != name);
            form.push((name.to_string(), value.to_string()));
        }
        form
    }

    /// Sends a filled form to `POST /comments`.
    pub async fn send(&self, form: &[(String, String)]) -> Page {
        let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        self.post("/comments", &form).await
    }

    /// Signs in through the form (as a person would: load it, fill it, send it).
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.sign_in_to(email, password, "/admin/login").await
    }

    /// Signs in through the form at `login_path` (which may carry `?next=`).
    pub async fn sign_in_to(&self, email: &str, password: &str, login_path: &str) -> Page {
        let form = self.get(login_path).await;
        let token = form.field("csrf_token").unwrap_or_default();
        let next = form.field("next").unwrap_or_default();
        self.post("/admin/login", &[("email", email), ("password", password), ("csrf_token", &token), ("next", &next)])
            .await
    }

    /// This session's admin form token, read from the account page.
    pub async fn csrf_token(&self) -> String {
        self.get("/admin/account").await.field("csrf_token").unwrap_or_default()
    }
}

/// A published post with `title` and Markdown `body`; adjust fields with struct update syntax.
pub fn draft(title: &str, body: &str) -> quire_app::publishing::Draft {
    quire_app::publishing::Draft {
        kind: quire_core::PostKind::Post,
        status: quire_core::PostStatus::Published,
        title: title.into(),
        slug: None,
        markdown: body.into(),
        excerpt: None,
        content_warning: None,
        published_at: None,
        discussion: quire_core::Discussion::Open,
        tags: vec![],
        categories: vec![],
        featured_media_id: None,
        reviewed_item: None,
    }
}

/// Options for starting a site.
#[derive(Default)]
pub struct Options {
    /// Start with an empty site.
    pub no_demo: bool,
    /// Files to write below the data dir before start (theme overrides…).
    pub files: Vec<(PathBuf, String)>,
    /// Serve `/metrics` (the `metrics` configuration key).
    pub metrics: bool,
    /// The public site URL (default `http://<bind>`), e.g. an https one behind a proxy.
    pub site_url: Option<String>,
    /// Outgoing mail (see `mail::SmtpSink`); none: mail is off.
    pub smtp: Option<quire_app::config::SmtpConfig>,
    /// Sign-in providers (`[auth]`).
    pub auth: quire_app::identity::AuthConfig,
    /// The `[media]` table (S3 storage, upload limits); none: the defaults.
    pub media: Option<quire_media::MediaConfig>,
}

impl TestApp {
    /// The demo site.
    pub async fn with_demo() -> TestApp {
        Self::start(Options::default()).await
    }

    /// A site started with `options`.
    pub async fn start(options: Options) -> TestApp {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        for (path, content) in &options.files {
            let full = dir.path().join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
            }
            std::fs::write(&full, content).unwrap_or_else(|e| panic!("write {}: {e}", full.display()));
        }
        let database = match std::env::var("QUIRE_TEST_DATABASE").as_deref() {
            Ok("postgres") => Some(
                quire_store::testing::TestDatabase::try_create()
                    .await
                    .unwrap_or_else(|why| panic!("QUIRE_TEST_DATABASE=postgres, but {why}")),
            ),
            Ok("sqlite") | Err(_) => None,
            Ok(other) => panic!("QUIRE_TEST_DATABASE must be sqlite or postgres, not {other:?}"),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind: {e}"));
        let addr: SocketAddr = listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
        let config = Config {
            bind: addr,
            data_dir: dir.path().to_path_buf(),
            demo: !options.no_demo,
            site_url: Some(options.site_url.clone().unwrap_or_else(|| format!("http://{addr}"))),
            metrics: options.metrics,
            database_url: database.as_ref().map(|db| db.url.clone()),
            smtp: options.smtp,
            auth: options.auth,
            media: options.media.unwrap_or_default(),
            ..Config::default()
        };
        let app = App::open(config).await.unwrap_or_else(|e| panic!("open: {e}"));
        let workers = Some(app.spawn_workers());
        let state = WebState::new(app.clone()).unwrap_or_else(|e| panic!("theme: {e}"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(quire_web::serve(
            state,
            listener,
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(5),
        ));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        TestApp {
            app,
            base: format!("http://{addr}"),
            client,
            _dir: dir,
            _database: database,
            stop: Some(stop),
            server: Some(server),
            workers,
        }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    /// GET a path with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Page { status, headers, body }
    }

    /// Changes a site setting as the admin would, and waits for readers to see it.
    pub async fn set(&self, key: &str, value: serde_json::Value) {
        self.app.store().put_setting(key, &value).await.unwrap_or_else(|e| panic!("setting: {e}"));
        self.app.refresh().await.unwrap_or_else(|e| panic!("refresh: {e}"));
    }

    /// Asks the server to stop, as SIGTERM does; returns the server task to watch it finish.
    pub fn begin_shutdown(&mut self) -> tokio::task::JoinHandle<std::io::Result<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.server.take().expect("server already shut down")
    }

    /// Stops the server and its workers as a shutdown would, waits `down` (the site is off), and
    /// starts the same site again on the same address, as `quire serve` would after a restart.
    pub async fn restart_after(&mut self, down: Duration) {
        let server = self.begin_shutdown();
        let _ = server.await;
        if let Some(workers) = self.workers.take() {
            workers.stop(Duration::from_secs(5)).await;
        }
        let config = self.app.config().clone();
        self.app.store().close().await;
        tokio::time::sleep(down).await;
        let listener = tokio::net::TcpListener::bind(config.bind).await.unwrap_or_else(|e| panic!("rebind: {e}"));
        let app = App::open(config).await.unwrap_or_else(|e| panic!("reopen: {e}"));
        self.workers = Some(app.spawn_workers());
        let state = WebState::new(app.clone()).unwrap_or_else(|e| panic!("theme: {e}"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.server = Some(tokio::spawn(quire_web::serve(
            state,
            listener,
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(5),
        )));
        self.stop = Some(stop);
        self.app = app;
        // Connections to the old server are gone; start with a fresh pool.
        self.client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
    }

    /// Publishes a post (or page) as the demo writer, bypassing the admin.
    pub async fn publish(&self, draft: quire_app::publishing::Draft) {
        let author = self.app.store().user_by_slug("demo-writer").await.unwrap().unwrap();
        self.app.create_post(author.id, draft).await.unwrap();
    }

    /// Creates a staff account that signs in with `password`.
    pub async fn add_staff(&self, email: &str, role: quire_core::Role, password: &str) -> quire_core::User {
        let account = quire_app::users::NewAccount {
            email: email.into(),
            name: email.split('@').next().unwrap_or("staff").into(),
            role,
            password: Some(password.into()),
        };
        self.app.add_user(account).await.unwrap_or_else(|e| panic!("add user: {e}")).0
    }

    /// The demo essay's path.
    pub const ESSAY: &'static str = "/2020/01/01/never-let-me-go/";
    /// The demo's second post.
    pub const KLARA: &'static str = "/2021/03/14/klara-and-the-sun/";
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Lets forms be sent at once (tests are faster than people).
pub async fn without_fill_delay(app: &TestApp) {
    app.set("comment_policy", serde_json::json!({ "min_fill_seconds": 0 })).await;
}
