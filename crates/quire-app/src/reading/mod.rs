//! The reading side: turning a public URL into the view model of what lives there. The URL
//! scheme is WordPress's (DESIGN.md §3) so that imported sites keep their links.

mod build;
mod feeds;
mod route;

pub use build::{FORM_TOKEN_PLACEHOLDER, comment_view};
pub use feeds::{FeedFormat, FeedScope};
pub use route::Route;

use quire_core::{Page, PermalinkMatch, Post, PostKind, SearchQuery, TermKind};
use quire_store::PostFilter;
use time::{Date, Month, OffsetDateTime, Time};

use crate::{App, Error, FeedView, LinkView, ListPage, MonthView, PostPage, SiteView, SitemapEntry};

/// The query-string parameters a public page understands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderQuery {
    /// `q` (or WordPress's `s`): a search.
    pub search: Option<String>,
    /// `page`: page of search results.
    pub page: Option<u32>,
    /// `replytocom`: the comment the form should answer (WordPress's no-JavaScript reply link).
    pub reply_to: Option<i64>,
    /// `p=N` or `page_id=N`: a WordPress address from before pretty permalinks (e.g. `p=19`),
    /// answered with the redirect an import recorded for it.
    pub old_address: Option<String>,
}

/// What a public URL turned out to be.
#[derive(Debug)]
pub enum Resolved {
    /// A post or page.
    Post(Box<PostPage>),
    /// A list of posts (home, archive, search).
    List(Box<ListPage>),
    /// A feed in one of the formats.
    Feed(Box<FeedView>, FeedFormat),
    /// The content lives elsewhere now (301).
    MovedTo(String),
}

impl App {
    /// Resolves a public path (with the reader's query-string parameters) to its content.
    pub async fn resolve(&self, path: &str, query: &ReaderQuery) -> Result<Resolved, Error> {
        if let Some(old) = &query.old_address
            && let Some(to) = self.store().redirect(&format!("{path}?{old}")).await?
        {
            return Ok(Resolved::MovedTo(to));
        }
        let search = query.search.as_deref();
        let settings = self.settings().await;
        let route = Route::parse(path, &settings.permalink_pattern());
        let now = OffsetDateTime::now_utc();
        let resolved = match route {
            Route::Home { page } => match search {
                Some(q) => Resolved::List(Box::new(self.search(q, query.page.unwrap_or(page)).await?)),
                None => {
                    Resolved::List(Box::new(self.list("home", None, None, PostFilter::default(), "/", page).await?))
                }
            },
            Route::Search { page } => {
                Resolved::List(Box::new(self.search(search.unwrap_or_default(), query.page.unwrap_or(page)).await?))
            }
            Route::Term { kind, slug, page } => {
                let term = self.store().term_by_slug(kind, &slug).await?.ok_or(Error::NotFound)?;
                let label = match kind {
                    TermKind::Category => "Category",
                    TermKind::Tag => "Tag",
                };
                let filter = PostFilter { term: Some(term.id), ..Default::default() };
                let mut list = self
                    .list(
                        kind.as_str(),
                        Some(format!("{label}: {}", term.name)),
                        term.description.clone(),
                        filter,
                        &term.path(),
                        page,
                    )
                    .await?;
                list.feed_url = Some(format!("{}{}feed/", self.config().site_url(), term.path()));
                Resolved::List(Box::new(list))
            }
            Route::Author { slug, page } => {
                let user = self.store().user_by_slug(&slug).await?.ok_or(Error::NotFound)?;
                let filter = PostFilter { author: Some(user.id), ..Default::default() };
                let heading = Some(format!("Author: {}", user.name));
                Resolved::List(Box::new(
                    self.list("author", heading, user.bio.clone(), filter, &user.path(), page).await?,
                ))
            }
            Route::Date { year, month, page } => {
                let (from, until, heading, base) = date_range(year, month).ok_or(Error::NotFound)?;
                let filter = PostFilter { published_between: Some((from, until)), ..Default::default() };
                Resolved::List(Box::new(self.list("date", Some(heading), None, filter, &base, page).await?))
            }
            Route::Permalink(found, comment_page) => {
                let post = self.public_post_at(&found, now).await?;
                let canonical = comment_page_path(&self.post_path(&post, &settings), comment_page);
                if canonical.trim_end_matches('/') != path.trim_end_matches('/') {
                    return Ok(Resolved::MovedTo(canonical));
                }
                Resolved::Post(Box::new(self.post_page(post, comment_page).await?))
            }
            Route::Single { slug, comment_page } => {
                if let Some(page) =
                    self.store().post_by_slug(PostKind::Page, &slug).await?.filter(|p| p.is_public_at(now))
                {
                    let canonical = comment_page_path(&self.post_path(&page, &settings), comment_page);
                    if canonical.trim_end_matches('/') != path.trim_end_matches('/') {
                        return Ok(Resolved::MovedTo(canonical));
                    }
                    Resolved::Post(Box::new(self.post_page(page, comment_page).await?))
                } else if let Some(post) =
                    self.store().post_by_slug(PostKind::Post, &slug).await?.filter(|p| p.is_public_at(now))
                {
                    Resolved::MovedTo(self.post_path(&post, &settings))
                } else {
                    return self.recorded_redirect(path).await;
                }
            }
            Route::Feed { scope, format } => Resolved::Feed(Box::new(self.feed(scope, path).await?), format),
            Route::Unknown => return self.recorded_redirect(path).await,
        };
        Ok(resolved)
    }

    /// The path of a comment inside its post: the comment page holding its thread, and its anchor.
    pub async fn comment_path(&self, post: &Post, comment: &quire_core::Comment) -> Result<String, Error> {
        let settings = self.settings().await;
        let per_page = settings.comment_threads_per_page;
        let post_path = self.post_path(post, &settings);
        let page = if per_page == 0 {
            1
        } else {
            let before = self.store().approved_threads_before(post.id, &comment.path).await?;
            u32::try_from(before / u64::from(per_page) + 1).unwrap_or(u32::MAX)
        };
        Ok(format!("{}#comment-{}", comment_page_path(&post_path, page), comment.id))
    }

    /// The public post a permalink names (by slug or id), or not found.
    pub(crate) async fn public_post_at(&self, found: &PermalinkMatch, now: OffsetDateTime) -> Result<Post, Error> {
        let post = match (&found.slug, found.id) {
            (Some(slug), _) => self.store().post_by_slug(PostKind::Post, slug).await?,
            (None, Some(id)) => self.store().post(quire_core::PostId(id)).await?,
            (None, None) => None,
        };
        post.filter(|p| p.is_public_at(now)).ok_or(Error::NotFound)
    }

    async fn recorded_redirect(&self, path: &str) -> Result<Resolved, Error> {
        match self.store().redirect(path).await? {
            Some(to) => Ok(Resolved::MovedTo(to)),
            None => Err(Error::NotFound),
        }
    }

    /// Search results for what a reader typed; an empty query shows an empty result page.
    pub async fn search(&self, input: &str, page: u32) -> Result<ListPage, Error> {
        let settings = self.settings().await;
        let query = SearchQuery::parse(input);
        let page = Page::new(page, settings.posts_per_page);
        let hits = self.lag_tolerant_store().await.search(&query, OffsetDateTime::now_utc(), page).await?;
        let base = format!("/search?q={}", url_encode(input));
        let pagination = build::pagination(hits.number, hits.total_pages(), hits.total, |n| {
            if n == 1 { base.clone() } else { format!("{base}&page={n}") }
        });
        let (posts, snippets): (Vec<_>, Vec<_>) = hits.items.into_iter().map(|h| (h.post, h.snippet)).unzip();
        let snippets = snippets.iter().map(|s| build::snippet_html(s)).collect();
        Ok(ListPage {
            kind: "search".into(),
            heading: Some(if input.trim().is_empty() {
                "Search".into()
            } else {
                format!("Search results for “{}”", input.trim())
            }),
            description: None,
            posts: self.post_views(posts).await?,
            snippets,
            pagination,
            base_url: base,
            feed_url: None,
            query: Some(input.trim().to_string()),
        })
    }

    /// The site as every page shows it: title, navigation, archive months.
    pub async fn site_view(&self) -> Result<SiteView, Error> {
        let settings = self.settings().await;
        let now = OffsetDateTime::now_utc();
        let store = self.lag_tolerant_store().await;
        let pages = store.public_pages(now).await?;
        let months = store.public_months(now).await?;
        Ok(SiteView {
            title: settings.title.clone(),
            tagline: settings.tagline.clone(),
            language: settings.language.clone(),
            url: self.config().site_url(),
            pages: pages.iter().map(|p| LinkView { title: p.title.clone(), url: format!("/{}/", p.slug) }).collect(),
            months: months
                .into_iter()
                .filter_map(|m| {
                    let month = Month::try_from(m.month).ok()?;
                    Some(MonthView {
                        title: format!("{month} {}", m.year),
                        url: format!("/{:04}/{:02}/", m.year, m.month),
                        count: m.count,
                    })
                })
                .collect(),
        })
    }

    /// Every public URL with its last change, for `/sitemap.xml`.
    pub async fn sitemap(&self) -> Result<Vec<SitemapEntry>, Error> {
        let now = OffsetDateTime::now_utc();
        let settings = self.settings().await;
        let base = self.config().site_url();
        let mut entries = vec![SitemapEntry { url: format!("{base}/"), lastmod: build::iso(now) }];
        for page in self.store().public_pages(now).await? {
            entries.push(SitemapEntry { url: format!("{base}/{}/", page.slug), lastmod: build::iso(page.updated_at) });
        }
        let mut number = 1;
        loop {
            let posts = self
                .store()
                .public_posts(
                    &PostFilter { now: Some(now), ..Default::default() },
                    Page::new(number, Page::MAX_PER_PAGE),
                )
                .await?;
            for post in &posts.items {
                entries.push(SitemapEntry {
                    url: format!("{base}{}", self.post_path(post, &settings)),
                    lastmod: build::iso(post.updated_at),
                });
            }
            if number >= posts.total_pages() || number >= 250 {
                break;
            }
            number += 1;
        }
        Ok(entries)
    }
}

/// Time range, heading and base path of a year or month archive; `None` for impossible dates.
fn date_range(year: i32, month: Option<u8>) -> Option<(OffsetDateTime, OffsetDateTime, String, String)> {
    let start_month = Month::try_from(month.unwrap_or(1)).ok()?;
    let from = Date::from_calendar_date(year, start_month, 1).ok()?.with_time(Time::MIDNIGHT).assume_utc();
    let until = match month {
        Some(_) => {
            let next = start_month.next();
            let next_year = if next == Month::January { year + 1 } else { year };
            Date::from_calendar_date(next_year, next, 1).ok()?
        }
        None => Date::from_calendar_date(year + 1, Month::January, 1).ok()?,
    }
    .with_time(Time::MIDNIGHT)
    .assume_utc();
    let (heading, base) = match month {
        Some(m) => (format!("Archives: {start_month} {year}"), format!("/{year:04}/{m:02}/")),
        None => (format!("Archives: {year}"), format!("/{year:04}/")),
    };
    Some((from, until, heading, base))
}

/// Percent-encodes a query-string value.
pub(crate) fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The path of page `n` of a post's comment threads (`…/comment-page-N/`, as WordPress writes it).
pub fn comment_page_path(post_path: &str, n: u32) -> String {
    if n <= 1 { post_path.to_string() } else { format!("{post_path}comment-page-{n}/") }
}
