//! Staff accounts as the admin manages them: the list, role changes and deactivation guarded so
//! that the site always keeps an administrator who can sign in, and one-time links (invitations,
//! password resets) kept as hashes, each usable once before it expires.

use quire_core::{Role, User, UserId};
use time::OffsetDateTime;

use crate::{Credentials, Store, StoreError};

/// What a one-time account link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Sets the first password of an invited account.
    Invite,
    /// Replaces a forgotten password.
    Reset,
}

impl TokenPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Invite => "invite",
            TokenPurpose::Reset => "reset",
        }
    }
}

/// A one-time link's token to record (its hash; never the token).
#[derive(Debug, Clone)]
pub struct NewAccountToken {
    /// Keyed hash of the token the mail carries.
    pub token_hash: String,
    /// The account it opens.
    pub user_id: UserId,
    /// What it lets its holder do.
    pub purpose: TokenPurpose,
    /// Made.
    pub created_at: OffsetDateTime,
    /// Worthless after this.
    pub expires_at: OffsetDateTime,
}

/// The outcome of a guarded change to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    /// Changed.
    Done,
    /// No such account.
    NotFound,
    /// Refused: it is the last active administrator who can sign in.
    LastAdmin,
}

impl Store {
    /// Every staff account with its state (active, has a password), in name order.
    pub async fn staff_accounts(&self) -> Result<Vec<Credentials>, StoreError> {
        dispatch!(self, s => s.staff_accounts().await)
    }

    /// Gives an account `role`, unless that would leave no active administrator with a password.
    pub async fn set_user_role_guarded(&self, id: UserId, role: Role) -> Result<Guarded, StoreError> {
        dispatch!(self, s => s.set_user_role_guarded(id, role).await)
    }

    /// Deactivates an account at `at` and ends its sessions, in one transaction, unless it is the
    /// last active administrator with a password.
    pub async fn deactivate_user_guarded(&self, id: UserId, at: OffsetDateTime) -> Result<Guarded, StoreError> {
        dispatch!(self, s => s.deactivate_user_guarded(id, at).await)
    }

    /// Records a one-time link's token; earlier unused links of the account for the same purpose
    /// stop working (only the newest mail's link counts).
    pub async fn put_account_token(&self, token: &NewAccountToken) -> Result<(), StoreError> {
        dispatch!(self, s => s.put_account_token(token).await)
    }

    /// The active account an unused, unexpired link opens, without using it up (for the form).
    pub async fn account_token_user(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        dispatch!(self, s => s.account_token_user(token_hash, purpose, now).await)
    }

    /// Uses a link once: in one transaction marks it used, sets the account's password hash and
    /// ends its sessions. `None` (nothing changed) when the link is unknown, used, expired, or
    /// its account is deactivated.
    pub async fn redeem_account_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        dispatch!(self, s => s.redeem_account_token(token_hash, purpose, password_hash, now).await)
    }
}
