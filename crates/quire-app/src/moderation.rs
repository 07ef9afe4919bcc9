//! Comment moderation, as staff do it in the admin: the queue with its counts and filters, status
//! changes one by one or in bulk, edits re-rendered by the comment renderer, and replies posted as
//! the staff member. Every change is checked against the role table per comment (whose post it is
//! decides [`Ownership`]), and every change bumps the content version so readers see it at once.

use quire_core::policy;
use quire_core::{Action, CommentId, CommentStatus, Ownership, Page, Paged};
use quire_store::{CommentedPost, ModeratedComment, ModerationFilter, NewComment, StatusCounts, StoreError};
use time::OffsetDateTime;

use crate::accounts::StaffSession;
use crate::{App, Error};

/// Something a moderator does to comments (the names are the form values of the admin's buttons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationAction {
    /// Publish it.
    Approve,
    /// Hold it again.
    Unapprove,
    /// Mark it as spam.
    Spam,
    /// Take it out of the spam, back to the held comments.
    NotSpam,
    /// Move it to the trash.
    Trash,
    /// Take it out of the trash, back to the held comments.
    Restore,
    /// Delete it for good (only from the spam or the trash).
    Delete,
}

impl ModerationAction {
    /// Every action, in the order the admin offers them.
    pub const ALL: &'static [ModerationAction] = &[
        ModerationAction::Approve,
        ModerationAction::Unapprove,
        ModerationAction::Spam,
        ModerationAction::NotSpam,
        ModerationAction::Trash,
        ModerationAction::Restore,
        ModerationAction::Delete,
    ];

    /// The form value naming it.
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationAction::Approve => "approve",
            ModerationAction::Unapprove => "unapprove",
            ModerationAction::Spam => "spam",
            ModerationAction::NotSpam => "not_spam",
            ModerationAction::Trash => "trash",
            ModerationAction::Restore => "restore",
            ModerationAction::Delete => "delete",
        }
    }

    /// The action a form value names.
    pub fn parse(name: &str) -> Option<ModerationAction> {
        Self::ALL.iter().copied().find(|a| a.as_str() == name)
    }
}

impl std::fmt::Display for ModerationAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a moderation request was refused; each message may be shown as it is.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    /// The role does not allow moderating (these) comments.
    #[error("Your role does not allow moderating these comments.")]
    Forbidden,
    /// No such comment.
    #[error("That comment does not exist.")]
    NotFound,
    /// Input to fix; the message says what.
    #[error("{0}")]
    Invalid(String),
    /// Anything else: logged at the edge, never shown.
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<StoreError> for ModerationError {
    fn from(e: StoreError) -> Self {
        ModerationError::Internal(e.into())
    }
}

/// The moderation queue: one page of comments, the counts per status, and the posts to filter by.
#[derive(Debug, Clone)]
pub struct Queue {
    /// The comments on this page.
    pub comments: Paged<ModeratedComment>,
    /// Comments per status, under the same post, author and search filters.
    pub counts: StatusCounts,
    /// Posts with comments, for the post filter.
    pub posts: Vec<CommentedPost>,
}

impl ModerationAction {
    /// The statuses a comment may be in for the action to apply, and the status it ends in
    /// (`None`: deleted for good).
    pub fn transition(self) -> (&'static [CommentStatus], Option<CommentStatus>) {
        use CommentStatus::*;
        match self {
            ModerationAction::Approve => (&[Pending, Spam, Trash], Some(Approved)),
            ModerationAction::Unapprove => (&[Approved], Some(Pending)),
            ModerationAction::Spam => (&[Pending, Approved, Trash], Some(Spam)),
            ModerationAction::NotSpam => (&[Spam], Some(Pending)),
            ModerationAction::Trash => (&[Pending, Approved, Spam], Some(Trash)),
            ModerationAction::Restore => (&[Trash], Some(Pending)),
            ModerationAction::Delete => (&[Spam, Trash], None),
        }
    }
}

/// Whether `session` may moderate the comments under a post written by `post_author`.
fn may_moderate(session: &StaffSession, post_author: quire_core::UserId) -> bool {
    let ownership = if post_author == session.user.id { Ownership::Own } else { Ownership::Others };
    session.can(Action::ModerateComments, ownership)
}

impl App {
    /// The queue as `session` may see it: everything for roles that moderate anyone's comments,
    /// only the comments under their own posts for roles that moderate just those.
    pub async fn moderation_queue(
        &self,
        session: &StaffSession,
        mut filter: ModerationFilter,
        page: Page,
    ) -> Result<Queue, ModerationError> {
        let own_only = if session.can(Action::ModerateComments, Ownership::Others) {
            None
        } else if session.can(Action::ModerateComments, Ownership::Own) {
            Some(session.user.id)
        } else {
            return Err(ModerationError::Forbidden);
        };
        filter.post_author = own_only;
        let comments = self.store().moderation_queue(&filter, page).await?;
        let counts = self.store().moderation_counts(&filter).await?;
        let posts = self.store().commented_posts(own_only).await?;
        Ok(Queue { comments, counts, posts })
    }

    /// One comment as a moderator sees it, if `session` may moderate it.
    pub async fn moderated_comment(
        &self,
        session: &StaffSession,
        id: CommentId,
    ) -> Result<ModeratedComment, ModerationError> {
        let found = self.store().moderated_comments(&[id]).await?.into_iter().next();
        let found = found.ok_or(ModerationError::NotFound)?;
        if !may_moderate(session, found.post_author) {
            return Err(ModerationError::Forbidden);
        }
        Ok(found)
    }

    /// Applies `action` to the comments of `ids` that it fits (approving a trashed comment
    /// works; approving an approved one does nothing); all of them must be ones `session` may
    /// moderate, or nothing changes. Approved comments that were held get the notifications a
    /// comment approved at once gets. Returns how many comments changed.
    pub async fn moderate(
        &self,
        session: &StaffSession,
        ids: &[CommentId],
        action: ModerationAction,
    ) -> Result<u64, ModerationError> {
        let found = self.store().moderated_comments(ids).await?;
        if found.iter().any(|c| !may_moderate(session, c.post_author)) {
            return Err(ModerationError::Forbidden);
        }
        let ids: Vec<CommentId> = found.iter().map(|c| c.comment.id).collect();
        let (from, to) = action.transition();
        let changed = match to {
            Some(to) => {
                let moved = self.store().set_comments_status(&ids, from, to).await?;
                if to == CommentStatus::Approved {
                    for (id, _) in &moved {
                        if let Err(e) = self.comment_approved(*id).await {
                            tracing::error!(error = %e, comment = %id, "could not queue notifications of an approval");
                        }
                    }
                }
                moved.len() as u64
            }
            None => self.store().delete_comments(&ids).await?,
        };
        tracing::info!(user_id = %session.user.id, action = action.as_str(), changed, "comments moderated");
        self.refresh().await?;
        Ok(changed)
    }

    /// Replaces a comment's text with `markdown`, rendered by the comment renderer and checked
    /// against the policy's length limit.
    pub async fn edit_comment_as_staff(
        &self,
        session: &StaffSession,
        id: CommentId,
        markdown: &str,
    ) -> Result<(), ModerationError> {
        self.moderated_comment(session, id).await?;
        let markdown = self.checked_body(markdown).await?;
        let rendered = quire_content::render_comment(&markdown);
        if !self.store().edit_comment(id, &markdown, &rendered.html, OffsetDateTime::now_utc()).await? {
            return Err(ModerationError::NotFound);
        }
        tracing::info!(user_id = %session.user.id, comment = %id, "comment edited by staff");
        self.refresh().await?;
        Ok(())
    }

    /// Posts `markdown` as `session`'s reply under comment `parent`, approved at once and threaded
    /// under it. A held parent is approved first (answering a comment publishes it); a parent in
    /// the spam or the trash cannot be answered. Returns the new comment's id.
    pub async fn reply_as_staff(
        &self,
        session: &StaffSession,
        parent: CommentId,
        markdown: &str,
    ) -> Result<CommentId, ModerationError> {
        let found = self.moderated_comment(session, parent).await?;
        let markdown = self.checked_body(markdown).await?;
        match found.comment.status {
            CommentStatus::Approved => {}
            CommentStatus::Pending => {
                self.moderate(session, &[parent], ModerationAction::Approve).await?;
            }
            CommentStatus::Spam | CommentStatus::Trash => {
                return Err(ModerationError::Invalid(
                    "Restore the comment before replying to it: it is in the spam or the trash.".into(),
                ));
            }
        }
        let settings = self.settings().await;
        let post = found.comment.post_id;
        let rendered = quire_content::render_comment(&markdown);
        let now = OffsetDateTime::now_utc();
        let id = self
            .store()
            .create_comment(&NewComment {
                post_id: post,
                parent_id: Some(parent),
                author_name: session.user.name.clone(),
                author_email: Some(session.user.email.to_string()),
                author_url: None,
                user_id: Some(session.user.id),
                markdown: markdown.clone(),
                html: rendered.html,
                status: CommentStatus::Approved,
                created_at: now,
                max_depth: settings.comment_policy.max_depth,
                guest_key: None,
                fingerprint: Some(policy::fingerprint(post, &markdown)),
                ip_hash: None,
                user_agent: None,
                held_reason: None,
                rate_limits: Vec::new(),
                jobs: Vec::new(),
            })
            .await?;
        tracing::info!(user_id = %session.user.id, comment = %id, "staff replied from the admin");
        self.metrics().comment_accepted(CommentStatus::Approved);
        self.refresh().await?;
        self.queue_comment_mail(post, id, CommentStatus::Approved, None).await;
        Ok(id)
    }

    /// A comment text trimmed, not empty and within the policy's length.
    async fn checked_body(&self, markdown: &str) -> Result<String, ModerationError> {
        let text = markdown.trim();
        let max = self.settings().await.comment_policy.max_body_chars;
        let length = text.chars().count();
        if length == 0 {
            return Err(ModerationError::Invalid("The comment text is empty.".into()));
        }
        if length > max {
            return Err(ModerationError::Invalid(format!(
                "The comment is {length} characters long; the limit is {max}."
            )));
        }
        Ok(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_leaves_the_status_it_applies_to() {
        for action in ModerationAction::ALL {
            let (from, to) = action.transition();
            assert!(!from.is_empty(), "{action}");
            if let Some(to) = to {
                assert!(!from.contains(&to), "{action} applies to comments already {to}");
            }
        }
    }

    #[test]
    fn only_spam_and_trash_can_be_deleted_for_good() {
        let (from, to) = ModerationAction::Delete.transition();
        assert_eq!(to, None);
        assert_eq!(from, &[CommentStatus::Spam, CommentStatus::Trash]);
    }
}
