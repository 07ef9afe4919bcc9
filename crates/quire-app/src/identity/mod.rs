//! Sign-in with outside accounts: OpenID Connect providers (generic, Google, Microsoft,
//! WordPress.com), OAuth 2 presets (GitHub, Facebook), any Mastodon instance, and one-time email
//! links. A reader who signs in comments under that identity; a staff member may link identities
//! to their account as more ways in. State, nonce and PKCE verifier wait server-side under the hash
//! of the `state` value, bound to the browser by a cookie, and are used once.

pub mod email_link;
mod flow;
mod http;
pub mod mastodon;
mod oauth;
mod oidc;
pub mod providers;

use std::net::IpAddr;
use std::sync::Mutex;

use quire_core::UserId;
use quire_store::{Identity, StoreError};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::comments::Signer;
use crate::{App, Error};
pub use flow::{Callback, Finished, Purpose, Start, Started};
pub use providers::{AuthConfig, ProviderConfig, ProviderKind, Secret};

/// The cookie naming a signed-in reader's identity (signed; no secret in it).
pub const READER_COOKIE: &str = "quire_reader";
/// The cookie naming the comment draft kept while the reader is away at a provider.
pub const DRAFT_COOKIE: &str = "quire_draft";
/// The cookie binding a sign-in in progress to the browser that started it.
pub const BINDING_COOKIE: &str = "quire_auth";
/// How long a reader stays signed in.
pub const READER_DAYS: i64 = 30;
/// How long a draft is kept.
pub const DRAFT_MINUTES: i64 = 60;

/// Why a sign-in did not happen; every message can be shown as it is.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No provider with that id.
    #[error("There is no such sign-in provider on this site.")]
    UnknownProvider,
    /// Too many sign-ins started from this address.
    #[error("Too many sign-ins were started from your address; please wait {0} seconds and try again.")]
    Throttled(u32),
    /// The `state` is unknown: already used, expired, or never issued.
    #[error("This sign-in was already completed or has expired; please start again.")]
    StateUnknown,
    /// The sign-in was started in another browser.
    #[error("This sign-in was started in another browser; please start again here.")]
    OtherBrowser,
    /// The reader cancelled at the provider.
    #[error("You cancelled signing in with {0}. You can still comment as a guest.")]
    Cancelled(String),
    /// The provider answered with an error.
    #[error("{provider} could not sign you in ({code}). You can still comment as a guest.")]
    ProviderError {
        /// Button label of the provider.
        provider: String,
        /// The OAuth error code it gave (letters, digits and `_` only).
        code: String,
    },
    /// The provider did not answer, or not in time.
    #[error("{0} is not answering just now. You can still comment as a guest, or try again later.")]
    Unreachable(String),
    /// The provider's answer failed verification.
    #[error("The answer from {provider} was refused: {reason}. Please try again.")]
    Rejected {
        /// Button label of the provider.
        provider: String,
        /// What was wrong, in words.
        reason: String,
    },
    /// A Mastodon instance that cannot be used.
    #[error("{0}")]
    BadInstance(String),
    /// Staff sign-in with an identity no account has linked.
    #[error(
        "This {0} account is not linked to a staff account. Sign in with your password and link it on your account page."
    )]
    NotLinked(String),
    /// The account behind the identity is switched off.
    #[error("This account has been deactivated; ask an administrator to restore it.")]
    Deactivated,
    /// Input to fix.
    #[error("{0}")]
    Invalid(String),
    /// Anything else: logged at the edge, never shown.
    #[error(transparent)]
    Internal(Error),
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::RateLimited(wait) => AuthError::Throttled(wait),
            other => AuthError::Internal(other.into()),
        }
    }
}

impl From<Error> for AuthError {
    fn from(e: Error) -> Self {
        AuthError::Internal(e)
    }
}

/// What the reader typed in the comment form, kept while they are away at a provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// The post the form is under (0: none known).
    pub post_id: i64,
    /// Comment text.
    pub comment: String,
    /// Name.
    pub author: String,
    /// Email.
    pub email: String,
    /// Website.
    pub url: String,
    /// What happened at the provider, to show above the form once back.
    pub notice: Option<String>,
}

/// A provider as the comment form and the sign-in page show it.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderButton {
    /// Used in `/auth/<id>/start`.
    pub id: String,
    /// Button text.
    pub label: String,
    /// `oidc`, `github`, … (for icons).
    pub kind: String,
    /// Whether the reader must name their instance (Mastodon).
    pub asks_instance: bool,
}

/// The reader signed in with an outside account, as the comment form shows them.
#[derive(Debug, Clone, Serialize)]
pub struct ReaderView {
    /// The identity's id.
    pub identity_id: i64,
    /// Name to show.
    pub name: String,
    /// Email from the provider, if any.
    pub email: Option<String>,
    /// Label of the provider ("Example ID", "GitHub", "email").
    pub provider: String,
}

#[derive(Serialize, Deserialize)]
struct ReaderToken {
    /// Identity id.
    i: i64,
    /// Expiry, unix seconds.
    x: i64,
}

/// What the sign-in code keeps at hand: the HTTP client for providers and the reader-cookie key.
pub struct Auth {
    http: reqwest::Client,
    signer: Signer,
    /// Discovered OpenID Connect metadata per issuer, with when it was fetched.
    metadata: Mutex<std::collections::HashMap<String, (std::time::Instant, oidc::Metadata)>>,
}

impl Auth {
    /// Loads the reader-cookie key (creating it on first start) and builds the HTTP client.
    pub(crate) async fn load(store: &quire_store::Store, config: &AuthConfig) -> Result<Auth, Error> {
        let key = store.site_key("reader-identity", &crate::comments::signing::random_key()).await?;
        let timeout = std::time::Duration::from_secs_f64(config.timeout_seconds);
        let http = reqwest::Client::builder()
            // Redirects are never followed: a provider that answers with one is misconfigured,
            // and following them would let an endpoint send Quire anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("Quire/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Invalid(format!("HTTP client: {e}")))?;
        Ok(Auth { http, signer: Signer::new(key), metadata: Mutex::new(Default::default()) })
    }
}

/// The SHA-256 (hex) a one-time secret is stored under.
pub(crate) fn hashed(secret: &str) -> String {
    crate::accounts::session_id(secret)
}

/// A path of this site to go back to: never another host.
pub fn local_path(path: &str) -> String {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok { path.to_string() } else { "/".to_string() }
}

impl App {
    /// The sign-in machinery.
    pub(crate) fn auth(&self) -> &Auth {
        self.auth_state()
    }

    /// The path of a public post by id (where a sign-in from its comment form comes back to).
    pub async fn post_url_of(&self, post_id: i64) -> Option<String> {
        if post_id <= 0 {
            return None;
        }
        let post = self.store().post(quire_core::PostId(post_id)).await.ok()??;
        if !post.is_public_at(OffsetDateTime::now_utc()) {
            return None;
        }
        Some(self.post_path(&post, &*self.settings().await))
    }

    /// Every provider in effect: quire.toml's first, then those added in settings (an id of the
    /// file wins over the same id in settings).
    pub async fn providers(&self) -> Result<Vec<ProviderConfig>, Error> {
        let mut all = self.config().auth.providers.clone();
        for (id, value) in self.store().auth_providers().await? {
            if all.iter().any(|p| p.id == id) {
                continue;
            }
            match serde_json::from_value::<ProviderConfig>(value) {
                Ok(p) if p.validate().is_ok() => all.push(p),
                Ok(_) | Err(_) => tracing::warn!(provider = %id, "a provider of the settings is not usable; skipped"),
            }
        }
        Ok(all)
    }

    /// The provider with `id`.
    pub async fn provider(&self, id: &str) -> Result<ProviderConfig, AuthError> {
        self.providers().await?.into_iter().find(|p| p.id == id).ok_or(AuthError::UnknownProvider)
    }

    /// The buttons under the comment form and on the sign-in page.
    pub async fn provider_buttons(&self) -> Result<Vec<ProviderButton>, Error> {
        Ok(self
            .providers()
            .await?
            .into_iter()
            .map(|p| ProviderButton {
                label: p.label(),
                kind: p.kind.as_str().to_string(),
                asks_instance: p.kind == ProviderKind::Mastodon,
                id: p.id,
            })
            .collect())
    }

    /// The signed cookie value naming `identity` for [`READER_DAYS`].
    pub fn reader_cookie(&self, identity: i64) -> String {
        let x = (OffsetDateTime::now_utc() + Duration::days(READER_DAYS)).unix_timestamp();
        self.auth().signer.sign(&serde_json::to_vec(&ReaderToken { i: identity, x }).unwrap_or_default())
    }

    /// The identity a reader cookie names, if the cookie is genuine and current.
    pub async fn reader_identity(&self, cookie: &str) -> Result<Option<Identity>, Error> {
        let Some(payload) = self.auth().signer.verify(cookie) else { return Ok(None) };
        let Ok(token) = serde_json::from_slice::<ReaderToken>(&payload) else { return Ok(None) };
        if token.x < OffsetDateTime::now_utc().unix_timestamp() {
            return Ok(None);
        }
        Ok(self.store().identity(token.i).await?)
    }

    /// How the comment form names a signed-in reader.
    pub async fn reader_view(&self, identity: &Identity) -> ReaderView {
        let provider = if identity.provider == email_link::PROVIDER {
            "email".to_string()
        } else {
            match self.provider(&identity.provider).await {
                Ok(p) => p.label(),
                Err(_) => identity.provider.clone(),
            }
        };
        ReaderView {
            identity_id: identity.id,
            name: identity.display_name.clone(),
            email: identity.email.clone(),
            provider,
        }
    }

    /// Keeps a comment draft for [`DRAFT_MINUTES`] under the secret of the draft cookie (a new one
    /// when the browser has none); returns the cookie value.
    pub async fn stash_draft(&self, cookie: Option<&str>, draft: &Draft) -> Result<String, Error> {
        let secret = cookie.filter(|c| !c.is_empty() && c.len() <= 100).map(str::to_string);
        let secret = secret.unwrap_or_else(crate::accounts::new_secret);
        let value = serde_json::to_value(draft).unwrap_or_default();
        let until = OffsetDateTime::now_utc() + Duration::minutes(DRAFT_MINUTES);
        self.store().put_auth_state(&hashed(&secret), "draft", &value, until).await?;
        Ok(secret)
    }

    /// The draft the draft cookie names, if still kept.
    pub async fn draft(&self, cookie: &str) -> Result<Option<Draft>, Error> {
        let found = self.store().peek_auth_state(&hashed(cookie), "draft", OffsetDateTime::now_utc()).await?;
        Ok(found.and_then(|v| serde_json::from_value(v).ok()))
    }

    /// Adds what happened at a provider to the kept draft (making one when there is none);
    /// returns the draft cookie value.
    pub async fn note_on_draft(&self, cookie: Option<&str>, notice: &str) -> Result<String, Error> {
        let mut draft = match cookie {
            Some(c) => self.draft(c).await?.unwrap_or_default(),
            None => Draft::default(),
        };
        draft.notice = Some(notice.to_string());
        self.stash_draft(cookie, &draft).await
    }

    /// Forgets a kept draft (its comment was posted).
    pub async fn drop_draft(&self, cookie: &str) -> Result<(), Error> {
        self.store().take_auth_state(&hashed(cookie), "draft", OffsetDateTime::now_utc()).await?;
        Ok(())
    }

    /// Links a verified identity to a staff account (from the account page's "add a way in").
    pub(crate) async fn link_to_staff(&self, identity: &Identity, user: UserId) -> Result<(), AuthError> {
        if self.store().link_identity(identity.id, user).await? {
            tracing::info!(user_id = %user, identity_id = identity.id, "identity linked");
            Ok(())
        } else {
            Err(AuthError::Invalid(
                "That account is already linked to another staff account; unlink it there first.".into(),
            ))
        }
    }

    /// The identities of a staff account, for its account page.
    pub async fn staff_identities(&self, user: UserId) -> Result<Vec<Identity>, Error> {
        Ok(self.store().identities_of(user).await?)
    }

    /// Removes one way into a staff account, never the last one.
    pub async fn unlink_identity(&self, user: UserId, identity: i64) -> Result<(), AuthError> {
        if self.store().unlink_identity(identity, user).await? {
            tracing::info!(user_id = %user, identity_id = identity, "identity unlinked");
            Ok(())
        } else {
            Err(AuthError::Invalid(
                "This is your account's only way in: set a password or link another account first.".into(),
            ))
        }
    }

    /// Spends one sign-in start from the address's bucket, refusing while it is empty.
    pub(crate) async fn throttle_sign_in_start(&self, ip: Option<IpAddr>) -> Result<(), AuthError> {
        let Some(ip) = ip else { return Ok(()) };
        let who = if ip.is_ipv6() { crate::comments::subnet_of(ip) } else { ip.to_string() };
        let rate = self.settings().await.sign_in_rate.clone();
        let limits = [quire_store::RateLimit {
            key: format!("auth:start:{}", self.keys().hashing.hash(&who)),
            capacity: rate.per_ip.max(1.0) * 2.0,
            per_seconds: rate.seconds,
        }];
        let now = OffsetDateTime::now_utc();
        if let Some(wait) = self.store().rate_limit_wait(&limits, now).await? {
            tracing::warn!(wait, "sign-in start refused: too many");
            return Err(AuthError::Throttled(wait));
        }
        self.store().spend_tokens(&limits, now).await?;
        Ok(())
    }
}
