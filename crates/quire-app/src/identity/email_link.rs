//! Sign-in by email: a one-time link, valid for 15 minutes. The token is minted when the mail is
//! composed (no usable token waits in `jobs`) and only its SHA-256 is stored. Opening the link
//! shows a confirmation page; only that page's POST uses the token up, so mail scanners that follow
//! links cannot burn it.

use std::net::IpAddr;

use quire_core::Email;
use quire_store::{NewIdentity, NewJob, RateLimit};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::oauth::random_token;
use super::{AuthError, Finished, Purpose, hashed, local_path};
use crate::mail::{Composed, Outgoing};
use crate::{App, Error};

/// The provider id of identities proved by an email link.
pub const PROVIDER: &str = "email";
/// Mail job kind of the link mail (claimed by the mail worker with the other `mail.` jobs).
pub(crate) const JOB_KIND: &str = "mail.sign_in";
/// Path of the link.
pub const CONFIRM_PATH: &str = "/auth/email/confirm";
/// How long a link works.
pub const LINK_MINUTES: i64 = 15;

#[derive(Debug, Serialize, Deserialize)]
struct LinkPayload {
    email: String,
    return_to: String,
}

impl App {
    /// Queues a sign-in link to `email` (limited per address and per recipient; the answer is
    /// the same whether or not the address is known to the site).
    pub async fn request_email_link(&self, email: &str, return_to: &str, ip: Option<IpAddr>) -> Result<(), AuthError> {
        if !self.mail_enabled() {
            return Err(AuthError::Invalid("This site cannot send mail, so it cannot sign you in by email.".into()));
        }
        let email = Email::parse(email)
            .map_err(|_| AuthError::Invalid(format!("{:?} is not an email address.", email.trim())))?;
        self.throttle_sign_in_start(ip).await?;
        let payload = LinkPayload { email: email.to_string(), return_to: local_path(return_to) };
        let job = NewJob {
            kind: JOB_KIND.into(),
            payload: serde_json::to_value(&payload).unwrap_or_default(),
            run_at: OffsetDateTime::now_utc(),
        };
        let limits = [RateLimit {
            key: format!("auth:email:{}", self.keys().hashing.hash(&email.to_string().to_lowercase())),
            capacity: 3.0,
            per_seconds: 3600.0,
        }];
        self.store().enqueue_jobs(&[job], &limits).await?;
        self.wake_workers();
        Ok(())
    }

    /// The link mail of a job, minting its token now.
    pub(crate) async fn compose_sign_in(&self, payload: &serde_json::Value) -> Result<Option<Outgoing>, Error> {
        let p: LinkPayload =
            serde_json::from_value(payload.clone()).map_err(|e| Error::Invalid(format!("sign-in mail: {e}")))?;
        let token = random_token();
        let until = OffsetDateTime::now_utc() + Duration::minutes(LINK_MINUTES);
        self.store().put_auth_state(&hashed(&token), "email", &json!(p), until).await?;
        let site = self.settings().await.title.clone();
        let link = format!("{}{CONFIRM_PATH}?token={token}", self.config().site_url());
        let body = Composed::new(format!("Sign in to {site}"))
            .para(format!("Someone, probably you, asked to sign in to {site} with this address."))
            .action("Sign in", link)
            .para(format!("The link works once, for {LINK_MINUTES} minutes. If it was not you, ignore this mail."));
        Ok(Some(Outgoing { to: p.email, body, unsubscribe: None }))
    }

    /// Whether a link's token is still good (for the confirmation page; nothing is used up).
    pub async fn email_link_email(&self, token: &str) -> Result<Option<String>, Error> {
        let found = self.store().peek_auth_state(&hashed(token), "email", OffsetDateTime::now_utc()).await?;
        Ok(found.and_then(|v| serde_json::from_value::<LinkPayload>(v).ok()).map(|p| p.email))
    }

    /// Uses a link's token up and signs the reader in under their address.
    pub async fn confirm_email_link(&self, token: &str) -> Result<Finished, AuthError> {
        let now = OffsetDateTime::now_utc();
        let taken = self.store().take_auth_state(&hashed(token), "email", now).await?;
        let Some(p) = taken.and_then(|v| serde_json::from_value::<LinkPayload>(v).ok()) else {
            return Err(AuthError::Invalid(
                "This sign-in link was already used or has expired; ask for a new one.".into(),
            ));
        };
        let name = p.email.split('@').next().unwrap_or_default().to_string();
        let identity = self
            .store()
            .upsert_identity(&NewIdentity {
                provider: PROVIDER.into(),
                subject: p.email.to_lowercase(),
                display_name: name,
                email: Some(p.email.clone()),
                profile_url: None,
                seen_at: now,
            })
            .await?;
        tracing::info!(identity_id = identity.id, "signed in by email link");
        self.finish_for(identity, Purpose::Comment, p.return_to, None).await
    }
}
