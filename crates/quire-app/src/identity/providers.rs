//! Sign-in providers: the `[auth]` table of quire.toml and the providers an admin adds in
//! settings, with the presets' endpoints filled in. Client secrets are never printed or logged.

use serde::{Deserialize, Serialize};

/// A secret from the configuration: its `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// What sort of provider, and so which protocol and endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// Any OpenID Connect provider (`issuer` required).
    Oidc,
    /// Google (OpenID Connect).
    Google,
    /// Microsoft personal accounts (OpenID Connect; `issuer` names another tenant).
    Microsoft,
    /// WordPress.com (OpenID Connect).
    WordpressCom,
    /// GitHub (OAuth 2; profile from its user endpoint).
    Github,
    /// Facebook (OAuth 2; profile from the Graph API).
    Facebook,
    /// Any Mastodon instance the reader names (app registered on the fly).
    Mastodon,
}

impl ProviderKind {
    /// Every kind, as the settings page offers them.
    pub const ALL: [ProviderKind; 7] = [
        ProviderKind::Oidc,
        ProviderKind::Google,
        ProviderKind::Microsoft,
        ProviderKind::WordpressCom,
        ProviderKind::Github,
        ProviderKind::Facebook,
        ProviderKind::Mastodon,
    ];

    /// Its name in quire.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Oidc => "oidc",
            ProviderKind::Google => "google",
            ProviderKind::Microsoft => "microsoft",
            ProviderKind::WordpressCom => "wordpress-com",
            ProviderKind::Github => "github",
            ProviderKind::Facebook => "facebook",
            ProviderKind::Mastodon => "mastodon",
        }
    }

    /// Parses a name of quire.toml.
    pub fn parse(name: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether it speaks OpenID Connect (discovery, ID tokens).
    pub fn is_oidc(self) -> bool {
        matches!(self, ProviderKind::Oidc | ProviderKind::Google | ProviderKind::Microsoft | ProviderKind::WordpressCom)
    }

    fn default_issuer(self) -> Option<&'static str> {
        match self {
            ProviderKind::Google => Some("https://accounts.google.com"),
            // Personal Microsoft accounts; work accounts name their tenant's issuer instead.
            ProviderKind::Microsoft => {
                Some("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0")
            }
            ProviderKind::WordpressCom => Some("https://public-api.wordpress.com/oauth2"),
            _ => None,
        }
    }

    fn default_label(self) -> &'static str {
        match self {
            ProviderKind::Oidc => "OpenID Connect",
            ProviderKind::Google => "Google",
            ProviderKind::Microsoft => "Microsoft",
            ProviderKind::WordpressCom => "WordPress.com",
            ProviderKind::Github => "GitHub",
            ProviderKind::Facebook => "Facebook",
            ProviderKind::Mastodon => "Mastodon",
        }
    }

    /// OAuth 2 presets: authorization, token and profile endpoints.
    fn oauth_endpoints(self) -> Option<(&'static str, &'static str, &'static str)> {
        match self {
            ProviderKind::Github => Some((
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com/user",
            )),
            ProviderKind::Facebook => Some((
                "https://www.facebook.com/v19.0/dialog/oauth",
                "https://graph.facebook.com/v19.0/oauth/access_token",
                "https://graph.facebook.com/me?fields=id,name,email,link",
            )),
            _ => None,
        }
    }
}

/// One `[[auth.providers]]` entry (or one provider added in settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Used in URLs: `/auth/<id>/start`, `/auth/<id>/callback`.
    pub id: String,
    /// `oidc` or a preset.
    pub kind: ProviderKind,
    /// OpenID Connect issuer URL (required for `oidc`; presets know theirs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Client id registered at the provider (not for Mastodon).
    #[serde(default)]
    pub client_id: String,
    /// Client secret (better given with `client_secret_env`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// Name of the environment variable holding the client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
    /// Button text; defaults after the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// OAuth 2 presets: another authorization endpoint (a proxy, a test double).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    /// OAuth 2 presets: another token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// OAuth 2 presets: another profile endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_url: Option<String>,
    /// Mastodon: also allow instances on private or loopback addresses over plain HTTP (tests).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_private_instances: bool,
}

/// The `[auth]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Seconds a provider gets to answer one request (discovery, token, profile).
    pub timeout_seconds: f64,
    /// The providers offered under the comment form and on the sign-in page.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { timeout_seconds: 10.0, providers: Vec::new() }
    }
}

/// Whether `id` can name a provider in a URL.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && id != "email"
}

impl ProviderConfig {
    /// Checks what can be checked without the network; the message is one line.
    pub fn validate(&self) -> Result<(), String> {
        let id = &self.id;
        if !valid_id(id) {
            return Err(format!(
                "auth provider id {id:?} must be 1 to 40 lower-case letters, digits, - or _ (and not \"email\")"
            ));
        }
        if self.kind == ProviderKind::Oidc && self.issuer.as_deref().is_none_or(|i| i.trim().is_empty()) {
            return Err(format!("auth provider {id:?}: kind \"oidc\" needs an issuer URL"));
        }
        for url in [&self.issuer, &self.auth_url, &self.token_url, &self.userinfo_url].into_iter().flatten() {
            let parsed = url::Url::parse(url).map_err(|e| format!("auth provider {id:?}: {url:?}: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(format!("auth provider {id:?}: {url:?} must be an http(s) URL"));
            }
        }
        if self.kind != ProviderKind::Mastodon && self.client_id.trim().is_empty() {
            return Err(format!("auth provider {id:?} needs a client_id"));
        }
        if self.client_secret.is_some() && self.client_secret_env.is_some() {
            return Err(format!("auth provider {id:?}: give client_secret or client_secret_env, not both"));
        }
        Ok(())
    }

    /// The button text.
    pub fn label(&self) -> String {
        self.label.clone().filter(|l| !l.trim().is_empty()).unwrap_or_else(|| self.kind.default_label().to_string())
    }

    /// The issuer in effect (OpenID Connect kinds).
    pub fn issuer(&self) -> Option<String> {
        self.issuer.clone().or_else(|| self.kind.default_issuer().map(str::to_string))
    }

    /// The client secret in effect: the file's, or the named environment variable's.
    pub fn client_secret(&self) -> Option<String> {
        match (&self.client_secret, &self.client_secret_env) {
            (Some(secret), _) => Some(secret.0.clone()),
            (None, Some(name)) => std::env::var(name).ok().filter(|s| !s.is_empty()),
            (None, None) => None,
        }
    }

    /// OAuth 2 endpoints in effect: authorization, token, profile.
    pub fn oauth_endpoints(&self) -> Option<(String, String, String)> {
        let (auth, token, user) = self.kind.oauth_endpoints()?;
        Some((
            self.auth_url.clone().unwrap_or_else(|| auth.into()),
            self.token_url.clone().unwrap_or_else(|| token.into()),
            self.userinfo_url.clone().unwrap_or_else(|| user.into()),
        ))
    }
}

impl AuthConfig {
    /// Checks every provider and that ids are unique.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.timeout_seconds.is_finite() && self.timeout_seconds > 0.0) {
            return Err("auth.timeout_seconds must be above 0".into());
        }
        let mut seen = std::collections::HashSet::new();
        for provider in &self.providers {
            provider.validate().map_err(|e| format!("configuration: {e}"))?;
            if !seen.insert(provider.id.as_str()) {
                return Err(format!("auth provider id {:?} is used twice", provider.id));
            }
        }
        Ok(())
    }

    /// The table as TOML for `--print-config`, with secrets left out.
    pub fn to_toml(&self) -> String {
        let mut out = format!("\n[auth]\ntimeout_seconds = {}\n", self.timeout_seconds);
        for provider in &self.providers {
            out.push_str("\n[[auth.providers]]\n");
            let value = serde_json::to_value(provider).unwrap_or_default();
            for (k, v) in value.as_object().into_iter().flatten() {
                if k == "client_secret" {
                    out.push_str("# client_secret is set (not shown)\n");
                } else {
                    out.push_str(&format!("{k} = {v}\n"));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_fill_in_issuers_labels_and_endpoints() {
        let google = ProviderConfig {
            id: "google".into(),
            kind: ProviderKind::Google,
            issuer: None,
            client_id: "c".into(),
            client_secret: Some(Secret("s3cret".into())),
            client_secret_env: None,
            label: None,
            auth_url: None,
            token_url: None,
            userinfo_url: None,
            allow_private_instances: false,
        };
        assert_eq!(google.issuer().as_deref(), Some("https://accounts.google.com"));
        assert_eq!(google.label(), "Google");
        assert!(!format!("{google:?}").contains("s3cret"), "Debug never shows the secret");
        let github = ProviderConfig { id: "gh".into(), kind: ProviderKind::Github, ..google.clone() };
        assert_eq!(github.oauth_endpoints().map(|e| e.2), Some("https://api.github.com/user".into()));
        let printed = AuthConfig { providers: vec![google], ..Default::default() }.to_toml();
        assert!(printed.contains("[[auth.providers]]") && !printed.contains("s3cret"), "{printed}");
    }

    #[test]
    fn bad_providers_are_refused_in_one_line() {
        let oidc: Result<ProviderConfig, _> = toml::from_str("id = \"x\"\nkind = \"oidc\"\nclient_id = \"c\"\n");
        assert!(oidc.map(|p| p.validate().is_err()).unwrap_or(false), "oidc without issuer");
        let bad_id: Result<ProviderConfig, _> =
            toml::from_str("id = \"Bad Id\"\nkind = \"google\"\nclient_id = \"c\"\n");
        assert!(bad_id.map(|p| p.validate().is_err()).unwrap_or(false));
        let unknown: Result<ProviderConfig, _> = toml::from_str("id = \"x\"\nkind = \"myspace\"\n");
        assert!(unknown.is_err());
    }
}
