//! Ghost's JSON export (Settings → Labs → Export, Ghost 1 to 5) into the import plan: authors,
//! tags, posts and pages with their HTML, feature images with alt text and captions. A Ghost
//! export is one JSON document, so it is read whole; each post's line is found in the text so
//! reports can point at it. `__GHOST_URL__` (Ghost's placeholder for the site address) is
//! rewritten to site-relative links.

use std::collections::HashMap;

use quire_core::{Discussion, PostKind, PostStatus, TermKind};
use serde_json::Value;

use crate::plan::{Author, FeaturedImage, Item, Located, PostItem, Site, TermItem};
use crate::{ItemError, dates};

/// Ghost's placeholder for the site's own address in exported HTML and image URLs.
pub const GHOST_URL: &str = "__GHOST_URL__";

/// Rewrites Ghost's placeholder so links and images point at this site.
pub fn rewrite_urls(text: &str) -> String {
    text.replace(GHOST_URL, "")
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// An id, whether Ghost wrote it as a string (Ghost 1+) or a number (Ghost 0.x).
fn id(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// 1-based line of the first occurrence of `needle` at or after byte `from` in `raw`.
fn line_at(raw: &str, needle: &str, from: &mut usize) -> u64 {
    let found = raw.get(*from..).and_then(|r| r.find(needle)).map(|at| *from + at);
    match found {
        Some(at) => {
            *from = at;
            raw.get(..at).map_or(1, |r| r.matches('\n').count() as u64 + 1)
        }
        None => 1,
    }
}

/// Reads a whole Ghost export into plan items, or says why it is not one.
pub fn read(raw: &str) -> Result<Vec<Result<Located<Item>, ItemError>>, ItemError> {
    let document: Value = serde_json::from_str(raw).map_err(|e| ItemError {
        line: e.line() as u64,
        item: None,
        message: format!("not a Ghost export: {e}"),
    })?;
    // `{"db": [{"meta": …, "data": …}]}`, or the inner object alone.
    let db = document.get("db").and_then(|d| d.get(0)).unwrap_or(&document);
    let data = db.get("data").ok_or_else(|| ItemError {
        line: 1,
        item: None,
        message: "not a Ghost export: no \"data\" object".into(),
    })?;
    let list = |key: &str| data.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    let version = db.pointer("/meta/version").and_then(Value::as_str).unwrap_or_default().to_string();
    let title = list("settings")
        .iter()
        .find(|s| s.get("key").and_then(Value::as_str) == Some("title"))
        .and_then(|s| text(s, "value"))
        .unwrap_or_default();
    let mut items = vec![Ok(Located { line: 1, item: Item::Site(Site { title, url: String::new(), version }) })];
    let mut cursor = 0;

    let users = list("users");
    let mut logins: HashMap<String, String> = HashMap::new();
    for user in &users {
        let Some(user_id) = id(user, "id") else { continue };
        let line = line_at(raw, &format!("\"{user_id}\""), &mut cursor);
        let slug = text(user, "slug").unwrap_or_else(|| user_id.clone());
        logins.insert(user_id.clone(), slug.clone());
        items.push(Ok(Located {
            line,
            item: Item::Author(Author {
                source_id: slug.clone(),
                login: slug.clone(),
                email: text(user, "email"),
                display_name: text(user, "name").unwrap_or(slug),
                bio: text(user, "bio"),
            }),
        }));
    }
    let mut tags: HashMap<String, (String, String)> = HashMap::new();
    for tag in list("tags") {
        let (Some(tag_id), Some(slug)) = (id(&tag, "id"), text(&tag, "slug")) else { continue };
        let name = text(&tag, "name").unwrap_or_else(|| slug.clone());
        // Internal tags (`#hash`) organise Ghost's themes; they are not readers' tags.
        if name.starts_with('#') {
            continue;
        }
        tags.insert(tag_id.clone(), (slug.clone(), name.clone()));
        items.push(Ok(Located {
            line: 1,
            item: Item::Term(TermItem {
                source_id: tag_id,
                kind: TermKind::Tag,
                slug,
                name,
                parent_slug: None,
                description: text(&tag, "description"),
            }),
        }));
    }
    let mut post_tags: HashMap<String, Vec<String>> = HashMap::new();
    for link in list("posts_tags") {
        if let (Some(post), Some(tag)) = (id(&link, "post_id"), id(&link, "tag_id")) {
            post_tags.entry(post).or_default().push(tag);
        }
    }
    let mut post_authors: HashMap<String, String> = HashMap::new();
    for link in list("posts_authors") {
        if let (Some(post), Some(author)) = (id(&link, "post_id"), id(&link, "author_id")) {
            post_authors.entry(post).or_insert(author);
        }
    }
    cursor = 0;
    for post in list("posts") {
        let Some(post_id) = id(&post, "id") else { continue };
        let line = line_at(raw, &format!("\"{post_id}\""), &mut cursor);
        items.push(ghost_post(&post, post_id, line, &logins, &tags, &post_tags, &post_authors));
    }
    Ok(items)
}

fn ghost_post(
    post: &Value,
    post_id: String,
    line: u64,
    logins: &HashMap<String, String>,
    tags: &HashMap<String, (String, String)>,
    post_tags: &HashMap<String, Vec<String>>,
    post_authors: &HashMap<String, String>,
) -> Result<Located<Item>, ItemError> {
    let title = text(post, "title").unwrap_or_default();
    let fail = |message: String| ItemError { line, item: Some(format!("post {post_id} \"{title}\"")), message };
    let is_page = post.get("type").and_then(Value::as_str) == Some("page")
        || post.get("page").and_then(Value::as_bool) == Some(true);
    let status = match text(post, "status").as_deref() {
        Some("published") => PostStatus::Published,
        Some("scheduled") => PostStatus::Scheduled,
        Some("draft") | None => PostStatus::Draft,
        Some("sent") => PostStatus::Published,
        Some(other) => return Err(fail(format!("unknown status {other:?}"))),
    };
    // Members-only posts are not public in Ghost; they stay private here.
    let members_only = text(post, "visibility").is_some_and(|v| v != "public");
    let status = if members_only && status == PostStatus::Published { PostStatus::Private } else { status };
    let html = text(post, "html").map(|h| rewrite_urls(&h)).unwrap_or_default();
    let author_id = post_authors.get(&post_id).cloned().or_else(|| id(post, "author_id"));
    let author = author_id.and_then(|a| logins.get(&a).cloned());
    let featured_image = text(post, "feature_image").map(|url| FeaturedImage {
        url: rewrite_urls(&url),
        alt: text(post, "feature_image_alt"),
        caption: text(post, "feature_image_caption").map(|c| rewrite_urls(&c)),
    });
    let tag_list: Vec<(String, String)> =
        post_tags.get(&post_id).into_iter().flatten().filter_map(|t| tags.get(t).cloned()).collect();
    Ok(Located {
        line,
        item: Item::Post(Box::new(PostItem {
            source_id: post_id,
            kind: if is_page { PostKind::Page } else { PostKind::Post },
            status,
            title,
            slug: text(post, "slug").unwrap_or_default(),
            author,
            published_at: text(post, "published_at").as_deref().and_then(dates::rfc3339),
            modified_at: text(post, "updated_at").as_deref().and_then(dates::rfc3339),
            excerpt: text(post, "custom_excerpt"),
            html,
            link: None,
            aliases: Vec::new(),
            sticky: post.get("featured").and_then(Value::as_bool).unwrap_or(false),
            password: None,
            discussion: Discussion::Open,
            categories: Vec::new(),
            tags: tag_list,
            featured_media: None,
            featured_image,
            comments: Vec::new(),
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_ghost_export_is_refused_with_a_line() {
        let e = read("{\n\"db\": [").err().map(|e| e.line);
        assert_eq!(e, Some(2));
        assert!(read("{\"posts\": []}").is_err());
    }
}
