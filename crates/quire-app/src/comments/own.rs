//! A guest's own comments, as the browser they were written in sees them: edited or deleted for
//! `edit_window_minutes` after posting, and shown in place the moment they are posted. An edit goes
//! through the same checks and policy as a new comment, so it cannot slip past moderation what a
//! new comment could not.

use std::net::IpAddr;

use quire_core::policy::{self, CommentBody, Commenter, FieldError, JudgeContext, RejectReason, Verdict};
use quire_core::{Comment, CommentId, CommentStatus, Post, PostId};
use quire_store::{CommenterKey, GuestEdit, StoreError};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{Accepted, EditToken, GuestCookie};
use crate::{App, CommentView, Error};

/// Why a guest may not change a comment, or why the change was refused; `Display` tells them.
#[derive(Debug, thiserror::Error)]
pub enum OwnCommentError {
    /// No visible comment has that id.
    #[error("There is no such comment, or it has been removed.")]
    NotFound,
    /// The comment was written in another browser (or the cookie is gone).
    #[error("This comment can only be changed from the browser it was written in.")]
    NotYours,
    /// The edit window is over.
    #[error("Comments can be changed for {0} minutes after they are posted; this one can no longer be changed.")]
    WindowPassed(u32),
    /// The form's token is missing, forged, or for another comment or browser.
    #[error("This form could not be verified; your text is kept below, please send it again.")]
    BadToken,
    /// The new text is not acceptable.
    #[error("{0}")]
    Invalid(FieldError),
    /// The policy refuses the new text (a blocked word, a closed post).
    #[error("{0}")]
    Rejected(RejectReason),
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<StoreError> for OwnCommentError {
    fn from(e: StoreError) -> Self {
        OwnCommentError::Internal(e.into())
    }
}

/// A guest's own comment as its edit and delete pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct OwnCommentView {
    /// Its id.
    pub id: i64,
    /// Its Markdown source, to edit.
    pub markdown: String,
    /// Its sanitised HTML, to show before deleting.
    pub html: String,
    /// Still waiting for a moderator.
    pub pending: bool,
    /// Title of the post it is under.
    pub post_title: String,
    /// Path of the post.
    pub post_url: String,
    /// Path of the comment (`…#comment-N`).
    pub url: String,
    /// Signed token the edit and delete forms carry.
    pub token: String,
    /// Whole minutes left to change it, rounded up.
    pub minutes_left: i64,
}

/// A saved edit.
#[derive(Debug, Clone, Serialize)]
pub struct Edited {
    /// The comment's id.
    pub id: i64,
    /// "approved" or "pending" after the edit.
    pub status: String,
    /// Path of the post with the comment's anchor.
    pub url: String,
    /// Why the new text waits, for the commenter.
    pub held_because: Option<String>,
    /// The comment as its thread now shows it to its writer.
    #[serde(skip)]
    pub view: CommentView,
}

/// A guest's new text for one of their comments, as the edit form sent it.
#[derive(Debug, Clone, Default)]
pub struct OwnEdit {
    /// The comment.
    pub id: i64,
    /// The new text.
    pub text: String,
    /// The form's [`EditToken`].
    pub token: String,
    /// The guest cookie, if genuine.
    pub guest: Option<GuestCookie>,
    /// The sender's address, for the blocklists.
    pub ip: Option<IpAddr>,
    /// The sender's user agent, for the blocklists.
    pub user_agent: Option<String>,
}

/// What a guest sees of their own comments on one post, beyond the approved thread.
#[derive(Debug, Clone, Default)]
pub struct OwnThread {
    /// Their comments still waiting for a moderator, as the thread shows them.
    pub pending: Vec<CommentView>,
    /// Ids of their comments they may still edit or delete.
    pub editable: Vec<i64>,
}

/// A comment just posted, as its writer's thread shows it (for the enhanced form).
#[derive(Debug, Clone)]
pub struct Posted {
    /// The comment, as the thread shows it to its writer.
    pub view: CommentView,
    /// The comment it actually replies to (deep replies attach to the deepest allowed ancestor).
    pub parent_id: Option<i64>,
    /// Comments the writer now sees under the post: approved ones and their own pending ones.
    pub count: u64,
    /// The post's id.
    pub post_id: i64,
    /// Title of the post.
    pub post_title: String,
}

/// A comment of this guest, loaded with its post after every check but the token's.
struct Owned {
    comment: Comment,
    post: Post,
    guest_key: String,
    guest_tag: String,
    since: OffsetDateTime,
}

impl App {
    fn guest_tag(&self, guest: &GuestCookie) -> String {
        self.keys().hashing.hash(&format!("edit-token:{}", guest.id))
    }

    async fn owned(&self, id: i64, guest: Option<&GuestCookie>) -> Result<Owned, OwnCommentError> {
        let now = OffsetDateTime::now_utc();
        let comment = self.store().comment(CommentId(id)).await?;
        let comment = comment
            .filter(|c| matches!(c.status, CommentStatus::Pending | CommentStatus::Approved))
            .ok_or(OwnCommentError::NotFound)?;
        let post = self.store().post(comment.post_id).await?;
        let post = post.filter(|p| p.is_public_at(now)).ok_or(OwnCommentError::NotFound)?;
        // A held comment is no one's business but its writer's: to anyone else it does not exist.
        let refused = if comment.status == CommentStatus::Approved {
            OwnCommentError::NotYours
        } else {
            OwnCommentError::NotFound
        };
        let Some(guest) = guest else { return Err(refused) };
        let guest_key = self.keys().hashing.hash(&guest.id);
        let theirs = self.store().guest_comments(post.id, &guest_key).await?;
        if !theirs.iter().any(|c| c.id == comment.id) {
            return Err(refused);
        }
        let minutes = self.settings().await.comment_policy.edit_window_minutes;
        let since = now - Duration::minutes(i64::from(minutes));
        if comment.created_at < since {
            return Err(OwnCommentError::WindowPassed(minutes));
        }
        Ok(Owned { comment, post, guest_key, guest_tag: self.guest_tag(guest), since })
    }

    fn check_edit_token(&self, owned: &Owned, token: &str) -> Result<(), OwnCommentError> {
        EditToken::read(&self.keys().form, token)
            .filter(|t| t.edit == owned.comment.id.0 && t.guest == owned.guest_tag)
            .map(|_| ())
            .ok_or(OwnCommentError::BadToken)
    }

    /// A guest's own comment for its edit or delete page, with a fresh token for the form.
    pub async fn own_comment(&self, id: i64, guest: Option<&GuestCookie>) -> Result<OwnCommentView, OwnCommentError> {
        let owned = self.owned(id, guest).await?;
        let settings = self.settings().await;
        let now = OffsetDateTime::now_utc();
        // `since` is the window's start as of now, so this is what remains of it.
        let left = owned.comment.created_at - owned.since;
        let post_url = self.post_path(&owned.post, &settings);
        Ok(OwnCommentView {
            id,
            markdown: owned.comment.markdown.clone(),
            html: owned.comment.html.clone(),
            pending: owned.comment.status == CommentStatus::Pending,
            post_title: owned.post.title.clone(),
            url: format!("{post_url}#comment-{id}"),
            post_url,
            token: EditToken::issue(&self.keys().form, id, &owned.guest_tag, now),
            minutes_left: (left.whole_seconds().max(0) + 59) / 60,
        })
    }

    /// Saves a guest's new text for their own comment: same length limits and policy as a new
    /// comment; an approved comment whose new text would be held goes back to pending.
    pub async fn edit_own_comment(&self, edit: OwnEdit) -> Result<Edited, OwnCommentError> {
        let owned = self.owned(edit.id, edit.guest.as_ref()).await?;
        self.check_edit_token(&owned, &edit.token)?;
        let settings = self.settings().await;
        let policy = &settings.comment_policy;
        let body = CommentBody::parse(&edit.text, policy).map_err(OwnCommentError::Invalid)?;
        let now = OffsetDateTime::now_utc();
        let comment = &owned.comment;
        let approved = self.store().has_approved_comment(&CommenterKey::Guest(owned.guest_key.clone())).await?;
        let user_agent = edit.user_agent.as_deref();
        let verdict = policy::judge(
            &JudgeContext {
                submission: policy::Submission {
                    body: body.as_str(),
                    name: &comment.author_name,
                    email: comment.author_email.as_deref(),
                    url: comment.author_url.as_deref(),
                    ip: edit.ip,
                    user_agent,
                },
                commenter: Commenter::VerifiedIdentity { has_approved_comment: approved },
                discussion: owned.post.discussion,
                post_published_at: owned.post.published_at,
                now,
            },
            policy,
        );
        let held_because = match verdict {
            Verdict::Approve => None,
            Verdict::Hold(reason) => Some(reason.to_string()),
            Verdict::Reject(reason) => return Err(OwnCommentError::Rejected(reason)),
        };
        let rendered = quire_content::render_comment(body.as_str());
        let fingerprint = policy::fingerprint(owned.post.id, body.as_str());
        let change = GuestEdit {
            markdown: body.as_str(),
            html: &rendered.html,
            fingerprint: &fingerprint,
            held_reason: held_because.as_deref(),
        };
        let saved = self.store().edit_guest_comment(comment.id, &owned.guest_key, owned.since, Some(change)).await?;
        if !saved {
            // The window closed (or a moderator acted) between the checks and the write.
            return Err(OwnCommentError::WindowPassed(policy.edit_window_minutes));
        }
        self.refresh().await?;
        let stored = self.store().comment(comment.id).await?.ok_or(OwnCommentError::NotFound)?;
        let mut view =
            crate::reading::comment_view(&stored, owned.post.author_id, policy.max_depth, &self.avatars(&settings));
        view.editable = true;
        let path = self.post_path(&owned.post, &settings);
        Ok(Edited {
            id: edit.id,
            status: stored.status.to_string(),
            url: format!("{path}#comment-{}", edit.id),
            // A pending comment stays pending whatever the new text; say so.
            held_because: held_because.or_else(|| {
                (stored.status == CommentStatus::Pending)
                    .then(|| "Your comment will appear once a moderator has approved it.".to_string())
            }),
            view,
        })
    }

    /// Deletes (moves to the trash) a guest's own comment; answers the path of its post.
    pub async fn delete_own_comment(
        &self,
        id: i64,
        guest: Option<&GuestCookie>,
        token: &str,
    ) -> Result<String, OwnCommentError> {
        let owned = self.owned(id, guest).await?;
        self.check_edit_token(&owned, token)?;
        let deleted = self.store().edit_guest_comment(owned.comment.id, &owned.guest_key, owned.since, None).await?;
        if !deleted {
            let minutes = self.settings().await.comment_policy.edit_window_minutes;
            return Err(OwnCommentError::WindowPassed(minutes));
        }
        self.refresh().await?;
        Ok(self.post_path(&owned.post, &*self.settings().await))
    }

    /// A guest's own comments on a post beyond the approved thread: their pending ones, and which
    /// of all theirs they may still change.
    pub async fn own_comments(&self, post: i64, guest: &GuestCookie) -> Result<OwnThread, Error> {
        let key = self.keys().hashing.hash(&guest.id);
        let settings = self.settings().await;
        let policy = &settings.comment_policy;
        let avatars = self.avatars(&settings);
        let since = OffsetDateTime::now_utc() - Duration::minutes(i64::from(policy.edit_window_minutes));
        let theirs = self.store().guest_comments(PostId(post), &key).await?;
        let editable: Vec<i64> = theirs.iter().filter(|c| c.created_at >= since).map(|c| c.id.0).collect();
        // A comment the spam checker caught shows to its writer like any held one.
        let pending = theirs
            .iter()
            .filter(|c| matches!(c.status, CommentStatus::Pending | CommentStatus::Spam))
            .map(|c| {
                let mut view = crate::reading::comment_view(c, quire_core::UserId(0), policy.max_depth, &avatars);
                view.editable = editable.contains(&c.id.0);
                view
            })
            .collect();
        Ok(OwnThread { pending, editable })
    }

    /// The comment just taken, as its writer's thread shows it, with the count they now see.
    pub async fn posted(&self, accepted: &Accepted) -> Result<Posted, Error> {
        let comment = self.store().comment(CommentId(accepted.id)).await?.ok_or(Error::NotFound)?;
        let post = self.store().post(comment.post_id).await?.ok_or(Error::NotFound)?;
        let settings = self.settings().await;
        let avatars = self.avatars(&settings);
        let mut view =
            crate::reading::comment_view(&comment, post.author_id, settings.comment_policy.max_depth, &avatars);
        view.editable = true;
        let approved = self.store().approved_comment_counts(&[post.id]).await?;
        let approved = approved.first().map_or(0, |(_, n)| *n);
        let own = self.own_comments(post.id.0, &accepted.guest).await?;
        Ok(Posted {
            view,
            parent_id: comment.parent_id.map(|p| p.0),
            count: approved + own.pending.len() as u64,
            post_id: post.id.0,
            post_title: post.title,
        })
    }
}
