//! Revisions and autosaves: the editor as it opens (with a newer autosave offered), the list of a
//! post's revisions, a line diff between one and the current text, and restoring one (a save like
//! any other, so it is itself a revision and can be undone).

use quire_core::{PostId, PostKind, PostStatus, User};
use quire_store::{Autosave, Revision};
use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use time::OffsetDateTime;

use super::form::AutosaveOffer;
use super::{EditError, EditorInput, EditorView, Intent, Saved};
use crate::App;

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// "equal", "delete" (only in the revision) or "insert" (only in the current text).
    pub change: &'static str,
    /// The line, without its line break.
    pub text: String,
}

/// A line diff from `old` to `new`.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| DiffLine {
            change: match change.tag() {
                ChangeTag::Equal => "equal",
                ChangeTag::Delete => "delete",
                ChangeTag::Insert => "insert",
            },
            text: change.value().trim_end_matches(['\n', '\r']).to_string(),
        })
        .collect()
}

impl App {
    /// The editor for a stored post, offering this writer's autosave when it is newer than the
    /// post and differs from it; with `restore_autosave`, showing the autosave's text instead.
    pub async fn editor_view(
        &self,
        user: &User,
        kind: PostKind,
        id: PostId,
        restore_autosave: bool,
    ) -> Result<EditorView, EditError> {
        let post = self.post_for_editor(user, kind, id).await?;
        let terms: Vec<_> = self.store().terms_of(&[id]).await?.into_iter().map(|(_, t)| t).collect();
        let mut view = EditorView::of_post(&post, &terms);
        let settings = self.settings().await;
        if post.is_public_at(OffsetDateTime::now_utc()) {
            view.public_url = Some(self.post_path(&post, &settings));
        } else if post.status != PostStatus::Trash {
            view.preview_url = Some(self.preview_path(id).await?);
        }
        let autosave = self
            .store()
            .autosave(id, user.id)
            .await?
            .filter(|a| a.saved_at > post.updated_at && (a.title != post.title || a.markdown != post.markdown));
        if let Some(autosave) = autosave {
            if restore_autosave {
                view.title = autosave.title;
                view.markdown = autosave.markdown;
            } else {
                view.autosave = Some(AutosaveOffer {
                    saved_iso: autosave
                        .saved_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                    title: autosave.title,
                });
            }
        }
        Ok(view)
    }

    /// Keeps what the writer's editor sent on its own in their autosave slot for the post; the
    /// post itself is untouched. Returns when it was kept.
    pub async fn autosave(
        &self,
        user: &User,
        kind: PostKind,
        id: PostId,
        title: &str,
        markdown: &str,
    ) -> Result<OffsetDateTime, EditError> {
        self.post_for_editor(user, kind, id).await?;
        if title.chars().count() > crate::publishing::MAX_TITLE_CHARS
            || markdown.len() > crate::publishing::MAX_BODY_BYTES
        {
            return Err(EditError::Invalid("The text is too large to keep.".into()));
        }
        let saved_at = OffsetDateTime::now_utc();
        let autosave = Autosave {
            post_id: id,
            user_id: user.id,
            title: title.to_string(),
            markdown: markdown.to_string(),
            saved_at,
        };
        self.store().put_autosave(&autosave).await?;
        Ok(saved_at)
    }

    /// A post's revisions, newest first, for a writer who may edit it.
    pub async fn revisions(&self, user: &User, kind: PostKind, id: PostId) -> Result<Vec<Revision>, EditError> {
        self.post_for_editor(user, kind, id).await?;
        Ok(self.store().revisions(id).await?)
    }

    /// One revision and the line diff from it to the post's current text (title line first).
    pub async fn revision_diff(
        &self,
        user: &User,
        kind: PostKind,
        id: PostId,
        revision: i64,
    ) -> Result<(Revision, Vec<DiffLine>), EditError> {
        let post = self.post_for_editor(user, kind, id).await?;
        let revision = self.store().revision(id, revision).await?.ok_or(EditError::NotFound)?;
        let old = format!("# {}\n\n{}", revision.title, revision.markdown);
        let new = format!("# {}\n\n{}", post.title, post.markdown);
        let diff = line_diff(&old, &new);
        Ok((revision, diff))
    }

    /// Brings a revision's title and text back as a new save of the post (other fields kept),
    /// refused like any save when the post changed since `version`.
    pub async fn restore_revision(
        &self,
        user: &User,
        kind: PostKind,
        id: PostId,
        revision: i64,
        version: &str,
    ) -> Result<Saved, EditError> {
        let post = self.post_for_editor(user, kind, id).await?;
        let revision = self.store().revision(id, revision).await?.ok_or(EditError::NotFound)?;
        let terms: Vec<_> = self.store().terms_of(&[id]).await?.into_iter().map(|(_, t)| t).collect();
        let view = EditorView::of_post(&post, &terms);
        let input = EditorInput {
            title: revision.title,
            slug: view.slug,
            markdown: revision.markdown,
            excerpt: revision.excerpt.unwrap_or_default(),
            tags: view.tags,
            categories: view.categories,
            featured_media: view.featured_media,
            content_warning: view.content_warning,
            comments_open: view.comments_open,
            publish_at: view.publish_at,
            version: version.to_string(),
            intent: Intent::Save,
        };
        self.save_from_editor(user, kind, Some(id), &input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_shows_as_deleted_then_inserted() {
        let diff = line_diff("one\ntwo\nthree\n", "one\n2\nthree\n");
        let changes: Vec<(&str, &str)> = diff.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(changes, vec![("equal", "one"), ("delete", "two"), ("insert", "2"), ("equal", "three")]);
    }
}
