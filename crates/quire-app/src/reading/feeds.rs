//! Feed view models: the site's posts, a term's posts, and approved comments (site-wide or of one
//! post). Content is the full post with absolute URLs; a content warning leads the entry.

use quire_core::{Page, PermalinkMatch, TermKind};
use quire_store::PostFilter;
use time::OffsetDateTime;

use super::build::{comment_view, iso};
use crate::{App, Error, FeedItem, FeedView};

/// Which syntax a feed is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

/// Whose entries a feed carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedScope {
    /// Every public post.
    Site,
    /// Posts with one term.
    Term(TermKind, String),
    /// Approved comments on every public post.
    Comments,
    /// Approved comments on one post.
    PostComments(PermalinkMatch),
}

impl App {
    /// The feed of `scope`; `path` is the feed's own path (for its self link).
    pub async fn feed(&self, scope: FeedScope, path: &str) -> Result<FeedView, Error> {
        let settings = self.settings().await;
        let base = self.config().site_url();
        let now = OffsetDateTime::now_utc();
        let page = Page::new(1, settings.feed_items);
        let (title, description, home, items) = match scope {
            FeedScope::Site | FeedScope::Term(..) => {
                let (title, home, filter) = match &scope {
                    FeedScope::Term(kind, slug) => {
                        let term = self.store().term_by_slug(*kind, slug).await?.ok_or(Error::NotFound)?;
                        (
                            format!("{} – {}", settings.title, term.name),
                            term.path(),
                            PostFilter { term: Some(term.id), now: Some(now), ..Default::default() },
                        )
                    }
                    _ => (settings.title.clone(), "/".to_string(), PostFilter { now: Some(now), ..Default::default() }),
                };
                let posts = self.lag_tolerant_store().await.public_posts(&filter, page).await?;
                let views = self.post_views(posts.items).await?;
                let items = views
                    .into_iter()
                    .map(|p| {
                        let warning = p
                            .content_warning
                            .as_ref()
                            .map(|w| {
                                format!("<p><strong>Content warning: {}</strong></p>\n", quire_content::escape_html(w))
                            })
                            .unwrap_or_default();
                        let summary = match &p.content_warning {
                            Some(w) => format!("Content warning: {w}. {}", p.excerpt),
                            None => p.excerpt.clone(),
                        };
                        FeedItem {
                            id: p.absolute_url.clone(),
                            title: p.title.clone(),
                            url: p.absolute_url.clone(),
                            html: quire_content::absolutize_urls(&format!("{warning}{}", p.html), &base),
                            summary,
                            author: p.author.name.clone(),
                            published_iso: p.published_iso.clone(),
                            updated_iso: p.updated_iso.clone(),
                            categories: p.categories.iter().chain(&p.tags).map(|t| t.name.clone()).collect(),
                        }
                    })
                    .collect();
                (title, settings.tagline.clone(), home, items)
            }
            FeedScope::Comments => {
                let recent = self.store().recent_public_comments(now, page.limit()).await?;
                let mut items = Vec::new();
                for (comment, post) in recent {
                    let url = format!("{base}{}", self.comment_path(&post, &comment).await?);
                    items.push(comment_item(
                        &comment,
                        &post.title,
                        url,
                        post.author_id,
                        &base,
                        &self.avatars(&settings),
                    ));
                }
                (format!("Comments for {}", settings.title), settings.tagline.clone(), "/".to_string(), items)
            }
            FeedScope::PostComments(found) => {
                let post = self.public_post_at(&found, now).await?;
                let post_path = self.post_path(&post, &settings);
                let mut comments = self.store().approved_comments(post.id).await?;
                comments.sort_by_key(|c| std::cmp::Reverse(c.created_at));
                comments.truncate(usize::try_from(page.limit()).unwrap_or(20));
                let mut items = Vec::with_capacity(comments.len());
                for comment in &comments {
                    let url = format!("{base}{}", self.comment_path(&post, comment).await?);
                    items.push(comment_item(
                        comment,
                        &post.title,
                        url,
                        post.author_id,
                        &base,
                        &self.avatars(&settings),
                    ));
                }
                (format!("Comments on: {}", post.title), settings.tagline.clone(), post_path, items)
            }
        };
        let updated = items.iter().map(|i: &FeedItem| i.updated_iso.clone()).max().unwrap_or_else(|| iso(now));
        Ok(FeedView {
            title,
            description,
            home_url: format!("{base}{home}"),
            self_url: format!("{base}{path}"),
            updated_iso: updated,
            language: settings.language.clone(),
            items,
        })
    }
}

fn comment_item(
    c: &quire_core::Comment,
    post_title: &str,
    url: String,
    post_author: quire_core::UserId,
    base: &str,
    avatars: &crate::avatars::Avatars<'_>,
) -> FeedItem {
    let view = comment_view(c, post_author, usize::MAX, avatars);
    FeedItem {
        id: url.clone(),
        title: format!("Comment on {post_title} by {}", view.author_name),
        url,
        html: quire_content::absolutize_urls(&view.html, base),
        summary: quire_content::excerpt(&quire_content::html_to_text(&view.html), 300),
        author: view.author_name,
        published_iso: view.created_iso.clone(),
        updated_iso: view.created_iso,
        categories: Vec::new(),
    }
}
