//! Application tokens for the JSON API: named per client, stored as the SHA-256 of a secret only
//! the client holds, revocable (a revoked token is kept, marked, and never accepted again).

use quire_core::{User, UserId};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Store, StoreError};

/// An application token as its owner sees it (never the secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// The staff account the token acts as.
    pub user_id: UserId,
    /// Name the owner gave it (which client uses it).
    pub name: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When a request last used it, if ever.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// Owner.
    pub user_id: UserId,
    /// Name.
    pub name: String,
    /// SHA-256 (hex) of the secret.
    pub token_hash: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// Application tokens.
impl Store {
    /// Stores a new token.
    pub async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiToken, StoreError> {
        dispatch!(self, s => s.create_api_token(token).await)
    }

    /// The tokens of an account, newest first, revoked ones included.
    pub async fn api_tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        dispatch!(self, s => s.api_tokens_of(user).await)
    }

    /// The live token with this hash and its (active) account, marking it used at `now`;
    /// `None` for an unknown or revoked token, or a deactivated account.
    pub async fn use_api_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        dispatch!(self, s => s.use_api_token(token_hash, now).await)
    }

    /// Revokes token `id` of `user` at `at`; false when the account has no such live token.
    pub async fn revoke_api_token(&self, user: UserId, id: i64, at: OffsetDateTime) -> Result<bool, StoreError> {
        dispatch!(self, s => s.revoke_api_token(user, id, at).await)
    }
}
