//! The admin editor's use cases: writing, saving and publishing posts and pages under the role
//! table ([`quire_core::Role::can`]), with saves that never overwrite someone else's newer save,
//! a revision per save, autosaves, private preview links and scheduled publishing.

mod form;
pub mod preview;
pub mod revisions;
pub mod schedule;

pub use form::{AutosaveOffer, EditorInput, EditorView, Intent, parse_version, version_of};

/// The version string an editor form carries for `post`.
pub fn form_version(post: &Post) -> String {
    version_of(post.updated_at)
}

use quire_core::{Action, Ownership, Page, Paged, Post, PostId, PostKind, PostStatus, TermKind, User};
use quire_store::{NewRevision, PostEdit, SaveOutcome, StaffPostFilter, StoreError, TermRef};
use time::OffsetDateTime;

use crate::publishing::{MAX_BODY_BYTES, MAX_TITLE_CHARS};
use crate::{App, Error};

/// Posts per page of the admin lists.
pub const STAFF_PER_PAGE: u32 = 30;

/// Why an editor action was refused. Each variant but `Internal` is something the writer is told,
/// with what they typed kept in the form.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The writer's role does not allow this on this post.
    #[error("Your role does not allow this. Ask an editor if you need it.")]
    Forbidden,
    /// No such post (or page).
    #[error("There is no such post.")]
    NotFound,
    /// The input was refused; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// Another post (or page) already has the slug.
    #[error("The slug “{0}” is already used by another post. Choose another one.")]
    SlugTaken(String),
    /// Someone saved the post after the writer opened it; here is what they saved.
    #[error("Someone else saved this post after you opened it. Nothing was overwritten: choose which text to keep.")]
    Stale(Box<Post>),
    /// Anything else; logged, never shown.
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<StoreError> for EditError {
    fn from(e: StoreError) -> Self {
        EditError::Internal(Error::from(e))
    }
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// The post.
    pub id: PostId,
    /// Its status now.
    pub status: PostStatus,
}

/// A staff list of posts or pages with the counts of each status.
#[derive(Debug)]
pub struct StaffList {
    /// This page of posts.
    pub posts: Paged<Post>,
    /// How many are in each status (of those the writer may see).
    pub counts: Vec<(PostStatus, u64)>,
}

/// Whose post it is, from the acting writer's point of view.
pub(crate) fn ownership(user: &User, post: &Post) -> Ownership {
    if post.author_id == user.id { Ownership::Own } else { Ownership::Others }
}

/// Refuses unless `user` may do `action` with `ownership`.
pub(crate) fn require(user: &User, action: Action, ownership: Ownership) -> Result<(), EditError> {
    if user.role.can(action, ownership) {
        Ok(())
    } else {
        tracing::info!(user_id = %user.id, action = %action, "editor action refused by role");
        Err(EditError::Forbidden)
    }
}

/// Whether a status shows (or will show) the post to readers: changing it takes `PublishPosts`.
fn is_public_status(status: PostStatus) -> bool {
    matches!(status, PostStatus::Published | PostStatus::Scheduled | PostStatus::Private)
}

/// Splits "a, b ,c" into names, dropping empty and repeated ones (by slug).
fn term_names(list: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut names = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let slug = quire_core::slug::slugify(name);
        if !slug.is_empty() && !seen.contains(&slug) {
            seen.push(slug);
            names.push(name.to_string());
        }
    }
    names
}

fn term_refs(kind: TermKind, names: &[String]) -> Vec<TermRef> {
    names
        .iter()
        .map(|name| TermRef { kind, slug: quire_core::slug::slugify(name), name: name.trim().to_string() })
        .filter(|t| !t.slug.is_empty())
        .collect()
}

impl App {
    /// The admin list of posts or pages: one status (or all but trash), only the writer's own
    /// when their role may not edit others' posts.
    pub async fn staff_posts(
        &self,
        user: &User,
        kind: PostKind,
        status: Option<PostStatus>,
        page: u32,
    ) -> Result<StaffList, EditError> {
        let author = (!user.role.may(Action::EditPosts)).then_some(user.id);
        let filter = StaffPostFilter { kind, status, author };
        let posts = self.store().staff_posts(&filter, Page::new(page, STAFF_PER_PAGE)).await?;
        let counts = self.store().post_status_counts(kind, author).await?;
        Ok(StaffList { posts, counts })
    }

    /// A post the writer may open in the editor (of `kind`), or why not.
    pub async fn post_for_editor(&self, user: &User, kind: PostKind, id: PostId) -> Result<Post, EditError> {
        let post = self.store().post(id).await?.filter(|p| p.kind == kind).ok_or(EditError::NotFound)?;
        require(user, Action::EditPosts, ownership(user, &post))?;
        Ok(post)
    }

    /// Saves what the editor sent: a new post when `id` is `None`, else an edit of the post the
    /// writer opened at `input.version`. The role decides: a contributor can save and submit for
    /// review, never publish, schedule or change a public post (`Action::PublishPosts`).
    pub async fn save_from_editor(
        &self,
        user: &User,
        kind: PostKind,
        id: Option<PostId>,
        input: &EditorInput,
    ) -> Result<Saved, EditError> {
        let now = OffsetDateTime::now_utc();
        let current = match id {
            Some(id) => Some(self.post_for_editor(user, kind, id).await?),
            None => {
                require(user, Action::CreateDrafts, Ownership::Own)?;
                None
            }
        };
        let own = current.as_ref().map_or(Ownership::Own, |p| ownership(user, p));
        let was = current.as_ref().map(|p| p.status);
        let status = match input.intent {
            Intent::Save => was.unwrap_or(PostStatus::Draft),
            Intent::Submit => PostStatus::Pending,
            Intent::Publish => PostStatus::Published,
            Intent::Schedule => PostStatus::Scheduled,
            Intent::Unpublish => PostStatus::Draft,
        };
        if is_public_status(status) || was.is_some_and(is_public_status) {
            require(user, Action::PublishPosts, own)?;
        }
        let title = input.title.trim().to_string();
        check_text(&title, &input.markdown)?;
        let published_at = match input.intent {
            Intent::Schedule => {
                let at = input.publish_time()?.ok_or_else(|| {
                    EditError::Invalid(
                        "Choose the date and time to publish at, or press Publish to publish now.".into(),
                    )
                })?;
                if at <= now {
                    return Err(EditError::Invalid(
                        "That time has already passed. Choose a time in the future, or press Publish to publish now."
                            .into(),
                    ));
                }
                Some(at)
            }
            Intent::Publish => match current.as_ref() {
                // Publishing again keeps the original date (and so the permalink).
                Some(p) if p.status == PostStatus::Published && p.published_at.is_some() => p.published_at,
                _ => Some(now),
            },
            _ => current.as_ref().and_then(|p| p.published_at),
        };
        let slug = self.free_slug_for(kind, id, &title, &input.slug).await?;
        let featured_media_id = self.featured_media(&input.featured_media).await?;
        let tags = term_names(&input.tags);
        let categories = term_names(&input.categories);
        let excerpt = Some(input.excerpt.trim().to_string()).filter(|e| !e.is_empty());
        let content_warning = Some(input.content_warning.trim().to_string()).filter(|w| !w.is_empty());
        let discussion =
            if input.comments_open { quire_core::Discussion::Open } else { quire_core::Discussion::Closed };
        let Some(current) = current else {
            let draft = crate::publishing::Draft {
                kind,
                status,
                title: title.clone(),
                slug: Some(slug.clone()),
                markdown: input.markdown.clone(),
                excerpt: excerpt.clone(),
                content_warning,
                published_at,
                discussion,
                tags,
                categories,
                featured_media_id,
                reviewed_item: None,
            };
            let id = self.create_post(user.id, draft).await.map_err(|e| match e {
                Error::Conflict(_) => EditError::SlugTaken(slug.clone()),
                Error::Invalid(message) => EditError::Invalid(message),
                other => EditError::Internal(other),
            })?;
            let revision =
                NewRevision { post_id: id, author_id: user.id, title, markdown: input.markdown.clone(), excerpt };
            self.store().add_revision(&revision).await?;
            tracing::info!(post_id = %id, status = %status, "post created in the editor");
            return Ok(Saved { id, status });
        };
        let expected = input.opened_version()?;
        let rendered = self.render_markdown(&input.markdown).await?;
        let mut terms = term_refs(TermKind::Category, &categories);
        terms.extend(term_refs(TermKind::Tag, &tags));
        let edit = PostEdit {
            status,
            slug: slug.clone(),
            title,
            markdown: input.markdown.clone(),
            html: rendered.html,
            text: rendered.text,
            word_count: u32::try_from(rendered.word_count).unwrap_or(u32::MAX),
            excerpt,
            content_warning,
            featured_media_id,
            published_at,
            discussion,
            terms,
            expected,
            editor: user.id,
        };
        match self.store().save_post(current.id, &edit).await {
            Ok(SaveOutcome::Saved(_)) => {}
            Ok(SaveOutcome::Stale) => {
                let newer = self.store().post(current.id).await?.ok_or(EditError::NotFound)?;
                return Err(EditError::Stale(Box::new(newer)));
            }
            Err(StoreError::Conflict(_)) => return Err(EditError::SlugTaken(slug)),
            Err(StoreError::NotFound(_)) => return Err(EditError::NotFound),
            Err(e) => return Err(e.into()),
        }
        self.refresh().await?;
        tracing::info!(post_id = %current.id, status = %status, "post saved in the editor");
        Ok(Saved { id: current.id, status })
    }

    /// Moves a post to the trash (restorable); trashing a public post takes `PublishPosts`.
    pub async fn trash_post(&self, user: &User, kind: PostKind, id: PostId) -> Result<(), EditError> {
        let post = self.post_for_editor(user, kind, id).await?;
        if is_public_status(post.status) {
            require(user, Action::PublishPosts, ownership(user, &post))?;
        }
        self.store().set_post_status(id, PostStatus::Trash, None).await?;
        self.refresh().await?;
        Ok(())
    }

    /// Takes a post out of the trash as a draft (a post not in the trash is left as it is).
    pub async fn restore_post(&self, user: &User, kind: PostKind, id: PostId) -> Result<(), EditError> {
        let post = self.post_for_editor(user, kind, id).await?;
        if post.status != PostStatus::Trash {
            // Restored already (a second click, another tab): nothing to do.
            return Ok(());
        }
        self.store().set_post_status(id, PostStatus::Draft, None).await?;
        self.refresh().await?;
        Ok(())
    }

    /// Markdown rendered exactly as the site renders a post, for the editor's live preview.
    pub async fn preview_html(&self, markdown: &str) -> Result<String, EditError> {
        if markdown.len() > MAX_BODY_BYTES {
            return Err(EditError::Invalid(format!("The body is larger than {} KiB.", MAX_BODY_BYTES / 1024)));
        }
        Ok(self.render_markdown(markdown).await?.html)
    }

    /// The slug to store: the one typed (checked, and free), or one made from the title that no
    /// other post of the kind has (`title-2`, `title-3`…).
    async fn free_slug_for(
        &self,
        kind: PostKind,
        id: Option<PostId>,
        title: &str,
        typed: &str,
    ) -> Result<String, EditError> {
        let typed = typed.trim();
        let taken_by_other = |found: Option<Post>| found.is_some_and(|p| Some(p.id) != id);
        if !typed.is_empty() {
            if !quire_core::slug::is_valid_slug(typed) {
                return Err(EditError::Invalid(format!(
                    "“{typed}” is not a valid slug: use lowercase letters, digits and hyphens."
                )));
            }
            if taken_by_other(self.store().post_by_slug(kind, typed).await?) {
                return Err(EditError::SlugTaken(typed.to_string()));
            }
            return Ok(typed.to_string());
        }
        let base = quire_core::slug::slugify(title);
        if base.is_empty() {
            return Err(EditError::Invalid("The title gives no usable slug; type one in the Slug field.".into()));
        }
        for n in 1..100 {
            let candidate = if n == 1 { base.clone() } else { format!("{base}-{n}") };
            if !taken_by_other(self.store().post_by_slug(kind, &candidate).await?) {
                return Ok(candidate);
            }
        }
        Err(EditError::SlugTaken(base))
    }

    /// The featured image named by its media id, checked to exist.
    async fn featured_media(&self, typed: &str) -> Result<Option<quire_core::MediaId>, EditError> {
        let typed = typed.trim().trim_start_matches("media:");
        if typed.is_empty() {
            return Ok(None);
        }
        let id = typed.parse::<i64>().map(quire_core::MediaId).map_err(|_| {
            EditError::Invalid(format!("“{typed}” is not a media id (a number from the media library)."))
        })?;
        if self.store().media_by_ids(&[id]).await?.is_empty() {
            return Err(EditError::Invalid(format!("There is no item {} in the media library.", id.0)));
        }
        Ok(Some(id))
    }
}

/// Refuses an empty or oversized title and an oversized body.
fn check_text(title: &str, markdown: &str) -> Result<(), EditError> {
    if title.is_empty() {
        return Err(EditError::Invalid("A title is required.".into()));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(EditError::Invalid(format!("The title is longer than {MAX_TITLE_CHARS} characters.")));
    }
    if markdown.len() > MAX_BODY_BYTES {
        return Err(EditError::Invalid(format!("The body is larger than {} KiB.", MAX_BODY_BYTES / 1024)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_lists_are_split_trimmed_and_deduplicated() {
        assert_eq!(term_names(" Books, novels ,,books, Ishiguro "), vec!["Books", "novels", "Ishiguro"]);
        assert!(term_names(" , ").is_empty());
    }
}
