//! `quire export --format wxr`: the site as a WordPress export, written post by post from the
//! store's rows with `quire_formats::wxr_out`.

use std::collections::HashMap;
use std::io::Write;

use quire_core::{CommentKind, CommentStatus, TermKind};
use quire_formats::plan::{Author, CommentItem, Located, PostItem, Site, TermItem};
use quire_formats::wxr_out::WxrWriter;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{App, Error};

fn text(row: &Value, key: &str) -> String {
    row.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn opt(row: &Value, key: &str) -> Option<String> {
    row.get(key).and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty())
}

fn id(row: &Value, key: &str) -> Option<i64> {
    row.get(key).and_then(Value::as_i64)
}

fn date(row: &Value, key: &str) -> Option<OffsetDateTime> {
    row.get(key).and_then(Value::as_str).and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

impl App {
    /// Writes the site as WXR 1.2; returns (posts and pages, comments) written.
    pub async fn export_wxr<W: Write>(&self, out: W) -> Result<(usize, usize), Error> {
        let store = self.store();
        let settings = self.settings().await;
        let site = Site { title: settings.title.clone(), url: self.config().site_url(), version: "1.2".into() };
        let users = store.export_rows("users").await?;
        let logins: HashMap<i64, String> = users.iter().filter_map(|u| Some((id(u, "id")?, text(u, "slug")))).collect();
        let authors: Vec<Author> = users
            .iter()
            .map(|u| Author {
                source_id: text(u, "slug"),
                login: text(u, "slug"),
                email: opt(u, "email"),
                display_name: text(u, "name"),
                bio: opt(u, "bio"),
            })
            .collect();
        let term_rows = store.export_rows("terms").await?;
        let slugs: HashMap<i64, (TermKind, String, String)> = term_rows
            .iter()
            .filter_map(|t| {
                let kind = text(t, "kind").parse().ok()?;
                Some((id(t, "id")?, (kind, text(t, "slug"), text(t, "name"))))
            })
            .collect();
        let terms: Vec<TermItem> = term_rows
            .iter()
            .filter_map(|t| {
                let (kind, slug, name) = slugs.get(&id(t, "id")?)?.clone();
                let parent_slug = id(t, "parent_id").and_then(|p| slugs.get(&p)).map(|(_, s, _)| s.clone());
                Some(TermItem {
                    source_id: id(t, "id")?.to_string(),
                    kind,
                    slug,
                    name,
                    parent_slug,
                    description: opt(t, "description"),
                })
            })
            .collect();
        let mut post_terms: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in store.export_rows("post_terms").await? {
            if let (Some(p), Some(t)) = (id(&row, "post_id"), id(&row, "term_id")) {
                post_terms.entry(p).or_default().push(t);
            }
        }
        let mut comments: HashMap<i64, Vec<Located<CommentItem>>> = HashMap::new();
        let mut comment_count = 0;
        for c in store.export_rows("comments").await? {
            let Some(post) = id(&c, "post_id") else { continue };
            comment_count += 1;
            let item = CommentItem {
                source_id: id(&c, "id").unwrap_or_default().to_string(),
                parent: id(&c, "parent_id").map(|p| p.to_string()),
                author_name: text(&c, "author_name"),
                author_email: opt(&c, "author_email"),
                author_url: opt(&c, "author_url"),
                created_at: date(&c, "created_at"),
                html: text(&c, "html"),
                status: text(&c, "status").parse().unwrap_or(CommentStatus::Pending),
                kind: text(&c, "kind").parse().unwrap_or(CommentKind::Comment),
            };
            comments.entry(post).or_default().push(Located { line: 0, item });
        }
        let mut writer = WxrWriter::start(out, &site, &authors, &terms).map_err(Error::Io)?;
        let posts = store.export_rows("posts").await?;
        for row in &posts {
            let Some(post_id) = id(row, "id") else { continue };
            let post = store.post(quire_core::PostId(post_id)).await?.ok_or(Error::NotFound)?;
            let term_of = |kind: TermKind| -> Vec<(String, String)> {
                post_terms
                    .get(&post_id)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| slugs.get(t))
                    .filter(|(k, _, _)| *k == kind)
                    .map(|(_, s, n)| (s.clone(), n.clone()))
                    .collect()
            };
            let item = PostItem {
                source_id: post_id.to_string(),
                kind: post.kind,
                status: post.status,
                title: post.title.clone(),
                slug: post.slug.clone(),
                author: logins.get(&post.author_id.0).cloned(),
                published_at: post.published_at,
                modified_at: Some(post.updated_at),
                excerpt: post.excerpt.clone(),
                html: post.html.clone(),
                link: Some(format!("{}{}", site.url, self.post_path(&post, &settings))),
                aliases: Vec::new(),
                sticky: post.sticky,
                password: post.password.clone(),
                discussion: post.discussion,
                categories: term_of(TermKind::Category),
                tags: term_of(TermKind::Tag),
                featured_media: None,
                featured_image: None,
                comments: comments.remove(&post_id).unwrap_or_default(),
            };
            writer.post(&item).map_err(Error::Io)?;
        }
        writer.finish().map_err(Error::Io)?;
        Ok((posts.len(), comment_count))
    }
}
