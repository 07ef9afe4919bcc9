//! OpenID Connect answers that must be refused, each with a clear message, the reader landing back
//! on the post with their text kept: a provider we control on loopback (discovery, JWKS and a token
//! endpoint returning crafted ID tokens signed with test RSA keys), and a replayed state.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, IssuerUrl, JsonWebKeyId, Nonce, PrivateSigningKey, StandardClaims,
    SubjectIdentifier,
};
use quire_app::identity::{AuthConfig, ProviderConfig, ProviderKind, Secret};
use serde_json::json;

use crate::support::{Agent, Options, TestApp};

const KEY_A: &str = include_str!("fixtures/test-rsa-a.pem");
const KEY_B: &str = include_str!("fixtures/test-rsa-b.pem");

/// What the fake provider puts in its next ID token.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Good,
    BadSignature,
    WrongNonce,
    WrongAudience,
    Expired,
}

#[derive(Clone)]
struct Fake {
    issuer: String,
    mode: Arc<Mutex<Mode>>,
    nonce: Arc<Mutex<String>>,
}

fn key(pem: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new("test-key".into()))).unwrap()
}

async fn discovery(State(fake): State<Fake>) -> impl IntoResponse {
    let i = &fake.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn jwks() -> impl IntoResponse {
    Json(serde_json::to_value(CoreJsonWebKeySet::new(vec![key(KEY_A).as_verification_key()])).unwrap())
}

async fn authorize(State(fake): State<Fake>, Query(q): Query<std::collections::HashMap<String, String>>) -> Redirect {
    *fake.nonce.lock().unwrap() = q.get("nonce").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    Redirect::to(&format!("{redirect}?code=test-code&state={state}"))
}

async fn token(State(fake): State<Fake>) -> impl IntoResponse {
    let mode = *fake.mode.lock().unwrap();
    let nonce = fake.nonce.lock().unwrap().clone();
    let now = chrono::Utc::now();
    let (exp, iat) = if mode == Mode::Expired {
        (now - chrono::Duration::minutes(10), now - chrono::Duration::minutes(11))
    } else {
        (now + chrono::Duration::minutes(5), now)
    };
    let audience = if mode == Mode::WrongAudience { "someone-else" } else { "quire" };
    let nonce = if mode == Mode::WrongNonce { "not-the-nonce".to_string() } else { nonce };
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(fake.issuer.clone()).unwrap(),
        vec![Audience::new(audience.into())],
        exp,
        iat,
        StandardClaims::new(SubjectIdentifier::new("ruth-1".into())),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(nonce)));
    let signer = if mode == Mode::BadSignature { key(KEY_B) } else { key(KEY_A) };
    let id_token =
        CoreIdToken::new(claims, &signer, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None).unwrap();
    Json(json!({ "access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token.to_string() }))
}

async fn start_fake() -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let fake = Fake { issuer, mode: Arc::new(Mutex::new(Mode::Good)), nonce: Arc::default() };
    let app = axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    fake
}

async fn site(fake: &Fake) -> TestApp {
    let provider = ProviderConfig {
        id: "fake".into(),
        kind: ProviderKind::Oidc,
        issuer: Some(fake.issuer.clone()),
        client_id: "quire".into(),
        client_secret: Some(Secret("fake-secret".into())),
        client_secret_env: None,
        label: Some("Fake ID".into()),
        auth_url: None,
        token_url: None,
        userinfo_url: None,
        allow_private_instances: false,
    };
    TestApp::start(Options {
        auth: AuthConfig { providers: vec![provider], ..Default::default() },
        ..Default::default()
    })
    .await
}

/// Starts a sign-in from the essay's comment form with `text` typed, and follows every redirect
/// back to Quire's callback; returns the callback URL and the page the reader finally lands on.
async fn sign_in(reader: &Agent, text: &str) -> (String, crate::support::Page) {
    let form = reader.fill(TestApp::ESSAY, &[("comment", text)]).await;
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let started = reader.post("/auth/fake/start", &form).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let authorize = started.header("location").unwrap();
    let at_provider = reader.client.get(&authorize).send().await.unwrap();
    let callback = at_provider.headers()["location"].to_str().unwrap().to_string();
    assert!(callback.starts_with(&reader.base), "{callback}");
    let back = follow(reader, &callback).await;
    (callback, back)
}

/// GETs an absolute URL of the site and, after a 303, the page it points to.
async fn follow(reader: &Agent, url: &str) -> crate::support::Page {
    let answer = reader.client.get(url).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let to = answer.headers()["location"].to_str().unwrap().to_string();
    reader.get(to.split('#').next().unwrap()).await
}

async fn refused_with(mode: Mode, words: &str) {
    let fake = start_fake().await;
    let app = site(&fake).await;
    *fake.mode.lock().unwrap() = mode;
    let reader = Agent::new(&app);
    let (_, page) = sign_in(&reader, "Kept through a refused sign-in.").await;
    assert!(page.body.contains(words), "{mode:?}: no {words:?} in {}", page.texts(".form-message").join(" | "));
    assert_eq!(page.texts("#comment").join(""), "Kept through a refused sign-in.", "the typed text is kept");
    assert!(!page.body.contains("You are commenting using your"), "{mode:?} signed the reader in");
    assert!(reader.cookie("/", "quire_reader").is_none());
}

#[tokio::test]
async fn an_id_token_with_a_bad_signature_is_refused() {
    refused_with(Mode::BadSignature, "invalid signature").await;
}

#[tokio::test]
async fn an_id_token_with_the_wrong_nonce_is_refused() {
    refused_with(Mode::WrongNonce, "wrong nonce").await;
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    refused_with(Mode::WrongAudience, "wrong audience").await;
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    refused_with(Mode::Expired, "has expired").await;
}

#[tokio::test]
async fn a_good_id_token_signs_in_and_a_replayed_state_is_refused() {
    let fake = start_fake().await;
    let app = site(&fake).await;
    let reader = Agent::new(&app);
    let (callback, page) = sign_in(&reader, "First try.").await;
    assert!(page.body.contains("You are commenting using your <strong>Fake ID</strong> account"), "{}", page.body);
    assert_eq!(page.texts("#comment").join(""), "First try.");
    // The same callback again (a replay, or a reload): its state was used up.
    let again = follow(&reader, &callback).await;
    assert!(again.body.contains("already completed or has expired"), "{}", again.texts(".form-message").join(" | "));
}

#[tokio::test]
async fn a_callback_from_another_browser_is_refused() {
    let fake = start_fake().await;
    let app = site(&fake).await;
    let reader = Agent::new(&app);
    let form = reader.fill(TestApp::ESSAY, &[("comment", "x")]).await;
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let authorize = reader.post("/auth/fake/start", &form).await.header("location").unwrap();
    let at_provider = reader.client.get(&authorize).send().await.unwrap();
    let callback = at_provider.headers()["location"].to_str().unwrap().to_string();
    let attacker = Agent::new(&app);
    let page = follow(&attacker, &callback).await;
    assert!(page.body.contains("started in another browser"), "{}", page.texts(".form-message").join(" | "));
    assert!(attacker.cookie("/", "quire_reader").is_none());
}

#[tokio::test]
async fn a_provider_that_does_not_answer_leaves_the_form_usable_as_a_guest() {
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let fake = Fake { issuer, mode: Arc::default_mode(), nonce: Arc::default() };
    let app = site(&fake).await;
    let reader = Agent::new(&app);
    let form = reader.fill(TestApp::ESSAY, &[("comment", "Typed while the provider is down.")]).await;
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let started = reader.post("/auth/fake/start", &form).await;
    assert_eq!(started.status, 303);
    let page = reader.get(started.header("location").unwrap().split('#').next().unwrap()).await;
    assert!(page.body.contains("Fake ID is not answering just now"), "{}", page.texts(".form-message").join(" | "));
    assert_eq!(page.texts("#comment").join(""), "Typed while the provider is down.");
    assert!(page.attrs("#commentform input[name=quire_token]", "value").iter().any(|t| !t.is_empty()));
}

trait DefaultMode {
    fn default_mode() -> Self;
}

impl DefaultMode for Arc<Mutex<Mode>> {
    fn default_mode() -> Self {
        Arc::new(Mutex::new(Mode::Good))
    }
}
