//! Accounts as administrators manage them, and the one-time links mailed to set a password: an
//! invitation creates an account without a password and mails it a link; "Forgot password?" mails
//! a reset link (answering the same whether or not the address has an account, and limited per
//! network address and per address typed). Each link's token is random, minted when the mail is
//! composed (so no usable secret waits in the jobs table), stored only as a keyed hash, works once
//! and expires. The site always keeps one active administrator who can sign in.

use std::net::IpAddr;

use quire_core::{Action, Email, Role, User, UserId};
use quire_store::{Credentials, Guarded, Job, NewAccountToken, NewJob, NewUser, RateLimit, StoreError, TokenPurpose};
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::StaffSession;
use crate::mail::notify::fresh_token;
use crate::mail::{Composed, Outgoing};
use crate::users::{check_password, hash_password_off_thread};
use crate::{App, Error};

/// How long an invitation link works.
pub const INVITE_LIFETIME: Duration = Duration::days(3);
/// How long a password-reset link works.
pub const RESET_LIFETIME: Duration = Duration::hours(1);
/// Reset requests one network address may make per hour (then 429).
const RESETS_PER_IP_PER_HOUR: f64 = 5.0;
/// Reset mails one address typed may cause per hour (silently: the answer must not differ).
const RESETS_PER_EMAIL_PER_HOUR: f64 = 3.0;

/// Mail job kinds (under `mail.`, so the mail worker claims them): `{user_id}`.
pub(crate) mod kind {
    /// An invitation to set the first password.
    pub const INVITE: &str = "mail.invite";
    /// A password-reset link.
    pub const RESET: &str = "mail.reset";
}

/// Why an account-management request was refused; each message may be shown as it is.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    /// The role does not allow managing accounts.
    #[error("Your role does not allow managing accounts.")]
    Forbidden,
    /// No such account.
    #[error("There is no such account.")]
    NotFound,
    /// The change would leave the site without an administrator who can sign in.
    #[error("{0} is the last administrator who can sign in; make someone else an administrator first.")]
    LastAdmin(String),
    /// The site cannot send mail, so it cannot send the link.
    #[error("This site cannot send mail yet: set up SMTP in the settings first.")]
    MailOff,
    /// The link is unknown, used already, expired, or its account was deactivated.
    #[error("This link does not work any more: it was used already or it expired. Ask for a new one.")]
    BadLink,
    /// Too many requests from this network address.
    #[error("Too many requests; please try again in {0} seconds.")]
    Throttled(u32),
    /// Input to fix; the message says what.
    #[error("{0}")]
    Invalid(String),
    /// Anything else: logged at the edge, never shown.
    #[error(transparent)]
    Internal(Error),
}

impl From<Error> for StaffError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(message) => StaffError::Invalid(super::capitalise(&message)),
            Error::Conflict(what) => StaffError::Invalid(super::capitalise(&format!("{what} is already taken."))),
            other => StaffError::Internal(other),
        }
    }
}

impl From<StoreError> for StaffError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::RateLimited(wait) => StaffError::Throttled(wait),
            other => StaffError::from(Error::from(other)),
        }
    }
}

/// An invitation as typed by an administrator.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The new account's sign-in address.
    pub email: String,
    /// Its display name.
    pub name: String,
    /// Its role.
    pub role: Role,
}

/// A new password as typed on a link's page.
#[derive(Debug, Clone, Default)]
pub struct NewPassword {
    /// The token from the link.
    pub token: String,
    /// The password.
    pub password: String,
    /// The password again.
    pub confirm: String,
}

#[derive(Deserialize)]
struct LinkPayload {
    user_id: i64,
}

fn require(session: &StaffSession) -> Result<(), StaffError> {
    if session.may(Action::ManageUsers) { Ok(()) } else { Err(StaffError::Forbidden) }
}

impl App {
    /// Every staff account with its state, for administrators.
    pub async fn staff_accounts(&self, session: &StaffSession) -> Result<Vec<Credentials>, StaffError> {
        require(session)?;
        Ok(self.store().staff_accounts().await?)
    }

    /// Creates an account without a password and mails it a link to set one.
    pub async fn invite(&self, session: &StaffSession, invitation: Invitation) -> Result<User, StaffError> {
        require(session)?;
        if !self.mail_enabled() {
            return Err(StaffError::MailOff);
        }
        let email = Email::parse(&invitation.email).map_err(|e| StaffError::Invalid(super::capitalise(&e.0)))?;
        let name = invitation.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StaffError::Invalid("The name must be 1 to 100 characters.".into()));
        }
        if self.store().user_by_email(email.as_str()).await?.is_some() {
            return Err(StaffError::Invalid(format!("An account with the address {email} exists already.")));
        }
        let slug = self.free_author_slug(&name).await?;
        let new = NewUser { email, name, slug, role: invitation.role, password_hash: None, bio: None };
        let user = self.store().create_user(&new).await?;
        self.queue_link_mail(kind::INVITE, user.id).await?;
        tracing::info!(user_id = %user.id, by = %session.user.id, role = %user.role, "account invited");
        Ok(user)
    }

    /// Gives account `id` a new role; the last administrator keeps theirs.
    pub async fn change_role(&self, session: &StaffSession, id: UserId, role: Role) -> Result<(), StaffError> {
        require(session)?;
        let outcome = self.store().set_user_role_guarded(id, role).await?;
        self.guarded(outcome, id).await?;
        tracing::info!(user_id = %id, by = %session.user.id, role = %role, "role changed");
        Ok(())
    }

    /// Switches account `id` off: it cannot sign in and its sessions end at once. The last
    /// administrator cannot be switched off.
    pub async fn deactivate(&self, session: &StaffSession, id: UserId) -> Result<(), StaffError> {
        require(session)?;
        let outcome = self.store().deactivate_user_guarded(id, OffsetDateTime::now_utc()).await?;
        self.guarded(outcome, id).await?;
        tracing::info!(user_id = %id, by = %session.user.id, "account deactivated");
        Ok(())
    }

    /// Switches account `id` back on.
    pub async fn reactivate(&self, session: &StaffSession, id: UserId) -> Result<(), StaffError> {
        require(session)?;
        if !self.store().set_user_deactivated(id, None).await? {
            return Err(StaffError::NotFound);
        }
        tracing::info!(user_id = %id, by = %session.user.id, "account reactivated");
        Ok(())
    }

    async fn guarded(&self, outcome: Guarded, id: UserId) -> Result<(), StaffError> {
        match outcome {
            Guarded::Done => Ok(()),
            Guarded::NotFound => Err(StaffError::NotFound),
            Guarded::LastAdmin => {
                let name = self.store().user(id).await?.map(|u| u.name).unwrap_or_else(|| "This account".into());
                Err(StaffError::LastAdmin(name))
            }
        }
    }

    /// "Forgot password?": mails a reset link to the account with address `email`, if there is
    /// an active one. Refuses with the wait when this network address asked too often; otherwise
    /// answers the same whatever the address.
    pub async fn request_password_reset(&self, email: &str, ip: Option<IpAddr>) -> Result<(), StaffError> {
        if !self.mail_enabled() {
            return Err(StaffError::MailOff);
        }
        let hashing = &self.keys().hashing;
        if let Some(ip) = ip {
            let who = if ip.is_ipv6() { crate::comments::subnet_of(ip) } else { ip.to_string() };
            let limit = RateLimit {
                key: format!("reset:ip:{}", hashing.hash(&who)),
                capacity: RESETS_PER_IP_PER_HOUR,
                per_seconds: 3600.0,
            };
            self.store().enqueue_jobs(&[], &[limit]).await?;
        }
        let typed = email.trim().to_lowercase();
        let Some(credentials) = self.store().credentials_by_email(&typed).await? else {
            tracing::info!("password reset asked for an unknown address");
            return Ok(());
        };
        if !credentials.active {
            tracing::info!(user_id = %credentials.user.id, "password reset asked for a deactivated account");
            return Ok(());
        }
        let limit = RateLimit {
            key: format!("reset:email:{}", hashing.hash(&typed)),
            capacity: RESETS_PER_EMAIL_PER_HOUR,
            per_seconds: 3600.0,
        };
        let job = NewJob {
            kind: kind::RESET.into(),
            payload: json!({ "user_id": credentials.user.id.0 }),
            run_at: OffsetDateTime::now_utc(),
        };
        match self.store().enqueue_jobs(&[job], &[limit]).await {
            Ok(()) => self.wake_workers(),
            Err(StoreError::RateLimited(_)) => {
                tracing::info!("password reset over its limit for one address; not sent")
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// The account a link's token opens, without using the link (for the page with the form).
    pub async fn account_link(&self, token: &str, purpose: TokenPurpose) -> Result<User, StaffError> {
        let hash = self.keys().hashing.hash(token.trim());
        let user = self.store().account_token_user(&hash, purpose, OffsetDateTime::now_utc()).await?;
        user.ok_or(StaffError::BadLink)
    }

    /// Sets the password of the account a link opens, using the link up; the account's sessions end.
    pub async fn set_password_by_link(&self, purpose: TokenPurpose, new: NewPassword) -> Result<User, StaffError> {
        self.account_link(&new.token, purpose).await?;
        if new.password != new.confirm {
            return Err(StaffError::Invalid("The password and its confirmation differ.".into()));
        }
        check_password(&new.password)?;
        let hash = hash_password_off_thread(new.password).await?;
        let token_hash = self.keys().hashing.hash(new.token.trim());
        let user = self.store().redeem_account_token(&token_hash, purpose, &hash, OffsetDateTime::now_utc()).await?;
        let user = user.ok_or(StaffError::BadLink)?;
        tracing::info!(user_id = %user.id, purpose = purpose.as_str(), "password set by a mailed link");
        Ok(user)
    }

    async fn queue_link_mail(&self, kind: &str, user: UserId) -> Result<(), StaffError> {
        let job =
            NewJob { kind: kind.into(), payload: json!({ "user_id": user.0 }), run_at: OffsetDateTime::now_utc() };
        self.store().enqueue_jobs(&[job], &[]).await?;
        self.wake_workers();
        Ok(())
    }

    /// The mail of an invitation or reset job, with a fresh link; `None` when there is nothing
    /// (any more) to send: the account is gone or off, or an invited account has a password now.
    pub(crate) async fn compose_account_link(&self, job: &Job) -> Result<Option<Outgoing>, Error> {
        let purpose = if job.kind == kind::INVITE { TokenPurpose::Invite } else { TokenPurpose::Reset };
        let p: LinkPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| Error::Invalid(format!("job {} payload: {e}", job.id)))?;
        let Some(credentials) = self.store().credentials(UserId(p.user_id)).await? else { return Ok(None) };
        if !credentials.active || (purpose == TokenPurpose::Invite && credentials.password_hash.is_some()) {
            return Ok(None);
        }
        let now = OffsetDateTime::now_utc();
        let lifetime = if purpose == TokenPurpose::Invite { INVITE_LIFETIME } else { RESET_LIFETIME };
        let (token, token_hash) = fresh_token(self);
        let record = NewAccountToken {
            token_hash,
            user_id: credentials.user.id,
            purpose,
            created_at: now,
            expires_at: now + lifetime,
        };
        self.store().put_account_token(&record).await?;
        let site = self.settings().await.title.clone();
        let base = self.config().site_url();
        let user = &credentials.user;
        let body = match purpose {
            TokenPurpose::Invite => Composed::new(format!("You are invited to {site}"))
                .para(format!(
                    "Hello {}, an administrator of {site} made you an account ({}), with the role {}.",
                    user.name, user.email, user.role
                ))
                .action("Choose your password", format!("{base}/admin/invitation?token={token}"))
                .para(format!(
                    "The link works once, for {} days. Then sign in at {base}/admin/login with this address.",
                    INVITE_LIFETIME.whole_days()
                )),
            TokenPurpose::Reset => Composed::new(format!("Reset your password on {site}"))
                .para(format!("Someone, probably you, asked to reset the password of {} on {site}.", user.email))
                .action("Choose a new password", format!("{base}/admin/reset-password?token={token}"))
                .para(format!(
                    "The link works once, for {} minutes. If it was not you, ignore this mail: your password stays as it is.",
                    RESET_LIFETIME.whole_minutes()
                )),
        };
        Ok(Some(Outgoing { to: user.email.to_string(), body, unsubscribe: None }))
    }
}
