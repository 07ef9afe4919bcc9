//! Outside sign-in accounts (OpenID Connect, OAuth, Mastodon, email links) and the short-lived
//! rows a sign-in needs: one-time state, providers added in settings, registered Mastodon apps.

use quire_core::{CommentId, UserId};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Store, StoreError};

/// A person as an outside provider knows them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Identity {
    /// Id.
    pub id: i64,
    /// The staff account this identity signs in to, if linked.
    pub user_id: Option<UserId>,
    /// Provider id (`google`, `mastodon`, `email`, …).
    pub provider: String,
    /// The provider's stable id for the person.
    pub subject: String,
    /// Name to show.
    pub display_name: String,
    /// Email address the provider gave, if any.
    pub email: Option<String>,
    /// Profile page, if any.
    pub profile_url: Option<String>,
    /// First sign-in.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Latest sign-in.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
}

/// An identity as a provider just vouched for it.
#[derive(Debug, Clone)]
pub struct NewIdentity {
    /// Provider id.
    pub provider: String,
    /// The provider's stable id for the person.
    pub subject: String,
    /// Name to show.
    pub display_name: String,
    /// Email address, if given.
    pub email: Option<String>,
    /// Profile page, if given.
    pub profile_url: Option<String>,
    /// Time of this sign-in.
    pub seen_at: OffsetDateTime,
}

/// A Mastodon app registered on an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MastodonApp {
    /// Lower-case host name.
    pub instance: String,
    /// The app's client id there.
    pub client_id: String,
    /// The app's client secret there.
    pub client_secret: String,
}

/// Outside sign-in accounts.
impl Store {
    /// Records a sign-in by `identity`: creates it, or refreshes its name, email and profile.
    pub async fn upsert_identity(&self, identity: &NewIdentity) -> Result<Identity, StoreError> {
        dispatch!(self, s => s.upsert_identity(identity).await)
    }

    /// An identity by id.
    pub async fn identity(&self, id: i64) -> Result<Option<Identity>, StoreError> {
        dispatch!(self, s => s.identity(id).await)
    }

    /// The identities linked to a staff account, oldest first.
    pub async fn identities_of(&self, user: UserId) -> Result<Vec<Identity>, StoreError> {
        dispatch!(self, s => s.identities_of(user).await)
    }

    /// Links an identity to a staff account; false when it is already linked to another one.
    pub async fn link_identity(&self, id: i64, user: UserId) -> Result<bool, StoreError> {
        dispatch!(self, s => s.link_identity(id, user).await)
    }

    /// Unlinks an identity from its account, atomically refusing (false) when it is the account's
    /// last way in: no password and no other linked identity.
    pub async fn unlink_identity(&self, id: i64, user: UserId) -> Result<bool, StoreError> {
        dispatch!(self, s => s.unlink_identity(id, user).await)
    }

    /// Records which identity wrote a comment.
    pub async fn set_comment_identity(&self, comment: CommentId, identity: i64) -> Result<(), StoreError> {
        dispatch!(self, s => s.set_comment_identity(comment, identity).await)
    }

    /// Whether a comment written under this identity has been approved.
    pub async fn identity_has_approved_comment(&self, identity: i64) -> Result<bool, StoreError> {
        dispatch!(self, s => s.identity_has_approved_comment(identity).await)
    }

    /// Stores a one-time row under the hash of its secret (replacing one with the same id), and
    /// forgets expired rows.
    pub async fn put_auth_state(
        &self,
        id: &str,
        purpose: &str,
        payload: &serde_json::Value,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        dispatch!(self, s => s.put_auth_state(id, purpose, payload, expires_at).await)
    }

    /// Reads a live one-time row without using it up.
    pub async fn peek_auth_state(
        &self,
        id: &str,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        dispatch!(self, s => s.peek_auth_state(id, purpose, now).await)
    }

    /// Uses up a live one-time row: it is deleted and returned; a second call finds nothing.
    pub async fn take_auth_state(
        &self,
        id: &str,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        dispatch!(self, s => s.take_auth_state(id, purpose, now).await)
    }

    /// Providers added in settings, as `(id, JSON config)`, by id.
    pub async fn auth_providers(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        dispatch!(self, s => s.auth_providers().await)
    }

    /// Adds or replaces a provider of the settings.
    pub async fn put_auth_provider(&self, id: &str, config: &serde_json::Value) -> Result<(), StoreError> {
        dispatch!(self, s => s.put_auth_provider(id, config).await)
    }

    /// Removes a provider of the settings; false when there was none.
    pub async fn delete_auth_provider(&self, id: &str) -> Result<bool, StoreError> {
        dispatch!(self, s => s.delete_auth_provider(id).await)
    }

    /// The app registered on a Mastodon instance, if any.
    pub async fn mastodon_app(&self, instance: &str) -> Result<Option<MastodonApp>, StoreError> {
        dispatch!(self, s => s.mastodon_app(instance).await)
    }

    /// Remembers the app registered on an instance; when two requests raced, the first one stays
    /// and is returned.
    pub async fn put_mastodon_app(&self, app: &MastodonApp) -> Result<MastodonApp, StoreError> {
        dispatch!(self, s => s.put_mastodon_app(app).await)
    }
}
