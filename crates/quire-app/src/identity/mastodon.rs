//! Mastodon: the reader names their instance; Quire registers an app there on first use
//! (`POST /api/v1/apps`), remembers it in the database, and signs in with OAuth 2 like any other
//! provider. Instances on private or loopback addresses are refused unless the provider allows
//! them (tests), so a reader cannot make the server call into its own network.

use std::net::IpAddr;

use quire_store::MastodonApp;
use serde::Deserialize;

use super::oauth::{OAuthClient, Shape};
use super::{AuthError, ProviderConfig};
use crate::App;

/// A Mastodon instance as the reader named it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Host (and port, if any), lower case: the key its app is remembered under.
    pub host: String,
    /// `https`, or `http` where the provider allows private instances.
    pub scheme: &'static str,
}

impl Instance {
    /// Base URL, without a trailing slash.
    pub fn base(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }
}

/// Reads "mastodon.social", "@me@mastodon.social" or "https://mastodon.social/" as an instance.
pub fn parse_instance(typed: &str, allow_private: bool) -> Result<Instance, AuthError> {
    let bad =
        || AuthError::BadInstance(format!("{:?} is not a Mastodon instance name, like mastodon.social.", typed.trim()));
    let mut text = typed.trim().to_lowercase();
    if let Some((_, host)) = text.rsplit_once('@') {
        text = host.to_string();
    }
    let (scheme, rest) = match text.split_once("://") {
        Some(("https", rest)) => ("https", rest.to_string()),
        Some(("http", rest)) if allow_private => ("http", rest.to_string()),
        Some(_) => return Err(bad()),
        None => (if allow_private { "http" } else { "https" }, text.clone()),
    };
    let host = rest.trim_end_matches('/').to_string();
    let url = url::Url::parse(&format!("{scheme}://{host}/")).map_err(|_| bad())?;
    let Some(name) = url.host_str() else { return Err(bad()) };
    if url.path() != "/" || url.username() != "" || url.query().is_some() {
        return Err(bad());
    }
    let ip = name.trim_matches(['[', ']']).parse::<IpAddr>().ok();
    let private = name == "localhost"
        || name.ends_with(".localhost")
        || ip.is_some_and(|ip| match ip {
            IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified(),
            IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00,
        });
    if private && !allow_private {
        return Err(AuthError::BadInstance("That instance is on a private network address and cannot be used.".into()));
    }
    if ip.is_none() && !name.contains('.') && !allow_private {
        return Err(bad());
    }
    let host = match url.port() {
        Some(port) => format!("{name}:{port}"),
        None => name.to_string(),
    };
    Ok(Instance { host, scheme })
}

#[derive(Deserialize)]
struct Registered {
    client_id: String,
    client_secret: String,
}

const SCOPE: &str = "read:accounts";

impl App {
    /// The OAuth client for `instance`, registering Quire there first if it never was.
    pub(crate) async fn mastodon_client(
        &self,
        provider: &ProviderConfig,
        instance: &Instance,
        redirect: &str,
    ) -> Result<OAuthClient, AuthError> {
        let app = match self.store().mastodon_app(&instance.host).await? {
            Some(app) => app,
            None => self.register_mastodon_app(instance, redirect).await?,
        };
        let base = instance.base();
        Ok(OAuthClient {
            label: format!("{} ({})", provider.label(), instance.host),
            auth_url: format!("{base}/oauth/authorize"),
            token_url: format!("{base}/oauth/token"),
            profile_url: format!("{base}/api/v1/accounts/verify_credentials"),
            client_id: app.client_id,
            client_secret: Some(app.client_secret),
            scope: SCOPE.into(),
            shape: Shape::Mastodon,
        })
    }

    async fn register_mastodon_app(&self, instance: &Instance, redirect: &str) -> Result<MastodonApp, AuthError> {
        let site = self.settings().await.title.clone();
        let label = instance.host.clone();
        let form = [
            ("client_name", site.as_str()),
            ("redirect_uris", redirect),
            ("scopes", SCOPE),
            ("website", &self.config().site_url()),
        ];
        let response =
            self.auth().http.post(format!("{}/api/v1/apps", instance.base())).form(&form).send().await.map_err(
                |e| {
                    tracing::warn!(instance = %label, error = %e.without_url(), "Mastodon app registration failed");
                    AuthError::Unreachable(label.clone())
                },
            )?;
        if !response.status().is_success() {
            tracing::warn!(instance = %label, status = %response.status(), "Mastodon app registration refused");
            return Err(AuthError::BadInstance(format!(
                "{label} did not let this site register; is it a Mastodon instance?"
            )));
        }
        let registered: Registered = response
            .json()
            .await
            .map_err(|_| AuthError::BadInstance(format!("{label} did not answer like a Mastodon instance.")))?;
        tracing::info!(instance = %label, "registered with a Mastodon instance");
        let app = MastodonApp {
            instance: instance.host.clone(),
            client_id: registered.client_id,
            client_secret: registered.client_secret,
        };
        Ok(self.store().put_mastodon_app(&app).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_are_read_from_what_readers_type() {
        let host = |t: &str| parse_instance(t, false).map(|i| i.base()).ok();
        assert_eq!(host("mastodon.social").as_deref(), Some("https://mastodon.social"));
        assert_eq!(host(" @ruth@Mastodon.Social ").as_deref(), Some("https://mastodon.social"));
        assert_eq!(host("https://fosstodon.org/").as_deref(), Some("https://fosstodon.org"));
        for bad in ["", "http://mastodon.social", "127.0.0.1", "localhost", "10.0.0.8", "x.org/path", "nodots"] {
            assert!(parse_instance(bad, false).is_err(), "{bad}");
        }
        assert_eq!(
            parse_instance("127.0.0.1:9000", true).map(|i| i.base()).ok().as_deref(),
            Some("http://127.0.0.1:9000")
        );
    }
}
