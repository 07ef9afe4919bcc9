//! Outgoing mail: the SMTP transport (lettre), the signed links mails carry, and the use cases
//! that queue mail — reply subscriptions with double opt-in, notifications when a comment is
//! approved or held, and readers' requests for their data. Mail is only ever sent by the
//! background jobs ([`crate::jobs`]); requests queue it and return.

pub mod compose;
mod messages;
pub mod notify;
pub mod reader_data;

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::comments::Signer;
use crate::config::{SmtpConfig, SmtpSecurity};
pub use compose::Composed;

/// A mail ready to go: who to, what, and the one-click unsubscribe URL of notifications.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Recipient address.
    pub to: String,
    /// Subject and body.
    pub body: Composed,
    /// `List-Unsubscribe` target (RFC 8058 one-click POST).
    pub unsubscribe: Option<String>,
}

/// Why a mail could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (server down, busy, timed out).
    #[error("{0}")]
    Transient(String),
    /// Will never work (address refused, message refused).
    #[error("{0}")]
    Permanent(String),
}

/// The SMTP server Quire sends through.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    config: SmtpConfig,
}

impl Mailer {
    /// A mailer for `config` (checked by `Config::load` already); connects only when sending.
    pub fn new(config: &SmtpConfig) -> Result<Mailer, Error> {
        let bad = |e: &dyn std::fmt::Display| Error::Invalid(format!("smtp: {e}"));
        let from: Mailbox = config.from.parse().map_err(|e| bad(&e))?;
        let builder = match config.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host).map_err(|e| bad(&e))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(|e| bad(&e))?,
        };
        let mut builder = builder.port(config.port()).timeout(Some(Duration::from_secs_f64(config.timeout_seconds)));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer { transport: builder.build(), from, config: config.clone() })
    }

    /// The configuration it was made from.
    pub fn config(&self) -> &SmtpConfig {
        &self.config
    }

    /// Builds the message: text with an HTML alternative, Message-ID, Date, and on notifications
    /// the RFC 8058 one-click unsubscribe headers.
    pub fn message(&self, mail: &Outgoing, message_id: &str) -> Result<Message, SendError> {
        let to: Mailbox = mail.to.parse().map_err(|e| SendError::Permanent(format!("recipient {:?}: {e}", mail.to)))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.body.subject.clone())
            .message_id(Some(message_id.to_string()))
            .date_now()
            .raw_header(raw_header(AUTO_SUBMITTED, "auto-generated"));
        if let Some(url) = &mail.unsubscribe {
            builder = builder
                .raw_header(raw_header(LIST_UNSUBSCRIBE, &format!("<{url}>")))
                .raw_header(raw_header(LIST_UNSUBSCRIBE_POST, "List-Unsubscribe=One-Click"));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(mail.body.text(), mail.body.html()))
            .map_err(|e| SendError::Permanent(format!("message: {e}")))
    }

    /// Hands a message to the SMTP server.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

// Evaluated at compile time, so a bad name fails the build rather than a send.
const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");
const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");

fn raw_header(name: HeaderName, value: &str) -> HeaderValue {
    HeaderValue::new(name, value.to_string())
}

/// What a signed link in a mail lets its holder do. Links are signed, not stored: they cannot be
/// forged or altered, and unsubscribe links keep working in old mails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "p")]
pub enum Link {
    /// Stop one subscription.
    #[serde(rename = "u")]
    Unsubscribe {
        /// Subscription id.
        s: i64,
    },
    /// Stop a staff account's comment notifications.
    #[serde(rename = "a")]
    AuthorOff {
        /// User id.
        u: i64,
    },
    /// Download everything stored about an address, until `x` (unix seconds).
    #[serde(rename = "x")]
    Export {
        /// The address.
        e: String,
        /// Expiry.
        x: i64,
    },
    /// Erase everything stored about an address, until `x` (unix seconds).
    #[serde(rename = "d")]
    Erase {
        /// The address.
        e: String,
        /// Expiry.
        x: i64,
    },
}

impl Link {
    /// The token for this link.
    pub fn seal(&self, signer: &Signer) -> String {
        signer.sign(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// The link a token stands for, if it is genuine and not expired at `now` (unix seconds).
    pub fn open(signer: &Signer, token: &str, now: i64) -> Option<Link> {
        let link: Link = serde_json::from_slice(&signer.verify(token.trim())?).ok()?;
        match &link {
            Link::Export { x, .. } | Link::Erase { x, .. } if *x < now => None,
            _ => Some(link),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comments::signing::random_key;

    #[test]
    fn links_round_trip_expire_and_cannot_be_altered() {
        let signer = Signer::new(random_key());
        let token = Link::Unsubscribe { s: 7 }.seal(&signer);
        assert_eq!(Link::open(&signer, &token, 0), Some(Link::Unsubscribe { s: 7 }));
        assert_eq!(Link::open(&Signer::new(random_key()), &token, 0), None, "another site's key");
        let export = Link::Export { e: "ruth@x.example".into(), x: 100 }.seal(&signer);
        assert!(Link::open(&signer, &export, 99).is_some());
        assert_eq!(Link::open(&signer, &export, 101), None, "expired");
        let (payload, _) = export.split_once('.').unwrap_or_default();
        assert_eq!(Link::open(&signer, &format!("{payload}.AAAA"), 0), None);
    }
}
