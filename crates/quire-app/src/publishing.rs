//! Publishing: a writer's Markdown becomes a stored post, rendered once at save time with the
//! media library's captions and credits, so that reads never render.

use std::collections::HashMap;

use quire_content::{MediaInfo, MediaLookup};
use quire_core::{Discussion, MediaId, PostId, PostKind, PostStatus, TermKind, UserId};
use quire_store::{NewPost, TermRef};
use time::OffsetDateTime;

use crate::{App, Error};

/// Longest title accepted.
pub const MAX_TITLE_CHARS: usize = 300;
/// Largest Markdown body accepted (bytes).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A post or page as a writer hands it in.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Post or page.
    pub kind: PostKind,
    /// Target status.
    pub status: PostStatus,
    /// Title.
    pub title: String,
    /// Slug; made from the title when absent.
    pub slug: Option<String>,
    /// Markdown body.
    pub markdown: String,
    /// Hand-written excerpt.
    pub excerpt: Option<String>,
    /// Content warning.
    pub content_warning: Option<String>,
    /// Publication time (now when publishing without one).
    pub published_at: Option<OffsetDateTime>,
    /// Comments open or closed.
    pub discussion: Discussion,
    /// Tag names.
    pub tags: Vec<String>,
    /// Category names.
    pub categories: Vec<String>,
    /// Featured image.
    pub featured_media_id: Option<MediaId>,
    /// The work reviewed, if the post is a review.
    pub reviewed_item: Option<quire_core::ReviewedItem>,
}

/// Media referenced by a document, preloaded so that rendering stays pure.
struct MediaMap(HashMap<i64, MediaInfo>);

impl MediaLookup for MediaMap {
    fn media(&self, id: i64) -> Option<MediaInfo> {
        self.0.get(&id).cloned()
    }
}

/// Ids written as `media:ID` in a Markdown source (a superset is fine: unused ones are ignored).
pub(crate) fn referenced_media(markdown: &str) -> Vec<MediaId> {
    let mut ids: Vec<MediaId> = markdown
        .match_indices("media:")
        .filter_map(|(at, m)| {
            let digits: String =
                markdown.get(at + m.len()..)?.chars().take_while(char::is_ascii_digit).take(18).collect();
            digits.parse().ok().map(MediaId)
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// An item's variants for the renderer, WebP before the original's format at each width.
fn webp_first(variants: &[quire_core::MediaVariant]) -> Vec<quire_content::MediaVariant> {
    let mut out: Vec<quire_content::MediaVariant> = variants
        .iter()
        .map(|v| quire_content::MediaVariant { url: v.path(), width: v.width, mime: v.mime.clone() })
        .collect();
    out.sort_by_key(|v| (v.width, v.mime != "image/webp"));
    out
}

impl App {
    /// Renders Markdown in the post dialect against the media library.
    pub async fn render_markdown(&self, markdown: &str) -> Result<quire_content::Rendered, Error> {
        let media = self.store().media_by_ids(&referenced_media(markdown)).await?;
        let map = MediaMap(
            media
                .into_iter()
                .map(|m| {
                    let info = MediaInfo {
                        url: m.path(),
                        mime: m.mime.clone(),
                        width: m.width,
                        height: m.height,
                        alt: m.alt.clone(),
                        caption: m.caption.clone(),
                        credit: m.credit.clone(),
                        licence: m.licence.clone(),
                        // WebP first: for each width `srcset` keeps the first copy listed.
                        variants: webp_first(&m.variants),
                    };
                    (m.id.0, info)
                })
                .collect(),
        );
        Ok(quire_content::render_post(markdown, &map))
    }

    /// Validates, renders and stores a new post or page.
    pub async fn create_post(&self, author: UserId, draft: Draft) -> Result<PostId, Error> {
        let title = draft.title.trim().to_string();
        if title.is_empty() {
            return Err(Error::Invalid("a title is required".into()));
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(Error::Invalid(format!("the title is longer than {MAX_TITLE_CHARS} characters")));
        }
        if draft.markdown.len() > MAX_BODY_BYTES {
            return Err(Error::Invalid(format!("the body is larger than {} KiB", MAX_BODY_BYTES / 1024)));
        }
        let slug = match draft.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if quire_core::slug::is_valid_slug(s) => s.to_string(),
            Some(s) => {
                return Err(Error::Invalid(format!(
                    "{s:?} is not a valid slug (lowercase letters, digits and hyphens)"
                )));
            }
            None => quire_core::slug::slugify(&title),
        };
        if slug.is_empty() {
            return Err(Error::Invalid("the title gives no usable slug; set one".into()));
        }
        let rendered = self.render_markdown(&draft.markdown).await?;
        let published_at = match draft.status {
            PostStatus::Published | PostStatus::Scheduled => {
                Some(draft.published_at.unwrap_or_else(OffsetDateTime::now_utc))
            }
            _ => draft.published_at,
        };
        let term = |kind: TermKind| {
            move |name: &String| {
                let slug = quire_core::slug::slugify(name);
                (!slug.is_empty()).then(|| TermRef { kind, slug, name: name.trim().to_string() })
            }
        };
        let terms = draft
            .categories
            .iter()
            .filter_map(term(TermKind::Category))
            .chain(draft.tags.iter().filter_map(term(TermKind::Tag)))
            .collect();
        let id = self
            .store()
            .create_post(&NewPost {
                kind: draft.kind,
                status: draft.status,
                slug,
                title,
                markdown: draft.markdown,
                html: rendered.html,
                word_count: u32::try_from(rendered.word_count).unwrap_or(u32::MAX),
                text: rendered.text,
                excerpt: draft.excerpt.filter(|e| !e.trim().is_empty()),
                content_warning: draft.content_warning.filter(|w| !w.trim().is_empty()),
                featured_media_id: draft.featured_media_id,
                author_id: author,
                published_at,
                discussion: draft.discussion,
                terms,
                reviewed_item: draft.reviewed_item,
            })
            .await?;
        self.refresh().await?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_references_are_found_once_each() {
        let ids = referenced_media("![](media:3)\n\ntext media:12 and ![x](media:3) media:");
        assert_eq!(ids, vec![MediaId(3), MediaId(12)]);
    }
}
