//! The reader's side of comments: submitting one under the site's policy, and what the comment
//! form needs to show. A refused comment explains itself and keeps the reader's text.

pub mod signing;

use std::net::IpAddr;

use quire_core::policy::{
    self, Commenter, FieldError, GuestDraft, JudgeContext, RawCommentForm, RejectReason, TimingError, Verdict,
};
use quire_core::{CommentStatus, PostId};
use quire_store::{CommenterKey, NewComment, RateLimit, StoreError};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{App, Error};
pub use signing::{FormToken, GuestCookie, Signer};

/// Longest user agent kept with a comment.
const MAX_USER_AGENT: usize = 300;

/// A comment as the form sent it, with what the request says about its sender.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// The visible fields.
    pub form: RawCommentForm,
    /// `comment_post_ID`.
    pub post_id: String,
    /// The signed form token.
    pub token: String,
    /// The honeypot field (must stay empty).
    pub honeypot: String,
    /// "Notify me of new comments by email".
    pub notify: bool,
    /// "Save my name, email, and website in this browser".
    pub remember: bool,
    /// The guest cookie, if the browser sent a genuine one.
    pub guest: Option<GuestCookie>,
    /// The sender's address.
    pub ip: Option<IpAddr>,
    /// The sender's user agent.
    pub user_agent: Option<String>,
}

/// Why a comment was not taken; each says what the reader can do.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Fields to fix.
    #[error("please correct the marked fields")]
    Invalid(Vec<FieldError>),
    /// The policy refused it.
    #[error("{0}")]
    Rejected(RejectReason),
    /// Sent too soon, or the form expired.
    #[error("{0}")]
    Timing(TimingError),
    /// The form token is missing or not genuine.
    #[error("This form could not be verified; your text is kept below, please send it again.")]
    BadToken,
    /// Too many comments from this address.
    #[error("You are commenting too fast; please wait {0} seconds and send again.")]
    RateLimited(u32),
    /// No public post with comments at that id.
    #[error("That post does not exist.")]
    UnknownPost,
    /// The comment replied to is not an approved comment of this post.
    #[error("The comment you are replying to is not there any more; your text is kept below.")]
    BadParent,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<StoreError> for SubmitError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::RateLimited(wait) => SubmitError::RateLimited(wait),
            other => SubmitError::Internal(other.into()),
        }
    }
}

/// A comment that was taken.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    /// Its id.
    pub id: i64,
    /// "approved" or "pending".
    pub status: String,
    /// Path of the post with the comment's anchor.
    pub url: String,
    /// Why it waits, for the commenter.
    pub held_because: Option<String>,
    /// The guest cookie to set (new or updated).
    #[serde(skip)]
    pub guest: GuestCookie,
}

/// The site's signing keys, made on first start and kept in the database.
#[derive(Clone)]
pub struct Keys {
    /// Signs comment-form tokens.
    pub form: Signer,
    /// Signs guest cookies.
    pub guest: Signer,
    /// Hashes IP addresses and guest ids before they are stored.
    pub hashing: Signer,
    /// Signs the links in mails (unsubscribe, data export and erasure).
    pub mail: Signer,
}

impl Keys {
    /// Loads the keys, creating any that are missing.
    pub async fn load(store: &quire_store::Store) -> Result<Keys, Error> {
        let key = |name: &'static str| async move { store.site_key(name, &signing::random_key()).await };
        Ok(Keys {
            form: Signer::new(key("comment-form").await?),
            guest: Signer::new(key("guest-cookie").await?),
            hashing: Signer::new(key("hashing").await?),
            mail: Signer::new(key("mail-links").await?),
        })
    }
}

/// The network an address belongs to for per-subnet limits: /24 for IPv4, /64 for IPv6.
fn subnet_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

impl App {
    /// Takes a reader's comment: verifies the form, applies the site's policy and limits, stores
    /// it with its notifications in one transaction.
    pub async fn submit_comment(&self, submission: Submission) -> Result<Accepted, SubmitError> {
        let settings = self.settings().await;
        let policy = &settings.comment_policy;
        let now = OffsetDateTime::now_utc();
        let keys = self.keys();

        let post_id: i64 = submission.post_id.trim().parse().map_err(|_| SubmitError::UnknownPost)?;
        let post = self.store().post(PostId(post_id)).await.map_err(Error::from)?;
        let post = post.filter(|p| p.is_public_at(now));
        let post = post.ok_or(SubmitError::UnknownPost)?;

        policy::check_honeypot(&submission.honeypot).map_err(SubmitError::Rejected)?;
        let token = FormToken::read(&keys.form, &submission.token)
            .filter(|t| t.post == post_id)
            .ok_or(SubmitError::BadToken)?;
        policy::check_timing(token.issued_at(), now, policy).map_err(SubmitError::Timing)?;
        let draft = GuestDraft::parse(&submission.form, policy).map_err(SubmitError::Invalid)?;

        if let Some(reason) = policy::closed_reason(post.discussion, post.published_at, now, policy) {
            return Err(SubmitError::Rejected(reason));
        }
        if let Some(parent) = draft.parent() {
            let parent = self.store().comment(parent).await.map_err(Error::from)?;
            if !parent.is_some_and(|c| c.post_id == post.id && c.status == CommentStatus::Approved) {
                return Err(SubmitError::BadParent);
            }
        }
        let fingerprint = policy::fingerprint(post.id, draft.body().as_str());
        if self.store().is_duplicate_comment(post.id, &fingerprint).await.map_err(Error::from)? {
            return Err(SubmitError::Rejected(RejectReason::Duplicate));
        }

        let mut guest = submission.guest.clone().unwrap_or_else(GuestCookie::fresh);
        let guest_key = keys.hashing.hash(&guest.id);
        // A browser holding a genuine guest cookie whose earlier comment was approved is the same
        // commenter; a typed email alone proves nothing.
        let commenter = if submission.guest.is_some() {
            let approved = self
                .store()
                .has_approved_comment(&CommenterKey::Guest(guest_key.clone()))
                .await
                .map_err(Error::from)?;
            Commenter::VerifiedIdentity { has_approved_comment: approved }
        } else {
            let approved = match draft.email() {
                Some(email) => self
                    .store()
                    .has_approved_comment(&CommenterKey::Email(email.to_string()))
                    .await
                    .map_err(Error::from)?,
                None => false,
            };
            Commenter::Guest { approved_under_typed_email: approved }
        };
        let user_agent = submission.user_agent.as_deref().map(|ua| ua.chars().take(MAX_USER_AGENT).collect::<String>());
        let verdict = policy::judge(
            &JudgeContext {
                submission: draft.submission(submission.ip, user_agent.as_deref()),
                commenter,
                discussion: post.discussion,
                post_published_at: post.published_at,
                now,
            },
            policy,
        );
        let (status, held_because) = match verdict {
            Verdict::Approve => (CommentStatus::Approved, None),
            Verdict::Hold(reason) => (CommentStatus::Pending, Some(reason.to_string())),
            Verdict::Reject(reason) => return Err(SubmitError::Rejected(reason)),
        };

        let rendered = quire_content::render_comment(draft.body().as_str());
        let mut rate_limits = Vec::new();
        if let Some(ip) = submission.ip {
            let limits = &settings.comment_rate;
            rate_limits.push(RateLimit {
                key: format!("comment:ip:{}", keys.hashing.hash(&ip.to_string())),
                capacity: limits.per_ip,
                per_seconds: limits.seconds,
            });
            rate_limits.push(RateLimit {
                key: format!("comment:net:{}", keys.hashing.hash(&subnet_of(ip))),
                capacity: limits.per_subnet,
                per_seconds: limits.seconds,
            });
        }
        let id = self
            .store()
            .create_comment(&NewComment {
                post_id: post.id,
                parent_id: draft.parent(),
                author_name: draft.name().to_string(),
                author_email: draft.email().map(ToString::to_string),
                author_url: draft.website().map(|w| w.as_str().to_string()),
                user_id: None,
                markdown: draft.body().as_str().to_string(),
                html: rendered.html,
                status,
                created_at: now,
                max_depth: policy.max_depth,
                guest_key: Some(guest_key),
                fingerprint: Some(fingerprint),
                ip_hash: submission.ip.map(|ip| keys.hashing.hash(&ip.to_string())),
                user_agent,
                held_reason: held_because.clone(),
                rate_limits,
                jobs: Vec::new(),
            })
            .await?;
        self.refresh().await.map_err(SubmitError::Internal)?;
        let subscriber = if submission.notify { draft.email().map(|e| e.as_str()) } else { None };
        self.queue_comment_mail(post.id, id, status, subscriber).await;

        if submission.remember {
            guest.name = Some(draft.name().to_string());
            guest.email = draft.email().map(ToString::to_string);
            guest.url = draft.website().map(|w| w.as_str().to_string());
        } else {
            guest.name = None;
            guest.email = None;
            guest.url = None;
        }
        let path = self.post_path(&post, &settings);
        Ok(Accepted { id: id.0, status: status.to_string(), url: format!("{path}#comment-{id}"), held_because, guest })
    }

    /// A fresh form token for `post`.
    pub fn form_token(&self, post: i64) -> String {
        FormToken::issue(&self.keys().form, post, OffsetDateTime::now_utc())
    }

    /// A guest's own comments that wait for moderation, as the thread shows them to that guest.
    pub async fn own_pending_comments(&self, post: i64, guest: &GuestCookie) -> Result<Vec<crate::CommentView>, Error> {
        let key = self.keys().hashing.hash(&guest.id);
        let max_depth = self.settings().await.comment_policy.max_depth;
        Ok(self
            .store()
            .guest_comments(PostId(post), &key)
            .await?
            .iter()
            .filter(|c| c.status == CommentStatus::Pending)
            .map(|c| crate::reading::comment_view(c, quire_core::UserId(0), max_depth))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_are_slash_24_and_slash_64() {
        assert_eq!(subnet_of("203.0.113.77".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))), "203.0.113.0/24");
        let v6: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(subnet_of(v6), "2001:db8:1:2::/64");
    }
}
