//! The parts of an import shared by every source: posts with their comments, redirects from
//! old addresses, featured images, and the small path and slug helpers they need.

use std::collections::HashMap;
use std::path::Path;

use quire_core::{CommentKind, MediaId, PostStatus, TermKind, UserId};
use quire_formats::Located;
use quire_formats::convert;
use quire_formats::plan::PostItem;
use quire_store::{ImportComment, ImportPost, NewMedia, NewPost, SourceKey, TermRef};
use time::OffsetDateTime;

use super::wordpress::Run;
use super::{ImportOptions, ImportReport};
use crate::{App, Error};

impl App {
    /// A featured image given by address (Ghost): taken from `--media-dir` when the file is
    /// there (`/content/images/…` relative to it), else its address is listed in the report.
    pub(super) async fn featured_image(
        &self,
        run: &mut Run,
        line: u64,
        label: &str,
        image: &quire_formats::plan::FeaturedImage,
        options: &ImportOptions,
    ) -> Result<Option<MediaId>, Error> {
        let relative = image.url.strip_prefix("/content/images/").unwrap_or(&image.url);
        let local = options.media_dir.as_ref().and_then(|dir| safe_join(dir, relative)).filter(|p| p.is_file());
        let Some(path) = local else {
            run.report.note(line, label, format!("featured image {} is not in the media directory", image.url));
            run.report.remote_media.push(image.url.clone());
            return Ok(None);
        };
        let key = storage_key(relative).replacen("wp/", &format!("{}/", run.format), 1);
        let source_key = SourceKey { source: &run.source, kind: "media", id: &image.url };
        if let Some(id) = self.store().imported(source_key).await? {
            run.report.count("media", false);
            return Ok(Some(MediaId(id)));
        }
        let bytes = tokio::fs::read(&path).await?;
        self.put_media_file(&key, &bytes).await?;
        let media = NewMedia {
            storage_key: key,
            mime: mime_of(relative).to_string(),
            bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            width: None,
            height: None,
            alt: image.alt.clone().unwrap_or_default(),
            caption: image.caption.as_deref().map(quire_content::html_to_text).filter(|c| !c.is_empty()),
            credit: None,
            licence: None,
            uploaded_by: None,
        };
        let imported = self.store().import_media(source_key, &media).await?;
        run.report.count("media", imported.is_created());
        Ok(Some(imported.id()))
    }
}

/// Comments in an order where each parent comes before its replies; replies whose parent is not
/// in the export become top-level comments, noted in the report.
pub(super) fn plan_comments(item: &PostItem, label: &str, report: &mut ImportReport) -> Vec<ImportComment> {
    let index: HashMap<&str, usize> =
        item.comments.iter().enumerate().map(|(i, c)| (c.item.source_id.as_str(), i)).collect();
    let mut order: Vec<usize> = Vec::with_capacity(item.comments.len());
    let mut placed: HashMap<usize, usize> = HashMap::new();
    let mut state = vec![0u8; item.comments.len()];
    for start in 0..item.comments.len() {
        // Walk up to the first placed (or missing) ancestor, then place the chain top-down.
        let mut chain = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            if state.get(i).copied().unwrap_or(1) != 0 {
                break;
            }
            if let Some(s) = state.get_mut(i) {
                *s = 1;
            }
            chain.push(i);
            at = item.comments.get(i).and_then(|c| c.item.parent.as_deref()).and_then(|p| index.get(p).copied());
        }
        for i in chain.into_iter().rev() {
            placed.insert(i, order.len());
            order.push(i);
        }
    }
    let now = OffsetDateTime::now_utc();
    order
        .iter()
        .filter_map(|i| item.comments.get(*i).map(|c| (*i, c)))
        .map(|(_, Located { line, item: c })| {
            let parent = match c.parent.as_deref() {
                Some(p) => match index.get(p).and_then(|i| placed.get(i)) {
                    Some(position) => Some(*position),
                    None => {
                        report.note(
                            *line,
                            format!("comment {} on {label}", c.source_id),
                            format!("its parent comment {p} is not in the export; kept as a top-level comment"),
                        );
                        None
                    }
                },
                None => None,
            };
            let html = quire_content::sanitize_comment(&convert::comment_html(&c.html));
            ImportComment {
                source_id: c.source_id.clone(),
                parent,
                author_name: if c.author_name.is_empty() { "Anonymous".into() } else { c.author_name.clone() },
                author_email: c.author_email.clone(),
                author_url: c.author_url.clone(),
                user_id: None,
                markdown: c.html.clone(),
                html,
                status: c.status,
                kind: c.kind,
                created_at: c.created_at.or(item.published_at).unwrap_or(now),
            }
        })
        .collect()
}

/// Counts comments by kind under the report's names.
pub(super) fn count_comments(report: &mut ImportReport, kinds: impl Iterator<Item = CommentKind>) {
    for kind in kinds {
        report.count_created(comment_kind_name(kind), 1);
    }
}

fn comment_kind_name(kind: CommentKind) -> &'static str {
    match kind {
        CommentKind::Comment => "comments",
        CommentKind::Pingback => "pingbacks",
        CommentKind::Trackback => "trackbacks",
    }
}

/// The parts of a post worked out before storing it.
pub(super) struct PlannedPost {
    title: String,
    slug: String,
    markdown: String,
    status: PostStatus,
    published_at: Option<OffsetDateTime>,
    excerpt: Option<String>,
}

impl PlannedPost {
    pub(super) fn from_item(item: &PostItem, markdown: String) -> PlannedPost {
        let title = if item.title.trim().is_empty() { "(no title)".to_string() } else { item.title.trim().to_string() };
        let decoded = percent_decode(&item.slug);
        let slug = if quire_core::slug::is_valid_slug(&decoded) {
            decoded
        } else {
            let made = quire_core::slug::slugify(if decoded.is_empty() { &title } else { &decoded });
            if made.is_empty() { format!("{}-{}", item.kind, quire_core::slug::slugify(&item.source_id)) } else { made }
        };
        let published_at = match item.status {
            PostStatus::Published | PostStatus::Scheduled => {
                Some(item.published_at.unwrap_or_else(OffsetDateTime::now_utc))
            }
            _ => item.published_at,
        };
        let excerpt = item.excerpt.as_deref().map(quire_content::html_to_text).filter(|e| !e.trim().is_empty());
        PlannedPost { title, slug, markdown, status: item.status, published_at, excerpt }
    }
}

impl App {
    /// Everything about a post that does not depend on what is already written: its rendered
    /// body, terms, comments and old addresses. The writer gives it its final slug.
    #[expect(clippy::too_many_arguments, reason = "one call site; a struct would only rename them")]
    pub(super) async fn prepare_post(
        &self,
        run: &mut Run,
        line: u64,
        label: &str,
        item: PostItem,
        draft: PlannedPost,
        author: UserId,
        featured_media_id: Option<MediaId>,
        comments: Vec<ImportComment>,
    ) -> Result<ReadyPost, Error> {
        let rendered = self.render_markdown(&draft.markdown).await?;
        let terms = item
            .categories
            .iter()
            .map(|(s, n)| (TermKind::Category, s, n))
            .chain(item.tags.iter().map(|(s, n)| (TermKind::Tag, s, n)))
            .filter_map(|(kind, s, n)| {
                let slug = if quire_core::slug::is_valid_slug(s) { s.clone() } else { quire_core::slug::slugify(n) };
                (!slug.is_empty()).then(|| TermRef { kind, slug, name: n.clone() })
            })
            .collect();
        let old_paths = std::iter::once(item.link.as_deref())
            .chain(item.aliases.iter().map(|a| Some(a.as_str())))
            .flatten()
            .filter_map(|old| old_path(old, &run.site_url))
            .collect();
        let import = ImportPost {
            post: NewPost {
                kind: item.kind,
                status: draft.status,
                slug: draft.slug,
                title: draft.title,
                markdown: draft.markdown,
                html: rendered.html,
                text: rendered.text,
                word_count: u32::try_from(rendered.word_count).unwrap_or(u32::MAX),
                excerpt: draft.excerpt,
                content_warning: None,
                featured_media_id,
                author_id: author,
                published_at: draft.published_at,
                discussion: item.discussion,
                terms,
                reviewed_item: None,
            },
            password: item.password,
            sticky: item.sticky,
            created_at: draft.published_at,
            updated_at: item.modified_at,
            comments,
            redirects: Vec::new(),
        };
        Ok(ReadyPost { line, label: label.to_string(), source_id: item.source_id, import, old_paths })
    }
}

/// A post ready to be written: all but its final slug and the redirects to it.
pub(super) struct ReadyPost {
    pub(super) line: u64,
    pub(super) label: String,
    pub(super) source_id: String,
    pub(super) import: ImportPost,
    pub(super) old_paths: Vec<String>,
}

/// The path of an old address on the source site (`https://old.example/2019/x/` → `/2019/x/`).
fn old_path(address: &str, site_url: &str) -> Option<String> {
    let rest = address.strip_prefix(site_url).filter(|_| !site_url.is_empty()).map(str::to_string).or_else(|| {
        let without_scheme = address.split_once("://").map(|(_, r)| r)?;
        without_scheme.find('/').and_then(|i| without_scheme.get(i..)).map(str::to_string)
    })?;
    let path = if rest.starts_with('/') { rest } else { format!("/{rest}") };
    (path.len() > 1 && path.len() <= 2000).then_some(path)
}

/// `%e4%b8%ad` → `中` (WordPress stores non-ASCII slugs percent-encoded).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(b) = bytes.get(i).copied() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `dir/file` when `file` is a plain relative path that stays inside `dir`.
pub(super) fn safe_join(dir: &Path, file: &str) -> Option<std::path::PathBuf> {
    let ok =
        !file.starts_with('/') && file.split('/').all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains('\\'));
    ok.then(|| dir.join(file))
}

/// A storage key for an imported file: `wp/2019/01/boat.jpg`, unsafe characters replaced.
pub(super) fn storage_key(file: &str) -> String {
    let clean: String = file
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/') { c } else { '-' })
        .collect();
    let parts: Vec<&str> = clean.split('/').filter(|p| !p.is_empty() && *p != "." && *p != "..").collect();
    format!("wp/{}", parts.join("/"))
}

/// The MIME type of a media file by its extension.
pub(super) fn mime_of(file: &str) -> &'static str {
    let extension = file.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "avif" => "image/avif",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_addresses_become_paths_on_this_site() {
        assert_eq!(old_path("https://old.example/2019/01/x/", "https://old.example").as_deref(), Some("/2019/01/x/"));
        assert_eq!(old_path("http://elsewhere.example/?p=19", "https://old.example").as_deref(), Some("/?p=19"));
        assert_eq!(old_path("https://old.example", "https://old.example"), None);
    }

    #[test]
    fn media_paths_cannot_climb_out_and_keys_are_safe() {
        assert!(safe_join(Path::new("/m"), "../etc/passwd").is_none());
        assert!(safe_join(Path::new("/m"), "/etc/passwd").is_none());
        assert_eq!(storage_key("2019/01/boat photo.jpg"), "wp/2019/01/boat-photo.jpg");
        assert!(crate::media::is_valid_key(&storage_key("a/../b é.png")));
        assert_eq!(percent_decode("%e4%b8%ad-x"), "中-x");
    }
}
