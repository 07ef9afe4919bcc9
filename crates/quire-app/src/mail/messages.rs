//! What each mail job says. Composed when the job runs, from what the database holds then: a
//! subscription removed or a comment no longer approved in the meantime means no mail.

use quire_core::{Comment, CommentId, CommentStatus, Post};
use quire_store::Job;
use serde::Deserialize;
use time::OffsetDateTime;

use super::notify::{fresh_token, kind};
use super::{Composed, Link, Outgoing};
use crate::{App, Error};

/// How long the links of a data request work.
pub(crate) const DATA_LINK_HOURS: i64 = 24;

#[derive(Deserialize)]
struct ConfirmPayload {
    subscription_id: i64,
}

#[derive(Deserialize)]
struct NotifyPayload {
    subscription_id: i64,
    comment_id: i64,
}

#[derive(Deserialize)]
struct AuthorPayload {
    comment_id: i64,
    event: String,
}

#[derive(Deserialize)]
struct MyDataPayload {
    email: String,
}

fn payload<T: serde::de::DeserializeOwned>(job: &Job) -> Result<T, Error> {
    serde_json::from_value(job.payload.clone()).map_err(|e| Error::Invalid(format!("job {} payload: {e}", job.id)))
}

/// The first lines of a comment, for quoting in a mail.
fn excerpt(comment: &Comment) -> String {
    const MAX: usize = 1200;
    let text = comment.markdown.trim();
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{}…", cut.trim_end())
}

impl App {
    /// The mail a job sends, or `None` when there is nothing (any more) to send.
    pub(crate) async fn compose(&self, job: &Job) -> Result<Option<Outgoing>, Error> {
        match job.kind.as_str() {
            kind::CONFIRM => self.compose_confirm(payload(job)?).await,
            kind::NOTIFY => self.compose_notify(payload(job)?).await,
            kind::AUTHOR => self.compose_author(payload(job)?).await,
            kind::MY_DATA => self.compose_my_data(payload(job)?).await,
            crate::accounts::invites::kind::INVITE | crate::accounts::invites::kind::RESET => {
                self.compose_account_link(job).await
            }
            crate::identity::email_link::JOB_KIND => self.compose_sign_in(&job.payload).await,
            other => Err(Error::Invalid(format!("unknown mail job kind {other:?}"))),
        }
    }

    fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.config().site_url())
    }

    async fn comment_with_post(&self, id: i64) -> Result<Option<(Comment, Post, String)>, Error> {
        let Some(comment) = self.store().comment(CommentId(id)).await? else { return Ok(None) };
        let Some(post) = self.store().post(comment.post_id).await? else { return Ok(None) };
        let url = self.absolute(&format!("{}#comment-{}", self.post_path(&post, &*self.settings().await), comment.id));
        Ok(Some((comment, post, url)))
    }

    async fn compose_confirm(&self, p: ConfirmPayload) -> Result<Option<Outgoing>, Error> {
        let Some(subscription) = self.store().subscription(p.subscription_id).await? else { return Ok(None) };
        if subscription.confirmed_at.is_some() {
            return Ok(None);
        }
        let Some(post) = self.store().post(subscription.post_id).await? else { return Ok(None) };
        let site = self.settings().await.title.clone();
        let (token, hash) = fresh_token(self);
        self.store().set_subscription_token(subscription.id, &hash).await?;
        let url = self.absolute(&format!("/comments/subscriptions/confirm?token={token}"));
        let body = Composed::new(format!("Confirm: new comments on “{}”", post.title))
            .para(format!(
                "Someone, probably you, asked {site} to send this address the new comments on “{}”.",
                post.title
            ))
            .action("Confirm, and start sending me new comments", url)
            .para("If it was not you, ignore this mail: nothing will be sent to you without the confirmation.");
        Ok(Some(Outgoing { to: subscription.email, body, unsubscribe: None }))
    }

    async fn compose_notify(&self, p: NotifyPayload) -> Result<Option<Outgoing>, Error> {
        let Some(subscription) = self.store().subscription(p.subscription_id).await? else { return Ok(None) };
        if subscription.confirmed_at.is_none() {
            return Ok(None);
        }
        let Some((comment, post, url)) = self.comment_with_post(p.comment_id).await? else { return Ok(None) };
        if comment.status != CommentStatus::Approved || comment.post_id != subscription.post_id {
            return Ok(None);
        }
        let parent = match comment.parent_id {
            Some(parent) => self.store().comment(parent).await?,
            None => None,
        };
        let reply_to_them = parent
            .and_then(|c| c.author_email)
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(subscription.email.trim()));
        let name = &comment.author_name;
        let (subject, intro) = if reply_to_them {
            (
                format!("{name} replied to your comment on “{}”", post.title),
                format!("{name} replied to your comment on “{}”:", post.title),
            )
        } else {
            (format!("New comment on “{}”", post.title), format!("{name} commented on “{}”:", post.title))
        };
        let unsubscribe = self.absolute(&format!(
            "/comments/subscriptions/unsubscribe?token={}",
            Link::Unsubscribe { s: subscription.id }.seal(&self.keys().mail)
        ));
        let body = Composed::new(subject).para(intro).quote(excerpt(&comment)).action("Read it and reply", url).footer(
            format!("You get this mail because you asked to hear of new comments on “{}”.", post.title),
            "Unsubscribe",
            unsubscribe.clone(),
        );
        Ok(Some(Outgoing { to: subscription.email, body, unsubscribe: Some(unsubscribe) }))
    }

    async fn compose_author(&self, p: AuthorPayload) -> Result<Option<Outgoing>, Error> {
        let Some((comment, post, url)) = self.comment_with_post(p.comment_id).await? else { return Ok(None) };
        let Some(user) = self.store().user(post.author_id).await? else { return Ok(None) };
        if !self.store().comment_notifications(user.id).await? {
            return Ok(None);
        }
        let held = p.event == "held";
        let expected = if held { CommentStatus::Pending } else { CommentStatus::Approved };
        if comment.status != expected {
            return Ok(None);
        }
        let name = &comment.author_name;
        let (subject, intro) = if held {
            (
                format!("New comment awaiting moderation on “{}”", post.title),
                format!("{name} commented on “{}”. The comment waits for your approval:", post.title),
            )
        } else {
            (format!("New comment on “{}”", post.title), format!("{name} commented on “{}”:", post.title))
        };
        let unsubscribe = self.absolute(&format!(
            "/comments/subscriptions/unsubscribe?token={}",
            Link::AuthorOff { u: user.id.0 }.seal(&self.keys().mail)
        ));
        let mut body = Composed::new(subject).para(intro).quote(excerpt(&comment));
        if let Some(email) = &comment.author_email {
            body = body.para(format!("Email: {email}"));
        }
        if let Some(website) = &comment.author_url {
            body = body.para(format!("Website: {website}"));
        }
        let body = if held { body } else { body.action("Read it on the site", url) };
        let body = body.footer(
            "You get this mail because you wrote the post.",
            "Stop comment notifications",
            unsubscribe.clone(),
        );
        Ok(Some(Outgoing { to: user.email.to_string(), body, unsubscribe: Some(unsubscribe) }))
    }

    async fn compose_my_data(&self, p: MyDataPayload) -> Result<Option<Outgoing>, Error> {
        // An address we hold nothing about gets no mail: the site never writes to strangers.
        if self.store().reader_data(&p.email).await?.is_empty() {
            return Ok(None);
        }
        let site = self.settings().await.title.clone();
        let until = OffsetDateTime::now_utc().unix_timestamp() + DATA_LINK_HOURS * 3600;
        let signer = &self.keys().mail;
        let export = Link::Export { e: p.email.clone(), x: until }.seal(signer);
        let erase = Link::Erase { e: p.email.clone(), x: until }.seal(signer);
        let body = Composed::new(format!("Your data on {site}"))
            .para(format!("Someone, probably you, asked what {site} stores about this address."))
            .action("Download it (JSON)", self.absolute(&format!("/comments/my-data/export?token={export}")))
            .action("Delete it", self.absolute(&format!("/comments/my-data/delete?token={erase}")))
            .para(format!(
                "The links work for {DATA_LINK_HOURS} hours. If it was not you, ignore this mail: nothing changes."
            ));
        Ok(Some(Outgoing { to: p.email, body, unsubscribe: None }))
    }
}
