//! What search engines, feed readers and link previews read in a page's head: canonical URL,
//! feed discovery, OpenGraph and Twitter cards, and schema.org JSON-LD.

use quire_app::{ListPage, PostPage, PostView, SiteView};
use serde::Serialize;
use serde_json::{Value, json};

/// A `<link rel="alternate">` to a feed.
#[derive(Debug, Clone, Serialize)]
pub struct Alternate {
    /// Feed title.
    pub title: String,
    /// Absolute URL.
    pub url: String,
    /// MIME type.
    #[serde(rename = "type")]
    pub mime: &'static str,
}

/// The head of a page.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// Document title.
    pub title: String,
    /// The page's own title, without the site's (for link previews).
    pub headline: String,
    /// Description.
    pub description: String,
    /// Canonical absolute URL.
    pub canonical: String,
    /// `article` or `website`.
    pub og_type: &'static str,
    /// Absolute URL of the preview image.
    pub image: Option<String>,
    /// Its alternative text.
    pub image_alt: Option<String>,
    /// JSON-LD, safe to place inside a script element.
    pub json_ld: String,
    /// Feeds to discover.
    pub alternates: Vec<Alternate>,
    /// Keep out of search engines (search results, errors).
    pub noindex: bool,
    /// Published, for articles.
    pub published_iso: Option<String>,
    /// Modified, for articles.
    pub modified_iso: Option<String>,
    /// Author's name, for articles.
    pub author: Option<String>,
    /// Twitter card kind.
    pub twitter_card: &'static str,
}

fn site_feeds(site: &SiteView) -> Vec<Alternate> {
    vec![
        Alternate {
            title: format!("{} – Feed", site.title),
            url: format!("{}/feed/", site.url),
            mime: "application/rss+xml",
        },
        Alternate {
            title: format!("{} – Atom", site.title),
            url: format!("{}/feed/atom/", site.url),
            mime: "application/atom+xml",
        },
        Alternate {
            title: format!("{} – JSON Feed", site.title),
            url: format!("{}/feed.json", site.url),
            mime: "application/feed+json",
        },
        Alternate {
            title: format!("{} – Comments Feed", site.title),
            url: format!("{}/comments/feed/", site.url),
            mime: "application/rss+xml",
        },
    ]
}

/// JSON for a `<script type="application/ld+json">`: `</` cannot close the element early.
fn script_safe(value: &Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// The first library image of a post, for previews when no featured image is set.
fn first_image(post: &PostView) -> Option<(String, Option<String>)> {
    if let Some(featured) = &post.featured {
        return Some((featured.url.clone(), Some(featured.alt.clone())));
    }
    let at = post.html.find("<img ")?;
    let tag = post.html.get(at..)?.split('>').next()?;
    let attr = |name: &str| {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let rest = tag.get(start..)?;
        rest.split('"').next().map(|v| v.replace("&amp;", "&"))
    };
    attr("src").filter(|src| src.starts_with('/')).map(|src| (src, attr("alt")))
}

/// Head of a post or page.
pub fn for_post(site: &SiteView, page: &PostPage) -> Meta {
    let post = &page.post;
    let image = first_image(post);
    let image_url = image.as_ref().map(|(src, _)| format!("{}{src}", site.url));
    let person =
        json!({ "@type": "Person", "name": post.author.name, "url": format!("{}{}", site.url, post.author.url) });
    let mut article = json!({
        "@type": if post.kind == "page" { "WebPage" } else { "BlogPosting" },
        "@id": format!("{}#article", post.absolute_url),
        "headline": post.title,
        "url": post.absolute_url,
        "mainEntityOfPage": post.absolute_url,
        "datePublished": post.published_iso,
        "dateModified": post.updated_iso,
        "description": post.excerpt,
        "inLanguage": site.language,
        "wordCount": post.word_count,
        "author": person,
        "publisher": { "@type": "Organization", "name": site.title, "url": format!("{}/", site.url) },
        "keywords": post.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
        "articleSection": post.categories.first().map(|c| c.name.as_str()),
        "commentCount": post.comment_count,
    });
    if let (Some(url), Some(obj)) = (&image_url, article.as_object_mut()) {
        obj.insert("image".into(), json!(url));
    }
    let mut graph = vec![article];
    if let Some(item) = &post.reviewed_item {
        let mut reviewed = json!({ "@type": item.kind, "name": item.name });
        if let Some(obj) = reviewed.as_object_mut() {
            if let Some(author) = &item.author {
                obj.insert("author".into(), json!({ "@type": "Person", "name": author }));
            }
            if let Some(year) = item.year {
                obj.insert("datePublished".into(), json!(year.to_string()));
            }
        }
        graph.push(json!({
            "@type": "Review",
            "@id": format!("{}#review", post.absolute_url),
            "name": post.title,
            "url": post.absolute_url,
            "datePublished": post.published_iso,
            "author": person,
            "itemReviewed": reviewed,
            "reviewBody": post.excerpt,
            "isPartOf": { "@id": format!("{}#article", post.absolute_url) },
        }));
    }
    let mut alternates = site_feeds(site);
    if post.kind == "post" {
        alternates.push(Alternate {
            title: format!("{} – Comments on {}", site.title, post.title),
            url: page.comments_feed_url.clone(),
            mime: "application/rss+xml",
        });
    }
    Meta {
        title: format!("{} – {}", post.title, site.title),
        headline: post.title.clone(),
        description: post.excerpt.clone(),
        canonical: post.absolute_url.clone(),
        og_type: if post.kind == "post" { "article" } else { "website" },
        twitter_card: if image_url.is_some() { "summary_large_image" } else { "summary" },
        image: image_url,
        image_alt: image.and_then(|(_, alt)| alt),
        json_ld: script_safe(&json!({ "@context": "https://schema.org", "@graph": graph })),
        alternates,
        noindex: false,
        published_iso: (post.kind == "post").then(|| post.published_iso.clone()),
        modified_iso: (post.kind == "post").then(|| post.updated_iso.clone()),
        author: (post.kind == "post").then(|| post.author.name.clone()),
    }
}

/// Head of a list (home, archives, search).
pub fn for_list(site: &SiteView, list: &ListPage) -> Meta {
    let path = match &list.pagination.number {
        1 => list.base_url.clone(),
        n if list.kind == "search" => format!("{}&page={n}", list.base_url),
        n => format!("{}page/{n}/", list.base_url),
    };
    let canonical = format!("{}{path}", site.url);
    let title = match (&list.heading, list.pagination.number) {
        (None, 1) => format!("{} – {}", site.title, site.tagline),
        (None, n) => format!("{} – Page {n}", site.title),
        (Some(h), 1) => format!("{h} – {}", site.title),
        (Some(h), n) => format!("{h} – Page {n} – {}", site.title),
    };
    let ld = if list.kind == "home" {
        json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": site.title,
            "description": site.tagline,
            "url": format!("{}/", site.url),
            "potentialAction": {
                "@type": "SearchAction",
                "target": format!("{}/search?q={{search_term_string}}", site.url),
                "query-input": "required name=search_term_string",
            },
        })
    } else {
        json!({ "@context": "https://schema.org", "@type": "CollectionPage", "name": title, "url": canonical })
    };
    let mut alternates = site_feeds(site);
    if let Some(feed) = &list.feed_url {
        alternates.push(Alternate {
            title: format!("{} – {}", site.title, list.heading.clone().unwrap_or_default()),
            url: feed.clone(),
            mime: "application/rss+xml",
        });
    }
    Meta {
        description: list.description.clone().unwrap_or_else(|| site.tagline.clone()),
        canonical,
        og_type: "website",
        image: None,
        image_alt: None,
        json_ld: script_safe(&ld),
        alternates,
        noindex: list.kind == "search",
        published_iso: None,
        modified_iso: None,
        author: None,
        twitter_card: "summary",
        headline: list.heading.clone().unwrap_or_else(|| site.title.clone()),
        title,
    }
}

/// Head of an error page.
pub fn for_error(site: &SiteView, title: &str, path: &str) -> Meta {
    Meta {
        title: format!("{title} – {}", site.title),
        headline: title.to_string(),
        description: site.tagline.clone(),
        canonical: format!("{}{path}", site.url),
        og_type: "website",
        image: None,
        image_alt: None,
        json_ld: script_safe(&json!({ "@context": "https://schema.org", "@type": "WebPage", "name": title })),
        alternates: site_feeds(site),
        noindex: true,
        published_iso: None,
        modified_iso: None,
        author: None,
        twitter_card: "summary",
    }
}
