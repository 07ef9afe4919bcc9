//! First run: while no account can sign in, a one-time set-up token (made at start, printed in
//! the server log) lets whoever can read the log create the first admin at `/admin/setup`. Once an
//! account with a password exists the token is worthless and the page is gone. Accounts without
//! a password (the demo site's writer, imported authors) cannot sign in, so they do not count.

use std::net::IpAddr;

use quire_core::Role;
use time::OffsetDateTime;

use super::{AccountError, SignedIn, new_secret, same_secret};
use crate::users::NewAccount;
use crate::{App, Error};

/// The first admin as typed on the set-up page.
#[derive(Debug, Clone, Default)]
pub struct FirstAdmin {
    /// The token from the set-up link.
    pub token: String,
    /// Sign-in address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Password.
    pub password: String,
    /// The sender's address, for the new session.
    pub ip: Option<IpAddr>,
    /// The sender's user agent, for the new session.
    pub user_agent: Option<String>,
}

/// A fresh set-up token (kept in memory only: a restart makes a new one).
pub(crate) fn new_setup_token() -> String {
    new_secret()
}

impl App {
    /// The set-up token while no account can sign in; `None` once one can.
    pub async fn setup_token(&self) -> Result<Option<String>, Error> {
        let open = self.store().count_users_with_password().await? == 0;
        Ok(open.then(|| self.inner_setup_token().to_string()))
    }

    /// The set-up URL to print at start, when the site still has no account.
    pub async fn setup_url(&self) -> Result<Option<String>, Error> {
        let token = self.setup_token().await?;
        Ok(token.map(|t| format!("{}/admin/setup?token={t}", self.config().site_url())))
    }

    /// Whether `token` is the genuine set-up token and set-up is still open.
    pub async fn check_setup_token(&self, token: &str) -> Result<(), AccountError> {
        match self.setup_token().await? {
            None => Err(AccountError::AlreadySetUp),
            Some(genuine) if same_secret(token.trim(), &genuine) => Ok(()),
            Some(_) => Err(AccountError::BadSetupToken),
        }
    }

    /// Creates the first admin with the set-up token and signs them in. Refused with the wrong
    /// token, and once an account can sign in (also when two set-up forms race).
    pub async fn complete_setup(&self, first: FirstAdmin) -> Result<SignedIn, AccountError> {
        self.check_setup_token(&first.token).await?;
        let account =
            NewAccount { email: first.email, name: first.name, role: Role::Admin, password: Some(first.password) };
        let (new_user, _) = self.prepare_account(account).await?;
        let Some(user) = self.store().create_first_user(&new_user).await? else {
            return Err(AccountError::AlreadySetUp);
        };
        tracing::info!(user_id = %user.id, "first admin created; set-up is closed");
        let now = OffsetDateTime::now_utc();
        let secret = self.start_session(user.id, first.ip, first.user_agent.as_deref(), now).await?;
        Ok(SignedIn { user, secret })
    }
}
