//! The reader's side of comments: submitting one under the site's policy, and what the comment
//! form needs to show. A refused comment explains itself and keeps the reader's text.

mod own;
pub mod proof_of_work;
pub mod signing;
pub mod spam_checker;

use std::net::IpAddr;

use quire_core::policy::{
    self, Commenter, FieldError, GuestDraft, HoldReason, JudgeContext, RawCommentForm, RejectReason, TimingError,
    Verdict,
};
use quire_core::{CommentStatus, PostId};
use quire_store::{CommenterKey, NewComment, RateLimit, StoreError};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{App, Error};
pub use own::{Edited, OwnCommentError, OwnCommentView, OwnEdit, OwnThread, Posted};
use proof_of_work::ProofOfWorkError;
pub use signing::{EditToken, FormToken, GuestCookie, Signer};
use spam_checker::{CheckedComment, after_check};

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
    /// The page the form was sent from (`Referer`), for the spam checker.
    pub referrer: Option<String>,
    /// The proof-of-work nonce (`quire_pow`), needed in "under attack" mode.
    pub proof_of_work: String,
    /// The signed-in staff account sending it, if any: skips moderation, and its name and email
    /// stand in for empty fields.
    pub staff: Option<quire_core::User>,
    /// The outside account the reader signed in with, if any: a verified identity for the
    /// "first comment held" rule, and its name and email stand in for empty fields.
    pub identity: Option<quire_store::Identity>,
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
    /// "Under attack" mode: the form's proof of work is missing, wrong or already spent.
    #[error("{0}")]
    ProofOfWork(ProofOfWorkError),
    /// The spam checker said this is blatant spam, not worth keeping.
    #[error("Your comment was not accepted by this site's spam filter.")]
    Discarded,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] Error),
}

impl SubmitError {
    /// A short, stable name of the reason, for counting and logging (nothing the reader typed).
    pub fn reason(&self) -> &'static str {
        match self {
            SubmitError::Invalid(_) => "validation",
            SubmitError::Rejected(reason) => reason.label(),
            SubmitError::Timing(_) => "timing",
            SubmitError::BadToken => "token",
            SubmitError::RateLimited(_) => "rate_limited",
            SubmitError::UnknownPost => "unknown_post",
            SubmitError::BadParent => "bad_parent",
            SubmitError::ProofOfWork(_) => "proof_of_work",
            SubmitError::Discarded => "spam_checker",
            SubmitError::Internal(_) => "internal",
        }
    }
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
    /// Derives the admin's anti-forgery form tokens from a session (or pre-sign-in cookie).
    pub csrf: Signer,
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
            csrf: Signer::new(key("admin-csrf").await?),
            mail: Signer::new(key("mail-links").await?),
        })
    }
}

/// The network an address belongs to for per-subnet limits: /24 for IPv4, /64 for IPv6.
pub(crate) fn subnet_of(ip: IpAddr) -> String {
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
    /// Takes a reader's comment: verifies the form, applies the site's policy and limits, asks the
    /// spam checker when it is on, stores it with its notifications in one transaction. Every
    /// refusal is counted and logged with its reason.
    pub async fn submit_comment(&self, submission: Submission) -> Result<Accepted, SubmitError> {
        let result = self.take_comment(submission).await;
        if let Err(error) = &result {
            self.metrics().comment_refused(error.reason());
            // Internal failures are logged once, with their cause, where they are answered.
            if !matches!(error, SubmitError::Internal(_)) {
                tracing::info!(reason = error.reason(), "comment refused");
            }
        }
        result
    }

    async fn take_comment(&self, submission: Submission) -> Result<Accepted, SubmitError> {
        let settings = self.settings().await;
        let policy = &settings.comment_policy;
        let now = OffsetDateTime::now_utc();
        let keys = self.keys();

        // One hash, before anything that costs more: "under attack" mode is for floods.
        let pow_bits = proof_of_work::effective_bits(policy.proof_of_work_bits);
        proof_of_work::check(&submission.token, &submission.proof_of_work, pow_bits)
            .map_err(SubmitError::ProofOfWork)?;

        let post_id: i64 = submission.post_id.trim().parse().map_err(|_| SubmitError::UnknownPost)?;
        let post = self.store().post(PostId(post_id)).await.map_err(Error::from)?;
        let post = post.filter(|p| p.is_public_at(now));
        let post = post.ok_or(SubmitError::UnknownPost)?;

        policy::check_honeypot(&submission.honeypot).map_err(SubmitError::Rejected)?;
        let token = FormToken::read(&keys.form, &submission.token)
            .filter(|t| t.post == post_id)
            .ok_or(SubmitError::BadToken)?;
        let staff = submission.staff.as_ref();
        // The typing-speed check is for bots; a signed-in staff member has proved more than that.
        if staff.is_none() {
            policy::check_timing(token.issued_at(), now, policy).map_err(SubmitError::Timing)?;
        }
        let mut form = submission.form.clone();
        if let Some(user) = staff {
            if form.author.trim().is_empty() {
                form.author = user.name.clone();
            }
            if form.email.trim().is_empty() {
                form.email = user.email.to_string();
            }
        }
        if let (None, Some(identity)) = (staff, &submission.identity) {
            if form.author.trim().is_empty() {
                form.author = identity.display_name.clone();
            }
            if form.email.trim().is_empty() {
                form.email = identity.email.clone().unwrap_or_default();
            }
        }
        let draft = GuestDraft::parse(&form, policy).map_err(SubmitError::Invalid)?;

        // Staff may answer where readers no longer can (the policy decides which staff).
        if staff.is_none()
            && let Some(reason) = policy::closed_reason(post.discussion, post.published_at, now, policy)
        {
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
        let commenter = if let Some(user) = staff {
            Commenter::Staff { role: user.role, is_post_author: user.id == post.author_id }
        } else if let Some(identity) = &submission.identity {
            // Signed in with an outside account: what counts is that identity's history.
            let approved = self.store().identity_has_approved_comment(identity.id).await.map_err(Error::from)?;
            Commenter::VerifiedIdentity { has_approved_comment: approved }
        } else if submission.guest.is_some() {
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
        let path = self.post_path(&post, &settings);
        let answer = if settings.spam_checker.enabled {
            let site = self.config().site_url();
            let checked = CheckedComment {
                blog: format!("{site}/"),
                user_ip: submission.ip.map(|ip| ip.to_string()),
                user_agent: user_agent.clone(),
                referrer: submission.referrer.clone(),
                permalink: format!("{site}{path}"),
                comment_type: if draft.parent().is_some() { "reply" } else { "comment" },
                comment_author: draft.name().to_string(),
                comment_author_email: draft.email().map(ToString::to_string),
                comment_author_url: draft.website().map(|w| w.as_str().to_string()),
                comment_content: draft.body().as_str().to_string(),
                comment_date_gmt: spam_checker::gmt(now),
                blog_lang: settings.language.clone(),
            };
            self.ask_spam_checker(&settings.spam_checker, &checked).await
        } else {
            None
        };
        let (status, stored_reason) =
            after_check(answer.as_ref(), status, held_because.clone()).ok_or(SubmitError::Discarded)?;
        // Whatever keeps a comment back, its writer reads the same words: a spammer learns nothing.
        let held_because = match status {
            CommentStatus::Approved => None,
            _ => held_because.or_else(|| Some(HoldReason::FirstComment.to_string())),
        };

        let rendered = quire_content::render_comment(draft.body().as_str());
        let mut rate_limits = Vec::new();
        if pow_bits > 0 {
            // First, so that a replayed solution is told so rather than "too fast".
            let solution = format!("{}:{}", submission.token.trim(), submission.proof_of_work.trim());
            rate_limits.push(RateLimit {
                key: proof_of_work::spent_key(&keys.hashing.hash(&solution)),
                capacity: 1.0,
                per_seconds: proof_of_work::SPENT_FOR_SECONDS,
            });
        }
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
                user_id: staff.map(|u| u.id),
                markdown: draft.body().as_str().to_string(),
                html: rendered.html,
                status,
                created_at: now,
                max_depth: policy.max_depth,
                guest_key: Some(guest_key),
                fingerprint: Some(fingerprint),
                ip_hash: submission.ip.map(|ip| keys.hashing.hash(&ip.to_string())),
                user_agent,
                held_reason: stored_reason,
                rate_limits,
                jobs: Vec::new(),
            })
            .await
            .map_err(|e| match e {
                StoreError::RateLimited(wait) if pow_bits > 0 && wait >= proof_of_work::SPENT_WAIT_FLOOR => {
                    SubmitError::ProofOfWork(ProofOfWorkError::Reused)
                }
                other => SubmitError::from(other),
            })?;
        if let (None, Some(identity)) = (staff, &submission.identity) {
            self.store().set_comment_identity(id, identity.id).await.map_err(Error::from)?;
        }
        self.metrics().comment_accepted(status);
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
        let url = match self.store().comment(id).await.map_err(Error::from)? {
            Some(comment) => self.comment_path(&post, &comment).await?,
            None => format!("{}#comment-{id}", self.post_path(&post, &settings)),
        };
        let shown = if status == CommentStatus::Spam { CommentStatus::Pending } else { status };
        Ok(Accepted { id: id.0, status: shown.to_string(), url, held_because, guest })
    }

    /// A fresh form token for `post`.
    pub fn form_token(&self, post: i64) -> String {
        FormToken::issue(&self.keys().form, post, OffsetDateTime::now_utc())
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
