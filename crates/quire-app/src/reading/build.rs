//! Building view models from stored posts: one batch of queries per list (terms, authors, comment
//! counts, featured media), never one per post.

use std::collections::HashMap;

use quire_core::{Comment, Page, Post, PostKind, TermKind, User, UserId};
use quire_store::{PostFilter, SNIPPET_MARK_END, SNIPPET_MARK_START};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::avatars::Avatars;
use crate::settings::SiteSettings;
use crate::{
    App, AuthorView, CommentFormView, CommentView, Error, LinkView, ListPage, MediaView, PaginationView, PostPage,
    PostView, TermView,
};

/// Stands for the form token in cached pages; replaced per request so every reader gets a fresh one.
pub const FORM_TOKEN_PLACEHOLDER: &str = "__QUIRE_FORM_TOKEN__";

/// Longest automatic excerpt, in characters.
const EXCERPT_CHARS: usize = 300;

/// RFC 3339 text of a time, to the second: HTML's `datetime` allows at most three fraction digits,
/// and nobody reads more than seconds.
pub(crate) fn iso(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0).unwrap_or(at).format(&Rfc3339).unwrap_or_default()
}

/// "January 1, 2020".
pub(crate) fn display_date(at: OffsetDateTime) -> String {
    at.format(format_description!("[month repr:long] [day padding:none], [year]")).unwrap_or_default()
}

/// "January 2, 2020 at 9:37 am".
fn display_date_time(at: OffsetDateTime) -> String {
    let time =
        at.format(format_description!("[hour repr:12 padding:none]:[minute] [period case:lower]")).unwrap_or_default();
    format!("{} at {time}", display_date(at))
}

/// Pagination links, given how to spell the path of page `n`.
pub(crate) fn pagination(
    number: u32,
    total_pages: u32,
    total_items: u64,
    path_of: impl Fn(u32) -> String,
) -> PaginationView {
    PaginationView {
        number,
        total_pages,
        total_items,
        previous_url: (number > 1).then(|| path_of(number - 1)),
        next_url: (number < total_pages).then(|| path_of(number + 1)),
    }
}

/// Turns a stored snippet (plain text with match marks) into safe HTML with `<mark>`.
pub(crate) fn snippet_html(snippet: &str) -> String {
    quire_content::escape_html(snippet).replace(SNIPPET_MARK_START, "<mark>").replace(SNIPPET_MARK_END, "</mark>")
}

impl App {
    /// The path of a public post or page under the site's permalink pattern.
    pub fn post_path(&self, post: &Post, settings: &SiteSettings) -> String {
        match (post.kind, post.published_at) {
            (PostKind::Page, _) => format!("/{}/", post.slug),
            (PostKind::Post, Some(at)) => settings.permalink_pattern().path_for(&post.slug, post.id.0, at.date()),
            (PostKind::Post, None) => format!("/?p={}", post.id),
        }
    }

    /// View models of `posts`, with their terms, authors, comment counts and featured images.
    pub(crate) async fn post_views(&self, posts: Vec<Post>) -> Result<Vec<PostView>, Error> {
        let settings = self.settings().await;
        let ids: Vec<_> = posts.iter().map(|p| p.id).collect();
        let mut terms: HashMap<_, Vec<quire_core::Term>> = HashMap::new();
        for (post, term) in self.store().terms_of(&ids).await? {
            terms.entry(post).or_default().push(term);
        }
        let counts: HashMap<_, _> = self.store().approved_comment_counts(&ids).await?.into_iter().collect();
        let media_ids: Vec<_> = posts.iter().filter_map(|p| p.featured_media_id).collect();
        let media: HashMap<_, _> =
            self.store().media_by_ids(&media_ids).await?.into_iter().map(|m| (m.id, m)).collect();
        let mut authors: HashMap<UserId, Option<User>> = HashMap::new();
        for post in &posts {
            if let std::collections::hash_map::Entry::Vacant(slot) = authors.entry(post.author_id) {
                slot.insert(self.store().user(post.author_id).await?);
            }
        }
        let base = self.config().site_url();
        Ok(posts
            .into_iter()
            .map(|post| {
                let url = self.post_path(&post, &settings);
                let term_views = |kind: TermKind| {
                    terms
                        .get(&post.id)
                        .map(|ts| {
                            ts.iter()
                                .filter(|t| t.kind == kind)
                                .map(|t| TermView { name: t.name.clone(), slug: t.slug.clone(), url: t.path() })
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let author = match authors.get(&post.author_id).and_then(Option::as_ref) {
                    Some(u) => AuthorView { name: u.name.clone(), slug: u.slug.clone(), url: u.path() },
                    None => AuthorView { name: "Unknown author".into(), slug: String::new(), url: "/".into() },
                };
                let published = post.published_at.unwrap_or(post.created_at);
                PostView {
                    kind: post.kind.to_string(),
                    absolute_url: format!("{base}{url}"),
                    url,
                    published_iso: iso(published),
                    published_display: display_date(published),
                    updated_iso: iso(post.updated_at),
                    author,
                    excerpt: post
                        .excerpt
                        .clone()
                        .filter(|e| !e.trim().is_empty())
                        .unwrap_or_else(|| quire_content::excerpt(&post.text, EXCERPT_CHARS)),
                    reading_minutes: quire_content::reading_minutes(post.word_count as usize),
                    word_count: post.word_count,
                    tags: term_views(TermKind::Tag),
                    categories: term_views(TermKind::Category),
                    comment_count: counts.get(&post.id).copied().unwrap_or(0),
                    comments_open: post.discussion == quire_core::Discussion::Open,
                    featured: post.featured_media_id.and_then(|id| media.get(&id)).map(|m| MediaView {
                        url: m.path(),
                        width: m.width,
                        height: m.height,
                        alt: m.alt.clone(),
                        mime: m.mime.clone(),
                    }),
                    reviewed_item: post.reviewed_item,
                    id: post.id.0,
                    title: post.title,
                    slug: post.slug,
                    html: post.html,
                    content_warning: post.content_warning.filter(|w| !w.trim().is_empty()),
                }
            })
            .collect())
    }

    /// One page of a post list.
    pub(crate) async fn list(
        &self,
        kind: &str,
        heading: Option<String>,
        description: Option<String>,
        mut filter: PostFilter,
        base: &str,
        page: u32,
    ) -> Result<ListPage, Error> {
        let settings = self.settings().await;
        filter.now = Some(OffsetDateTime::now_utc());
        let posts =
            self.lag_tolerant_store().await.public_posts(&filter, Page::new(page, settings.posts_per_page)).await?;
        if posts.is_past_end() && page > 1 {
            return Err(Error::NotFound);
        }
        let base_url = base.to_string();
        let pagination = pagination(posts.number, posts.total_pages(), posts.total, |n| {
            if n == 1 { base_url.clone() } else { format!("{base_url}page/{n}/") }
        });
        Ok(ListPage {
            kind: kind.to_string(),
            heading,
            description,
            posts: self.post_views(posts.items).await?,
            snippets: Vec::new(),
            pagination,
            base_url: base.to_string(),
            feed_url: None,
            query: None,
        })
    }

    /// A post or page with its neighbours and approved comments.
    pub(crate) async fn post_page(&self, post: Post, comment_page: u32) -> Result<PostPage, Error> {
        let now = OffsetDateTime::now_utc();
        let settings = self.settings().await;
        let adjacent = match post.kind {
            PostKind::Post => self.store().adjacent_posts(&post, now).await?,
            PostKind::Page => Default::default(),
        };
        let link = |p: &Post| LinkView { title: p.title.clone(), url: self.post_path(p, &settings) };
        let previous = adjacent.previous.as_ref().map(link);
        let next = adjacent.next.as_ref().map(link);
        let author = post.author_id;
        let path = self.post_path(&post, &settings);
        let per_page = settings.comment_threads_per_page;
        let (comments, comment_pagination, last_comment_page) = if per_page == 0 {
            if comment_page > 1 {
                return Err(Error::NotFound);
            }
            (self.store().approved_comments(post.id).await?, None, true)
        } else {
            let threads = self.store().approved_thread_page(post.id, Page::new(comment_page, per_page)).await?;
            if threads.is_past_end() && comment_page > 1 {
                return Err(Error::NotFound);
            }
            let pages = threads.total_pages();
            let links = (pages > 1).then(|| {
                pagination(threads.number, pages, threads.total, |n| super::comment_page_path(&path, n) + "#comments")
            });
            (threads.items, links, threads.number >= pages)
        };
        let open = quire_core::policy::closed_reason(post.discussion, post.published_at, now, &settings.comment_policy)
            .is_none();
        let form = open.then(|| CommentFormView {
            action: "/comments".into(),
            post_id: post.id.0,
            token: FORM_TOKEN_PLACEHOLDER.into(),
            reply_to: None,
            values: Default::default(),
            errors: Default::default(),
            message: None,
            guest: None,
            require_email: settings.comment_policy.require_email,
            proof_of_work_bits: crate::comments::proof_of_work::effective_bits(
                settings.comment_policy.proof_of_work_bits,
            ),
        });
        let view = self.post_views(vec![post]).await?.pop().ok_or(Error::NotFound)?;
        Ok(PostPage {
            form,
            comments: comments
                .iter()
                .map(|c| comment_view(c, author, settings.comment_policy.max_depth, &self.avatars(&settings)))
                .collect(),
            comment_pagination,
            last_comment_page,
            comments_feed_url: format!("{}{path}feed/", self.config().site_url()),
            post: view,
            previous,
            next,
        })
    }
}

/// A comment as the thread shows it.
pub fn comment_view(c: &Comment, post_author: UserId, max_depth: usize, avatars: &Avatars<'_>) -> CommentView {
    CommentView {
        avatar_url: avatars.url(c.author_email.as_deref(), &c.author_name),
        id: c.id.0,
        anchor: format!("comment-{}", c.id),
        parent_id: c.parent_id.map(|p| p.0),
        depth: c.depth().min(max_depth.saturating_sub(1)),
        author_name: c.author_name.clone(),
        author_url: c.author_url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        created_iso: iso(c.created_at),
        created_display: display_date_time(c.created_at),
        html: c.html.clone(),
        by_post_author: c.user_id == Some(post_author),
        // Only its writer ever sees a comment marked as spam, and sees it as any held comment.
        pending: matches!(c.status, quire_core::CommentStatus::Pending | quire_core::CommentStatus::Spam),
        editable: false,
        path: c.path.clone(),
    }
}
