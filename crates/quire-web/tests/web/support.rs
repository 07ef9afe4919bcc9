//! `TestApp`: a real Quire on a random loopback port with its own data directory and database,
//! talked to over HTTP like a browser would.

use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// Outgoing mail (see `mail::SmtpSink`); none: mail is off.
    pub smtp: Option<quire_app::config::SmtpConfig>,
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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind: {e}"));
        let addr: SocketAddr = listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
        let config = Config {
            bind: addr,
            data_dir: dir.path().to_path_buf(),
            demo: !options.no_demo,
            site_url: Some(format!("http://{addr}")),
            smtp: options.smtp,
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

    /// Publishes a post (or page) as the demo writer, bypassing the admin.
    pub async fn publish(&self, draft: quire_app::publishing::Draft) {
        let author = self.app.store().user_by_slug("demo-writer").await.unwrap().unwrap();
        self.app.create_post(author.id, draft).await.unwrap();
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

/// A browser with its own cookies, as one reader.
pub struct Reader {
    /// Its client (cookies kept, redirects not followed).
    pub client: reqwest::Client,
    base: String,
}

impl Reader {
    /// A reader of `app` with an empty cookie jar.
    pub fn new(app: &TestApp) -> Reader {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Reader { client, base: app.base.clone() }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Page {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        Page { status, headers, body: response.text().await.unwrap() }
    }

    /// POST a form to a path.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self.client.post(format!("{}{path}", self.base)).form(form).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        Page { status, headers, body: response.text().await.unwrap() }
    }

    /// Loads the post, fills the form with `fields` over what the page offers, and sends it.
    pub async fn comment(&self, path: &str, fields: &[(&str, &str)]) -> Page {
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
        let response = self.client.post(format!("{}/comments", self.base)).form(&form).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        Page { status, headers, body: response.text().await.unwrap() }
    }
}
