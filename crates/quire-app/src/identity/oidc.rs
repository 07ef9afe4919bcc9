//! OpenID Connect with the `openidconnect` crate: discovery (cached for a while), authorization
//! code flow with PKCE and a nonce, and an ID token whose signature, issuer, audience, nonce and
//! times are checked, with the clock skew allowed bounded by [`MAX_SKEW`].

use std::time::Instant;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

use super::http::{HttpError, send};
use super::{AuthError, ProviderConfig};
use crate::App;

type CoreUserInfo =
    openidconnect::UserInfoClaims<openidconnect::EmptyAdditionalClaims, openidconnect::core::CoreGenderClaim>;

/// What discovery tells about a provider.
pub(crate) type Metadata = CoreProviderMetadata;

/// The clock difference tolerated between Quire and a provider, either way.
pub(crate) const MAX_SKEW: chrono::Duration = chrono::Duration::seconds(60);
/// An ID token issued longer ago than this is refused (it was not made for this sign-in).
const MAX_AGE: chrono::Duration = chrono::Duration::minutes(10);
/// How long discovered metadata (endpoints, signing keys) is reused.
const METADATA_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// The secrets of an authorization request, kept server-side until the callback.
pub(crate) struct Pending {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

/// Who the provider says signed in.
pub(crate) struct Profile {
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub profile_url: Option<String>,
}

/// Our client as a closure whose futures own what they use (so they are `Send` for any lifetime).
fn http_client(
    http: &reqwest::Client,
) -> impl Fn(
    openidconnect::HttpRequest,
) -> std::pin::Pin<Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send>>
+ Send
+ Sync {
    let http = http.clone();
    move |request| {
        let http = http.clone();
        Box::pin(async move { send(&http, request).await })
    }
}

fn unreachable(provider: &ProviderConfig) -> AuthError {
    AuthError::Unreachable(provider.label())
}

fn rejected(provider: &ProviderConfig, reason: impl Into<String>) -> AuthError {
    AuthError::Rejected { provider: provider.label(), reason: reason.into() }
}

impl App {
    async fn metadata(&self, provider: &ProviderConfig) -> Result<Metadata, AuthError> {
        let issuer = provider.issuer().unwrap_or_default();
        if let Ok(cache) = self.auth().metadata.lock()
            && let Some((at, metadata)) = cache.get(&issuer)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer_url = IssuerUrl::new(issuer.clone()).map_err(|_| AuthError::UnknownProvider)?;
        let client = http_client(&self.auth().http);
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &client).await.map_err(|e| {
            tracing::warn!(provider = %provider.id, error = %e, "OpenID Connect discovery failed");
            unreachable(provider)
        })?;
        if let Ok(mut cache) = self.auth().metadata.lock() {
            cache.insert(issuer, (Instant::now(), metadata.clone()));
        }
        Ok(metadata)
    }

    fn oidc_client(
        &self,
        provider: &ProviderConfig,
        metadata: Metadata,
        redirect: &str,
    ) -> Result<
        openidconnect::core::CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        AuthError,
    > {
        let redirect = RedirectUrl::new(redirect.to_string()).map_err(|e| AuthError::Invalid(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            provider.client_secret().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Discovers the provider and builds the authorization request.
    pub(crate) async fn oidc_start(&self, provider: &ProviderConfig, redirect: &str) -> Result<Pending, AuthError> {
        let metadata = self.metadata(provider).await?;
        let client = self.oidc_client(provider, metadata, redirect)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Pending {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token against the nonce.
    pub(crate) async fn oidc_finish(
        &self,
        provider: &ProviderConfig,
        redirect: &str,
        code: &str,
        nonce: &str,
        verifier: &str,
    ) -> Result<Profile, AuthError> {
        let metadata = self.metadata(provider).await?;
        let client = self.oidc_client(provider, metadata, redirect)?;
        let http_client = http_client(&self.auth().http);
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|_| rejected(provider, "the provider has no token endpoint"))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()));
        let token = request.request_async(&http_client).await.map_err(|e| {
            tracing::warn!(provider = %provider.id, error = %token_error(&e), "code exchange failed");
            match e {
                openidconnect::RequestTokenError::Request(HttpError::Unreachable(_)) => unreachable(provider),
                _ => rejected(provider, "it did not accept the sign-in code"),
            }
        })?;
        let id_token = token.id_token().ok_or_else(|| rejected(provider, "it sent no ID token"))?;
        let now = chrono::Utc::now();
        let verifier = client
            .id_token_verifier()
            // Tokens that expired less than MAX_SKEW ago pass (clocks differ); none older.
            .set_time_fn(move || now - MAX_SKEW)
            .set_issue_time_verifier_fn(move |iat| {
                if iat > now + MAX_SKEW {
                    Err(format!("issued in the future ({iat})"))
                } else if iat < now - MAX_AGE - MAX_SKEW {
                    Err(format!("issued too long ago ({iat})"))
                } else {
                    Ok(())
                }
            });
        let claims = id_token.claims(&verifier, &Nonce::new(nonce.to_string())).map_err(|e| {
            tracing::warn!(provider = %provider.id, error = %e, "ID token refused");
            rejected(provider, claims_reason(&e))
        })?;
        let mut profile = Profile {
            subject: claims.subject().as_str().to_string(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string())
                .or_else(|| claims.preferred_username().map(|u| u.as_str().to_string())),
            email: claims.email().map(|e| e.as_str().to_string()),
            profile_url: claims.profile().and_then(|p| p.get(None)).map(|p| p.as_str().to_string()),
        };
        if profile.name.is_none() || profile.email.is_none() {
            // Many providers keep names out of the ID token; the UserInfo endpoint has them.
            if let Ok(request) = client.user_info(token.access_token().clone(), None) {
                let info: Result<CoreUserInfo, _> = request.request_async(&http_client).await;
                match info {
                    Ok(info) if info.subject().as_str() == profile.subject => {
                        profile.name = profile.name.or_else(|| {
                            info.name()
                                .and_then(|n| n.get(None))
                                .map(|n| n.as_str().to_string())
                                .or_else(|| info.preferred_username().map(|u| u.as_str().to_string()))
                        });
                        profile.email = profile.email.or_else(|| info.email().map(|e| e.as_str().to_string()));
                    }
                    Ok(_) => tracing::warn!(provider = %provider.id, "UserInfo answered for another subject; ignored"),
                    Err(e) => tracing::info!(provider = %provider.id, error = %e, "UserInfo not available"),
                }
            }
        }
        Ok(profile)
    }
}

/// A token-endpoint failure for the log: its kind and the provider's error code, never a body
/// that could echo a code or secret.
fn token_error<E: openidconnect::ErrorResponse + 'static>(
    e: &openidconnect::RequestTokenError<HttpError, E>,
) -> String {
    match e {
        openidconnect::RequestTokenError::ServerResponse(r) => format!("provider error: {r}"),
        openidconnect::RequestTokenError::Request(r) => format!("request: {r}"),
        openidconnect::RequestTokenError::Parse(_, _) => "unreadable answer".into(),
        openidconnect::RequestTokenError::Other(o) => o.clone(),
    }
}

/// The reader's words for an ID token that failed verification.
fn claims_reason(e: &ClaimsVerificationError) -> &'static str {
    match e {
        ClaimsVerificationError::Expired(_) => "its ID token has expired (or a clock is wrong)",
        ClaimsVerificationError::InvalidAudience(_) => "its ID token was made for another site (wrong audience)",
        ClaimsVerificationError::InvalidNonce(_) => "its ID token belongs to another sign-in (wrong nonce)",
        ClaimsVerificationError::InvalidIssuer(_) => "its ID token came from another issuer",
        ClaimsVerificationError::SignatureVerification(_) => "its ID token has an invalid signature",
        ClaimsVerificationError::Other(_) => "its ID token was not issued for this sign-in (bad issue time)",
        _ => "its ID token could not be verified",
    }
}
