//! One sign-in, start to finish. Starting stores the state's secrets under the SHA-256 of the
//! `state` value with the hash of a browser-binding cookie, for ten minutes; the callback takes
//! that row (deleting it, so a replayed `state` finds nothing), checks the browser, and only then
//! talks to the provider.

use std::net::IpAddr;

use quire_core::UserId;
use quire_store::{Identity, NewIdentity};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::mastodon::parse_instance;
use super::oauth::{OAuthClient, Shape, random_token};
use super::{AuthError, ProviderConfig, ProviderKind, hashed, local_path};
use crate::App;

/// How long a started sign-in waits for its callback.
const STATE_MINUTES: i64 = 10;

/// What a sign-in is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Purpose {
    /// A reader commenting under the identity.
    Comment,
    /// A staff member signing in to the admin with a linked identity.
    Admin,
    /// A signed-in staff member adding the identity as another way in.
    Link {
        /// The account.
        user: i64,
    },
}

/// A sign-in to start.
#[derive(Debug, Clone)]
pub struct Start {
    /// Provider id.
    pub provider: String,
    /// Where to come back to (a path of this site).
    pub return_to: String,
    /// What it is for.
    pub purpose: Purpose,
    /// Mastodon: the instance the reader typed.
    pub instance: Option<String>,
    /// The sender's address (rate limit).
    pub ip: Option<IpAddr>,
}

/// A started sign-in: send the browser to `redirect` with `binding` in its binding cookie.
#[derive(Debug, Clone)]
pub struct Started {
    /// The provider's authorization URL.
    pub redirect: String,
    /// Value of the binding cookie.
    pub binding: String,
}

/// What the provider sent back to `/auth/<id>/callback`.
#[derive(Debug, Clone, Default)]
pub struct Callback {
    /// Provider id of the URL.
    pub provider: String,
    /// `state`.
    pub state: String,
    /// `code`, on success.
    pub code: Option<String>,
    /// `error`, on failure (`access_denied` when the reader cancelled).
    pub error: Option<String>,
    /// The binding cookie the browser sent.
    pub binding: Option<String>,
}

/// A finished sign-in.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Where to go now.
    pub return_to: String,
    /// Who signed in.
    pub identity: Identity,
    /// What it was for.
    pub purpose: Purpose,
    /// For [`Purpose::Admin`]: the new staff session's cookie secret.
    pub staff_session: Option<String>,
}

/// The server-side half of a started sign-in.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    provider: String,
    binding: String,
    purpose: Purpose,
    return_to: String,
    nonce: Option<String>,
    verifier: String,
    instance: Option<String>,
}

impl App {
    /// The redirect URI registered at providers: `<site-url>/auth/<id>/callback`.
    pub fn callback_url(&self, provider: &str) -> String {
        format!("{}/auth/{provider}/callback", self.config().site_url())
    }

    fn oauth_client(&self, provider: &ProviderConfig) -> Result<OAuthClient, AuthError> {
        let (auth_url, token_url, profile_url) = provider.oauth_endpoints().ok_or(AuthError::UnknownProvider)?;
        let (scope, shape) = match provider.kind {
            ProviderKind::Github => ("read:user user:email", Shape::Github),
            _ => ("public_profile email", Shape::Facebook),
        };
        Ok(OAuthClient {
            label: provider.label(),
            auth_url,
            token_url,
            profile_url,
            client_id: provider.client_id.clone(),
            client_secret: provider.client_secret(),
            scope: scope.into(),
            shape,
        })
    }

    /// Starts a sign-in: rate-limited per address, then the provider's authorization URL.
    pub async fn start_sign_in(&self, start: Start) -> Result<Started, AuthError> {
        let provider = self.provider(&start.provider).await?;
        self.throttle_sign_in_start(start.ip).await?;
        let redirect = self.callback_url(&provider.id);
        let binding = random_token();
        let (url, state, nonce, verifier, instance) = if provider.kind.is_oidc() {
            let pending = self.oidc_start(&provider, &redirect).await?;
            (pending.url, pending.state, Some(pending.nonce), pending.verifier, None)
        } else {
            let (client, instance) = if provider.kind == ProviderKind::Mastodon {
                let typed = start.instance.as_deref().unwrap_or_default();
                if typed.trim().is_empty() {
                    return Err(AuthError::BadInstance("Please type the name of your Mastodon instance.".into()));
                }
                let instance = parse_instance(typed, provider.allow_private_instances)?;
                (self.mastodon_client(&provider, &instance, &redirect).await?, Some(instance.base()))
            } else {
                (self.oauth_client(&provider)?, None)
            };
            let (state, verifier) = (random_token(), random_token());
            (client.authorize_url(&redirect, &state, &verifier)?, state, None, verifier, instance)
        };
        let pending = Pending {
            provider: provider.id.clone(),
            binding: hashed(&binding),
            purpose: start.purpose,
            return_to: local_path(&start.return_to),
            nonce,
            verifier,
            instance,
        };
        let until = OffsetDateTime::now_utc() + Duration::minutes(STATE_MINUTES);
        let payload = serde_json::to_value(&pending).map_err(|e| AuthError::Invalid(e.to_string()))?;
        self.store().put_auth_state(&hashed(&state), "oauth", &payload, until).await?;
        tracing::info!(provider = %provider.id, "sign-in started");
        Ok(Started { redirect: url, binding })
    }

    /// Where a callback's reader should land whatever happens: the path its sign-in started from,
    /// when the state is still known (without using it up).
    pub async fn sign_in_return_path(&self, state: &str) -> Option<String> {
        let found = self.store().peek_auth_state(&hashed(state), "oauth", OffsetDateTime::now_utc()).await.ok()??;
        serde_json::from_value::<Pending>(found).ok().map(|p| p.return_to)
    }

    /// Finishes a sign-in: the state is used up first (a replay finds nothing), the browser must be
    /// the one that started it, and the provider's answer must verify.
    pub async fn finish_sign_in(&self, callback: Callback) -> Result<Finished, AuthError> {
        let now = OffsetDateTime::now_utc();
        if callback.state.is_empty() || callback.state.len() > 200 {
            return Err(AuthError::StateUnknown);
        }
        let taken = self.store().take_auth_state(&hashed(&callback.state), "oauth", now).await?;
        let Some(pending) = taken.and_then(|v| serde_json::from_value::<Pending>(v).ok()) else {
            tracing::info!(provider = %callback.provider, "sign-in callback with an unknown or used state");
            return Err(AuthError::StateUnknown);
        };
        if pending.provider != callback.provider {
            return Err(AuthError::StateUnknown);
        }
        let same_browser =
            callback.binding.as_deref().is_some_and(|b| crate::accounts::same_secret(&hashed(b), &pending.binding));
        if !same_browser {
            tracing::info!(provider = %pending.provider, "sign-in callback from another browser");
            return Err(AuthError::OtherBrowser);
        }
        let provider = self.provider(&pending.provider).await?;
        if let Some(error) = callback.error.as_deref() {
            // Only the code's safe characters reach the page.
            let code: String = error.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect();
            tracing::info!(provider = %provider.id, error = %code, "provider answered with an error");
            return Err(if code == "access_denied" {
                AuthError::Cancelled(provider.label())
            } else {
                AuthError::ProviderError { provider: provider.label(), code }
            });
        }
        let code = callback.code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| AuthError::Rejected {
            provider: provider.label(),
            reason: "it sent no sign-in code".into(),
        })?;
        let redirect = self.callback_url(&provider.id);
        let profile = match (&pending.nonce, provider.kind) {
            (Some(nonce), kind) if kind.is_oidc() => {
                self.oidc_finish(&provider, &redirect, code, nonce, &pending.verifier).await?
            }
            (_, ProviderKind::Mastodon) => {
                let base = pending.instance.clone().unwrap_or_default();
                let instance = parse_instance(&base, provider.allow_private_instances)?;
                let client = self.mastodon_client(&provider, &instance, &redirect).await?;
                self.oauth_finish(&client, &redirect, code, &pending.verifier, Some(&instance.host)).await?
            }
            (_, ProviderKind::Github | ProviderKind::Facebook) => {
                let client = self.oauth_client(&provider)?;
                self.oauth_finish(&client, &redirect, code, &pending.verifier, None).await?
            }
            _ => return Err(AuthError::StateUnknown),
        };
        let identity = self
            .store()
            .upsert_identity(&NewIdentity {
                provider: provider.id.clone(),
                display_name: profile.name.clone().unwrap_or_else(|| profile.subject.clone()),
                subject: profile.subject,
                email: profile.email,
                profile_url: profile.profile_url,
                seen_at: now,
            })
            .await?;
        tracing::info!(provider = %provider.id, identity_id = identity.id, "signed in with an outside account");
        self.finish_for(identity, pending.purpose, pending.return_to, None).await
    }

    /// What a verified identity does next, after its purpose.
    pub(crate) async fn finish_for(
        &self,
        identity: Identity,
        purpose: Purpose,
        return_to: String,
        ip: Option<IpAddr>,
    ) -> Result<Finished, AuthError> {
        let mut staff_session = None;
        match purpose {
            Purpose::Comment => {}
            Purpose::Link { user } => self.link_to_staff(&identity, UserId(user)).await?,
            Purpose::Admin => {
                let Some(user) = identity.user_id else { return Err(AuthError::NotLinked(identity.provider.clone())) };
                let credentials = self.store().credentials(user).await?;
                if !credentials.is_some_and(|c| c.active) {
                    return Err(AuthError::Deactivated);
                }
                let secret = self
                    .start_session(user, ip, None, OffsetDateTime::now_utc())
                    .await
                    .map_err(|e| AuthError::Internal(crate::Error::Invalid(e.to_string())))?;
                tracing::info!(user_id = %user, identity_id = identity.id, "staff signed in with an outside account");
                staff_session = Some(secret);
            }
        }
        Ok(Finished { return_to, identity, purpose, staff_session })
    }
}
