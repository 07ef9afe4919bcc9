//! Reply subscriptions and comment notifications. A reader who ticks "Notify me" gets a
//! confirmation mail first (double opt-in); only confirmed addresses hear of new comments, and
//! only of approved ones. The post's author hears of every new comment, and of held ones.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quire_core::{CommentId, CommentStatus, PostId, UserId};
use quire_store::{NewJob, NewSubscription, Subscription};
use serde_json::json;
use time::OffsetDateTime;

use super::Link;
use crate::{App, Error};

/// Job kinds, all under `mail.` so the mail worker claims them.
pub(crate) mod kind {
    /// The double opt-in mail: `{subscription_id}`.
    pub const CONFIRM: &str = "mail.confirm";
    /// A new comment, to a subscriber: `{subscription_id, comment_id}`.
    pub const NOTIFY: &str = "mail.notify";
    /// A new or held comment, to the post's author: `{comment_id, event: "new" | "held"}`.
    pub const AUTHOR: &str = "mail.author";
    /// Links to a reader's data: `{email}`.
    pub const MY_DATA: &str = "mail.my_data";
}

/// What a confirmation or unsubscribe link is about, for the page that asks "are you sure?".
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubscriptionTarget {
    /// Title of the post, when the link is about one.
    pub post_title: Option<String>,
    /// Its path, to link back to.
    pub post_url: Option<String>,
    /// Whether the link turns off a staff account's notifications (rather than one subscription).
    pub author: bool,
}

/// A random token for a mail link and its keyed hash (only the hash is stored).
pub(crate) fn fresh_token(app: &App) -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = app.keys().hashing.hash(&token);
    (token, hash)
}

fn job(kind: &str, payload: serde_json::Value) -> NewJob {
    NewJob { kind: kind.to_string(), payload, run_at: OffsetDateTime::now_utc() }
}

fn same_address(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl App {
    /// Whether this site can send mail (`[smtp]` is configured). Without it no mail job is queued.
    pub fn mail_enabled(&self) -> bool {
        self.mailer().is_some()
    }

    /// Records `email`'s wish to hear of new comments on `post`, unconfirmed, and queues the
    /// confirmation mail when the wish is new. Does nothing when mail is off.
    pub async fn subscribe_to_comments(&self, post: PostId, email: &str) -> Result<(), Error> {
        if !self.mail_enabled() {
            return Ok(());
        }
        // A placeholder hash: the confirmation mail mints the token it sends, so that no usable
        // secret ever sits in the jobs table.
        let (_, token_hash) = fresh_token(self);
        let new = NewSubscription {
            post_id: post,
            email: email.trim().to_string(),
            token_hash,
            created_at: OffsetDateTime::now_utc(),
            confirm_job: job(kind::CONFIRM, json!({})),
        };
        if self.store().subscribe(&new).await?.is_some() {
            self.wake_workers();
        }
        Ok(())
    }

    /// The mail a just-stored comment causes: the commenter's subscription (when they asked) and
    /// the notifications. The comment is saved already, so a failure here is logged, not returned:
    /// the reader must not be told to send it again.
    pub(crate) async fn queue_comment_mail(
        &self,
        post: PostId,
        id: CommentId,
        status: CommentStatus,
        subscriber: Option<&str>,
    ) {
        if !self.mail_enabled() {
            return;
        }
        if let Some(email) = subscriber
            && let Err(e) = self.subscribe_to_comments(post, email).await
        {
            tracing::error!(error = %e, comment = %id, "could not record a subscription");
        }
        let queued = match status {
            CommentStatus::Approved => self.comment_approved(id).await,
            CommentStatus::Pending => self.comment_held(id).await,
            _ => Ok(()),
        };
        if let Err(e) = queued {
            tracing::error!(error = %e, comment = %id, "could not queue comment notifications");
        }
    }

    /// Queues the notifications of a newly approved comment: to every confirmed subscriber of its
    /// post but its own author ("X replied to your comment" when it answers theirs), and "New
    /// comment" to the post's author. Called at submit time and by moderation on approval.
    pub async fn comment_approved(&self, id: CommentId) -> Result<(), Error> {
        if !self.mail_enabled() {
            return Ok(());
        }
        let comment = self.store().comment(id).await?.ok_or(Error::NotFound)?;
        if comment.status != CommentStatus::Approved {
            return Ok(());
        }
        let post = self.store().post(comment.post_id).await?.ok_or(Error::NotFound)?;
        let by = comment.author_email.as_deref().unwrap_or_default();
        let author_job = self.author_job(post.author_id, &comment, "new").await?;
        let author_email = match &author_job {
            Some(_) => self.store().user(post.author_id).await?.map(|u| u.email.to_string()),
            None => None,
        };
        let mut jobs: Vec<NewJob> = self
            .store()
            .confirmed_subscriptions(post.id)
            .await?
            .into_iter()
            .filter(|s| !same_address(&s.email, by))
            // The author already hears of it as the author; one mail is enough.
            .filter(|s| !author_email.as_deref().is_some_and(|a| same_address(a, &s.email)))
            .map(|s| job(kind::NOTIFY, json!({ "subscription_id": s.id, "comment_id": id.0 })))
            .collect();
        jobs.extend(author_job);
        self.queue(&jobs).await
    }

    /// Queues "New comment awaiting moderation" to the post's author for a held comment.
    pub async fn comment_held(&self, id: CommentId) -> Result<(), Error> {
        if !self.mail_enabled() {
            return Ok(());
        }
        let comment = self.store().comment(id).await?.ok_or(Error::NotFound)?;
        if comment.status != CommentStatus::Pending {
            return Ok(());
        }
        let post = self.store().post(comment.post_id).await?.ok_or(Error::NotFound)?;
        let jobs: Vec<NewJob> = self.author_job(post.author_id, &comment, "held").await?.into_iter().collect();
        self.queue(&jobs).await
    }

    /// The author's mail about `comment`, unless they wrote it or turned notifications off.
    async fn author_job(
        &self,
        author: UserId,
        comment: &quire_core::Comment,
        event: &str,
    ) -> Result<Option<NewJob>, Error> {
        let Some(user) = self.store().user(author).await? else { return Ok(None) };
        let own = comment.user_id == Some(user.id)
            || comment.author_email.as_deref().is_some_and(|e| same_address(e, user.email.as_str()));
        if own || !self.store().comment_notifications(user.id).await? {
            return Ok(None);
        }
        Ok(Some(job(kind::AUTHOR, json!({ "comment_id": comment.id.0, "event": event }))))
    }

    async fn queue(&self, jobs: &[NewJob]) -> Result<(), Error> {
        if !jobs.is_empty() {
            self.store().enqueue_jobs(jobs, &[]).await?;
            self.wake_workers();
        }
        Ok(())
    }

    /// The subscription a confirmation token names (for the "Confirm" page).
    pub async fn subscription_to_confirm(&self, token: &str) -> Result<SubscriptionTarget, Error> {
        let hash = self.keys().hashing.hash(token.trim());
        let subscription = self.store().subscription_by_token(&hash).await?.ok_or(Error::NotFound)?;
        self.target_of(&subscription).await
    }

    /// Confirms the subscription a token names; from now on it hears of approved comments.
    pub async fn confirm_subscription(&self, token: &str) -> Result<SubscriptionTarget, Error> {
        let hash = self.keys().hashing.hash(token.trim());
        let now = OffsetDateTime::now_utc();
        let subscription = self.store().confirm_subscription(&hash, now).await?.ok_or(Error::NotFound)?;
        tracing::info!(subscription = subscription.id, "subscription confirmed");
        self.target_of(&subscription).await
    }

    /// What an unsubscribe token would stop (for the "Unsubscribe" page); `NotFound` when it is not
    /// genuine or the subscription is gone already.
    pub async fn unsubscribe_target(&self, token: &str) -> Result<SubscriptionTarget, Error> {
        match self.open_link(token).ok_or(Error::NotFound)? {
            Link::Unsubscribe { s } => {
                let subscription = self.store().subscription(s).await?.ok_or(Error::NotFound)?;
                self.target_of(&subscription).await
            }
            Link::AuthorOff { .. } => Ok(SubscriptionTarget { post_title: None, post_url: None, author: true }),
            _ => Err(Error::NotFound),
        }
    }

    /// Stops what an unsubscribe token names: one subscription, or a staff account's comment
    /// notifications. Idempotent: a second click answers the same.
    pub async fn unsubscribe(&self, token: &str) -> Result<SubscriptionTarget, Error> {
        match self.open_link(token).ok_or(Error::NotFound)? {
            Link::Unsubscribe { s } => {
                let target = match self.store().subscription(s).await? {
                    Some(subscription) => self.target_of(&subscription).await?,
                    None => SubscriptionTarget { post_title: None, post_url: None, author: false },
                };
                self.store().delete_subscription(s).await?;
                tracing::info!(subscription = s, "unsubscribed");
                Ok(target)
            }
            Link::AuthorOff { u } => {
                self.store().set_comment_notifications(UserId(u), false).await?;
                tracing::info!(user = u, "comment notifications turned off");
                Ok(SubscriptionTarget { post_title: None, post_url: None, author: true })
            }
            _ => Err(Error::NotFound),
        }
    }

    pub(crate) fn open_link(&self, token: &str) -> Option<Link> {
        Link::open(&self.keys().mail, token, OffsetDateTime::now_utc().unix_timestamp())
    }

    async fn target_of(&self, subscription: &Subscription) -> Result<SubscriptionTarget, Error> {
        let post = self.store().post(subscription.post_id).await?;
        let settings = self.settings().await;
        Ok(SubscriptionTarget {
            post_url: post.as_ref().map(|p| self.post_path(p, &settings)),
            post_title: post.map(|p| p.title),
            author: false,
        })
    }
}
