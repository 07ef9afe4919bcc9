//! Sign-in with a real OpenID Connect provider (npm `oidc-provider`, `tests/oidc-provider/`)
//! started on loopback by the test: the whole redirect flow over HTTP, the comment linked to the
//! identity, the "first comment held" rule met by the verified identity, and cancelling.
//! Skipped with a SKIP line when node or the package is missing, unless `QUIRE_REQUIRE_OIDC=1`.

use std::path::PathBuf;
use std::process::Stdio;

use quire_core::CommentStatus;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::{Agent, TestApp, without_fill_delay};

/// A running `oidc-provider`; killed on drop.
pub struct OidcProvider {
    /// Its issuer URL.
    pub issuer: String,
    _child: tokio::process::Child,
}

impl OidcProvider {
    /// Starts the provider with one client whose redirect URI is `redirect`; `None` (after a SKIP
    /// line) when it cannot run here.
    pub async fn start(redirect: &str) -> Option<OidcProvider> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider");
        let required = std::env::var("QUIRE_REQUIRE_OIDC").is_ok_and(|v| v == "1");
        if !dir.join("node_modules/oidc-provider").is_dir() {
            assert!(!required, "QUIRE_REQUIRE_OIDC=1 but {} has no node_modules (run npm ci there)", dir.display());
            eprintln!("SKIP: no oidc-provider in {} (run `npm ci` there)", dir.display());
            return None;
        }
        let child = tokio::process::Command::new("node")
            .arg("server.mjs")
            .args(["quire", "test-client-secret", redirect])
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(e) => {
                assert!(!required, "QUIRE_REQUIRE_OIDC=1 but node could not start: {e}");
                eprintln!("SKIP: node could not start: {e}");
                return None;
            }
        };
        let stdout = child.stdout.take()?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(issuer) = line.strip_prefix("READY ") {
                    return Some(issuer.to_string());
                }
            }
            None
        })
        .await;
        let issuer = ready.ok().flatten().expect("oidc-provider did not start");
        // Keep reading: a closed pipe would kill the provider at its next line of output.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(OidcProvider { issuer, _child: child })
    }
}

/// A demo site whose settings offer the provider as "Example ID" (added as an admin would).
pub async fn site_with_provider() -> Option<(TestApp, OidcProvider)> {
    let app = TestApp::with_demo().await;
    let provider = OidcProvider::start(&format!("{}/auth/example/callback", app.base)).await?;
    let config = json!({
        "id": "example", "kind": "oidc", "issuer": provider.issuer, "client_id": "quire",
        "client_secret": "test-client-secret", "label": "Example ID",
    });
    app.app.store().put_auth_provider("example", &config).await.unwrap();
    Some((app, provider))
}

/// Follows redirects with `reader`'s cookies from `url` until one points back to the site;
/// on the provider's login page, signs in as `login` (or presses Cancel when `None`).
async fn through_provider(reader: &Agent, url: &str, login: Option<&str>) -> String {
    let mut url = url.to_string();
    for _ in 0..10 {
        if url.starts_with(&reader.base) {
            return url;
        }
        let response = reader.client.get(&url).send().await.unwrap();
        if let Some(next) = response.headers().get("location") {
            url = absolute(&url, next.to_str().unwrap());
            continue;
        }
        let page = response.text().await.unwrap();
        assert!(page.contains("Test ID: sign in"), "unexpected provider page: {page}");
        let interaction = url.split("/interaction/").nth(1).unwrap().split(['/', '?']).next().unwrap().to_string();
        let origin = url.split("/interaction/").next().unwrap().to_string();
        let answer = match login {
            Some(name) => {
                reader.client.post(format!("{origin}/interaction/{interaction}/login")).form(&[("login", name)])
            }
            None => reader.client.post(format!("{origin}/interaction/{interaction}/abort")),
        }
        .send()
        .await
        .unwrap();
        url = absolute(&url, answer.headers()["location"].to_str().unwrap());
    }
    panic!("too many redirects at the provider, last {url}");
}

fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http") {
        return location.to_string();
    }
    let origin: String = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    format!("{origin}{location}")
}

/// From the essay's form with `text` typed, through the provider, back to the essay.
async fn sign_in_from_the_essay(reader: &Agent, text: &str, login: Option<&str>) -> crate::support::Page {
    let essay = reader.get(TestApp::ESSAY).await;
    assert_eq!(essay.attrs("button[data-provider=example]", "formaction"), vec!["/auth/example/start".to_string()]);
    let form = reader.fill(TestApp::ESSAY, &[("comment", text)]).await;
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let started = reader.post("/auth/example/start", &form).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let authorize = started.header("location").unwrap();
    for part in ["code_challenge=", "code_challenge_method=S256", "nonce=", "state=", "response_type=code"] {
        assert!(authorize.contains(part), "{part} missing from {authorize}");
    }
    let callback = through_provider(reader, &authorize, login).await;
    let back = reader.client.get(&callback).send().await.unwrap();
    assert_eq!(back.status(), 303);
    let to = back.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with(TestApp::ESSAY), "{to}");
    reader.get(TestApp::ESSAY).await
}

#[tokio::test]
async fn a_reader_signs_in_with_a_real_openid_provider_and_comments_under_that_identity() {
    let Some((app, _provider)) = site_with_provider().await else { return };
    without_fill_delay(&app).await;
    let reader = Agent::new(&app);
    let page = sign_in_from_the_essay(&reader, "Typed before signing in.", Some("ruth")).await;
    assert!(page.body.contains("You are commenting using your <strong>Example ID</strong> account"), "{}", page.body);
    assert!(page.body.contains("(Ruth)"));
    assert_eq!(page.texts("#comment").join(""), "Typed before signing in.", "the draft came back");

    // No name or email typed: the identity's stand in, and the comment is linked to it.
    let sent = reader.comment(TestApp::ESSAY, &[("comment", "Typed before signing in.")]).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let comments = app.app.store().reader_data("ruth@id.example").await.unwrap();
    let comment = &comments.comments.first().expect("the comment is stored under the identity's email").comment;
    assert_eq!(comment.author_name, "Ruth");
    assert_eq!(comment.status, CommentStatus::Pending, "a first comment waits, even signed in");
    let after = reader.get(TestApp::ESSAY).await;
    assert!(after.texts("#comment").join("").is_empty(), "the kept draft is gone once posted");

    // Log out: this browser forgets the identity.
    let out = reader.post("/auth/logout", &[("redirect_to", TestApp::ESSAY)]).await;
    assert_eq!(out.status, 303);
    assert!(!reader.get(TestApp::ESSAY).await.body.contains("You are commenting using your"));
}

#[tokio::test]
async fn a_verified_identity_with_an_approved_comment_is_not_held_but_a_typed_email_is() {
    let Some((app, _provider)) = site_with_provider().await else { return };
    without_fill_delay(&app).await;
    let reader = Agent::new(&app);
    sign_in_from_the_essay(&reader, "x", Some("tommy")).await;
    let first = reader.comment(TestApp::ESSAY, &[("comment", "My first, to be approved.")]).await;
    assert_eq!(first.status, 303);
    // A moderator approves it (straight in the database: the moderation screens are elsewhere).
    let store = app.app.store();
    let data = store.reader_data("tommy@id.example").await.unwrap();
    let held = &data.comments.first().unwrap().comment;
    let identity = store
        .upsert_identity(&quire_store::NewIdentity {
            provider: "example".into(),
            subject: "tommy".into(),
            display_name: "Tommy".into(),
            email: Some("tommy@id.example".into()),
            profile_url: None,
            seen_at: time::OffsetDateTime::now_utc(),
        })
        .await
        .unwrap();
    let approved = quire_store::NewComment {
        post_id: held.post_id,
        parent_id: None,
        author_name: "Tommy".into(),
        author_email: Some("tommy@id.example".into()),
        author_url: None,
        user_id: None,
        markdown: "An approved one.".into(),
        html: "<p>An approved one.</p>".into(),
        status: CommentStatus::Approved,
        created_at: time::OffsetDateTime::now_utc(),
        max_depth: 5,
        guest_key: None,
        fingerprint: None,
        ip_hash: None,
        user_agent: None,
        held_reason: None,
        rate_limits: vec![],
        jobs: vec![],
    };
    let id = store.create_comment(&approved).await.unwrap();
    store.set_comment_identity(id, identity.id).await.unwrap();

    let second = reader.comment(TestApp::ESSAY, &[("comment", "Second, through at once.")]).await;
    assert_eq!(second.status, 303);
    assert!(app.get(TestApp::ESSAY).await.body.contains("Second, through at once."), "approved at once");

    // Someone else typing Tommy's address is not Tommy.
    let impostor = Agent::new(&app);
    let typed = [("comment", "Impostor here."), ("author", "Tommy"), ("email", "tommy@id.example")];
    assert_eq!(impostor.comment(TestApp::ESSAY, &typed).await.status, 303);
    assert!(!app.get(TestApp::ESSAY).await.body.contains("Impostor here."), "held: a typed email proves nothing");
}

#[tokio::test]
async fn cancelling_at_the_provider_lands_back_on_the_post_with_the_text_kept() {
    let Some((app, _provider)) = site_with_provider().await else { return };
    let reader = Agent::new(&app);
    let page = sign_in_from_the_essay(&reader, "Still here after cancelling.", None).await;
    assert!(
        page.body.contains("You cancelled signing in with Example ID"),
        "{}",
        page.texts(".form-message").join("|")
    );
    assert_eq!(page.texts("#comment").join(""), "Still here after cancelling.");
    assert!(!page.body.contains("You are commenting using your"));
}
