//! Plain OAuth 2 sign-in (GitHub, Facebook, Mastodon): authorization code with PKCE and a state,
//! then the profile from the provider's user endpoint. There is no ID token, so the profile comes
//! straight from the provider over TLS with the access token the code was exchanged for.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::AuthError;
use super::http::HttpError;
use super::oidc::Profile;
use crate::App;

/// One OAuth 2 provider's endpoints and client, as one sign-in uses them.
pub(crate) struct OAuthClient {
    /// Button label, for messages.
    pub label: String,
    pub auth_url: String,
    pub token_url: String,
    pub profile_url: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scope: String,
    /// Which profile shape the user endpoint answers with.
    pub shape: Shape,
}

/// The JSON a user endpoint answers with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// `{id, login, name, email, html_url}`.
    Github,
    /// `{id, name, email, link}`.
    Facebook,
    /// `{id, username, acct, display_name, url}`, subject qualified with the instance.
    Mastodon,
}

/// 32 random bytes, base64url: states and PKCE verifiers.
pub(crate) fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
}

fn unreachable_or(label: &str, e: HttpError, reason: &str) -> AuthError {
    match e {
        HttpError::Unreachable(_) => AuthError::Unreachable(label.to_string()),
        HttpError::Other(_) => AuthError::Rejected { provider: label.to_string(), reason: reason.to_string() },
    }
}

impl OAuthClient {
    /// The authorization URL for `state`, with the S256 challenge of `verifier`.
    pub(crate) fn authorize_url(&self, redirect: &str, state: &str, verifier: &str) -> Result<String, AuthError> {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let mut url = url::Url::parse(&self.auth_url).map_err(|e| AuthError::Invalid(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", &self.scope)
            .append_pair("state", state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.to_string())
    }
}

impl App {
    /// Exchanges `code` and reads the profile.
    pub(crate) async fn oauth_finish(
        &self,
        client: &OAuthClient,
        redirect: &str,
        code: &str,
        verifier: &str,
        instance: Option<&str>,
    ) -> Result<Profile, AuthError> {
        let http = &self.auth().http;
        let label = client.label.as_str();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", client.client_id.as_str()),
            ("code_verifier", verifier),
        ];
        if let Some(secret) = &client.client_secret {
            form.push(("client_secret", secret.as_str()));
        }
        let response = http
            .post(&client.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| unreachable_or(label, e.into(), "it did not accept the sign-in code"))?;
        if !response.status().is_success() {
            tracing::warn!(provider = label, status = %response.status(), "code exchange refused");
            return Err(AuthError::Rejected {
                provider: label.into(),
                reason: "it did not accept the sign-in code".into(),
            });
        }
        let token: TokenAnswer = response.json().await.map_err(|_| AuthError::Rejected {
            provider: label.into(),
            reason: "its token answer could not be read".into(),
        })?;
        let response = http
            .get(&client.profile_url)
            .bearer_auth(&token.access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unreachable_or(label, e.into(), "its profile could not be read"))?;
        if !response.status().is_success() {
            tracing::warn!(provider = label, status = %response.status(), "profile refused");
            return Err(AuthError::Rejected { provider: label.into(), reason: "its profile could not be read".into() });
        }
        let body: serde_json::Value = response.json().await.map_err(|_| AuthError::Rejected {
            provider: label.into(),
            reason: "its profile could not be read".into(),
        })?;
        profile_of(client.shape, &body, instance).ok_or_else(|| AuthError::Rejected {
            provider: label.into(),
            reason: "its profile has no account id".into(),
        })
    }
}

fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    match v.get(key)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A profile from a user endpoint's JSON; `None` without an id.
pub(crate) fn profile_of(shape: Shape, v: &serde_json::Value, instance: Option<&str>) -> Option<Profile> {
    let id = text(v, "id")?;
    Some(match shape {
        Shape::Github => Profile {
            subject: id,
            name: text(v, "name").or_else(|| text(v, "login")),
            email: text(v, "email"),
            profile_url: text(v, "html_url"),
        },
        Shape::Facebook => {
            Profile { subject: id, name: text(v, "name"), email: text(v, "email"), profile_url: text(v, "link") }
        }
        Shape::Mastodon => {
            let instance = instance.unwrap_or_default();
            let handle = text(v, "username").map(|u| format!("@{u}@{instance}"));
            Profile {
                subject: format!("{id}@{instance}"),
                name: text(v, "display_name").or(handle),
                email: None,
                profile_url: text(v, "url"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn profiles_are_read_from_each_shape() {
        let gh = profile_of(Shape::Github, &json!({"id": 42, "login": "ruth", "name": null}), None);
        assert_eq!(gh.map(|p| (p.subject, p.name)), Some(("42".into(), Some("ruth".into()))));
        let m = profile_of(
            Shape::Mastodon,
            &json!({"id": "7", "username": "tommy", "display_name": ""}),
            Some("x.example"),
        );
        assert_eq!(m.map(|p| (p.subject, p.name)), Some(("7@x.example".into(), Some("@tommy@x.example".into()))));
        assert!(profile_of(Shape::Facebook, &json!({"name": "No Id"}), None).is_none());
    }
}
