//! Public URLs taken apart: which kind of page a path asks for, before any database access.

use quire_core::{PermalinkMatch, PermalinkPattern, TermKind};

use super::feeds::{FeedFormat, FeedScope};

/// A public path, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/` or `/page/N/`.
    Home {
        /// Page number.
        page: u32,
    },
    /// `/search` (the query travels separately).
    Search {
        /// Page number.
        page: u32,
    },
    /// `/category/slug/` or `/tag/slug/`.
    Term {
        /// Category or tag.
        kind: TermKind,
        /// Term slug.
        slug: String,
        /// Page number.
        page: u32,
    },
    /// `/author/slug/`.
    Author {
        /// Author slug.
        slug: String,
        /// Page number.
        page: u32,
    },
    /// `/YYYY/` or `/YYYY/MM/`.
    Date {
        /// Year.
        year: i32,
        /// Month.
        month: Option<u8>,
        /// Page number.
        page: u32,
    },
    /// A path the permalink pattern recognises, with the page of its comment threads
    /// (`…/comment-page-N/`, WordPress's notation; 1 without it).
    Permalink(PermalinkMatch, u32),
    /// `/slug/`: a page (or a post reached by its bare slug).
    Single {
        /// Slug.
        slug: String,
        /// Page of its comment threads.
        comment_page: u32,
    },
    /// Any feed.
    Feed {
        /// Whose entries.
        scope: FeedScope,
        /// Which syntax.
        format: FeedFormat,
    },
    /// Nothing Quire knows (may still be a recorded redirect).
    Unknown,
}

impl Route {
    /// Parses a path (without query string).
    pub fn parse(path: &str, permalink: &PermalinkPattern) -> Route {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        // Feeds first: `…/feed/`, `…/feed/atom/`, `/feed.json`.
        match segments.as_slice() {
            ["feed.json"] => return Route::Feed { scope: FeedScope::Site, format: FeedFormat::Json },
            [rest @ .., "feed"] => return feed_route(rest, FeedFormat::Rss, permalink),
            [rest @ .., "feed", "atom"] => return feed_route(rest, FeedFormat::Atom, permalink),
            [rest @ .., "feed", "json"] => return feed_route(rest, FeedFormat::Json, permalink),
            _ => {}
        }
        // A trailing `/page/N/` paginates whatever precedes it.
        let (segments, page) = match segments.as_slice() {
            [rest @ .., "page", n] => match n.parse::<u32>() {
                Ok(n) if n >= 1 => (rest.to_vec(), n),
                _ => return Route::Unknown,
            },
            _ => (segments.clone(), 1),
        };
        let paginated = page > 1 || path.contains("/page/");
        // A trailing `comment-page-N` pages the comment threads of a post or page.
        let (segments, comment_page) = match segments.as_slice() {
            [rest @ .., last] if last.starts_with("comment-page-") && !paginated => {
                match last.trim_start_matches("comment-page-").parse::<u32>() {
                    Ok(n) if n >= 1 && !rest.is_empty() => (rest.to_vec(), n),
                    _ => return Route::Unknown,
                }
            }
            _ => (segments, 1),
        };
        let single = comment_page > 1 || path.contains("/comment-page-");
        if single {
            return post_route(&segments, comment_page, permalink);
        }
        match segments.as_slice() {
            [] => Route::Home { page },
            ["search"] => Route::Search { page },
            ["category", .., slug] if quire_core::slug::is_valid_slug(slug) => {
                Route::Term { kind: TermKind::Category, slug: (*slug).to_string(), page }
            }
            ["tag", slug] if quire_core::slug::is_valid_slug(slug) => {
                Route::Term { kind: TermKind::Tag, slug: (*slug).to_string(), page }
            }
            ["author", slug] if quire_core::slug::is_valid_slug(slug) => {
                Route::Author { slug: (*slug).to_string(), page }
            }
            [year] if is_digits(year, 4) => Route::Date { year: year.parse().unwrap_or(0), month: None, page },
            [year, month] if is_digits(year, 4) && is_digits(month, 2) => {
                match month.parse::<u8>().ok().filter(|m| (1..=12).contains(m)) {
                    Some(m) => Route::Date { year: year.parse().unwrap_or(0), month: Some(m), page },
                    None => Route::Unknown,
                }
            }
            _ if paginated => Route::Unknown,
            _ => post_route(&segments, 1, permalink),
        }
    }
}

/// A post by permalink or a page (or post) by bare slug.
fn post_route(segments: &[&str], comment_page: u32, permalink: &PermalinkPattern) -> Route {
    let joined = format!("/{}/", segments.join("/"));
    if let Some(found) = permalink.match_path(&joined) {
        Route::Permalink(found, comment_page)
    } else if let [slug] = segments {
        if quire_core::slug::is_valid_slug(slug) {
            Route::Single { slug: (*slug).to_string(), comment_page }
        } else {
            Route::Unknown
        }
    } else {
        Route::Unknown
    }
}

fn feed_route(rest: &[&str], format: FeedFormat, permalink: &PermalinkPattern) -> Route {
    let scope = match rest {
        [] => FeedScope::Site,
        ["comments"] => FeedScope::Comments,
        ["tag", slug] => FeedScope::Term(TermKind::Tag, (*slug).to_string()),
        ["category", .., slug] => FeedScope::Term(TermKind::Category, (*slug).to_string()),
        _ => {
            let joined = format!("/{}/", rest.join("/"));
            match permalink.match_path(&joined) {
                Some(found) => FeedScope::PostComments(found),
                None => return Route::Unknown,
            }
        }
    };
    Route::Feed { scope, format }
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(path: &str) -> Route {
        Route::parse(path, &PermalinkPattern::default())
    }

    #[test]
    fn wordpress_urls_are_recognised() {
        assert_eq!(parse("/"), Route::Home { page: 1 });
        assert_eq!(parse("/page/3/"), Route::Home { page: 3 });
        assert_eq!(parse("/tag/books/page/2/"), Route::Term { kind: TermKind::Tag, slug: "books".into(), page: 2 });
        assert_eq!(parse("/2020/"), Route::Date { year: 2020, month: None, page: 1 });
        assert_eq!(parse("/2020/01/"), Route::Date { year: 2020, month: Some(1), page: 1 });
        assert_eq!(parse("/about/"), Route::Single { slug: "about".into(), comment_page: 1 });
        assert!(matches!(parse("/2020/01/01/never-let-me-go/"), Route::Permalink(_, 1)));
    }

    #[test]
    fn comment_pages_follow_posts_and_pages() {
        assert!(matches!(parse("/2020/01/01/never-let-me-go/comment-page-2/"), Route::Permalink(_, 2)));
        assert_eq!(parse("/about/comment-page-3/"), Route::Single { slug: "about".into(), comment_page: 3 });
        for path in ["/comment-page-2/", "/about/comment-page-0/", "/about/comment-page-x/", "/tag/a/comment-page-2/"] {
            assert_eq!(parse(path), Route::Unknown, "{path}");
        }
    }

    #[test]
    fn feeds_are_recognised_at_every_level() {
        assert_eq!(parse("/feed/"), Route::Feed { scope: FeedScope::Site, format: FeedFormat::Rss });
        assert_eq!(parse("/feed/atom/"), Route::Feed { scope: FeedScope::Site, format: FeedFormat::Atom });
        assert_eq!(parse("/feed.json"), Route::Feed { scope: FeedScope::Site, format: FeedFormat::Json });
        assert_eq!(parse("/comments/feed/"), Route::Feed { scope: FeedScope::Comments, format: FeedFormat::Rss });
        assert_eq!(
            parse("/tag/ishiguro/feed/"),
            Route::Feed { scope: FeedScope::Term(TermKind::Tag, "ishiguro".into()), format: FeedFormat::Rss }
        );
        assert!(matches!(
            parse("/2020/01/01/never-let-me-go/feed/"),
            Route::Feed { scope: FeedScope::PostComments(_), .. }
        ));
    }

    #[test]
    fn nonsense_is_unknown() {
        for path in ["/2020/13/", "/page/0/", "/page/x/", "/a/b/c/", "/about/page/2/", "/Not A Slug/"] {
            assert_eq!(parse(path), Route::Unknown, "{path}");
        }
    }
}
