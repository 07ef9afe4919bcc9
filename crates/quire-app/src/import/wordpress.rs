//! `quire import wordpress`: a WXR file becomes users without passwords, categories with their
//! hierarchy, tags, media, posts and pages with their comments, and redirects from the old
//! permalinks. Authors and terms come first in a WXR file, so posts find them already made.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use quire_core::{CommentKind, Email, MediaId, PostKind, PostStatus, Role, TermId, TermKind, UserId};
use quire_formats::convert::{self, Attachments};
use quire_formats::plan::{Attachment, Author, Item, PostItem, TermItem};
use quire_formats::{Located, WxrReader};
use quire_store::{ImportComment, ImportPost, ImportTerm, NewMedia, NewPost, NewUser, SourceKey, TermRef};
use time::OffsetDateTime;

use super::{ImportOptions, ImportReport, Progress, spawn_parser};
use crate::{App, Error};

/// What the run has learned so far, kept small: ids by source id for authors and terms, and the
/// attachments' addresses for galleries.
#[derive(Default)]
struct Run {
    format: String,
    source: String,
    site_url: String,
    authors: HashMap<String, UserId>,
    categories: HashMap<String, TermId>,
    images: HashMap<String, (String, String)>,
    children: HashMap<String, Vec<String>>,
    report: ImportReport,
}

impl Attachments for Run {
    fn image(&self, id: &str) -> Option<(String, String)> {
        self.images.get(id).cloned()
    }

    fn children(&self, post: &str) -> Vec<(String, String)> {
        self.children.get(post).map(|ids| ids.iter().filter_map(|id| self.image(id)).collect()).unwrap_or_default()
    }
}

impl App {
    /// Imports a WordPress export read from `input`.
    pub async fn import_wordpress(
        &self,
        input: Box<dyn BufRead + Send>,
        options: &ImportOptions,
        progress: Progress<'_>,
    ) -> Result<ImportReport, Error> {
        let items = spawn_parser(move |send| {
            let mut reader = WxrReader::new(input);
            while let Some(next) = reader.next() {
                if !send((next, reader.bytes_read())) {
                    return;
                }
            }
        });
        self.import_items("wordpress", items, options, progress).await
    }

    /// Imports a Ghost JSON export.
    pub async fn import_ghost(
        &self,
        raw: String,
        options: &ImportOptions,
        progress: Progress<'_>,
    ) -> Result<ImportReport, Error> {
        let items = spawn_parser(move |send| match quire_formats::ghost::read(&raw) {
            Ok(items) => {
                let total = items.len() as u64;
                for (n, item) in items.into_iter().enumerate() {
                    let done = (n as u64 + 1) * raw.len() as u64 / total.max(1);
                    if !send((item, done)) {
                        return;
                    }
                }
            }
            Err(e) => {
                send((Err(e), raw.len() as u64));
            }
        });
        self.import_items("ghost", items, options, progress).await
    }

    /// Stores the items a parser sends, one transaction each.
    async fn import_items(
        &self,
        format: &str,
        mut items: tokio::sync::mpsc::Receiver<super::Parsed>,
        options: &ImportOptions,
        progress: Progress<'_>,
    ) -> Result<ImportReport, Error> {
        let mut run = Run { source: format!("{format}:"), format: format.to_string(), ..Run::default() };
        run.report.format = format.to_string();
        run.report.dry_run = options.dry_run;
        while let Some((next, bytes)) = items.recv().await {
            progress(bytes);
            let located = match next {
                Ok(located) => located,
                Err(e) => {
                    run.report.fail(e.line, e.item.unwrap_or_else(|| "file".into()), e.message);
                    continue;
                }
            };
            let line = located.line;
            let outcome = match located.item {
                Item::Site(site) => {
                    let origin = if site.url.is_empty() { &site.title } else { &site.url };
                    run.source = format!("{format}:{origin}");
                    run.site_url = site.url;
                    Ok(())
                }
                Item::Author(author) => self.import_author(&mut run, line, &author, options).await,
                Item::Term(term) => self.import_wp_term(&mut run, line, &term, options).await,
                Item::Attachment(attachment) => self.import_attachment(&mut run, line, &attachment, options).await,
                Item::Post(post) => self.import_wp_post(&mut run, line, *post, options).await,
                Item::Unsupported { what, .. } => {
                    *run.report.skipped.entry(what).or_default() += 1;
                    Ok(())
                }
            };
            if let Err(e) = outcome {
                match e {
                    Error::Store(_) | Error::Io(_) | Error::DataDir(_) => return Err(e),
                    other => run.report.fail(line, "item", other.to_string()),
                }
            }
        }
        if !options.dry_run {
            self.refresh().await?;
        }
        Ok(run.report)
    }

    async fn import_author(
        &self,
        run: &mut Run,
        line: u64,
        author: &Author,
        options: &ImportOptions,
    ) -> Result<(), Error> {
        if options.dry_run {
            run.report.plan.push(format!("line {line}: author {} ({})", author.display_name, author.login));
            run.report.count("authors", true);
            return Ok(());
        }
        let id = self
            .ensure_author(
                run,
                line,
                &author.login,
                author.email.as_deref(),
                &author.display_name,
                author.bio.as_deref(),
            )
            .await?;
        run.authors.insert(author.source_id.clone(), id);
        Ok(())
    }

    /// The account for a login, made (without a password: invited later) when missing.
    async fn ensure_author(
        &self,
        run: &mut Run,
        line: u64,
        login: &str,
        email: Option<&str>,
        name: &str,
        bio: Option<&str>,
    ) -> Result<UserId, Error> {
        let mut slug = quire_core::slug::slugify(login);
        if slug.is_empty() {
            slug = "author".into();
        }
        let email = match email.map(Email::parse) {
            Some(Ok(email)) => email,
            other => {
                if let Some(Err(e)) = other {
                    run.report.note(line, format!("author {login}"), format!("{e}; a placeholder address was used"));
                }
                Email::parse(&format!("{slug}@imported.invalid")).map_err(|e| Error::Invalid(e.0))?
            }
        };
        let user = NewUser {
            email,
            name: if name.trim().is_empty() { login.to_string() } else { name.trim().to_string() },
            slug,
            role: Role::Author,
            password_hash: None,
            bio: bio.map(str::to_string),
        };
        let key = SourceKey { source: &run.source, kind: "author", id: login };
        let imported = self.store().import_user(key, &user).await?;
        run.report.count("authors", imported.is_created());
        Ok(imported.id())
    }

    async fn import_wp_term(
        &self,
        run: &mut Run,
        line: u64,
        term: &TermItem,
        options: &ImportOptions,
    ) -> Result<(), Error> {
        let plural = match term.kind {
            TermKind::Category => "categories",
            TermKind::Tag => "tags",
        };
        let slug = if quire_core::slug::is_valid_slug(&term.slug) {
            term.slug.clone()
        } else {
            quire_core::slug::slugify(if term.name.is_empty() { &term.slug } else { &term.name })
        };
        if slug.is_empty() {
            run.report.fail(line, format!("{} {:?}", term.kind, term.name), "no usable slug");
            return Ok(());
        }
        if options.dry_run {
            run.report.plan.push(format!("line {line}: {} {slug}", term.kind));
            run.report.count(plural, true);
            return Ok(());
        }
        let parent_id = match &term.parent_slug {
            Some(parent) => match run.categories.get(parent) {
                Some(id) => Some(*id),
                None => {
                    let found = self.store().term_by_slug(TermKind::Category, parent).await?.map(|t| t.id);
                    if found.is_none() {
                        run.report.note(
                            line,
                            format!("category {slug}"),
                            format!("parent {parent:?} is not in the export"),
                        );
                    }
                    found
                }
            },
            None => None,
        };
        let name = if term.name.is_empty() { slug.clone() } else { term.name.clone() };
        let import =
            ImportTerm { kind: term.kind, slug: slug.clone(), name, parent_id, description: term.description.clone() };
        let key_id = format!("{}:{}", term.kind, term.slug);
        let imported =
            self.store().import_term(SourceKey { source: &run.source, kind: "term", id: &key_id }, &import).await?;
        if term.kind == TermKind::Category {
            run.categories.insert(term.slug.clone(), imported.id());
        }
        run.report.count(plural, imported.is_created());
        Ok(())
    }

    async fn import_attachment(
        &self,
        run: &mut Run,
        line: u64,
        attachment: &Attachment,
        options: &ImportOptions,
    ) -> Result<(), Error> {
        if let Some(parent) = &attachment.parent {
            run.children.entry(parent.clone()).or_default().push(attachment.source_id.clone());
        }
        let alt = attachment.alt.clone().unwrap_or_default();
        let local = match (&options.media_dir, &attachment.file) {
            (Some(dir), Some(file)) => safe_join(dir, file).filter(|p| p.is_file()),
            _ => None,
        };
        let Some(path) = local else {
            run.images.insert(attachment.source_id.clone(), (attachment.url.clone(), alt));
            run.report.remote_media.push(attachment.url.clone());
            run.report.count("media (original address kept)", true);
            return Ok(());
        };
        let file = attachment.file.clone().unwrap_or_default();
        let key = storage_key(&file);
        run.images.insert(attachment.source_id.clone(), (format!("/media/{key}"), alt.clone()));
        if options.dry_run {
            run.report.plan.push(format!("line {line}: media {file}"));
            run.report.count("media", true);
            return Ok(());
        }
        let source_key = SourceKey { source: &run.source, kind: "media", id: &attachment.source_id };
        if let Some(id) = self.store().imported(source_key).await? {
            run.report.count("media", false);
            run.images.insert(attachment.source_id.clone(), (format!("media:{id}"), alt));
            return Ok(());
        }
        let bytes = tokio::fs::read(&path).await?;
        self.put_media_file(&key, &bytes).await?;
        let media = NewMedia {
            storage_key: key,
            mime: mime_of(&file).to_string(),
            bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            width: None,
            height: None,
            alt: alt.clone(),
            caption: attachment.caption.clone(),
            credit: None,
            licence: None,
            uploaded_by: attachment.author.as_ref().and_then(|a| run.authors.get(a)).copied(),
        };
        let imported = self.store().import_media(source_key, &media).await?;
        run.report.count("media", imported.is_created());
        Ok(())
    }

    async fn import_wp_post(
        &self,
        run: &mut Run,
        line: u64,
        item: PostItem,
        options: &ImportOptions,
    ) -> Result<(), Error> {
        let kind_name = if item.kind == PostKind::Page { "pages" } else { "posts" };
        let label = format!("{} {} {:?}", item.kind, item.source_id, item.title);
        if options.dry_run {
            run.report.plan.push(format!(
                "line {line}: {} {:?} ({}, {} comments)",
                item.kind,
                item.title,
                item.status,
                item.comments.len()
            ));
            run.report.count(kind_name, true);
            count_comments(&mut run.report, item.comments.iter().map(|c| c.item.kind));
            return Ok(());
        }
        let source = run.source.clone();
        let source_id = item.source_id.clone();
        let key = SourceKey { source: &source, kind: "post", id: &source_id };
        if self.store().imported(key).await?.is_some() {
            run.report.count(kind_name, false);
            return Ok(());
        }
        let author = match item.author.as_deref().and_then(|a| run.authors.get(a)).copied() {
            Some(id) => id,
            None => {
                let login = item.author.clone().unwrap_or_else(|| "imported".into());
                let slug = quire_core::slug::slugify(&login);
                let alike = run.authors.iter().find(|(known, _)| quire_core::slug::slugify(known) == slug);
                let id = match alike {
                    Some((known, id)) => {
                        let message = format!("author {login:?} is not listed in the export; taken to be {known:?}");
                        let id = *id;
                        run.report.note(line, label.clone(), message);
                        id
                    }
                    None => {
                        let message =
                            format!("author {login:?} is not listed in the export; an account was made for them");
                        run.report.note(line, label.clone(), message);
                        self.ensure_author(run, line, &login, None, &login, None).await?
                    }
                };
                run.authors.insert(login, id);
                id
            }
        };
        let converted = if run.format == "ghost" {
            convert::html(&item.html)
        } else {
            convert::wordpress(&item.html, &item.source_id, run)
        };
        for note in &converted.notes {
            run.report.note(line, label.clone(), note.clone());
        }
        let draft = PlannedPost::from_item(&item, converted.markdown);
        let comments = plan_comments(&item, &label, &mut run.report);
        let featured_media_id = match &item.featured_media {
            Some(id) => {
                let found = self.store().imported(SourceKey { source: &run.source, kind: "media", id }).await?;
                if found.is_none() {
                    run.report.note(
                        line,
                        label.clone(),
                        format!("featured image {id} was not imported (no local file)"),
                    );
                }
                found.map(MediaId)
            }
            None => match &item.featured_image {
                Some(image) => self.featured_image(run, line, &label, image, options).await?,
                None => None,
            },
        };
        self.store_post(run, line, &label, key, item, draft, author, featured_media_id, comments).await
    }
}

impl App {
    /// A featured image given by address (Ghost): taken from `--media-dir` when the file is
    /// there (`/content/images/…` relative to it), else its address is listed in the report.
    async fn featured_image(
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
fn plan_comments(item: &PostItem, label: &str, report: &mut ImportReport) -> Vec<ImportComment> {
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
fn count_comments(report: &mut ImportReport, kinds: impl Iterator<Item = CommentKind>) {
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
struct PlannedPost {
    title: String,
    slug: String,
    markdown: String,
    status: PostStatus,
    published_at: Option<OffsetDateTime>,
    excerpt: Option<String>,
}

impl PlannedPost {
    fn from_item(item: &PostItem, markdown: String) -> PlannedPost {
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
    #[expect(clippy::too_many_arguments, reason = "one call site; a struct would only rename them")]
    async fn store_post(
        &self,
        run: &mut Run,
        line: u64,
        label: &str,
        key: SourceKey<'_>,
        item: PostItem,
        draft: PlannedPost,
        author: UserId,
        featured_media_id: Option<MediaId>,
        comments: Vec<ImportComment>,
    ) -> Result<(), Error> {
        let mut slug = draft.slug.clone();
        let mut n = 2;
        while self.store().post_by_slug(item.kind, &slug).await?.is_some() {
            slug = format!("{}-{n}", draft.slug);
            n += 1;
        }
        if slug != draft.slug {
            run.report.note(line, label, format!("slug {:?} was taken; it is now {slug:?}", draft.slug));
        }
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
        let settings = self.settings().await;
        let new_path = match (item.kind, draft.published_at) {
            (PostKind::Page, _) => Some(format!("/{slug}/")),
            (PostKind::Post, Some(at)) if !settings.permalink.contains("post_id") => {
                Some(settings.permalink_pattern().path_for(&slug, 0, at.date()))
            }
            _ => None,
        };
        let redirects: Vec<(String, String)> = match &new_path {
            Some(to) => std::iter::once(item.link.as_deref())
                .chain(item.aliases.iter().map(|a| Some(a.as_str())))
                .flatten()
                .filter_map(|old| old_path(old, &run.site_url))
                .filter(|from| from != to)
                .map(|from| (from, to.clone()))
                .collect(),
            None => Vec::new(),
        };
        let kinds: Vec<CommentKind> = comments.iter().map(|c| c.kind).collect();
        let import = ImportPost {
            post: NewPost {
                kind: item.kind,
                status: draft.status,
                slug,
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
            password: item.password.clone(),
            sticky: item.sticky,
            created_at: draft.published_at,
            updated_at: item.modified_at,
            comments,
            redirects,
        };
        let imported = self.store().import_post(key, &import).await?;
        let kind_name = if item.kind == PostKind::Page { "pages" } else { "posts" };
        run.report.count(kind_name, imported.is_created());
        if imported.is_created() {
            count_comments(&mut run.report, kinds.into_iter());
            run.report.count_created("redirects", import.redirects.len() as u64);
        }
        Ok(())
    }
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
fn safe_join(dir: &Path, file: &str) -> Option<std::path::PathBuf> {
    let ok =
        !file.starts_with('/') && file.split('/').all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains('\\'));
    ok.then(|| dir.join(file))
}

/// A storage key for an imported file: `wp/2019/01/boat.jpg`, unsafe characters replaced.
fn storage_key(file: &str) -> String {
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
