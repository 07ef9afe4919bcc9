//! Application tokens for the JSON API: `quire token create` makes one for an account and prints
//! its secret once; a request presenting it acts as that account (same role checks as the admin)
//! until the owner revokes it on the account page.

use quire_core::UserId;
use quire_store::{ApiToken, NewApiToken};
use time::OffsetDateTime;

use super::{StaffSession, new_secret, session_id};
use crate::{App, Error};

/// Every token's secret starts with this, so that a leaked one is recognised for what it is.
pub const TOKEN_PREFIX: &str = "quire_";
/// Longest token name.
const MAX_NAME_CHARS: usize = 100;

/// A token just made: the stored token, and the secret, shown this once only.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The stored token.
    pub token: ApiToken,
    /// The secret to give the client.
    pub secret: String,
}

impl App {
    /// Makes a token named `name` for the active account with `email`.
    pub async fn create_api_token(&self, email: &str, name: &str) -> Result<NewToken, Error> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("a token needs a name (which client will use it)".into()));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(Error::Invalid(format!("a token's name is at most {MAX_NAME_CHARS} characters")));
        }
        let credentials = self
            .store()
            .credentials_by_email(email.trim())
            .await?
            .ok_or_else(|| Error::Invalid(format!("there is no account with the email address {email}")))?;
        if !credentials.active {
            return Err(Error::Invalid(format!("the account {email} is deactivated")));
        }
        let secret = format!("{TOKEN_PREFIX}{}", new_secret());
        let token = self
            .store()
            .create_api_token(&NewApiToken {
                user_id: credentials.user.id,
                name: name.to_string(),
                token_hash: session_id(&secret),
                created_at: OffsetDateTime::now_utc(),
            })
            .await?;
        tracing::info!(user_id = %credentials.user.id, token_id = token.id, "API token created");
        Ok(NewToken { token, secret })
    }

    /// The account a bearer token acts as, as a session without a form token (a token is not a
    /// cookie, so nothing can forge it); `None` for an unknown or revoked token.
    pub async fn staff_by_api_token(&self, secret: &str) -> Result<Option<StaffSession>, Error> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 100 {
            return Ok(None);
        }
        let now = OffsetDateTime::now_utc();
        let Some((token, user)) = self.store().use_api_token(&session_id(secret), now).await? else {
            return Ok(None);
        };
        Ok(Some(StaffSession { user, session_id: format!("token:{}", token.id), csrf_token: String::new() }))
    }

    /// The account's tokens, newest first (revoked ones marked).
    pub async fn api_tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>, Error> {
        Ok(self.store().api_tokens_of(user).await?)
    }

    /// Revokes one of the account's own tokens; revoking one twice, or another's, is not found.
    pub async fn revoke_api_token(&self, user: UserId, id: i64) -> Result<(), Error> {
        if self.store().revoke_api_token(user, id, OffsetDateTime::now_utc()).await? {
            tracing::info!(user_id = %user, token_id = id, "API token revoked");
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }
}
