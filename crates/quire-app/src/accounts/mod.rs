//! Staff sign-in: passwords checked with argon2id in about the same time whether or not the
//! account exists, failed attempts throttled per account and per address, and sessions kept in
//! the database under the hash of a random secret that only the browser's cookie holds.

pub mod invites;
pub mod setup;
pub mod tokens;

use std::net::IpAddr;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quire_core::{Action, Ownership, User, UserId};
use quire_store::{NewSession, RateLimit, StoreError};
use rand::Rng;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::users::{check_password, hash_password, hash_password_off_thread, verify_password};
use crate::{App, Error};

/// A session lapses after this long without use.
pub const SESSION_IDLE: Duration = Duration::days(14);
/// A session ends this long after sign-in, however much it is used.
pub const SESSION_LIFETIME: Duration = Duration::days(60);
/// A session's last use is written at most this often (every request would be a write).
const TOUCH_EVERY: Duration = Duration::seconds(60);
/// Longest user agent kept with a session.
const MAX_USER_AGENT: usize = 300;

/// Why an account action failed; each message may be shown as it is.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Unknown email or wrong password: the message does not say which.
    #[error("That email address and password do not match an account.")]
    BadCredentials,
    /// The password was right but the account is switched off.
    #[error("This account has been deactivated; ask an administrator to restore it.")]
    Deactivated,
    /// Too many failed attempts from this address or for this account.
    #[error("Too many failed sign-in attempts. Please wait {} and try again.", wait_words(*.0))]
    Throttled(u32),
    /// The current password given to change it is wrong.
    #[error("Your current password is not right; your password was not changed.")]
    WrongPassword,
    /// The set-up link's token is missing or wrong.
    #[error("This set-up link is not valid. Use the link printed in the server log when Quire started.")]
    BadSetupToken,
    /// An account exists, so set-up is over.
    #[error("This site is already set up; sign in instead.")]
    AlreadySetUp,
    /// Input to fix; the message says what.
    #[error("{0}")]
    Invalid(String),
    /// Anything else: logged at the edge, never shown.
    #[error(transparent)]
    Internal(Error),
}

impl From<Error> for AccountError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(message) => AccountError::Invalid(capitalise(&message)),
            Error::Conflict(what) => AccountError::Invalid(capitalise(&format!("{what} is already taken."))),
            other => AccountError::Internal(other),
        }
    }
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        AccountError::from(Error::from(e))
    }
}

pub(crate) fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// "1 minute", "3 minutes", "40 seconds": how long to wait, in words.
fn wait_words(seconds: u32) -> String {
    match seconds {
        0..=1 => "a second".into(),
        2..=59 => format!("{seconds} seconds"),
        60..=119 => "a minute".into(),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

/// A sign-in form as sent, with what the request says about its sender.
#[derive(Debug, Clone, Default)]
pub struct SignIn {
    /// Email typed.
    pub email: String,
    /// Password typed.
    pub password: String,
    /// The sender's address (throttling; stored only as a keyed hash).
    pub ip: Option<IpAddr>,
    /// The sender's user agent (shown in the account's session list).
    pub user_agent: Option<String>,
    /// The session cookie the browser already had, ended on sign-in (rotation).
    pub replaces: Option<String>,
}

/// A successful sign-in: the account and the secret to put in the session cookie.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who signed in.
    pub user: User,
    /// The cookie value; the database only knows its hash.
    pub secret: String,
}

/// A live staff session, as the admin sees the signed-in user.
#[derive(Debug, Clone)]
pub struct StaffSession {
    /// The account.
    pub user: User,
    /// The session's id (the hash of the cookie secret).
    pub session_id: String,
    /// The anti-forgery token every admin form of this session carries.
    pub csrf_token: String,
}

impl StaffSession {
    /// Whether this account may do `action` on something with `ownership` (server-side rule).
    pub fn can(&self, action: Action, ownership: Ownership) -> bool {
        self.user.role.can(action, ownership)
    }

    /// Whether this account may do `action` on anyone's things.
    pub fn may(&self, action: Action) -> bool {
        self.user.role.may(action)
    }
}

/// A password change as typed on the account page.
#[derive(Debug, Clone, Default)]
pub struct PasswordChange {
    /// The current password, proving it is the account holder at the keyboard.
    pub current: String,
    /// The new password.
    pub new: String,
    /// The new password again.
    pub confirm: String,
}

/// A new random secret (32 bytes, base64url): session cookies, pre-sign-in cookies, set-up tokens.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored id of a session: SHA-256 of its secret, in hex. A stolen database holds no cookie.
pub fn session_id(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that depends only on their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A hash of a password nobody has, verified against when the account is unknown so that a wrong
/// email takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_secret()).unwrap_or_default())
}

/// Runs argon2id verification on a blocking thread.
async fn verify_off_thread(password: String, hash: Option<String>) -> bool {
    let matched = tokio::task::spawn_blocking(move || {
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
        verify_password(&password, &hash) && real
    })
    .await;
    matched.unwrap_or(false)
}

impl App {
    /// Signs a staff member in with email and password: refuses while either of the failure
    /// buckets (account, address) is empty, spends from both on a failure, and on success makes a
    /// new session (ending the one the browser had: ids rotate on sign-in).
    pub async fn sign_in(&self, attempt: SignIn) -> Result<SignedIn, AccountError> {
        let now = OffsetDateTime::now_utc();
        let limits = self.sign_in_limits(&attempt.email, attempt.ip).await;
        if let Some(wait) = self.store().rate_limit_wait(&limits, now).await? {
            tracing::warn!(wait, "sign-in refused: too many failures");
            return Err(AccountError::Throttled(wait));
        }
        let credentials = self.store().credentials_by_email(&attempt.email).await?;
        let hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
        let matched = verify_off_thread(attempt.password, hash).await;
        let Some(credentials) = credentials.filter(|_| matched) else {
            self.store().spend_tokens(&limits, now).await?;
            tracing::info!("sign-in failed");
            return Err(AccountError::BadCredentials);
        };
        if !credentials.active {
            return Err(AccountError::Deactivated);
        }
        // A good password clears the account's failures, not the address's: one valid account
        // must not buy an address fresh guesses at others.
        let account_buckets: Vec<String> = limits.iter().take(1).map(|l| l.key.clone()).collect();
        self.store().reset_buckets(&account_buckets).await?;
        let user = credentials.user;
        let secret = self.start_session(user.id, attempt.ip, attempt.user_agent.as_deref(), now).await?;
        if let Some(old) = attempt.replaces {
            self.store().delete_session(&session_id(&old)).await?;
        }
        tracing::info!(user_id = %user.id, "signed in");
        Ok(SignedIn { user, secret })
    }

    /// Failure buckets of a sign-in: the account first (by the email typed), then the address.
    async fn sign_in_limits(&self, email: &str, ip: Option<IpAddr>) -> Vec<RateLimit> {
        let rate = self.settings().await.sign_in_rate.clone();
        let hashing = &self.keys().hashing;
        let mut limits = vec![RateLimit {
            key: format!("signin:acct:{}", hashing.hash(&email.trim().to_lowercase())),
            capacity: rate.per_account,
            per_seconds: rate.seconds,
        }];
        if let Some(ip) = ip {
            // IPv6 hands a /64 to one subscriber: count it as one address.
            let who = if ip.is_ipv6() { crate::comments::subnet_of(ip) } else { ip.to_string() };
            limits.push(RateLimit {
                key: format!("signin:ip:{}", hashing.hash(&who)),
                capacity: rate.per_ip,
                per_seconds: rate.seconds,
            });
        }
        limits
    }

    pub(crate) async fn start_session(
        &self,
        user: UserId,
        ip: Option<IpAddr>,
        user_agent: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<String, AccountError> {
        let secret = new_secret();
        self.store()
            .create_session(&NewSession {
                id: session_id(&secret),
                user_id: user,
                created_at: now,
                expires_at: now + SESSION_IDLE,
                user_agent: user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
                ip_hash: ip.map(|ip| self.keys().hashing.hash(&ip.to_string())),
            })
            .await?;
        Ok(secret)
    }

    /// The signed-in staff member a session cookie names, if its session is live; slides its
    /// expiry (at most once a minute), never past [`SESSION_LIFETIME`] after sign-in.
    pub async fn staff_session(&self, secret: &str) -> Result<Option<StaffSession>, Error> {
        if secret.is_empty() || secret.len() > 100 {
            return Ok(None);
        }
        let now = OffsetDateTime::now_utc();
        let id = session_id(secret);
        let Some((session, user)) = self.store().session(&id, now).await? else { return Ok(None) };
        if now - session.last_seen_at >= TOUCH_EVERY {
            let expires = (now + SESSION_IDLE).min(session.created_at + SESSION_LIFETIME);
            self.store().touch_session(&id, now, expires).await?;
        }
        let csrf_token = self.csrf_token(&format!("session:{id}"));
        Ok(Some(StaffSession { user, session_id: id, csrf_token }))
    }

    /// The anti-forgery token for forms bound to `binding` (a session, or a pre-sign-in cookie).
    pub fn csrf_token(&self, binding: &str) -> String {
        self.keys().csrf.hash(binding)
    }

    /// Ends the session a cookie names (sign out); nothing happens for an unknown cookie.
    pub async fn sign_out(&self, secret: &str) -> Result<(), Error> {
        self.store().delete_session(&session_id(secret)).await?;
        Ok(())
    }

    /// Ends every session of the account, this one included; returns how many ended.
    pub async fn sign_out_everywhere(&self, user: UserId) -> Result<u64, Error> {
        let ended = self.store().delete_sessions_of(user, None).await?;
        tracing::info!(user_id = %user, ended, "signed out everywhere");
        Ok(ended)
    }

    /// Changes the signed-in account's own password after checking the current one (throttled like
    /// a sign-in), and ends its other sessions; this one stays signed in.
    pub async fn change_password(
        &self,
        session: &StaffSession,
        change: PasswordChange,
        ip: Option<IpAddr>,
    ) -> Result<u64, AccountError> {
        let now = OffsetDateTime::now_utc();
        let limits = self.sign_in_limits(session.user.email.as_str(), ip).await;
        if let Some(wait) = self.store().rate_limit_wait(&limits, now).await? {
            return Err(AccountError::Throttled(wait));
        }
        let credentials = self.store().credentials(session.user.id).await?;
        let hash = credentials.and_then(|c| c.password_hash);
        if !verify_off_thread(change.current, hash).await {
            self.store().spend_tokens(&limits, now).await?;
            return Err(AccountError::WrongPassword);
        }
        if change.new != change.confirm {
            return Err(AccountError::Invalid("The new password and its confirmation differ.".into()));
        }
        check_password(&change.new)?;
        let hash = hash_password_off_thread(change.new).await?;
        self.store().set_password(session.user.id, &hash, now).await?;
        let ended = self.store().delete_sessions_of(session.user.id, Some(&session.session_id)).await?;
        tracing::info!(user_id = %session.user.id, ended, "password changed");
        Ok(ended)
    }

    /// Forgets lapsed sessions (called at start and now and then).
    pub async fn sweep_sessions(&self) -> Result<u64, Error> {
        Ok(self.store().delete_expired_sessions(OffsetDateTime::now_utc()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_hashes_of_the_secret_not_the_secret() {
        let secret = new_secret();
        assert_eq!(secret.len(), 43);
        assert_ne!(new_secret(), secret);
        let id = session_id(&secret);
        assert_eq!(id.len(), 64);
        assert!(!id.contains(&secret));
        assert_eq!(session_id(&secret), id, "stable");
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(same_secret("", ""));
    }

    #[test]
    fn waits_are_said_in_words() {
        assert_eq!(wait_words(1), "a second");
        assert_eq!(wait_words(30), "30 seconds");
        assert_eq!(wait_words(61), "a minute");
        assert_eq!(wait_words(900), "15 minutes");
    }

    #[tokio::test]
    async fn passwords_match_their_own_hash_only_and_no_hash_matches_nothing() {
        assert!(!verify_password("x", "not a hash"));
        let hash = hash_password("correct horse battery").unwrap_or_default();
        assert!(verify_off_thread("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify_off_thread("wrong".into(), Some(hash)).await);
        assert!(!verify_off_thread(String::new(), None).await, "an unknown account");
    }
}
