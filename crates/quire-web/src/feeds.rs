//! Feed documents: RSS 2.0 (with content:encoded, dc:creator and an atom:link to itself), Atom 1.0
//! and JSON Feed 1.1, all written from the same [`FeedView`].

use atom_syndication as atom;
use quire_app::FeedView;
use quire_app::reading::FeedFormat;
use rss::extension::atom::AtomExtension;
use rss::extension::dublincore::DublinCoreExtension;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// Content type of a feed format.
pub fn content_type(format: FeedFormat) -> &'static str {
    match format {
        FeedFormat::Rss => "application/rss+xml; charset=utf-8",
        FeedFormat::Atom => "application/atom+xml; charset=utf-8",
        FeedFormat::Json => "application/feed+json; charset=utf-8",
    }
}

/// Writes `feed` in `format`.
pub fn write(feed: &FeedView, format: FeedFormat) -> String {
    match format {
        FeedFormat::Rss => rss_document(feed),
        FeedFormat::Atom => atom_document(feed),
        FeedFormat::Json => json_document(feed),
    }
}

/// The feed's URL in another format: `/feed/` ↔ `/feed/atom/` ↔ `/feed/json/`.
fn sibling(self_url: &str, format: FeedFormat) -> String {
    let base = self_url
        .strip_suffix("feed/atom/")
        .or_else(|| self_url.strip_suffix("feed/json/"))
        .or_else(|| self_url.strip_suffix("feed/"))
        .or_else(|| self_url.strip_suffix("feed.json"))
        .unwrap_or(self_url);
    match format {
        FeedFormat::Rss => format!("{base}feed/"),
        FeedFormat::Atom => format!("{base}feed/atom/"),
        FeedFormat::Json => format!("{base}feed/json/"),
    }
}

fn rfc2822(iso: &str) -> Option<String> {
    OffsetDateTime::parse(iso, &Rfc3339).ok()?.format(&Rfc2822).ok()
}

fn rss_document(feed: &FeedView) -> String {
    let self_url = sibling(&feed.self_url, FeedFormat::Rss);
    let items = feed
        .items
        .iter()
        .map(|item| {
            let mut out = rss::Item::default();
            out.set_title(item.title.clone());
            out.set_link(item.url.clone());
            out.set_guid(rss::Guid { value: item.id.clone(), permalink: true });
            out.set_pub_date(rfc2822(&item.published_iso));
            out.set_description(item.summary.clone());
            out.set_content(item.html.clone());
            out.set_categories(
                item.categories.iter().map(|c| rss::Category { name: c.clone(), domain: None }).collect::<Vec<_>>(),
            );
            out.set_dublin_core_ext(DublinCoreExtension { creators: vec![item.author.clone()], ..Default::default() });
            out
        })
        .collect::<Vec<_>>();
    let mut channel = rss::Channel::default();
    channel.set_title(feed.title.clone());
    channel.set_link(feed.home_url.clone());
    channel.set_description(feed.description.clone());
    channel.set_language(feed.language.clone());
    channel.set_generator("Quire".to_string());
    channel.set_last_build_date(rfc2822(&feed.updated_iso));
    channel.set_atom_ext(AtomExtension {
        links: vec![atom::Link {
            href: self_url,
            rel: "self".into(),
            mime_type: Some("application/rss+xml".into()),
            ..Default::default()
        }],
    });
    channel.set_items(items);
    channel.to_string()
}

fn atom_time(iso: &str) -> atom::FixedDateTime {
    atom::FixedDateTime::parse_from_rfc3339(iso).unwrap_or_default()
}

fn atom_document(feed: &FeedView) -> String {
    let entries = feed
        .items
        .iter()
        .map(|item| atom::Entry {
            id: item.id.clone(),
            title: atom::Text::plain(item.title.clone()),
            updated: atom_time(&item.updated_iso),
            published: Some(atom_time(&item.published_iso)),
            authors: vec![atom::Person { name: item.author.clone(), ..Default::default() }],
            links: vec![atom::Link { href: item.url.clone(), rel: "alternate".into(), ..Default::default() }],
            summary: Some(atom::Text::plain(item.summary.clone())),
            content: Some(atom::Content {
                value: Some(item.html.clone()),
                content_type: Some("html".into()),
                ..Default::default()
            }),
            categories: item
                .categories
                .iter()
                .map(|c| atom::Category { term: c.clone(), ..Default::default() })
                .collect(),
            ..Default::default()
        })
        .collect();
    let document = atom::Feed {
        id: sibling(&feed.self_url, FeedFormat::Atom),
        title: atom::Text::plain(feed.title.clone()),
        subtitle: Some(atom::Text::plain(feed.description.clone())),
        updated: atom_time(&feed.updated_iso),
        lang: Some(feed.language.clone()),
        generator: Some(atom::Generator { value: "Quire".into(), ..Default::default() }),
        links: vec![
            atom::Link {
                href: feed.home_url.clone(),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            },
            atom::Link {
                href: sibling(&feed.self_url, FeedFormat::Atom),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
        ],
        entries,
        ..Default::default()
    };
    document.to_string()
}

fn json_document(feed: &FeedView) -> String {
    let items: Vec<_> = feed
        .items
        .iter()
        .map(|item| {
            json!({
                "id": item.id,
                "url": item.url,
                "title": item.title,
                "content_html": item.html,
                "summary": item.summary,
                "date_published": item.published_iso,
                "date_modified": item.updated_iso,
                "authors": [{ "name": item.author }],
                "tags": item.categories,
            })
        })
        .collect();
    let document = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": if feed.self_url.ends_with("feed.json") { feed.self_url.clone() } else { sibling(&feed.self_url, FeedFormat::Json) },
        "description": feed.description,
        "language": feed.language,
        "items": items,
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_link_to_their_siblings() {
        assert_eq!(sibling("https://x.org/feed/", FeedFormat::Atom), "https://x.org/feed/atom/");
        assert_eq!(sibling("https://x.org/tag/a/feed/atom/", FeedFormat::Rss), "https://x.org/tag/a/feed/");
        assert_eq!(sibling("https://x.org/feed.json", FeedFormat::Rss), "https://x.org/feed/");
    }
}
