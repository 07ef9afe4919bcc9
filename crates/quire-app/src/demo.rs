//! The demo site, embedded in the binary and loaded into an empty database on first run: the
//! essay with its figures as media-library items, a second post, an About page, and 50 approved
//! sample comments threaded under the essay.

use std::collections::HashMap;

use quire_core::{CommentId, CommentStatus, Discussion, MediaId, PostId, PostKind, PostStatus, Role, UserId};
use quire_store::{NewComment, NewMedia, NewUser};
use rust_embed::Embed;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::publishing::Draft;
use crate::{App, Error};

#[derive(Embed)]
#[folder = "../../demo/"]
struct DemoFiles;

/// Front matter of a demo post (TOML between `+++` lines).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    title: String,
    slug: String,
    kind: String,
    status: String,
    published_at: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    content_warning: Option<String>,
    excerpt: Option<String>,
    #[serde(default = "open")]
    comments: String,
    review: Option<quire_core::ReviewedItem>,
}

fn open() -> String {
    "open".into()
}

#[derive(Debug, Deserialize)]
struct Manifest {
    media: Vec<ManifestItem>,
}

#[derive(Debug, Deserialize)]
struct ManifestItem {
    id: i64,
    file: String,
    mime: String,
    width: u32,
    height: u32,
    alt: String,
    caption: Option<String>,
    credit: Option<String>,
    licence: Option<String>,
    #[serde(default)]
    placeholder: bool,
}

fn embedded(path: &str) -> Result<Vec<u8>, Error> {
    DemoFiles::get(path)
        .map(|f| f.data.into_owned())
        .ok_or_else(|| Error::Invalid(format!("demo file {path} is missing from the build")))
}

fn embedded_text(path: &str) -> Result<String, Error> {
    String::from_utf8(embedded(path)?).map_err(|_| Error::Invalid(format!("demo file {path} is not UTF-8")))
}

/// Splits `+++` TOML front matter from the Markdown body.
pub fn split_front_matter(source: &str) -> Result<(FrontMatter, &str), Error> {
    let rest =
        source.strip_prefix("+++\n").ok_or_else(|| Error::Invalid("front matter must start with a +++ line".into()))?;
    let end = rest.find("\n+++\n").ok_or_else(|| Error::Invalid("front matter has no closing +++ line".into()))?;
    let (head, body) = rest.split_at(end);
    let front: FrontMatter = toml::from_str(head).map_err(|e| Error::Invalid(format!("front matter: {e}")))?;
    Ok((front, body.get(5..).unwrap_or_default().trim_start_matches('\n')))
}

/// Loads the demo site into the (empty) database of `app`.
pub async fn load(app: &App) -> Result<(), Error> {
    tracing::info!("loading the demo site");
    let author = app
        .store()
        .create_user(&NewUser {
            email: quire_core::Email::parse("writer@demo.quire.invalid").map_err(|e| Error::Invalid(e.0))?,
            name: "Demo Writer".into(),
            slug: "demo-writer".into(),
            role: Role::Author,
            password_hash: None,
            bio: Some("The writer of Quire's demo site.".into()),
        })
        .await?;
    let media_ids = load_media(app, author.id).await?;
    let mut essay = None;
    let mut paths: Vec<String> = DemoFiles::iter()
        .map(|p| p.into_owned())
        .filter(|p| (p.starts_with("posts/") || p.starts_with("pages/")) && p.ends_with(".md"))
        .collect();
    paths.sort();
    for path in paths {
        let source = embedded_text(&path)?;
        let (front, body) = split_front_matter(&source).map_err(|e| Error::Invalid(format!("{path}: {e}")))?;
        let markdown = renumber_media(body, &media_ids);
        let slug = front.slug.clone();
        let id = app.create_post(author.id, draft_of(front, markdown)?).await?;
        if slug == "never-let-me-go" {
            essay = Some(id);
        }
    }
    if let Some(essay) = essay {
        load_comments(app, essay).await?;
    }
    Ok(())
}

fn draft_of(front: FrontMatter, markdown: String) -> Result<Draft, Error> {
    let invalid = |e: quire_core::ParseError| Error::Invalid(e.0);
    Ok(Draft {
        kind: front.kind.parse::<PostKind>().map_err(invalid)?,
        status: front.status.parse::<PostStatus>().map_err(invalid)?,
        title: front.title,
        slug: Some(front.slug),
        markdown,
        excerpt: front.excerpt,
        content_warning: front.content_warning,
        published_at: Some(
            OffsetDateTime::parse(&front.published_at, &Rfc3339)
                .map_err(|e| Error::Invalid(format!("published_at {:?}: {e}", front.published_at)))?,
        ),
        discussion: front.comments.parse::<Discussion>().map_err(invalid)?,
        tags: front.tags,
        categories: front.categories,
        featured_media_id: None,
        reviewed_item: front.review,
    })
}

async fn load_media(app: &App, uploader: UserId) -> Result<HashMap<i64, MediaId>, Error> {
    let manifest: Manifest = toml::from_str(&embedded_text("media/manifest.toml")?)
        .map_err(|e| Error::Invalid(format!("demo media manifest: {e}")))?;
    let mut ids = HashMap::new();
    for item in manifest.media {
        let bytes = embedded(&format!("media/{}", item.file))?;
        let key = format!("demo/{}", item.file);
        app.put_media_file(&key, &bytes).await?;
        // The files are stand-ins: say so to readers who cannot see them too.
        let alt = if item.placeholder { format!("Placeholder image standing in for: {}", item.alt) } else { item.alt };
        let id = app
            .store()
            .create_media(&NewMedia {
                storage_key: key,
                mime: item.mime,
                bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                width: Some(item.width),
                height: Some(item.height),
                alt,
                caption: item.caption,
                credit: item.credit,
                licence: item.licence,
                uploaded_by: Some(uploader),
            })
            .await?;
        ids.insert(item.id, id);
    }
    Ok(ids)
}

/// Rewrites `media:N` (manifest ids) to the ids the library gave the items.
fn renumber_media(markdown: &str, ids: &HashMap<i64, MediaId>) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(at) = rest.find("(media:") {
        let (before, after) = rest.split_at(at + "(media:".len());
        out.push_str(before);
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse::<i64>().ok().and_then(|n| ids.get(&n)) {
            Some(id) => out.push_str(&id.to_string()),
            None => out.push_str(&digits),
        }
        rest = after.get(digits.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

async fn load_comments(app: &App, post: PostId) -> Result<(), Error> {
    let tsv = embedded_text("comments.tsv")?;
    let max_depth = app.settings().await.comment_policy.max_depth;
    let mut ids: HashMap<i64, CommentId> = HashMap::new();
    for (number, line) in tsv.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [id, parent, name, email, website, date, text] = fields.as_slice() else {
            return Err(Error::Invalid(format!("comments.tsv line {}: expected 7 tab-separated fields", number + 1)));
        };
        let bad = |what: &str| Error::Invalid(format!("comments.tsv line {}: bad {what}", number + 1));
        let id: i64 = id.parse().map_err(|_| bad("id"))?;
        let parent: i64 = parent.parse().map_err(|_| bad("parent id"))?;
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        let created_at = PrimitiveDateTime::parse(date, &format).map_err(|_| bad("date"))?.assume_utc();
        let markdown = text.replace("\\n", "\n");
        let fingerprint = quire_core::policy::fingerprint(post, &markdown);
        let rendered = quire_content::render_comment(&markdown);
        let created = app
            .store()
            .create_comment(&NewComment {
                post_id: post,
                parent_id: if parent == 0 {
                    None
                } else {
                    Some(*ids.get(&parent).ok_or_else(|| bad("parent (not yet seen)"))?)
                },
                author_name: (*name).to_string(),
                author_email: Some((*email).to_string()).filter(|e| !e.is_empty()),
                author_url: Some((*website).to_string()).filter(|w| !w.is_empty()),
                user_id: None,
                markdown,
                html: rendered.html,
                status: CommentStatus::Approved,
                created_at,
                max_depth,
                guest_key: None,
                fingerprint: Some(fingerprint),
                ip_hash: None,
                user_agent: None,
                held_reason: None,
                rate_limits: Vec::new(),
                jobs: Vec::new(),
            })
            .await?;
        ids.insert(id, created);
    }
    app.refresh().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_post_has_valid_front_matter() -> Result<(), Error> {
        let mut count = 0;
        for path in DemoFiles::iter().filter(|p| p.ends_with(".md") && !p.starts_with("README")) {
            let source = embedded_text(&path)?;
            let (front, body) = split_front_matter(&source)?;
            assert!(!body.starts_with("+++"), "{path}");
            draft_of(front, body.to_string())?;
            count += 1;
        }
        assert_eq!(count, 3);
        Ok(())
    }

    #[test]
    fn media_references_are_renumbered_to_library_ids() {
        let ids = HashMap::from([(1, MediaId(7)), (2, MediaId(8))]);
        assert_eq!(
            renumber_media("![](media:1)\n![](media:2) ![](media:9)", &ids),
            "![](media:7)\n![](media:8) ![](media:9)"
        );
    }
}
