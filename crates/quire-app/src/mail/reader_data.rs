//! A reader's rights over what the site stores about their email address: they ask on a public
//! page, and a mail to that address carries signed, expiring links to download it all (JSON) or
//! to erase it. The page answers the same whatever the address, so it reveals nobody.

use std::net::IpAddr;

use quire_core::Email;
use quire_store::{Erased, NewJob, RateLimit, StoreError, Tombstone};
use serde_json::json;
use time::OffsetDateTime;

use super::Link;
use super::notify::kind;
use crate::{App, Error};

/// Requests one address may make per hour.
const PER_IP_PER_HOUR: f64 = 5.0;
/// Requests about one email per day.
const PER_EMAIL_PER_DAY: f64 = 3.0;

/// Why a data request was not taken.
#[derive(Debug, thiserror::Error)]
pub enum DataRequestError {
    /// The address is not an email address.
    #[error("{0}")]
    Invalid(String),
    /// This site cannot send mail, so it cannot send the links.
    #[error("This site cannot send mail; please ask its owner directly.")]
    MailOff,
    /// Too many requests from this network address.
    #[error("Too many requests; please try again in {0} seconds.")]
    RateLimited(u32),
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<StoreError> for DataRequestError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::RateLimited(wait) => DataRequestError::RateLimited(wait),
            other => DataRequestError::Internal(other.into()),
        }
    }
}

impl App {
    /// Queues the mail with links to `email`'s data (sent only if the site holds any). Limited per
    /// network address (refused with the wait) and per email (silently: the answer must not differ).
    pub async fn request_reader_data(&self, email: &str, ip: Option<IpAddr>) -> Result<(), DataRequestError> {
        let email = Email::parse(email).map_err(|e| DataRequestError::Invalid(e.to_string()))?;
        if !self.mail_enabled() {
            return Err(DataRequestError::MailOff);
        }
        let hashing = &self.keys().hashing;
        if let Some(ip) = ip {
            let limit = RateLimit {
                key: format!("my-data:ip:{}", hashing.hash(&ip.to_string())),
                capacity: PER_IP_PER_HOUR,
                per_seconds: 3600.0,
            };
            self.store().enqueue_jobs(&[], &[limit]).await?;
        }
        let address = email.as_str().to_lowercase();
        let limit = RateLimit {
            key: format!("my-data:email:{}", hashing.hash(&address)),
            capacity: PER_EMAIL_PER_DAY,
            per_seconds: 86_400.0,
        };
        let job = NewJob {
            kind: kind::MY_DATA.into(),
            payload: json!({ "email": address }),
            run_at: OffsetDateTime::now_utc(),
        };
        match self.store().enqueue_jobs(&[job], &[limit]).await {
            Ok(()) => self.wake_workers(),
            Err(StoreError::RateLimited(_)) => tracing::info!("data request for an email over its limit; not sent"),
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Everything stored about the address an export link names, as JSON.
    pub async fn export_reader_data(&self, token: &str) -> Result<serde_json::Value, Error> {
        let Some(Link::Export { e, .. }) = self.open_link(token) else { return Err(Error::NotFound) };
        let data = self.store().reader_data(&e).await?;
        let now = OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        Ok(json!({
            "email": e,
            "exported_at": now,
            "site": self.config().site_url(),
            "comments": data.comments,
            "subscriptions": data.subscriptions,
        }))
    }

    /// The address an erase link names (for the page that asks "are you sure?").
    pub fn erase_target(&self, token: &str) -> Result<String, Error> {
        match self.open_link(token) {
            Some(Link::Erase { e, .. }) => Ok(e),
            _ => Err(Error::NotFound),
        }
    }

    /// Erases what an erase link names: comments without replies go, comments with replies keep
    /// their place as "deleted", subscriptions go. Nothing about anyone else changes.
    pub async fn erase_reader_data(&self, token: &str) -> Result<Erased, Error> {
        let email = self.erase_target(token)?;
        let markdown = "*This comment was deleted by its author.*";
        let tombstone = Tombstone {
            name: "Deleted".into(),
            markdown: markdown.into(),
            html: quire_content::render_comment(markdown).html,
        };
        let erased = self.store().erase_reader_data(&email, &tombstone).await?;
        tracing::info!(removed = erased.removed, anonymised = erased.anonymised, "reader data erased");
        self.refresh().await?;
        Ok(erased)
    }
}
