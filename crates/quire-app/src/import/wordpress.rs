//! `quire import wordpress`: a WXR file becomes users without passwords, categories with their
//! hierarchy, tags, media, posts and pages with their comments, and redirects from the old
//! permalinks. Authors and terms come first in a WXR file, so posts find them already made.

use std::collections::HashMap;
use std::io::BufRead;

use quire_core::{Email, MediaId, PostKind, Role, TermId, TermKind, UserId};
use quire_formats::WxrReader;
use quire_formats::convert::{self, Attachments};
use quire_formats::plan::{Attachment, Author, Item, PostItem, TermItem};
use quire_store::{ImportTerm, NewMedia, NewUser, SourceKey};

use super::posts::{PlannedPost, count_comments, mime_of, plan_comments, safe_join, storage_key};
use super::writer::Writer;
use super::{ImportOptions, ImportReport, Progress, spawn_parser};
use crate::{App, Error};

/// What the run has learned so far, kept small: ids by source id for authors and terms, and the
/// attachments' addresses for galleries.
#[derive(Default)]
pub(super) struct Run {
    pub(super) format: String,
    pub(super) source: String,
    pub(super) site_url: String,
    pub(super) authors: HashMap<String, UserId>,
    pub(super) categories: HashMap<String, TermId>,
    pub(super) images: HashMap<String, (String, String)>,
    /// Attachments of each post as (menu order, numeric id, source id).
    pub(super) children: HashMap<String, Vec<(i64, u64, String)>>,
    pub(super) report: ImportReport,
    /// Where converted posts go to be written (none on a dry run).
    pub(super) writer: Option<Writer>,
}

impl Attachments for Run {
    fn image(&self, id: &str) -> Option<(String, String)> {
        self.images.get(id).cloned()
    }

    fn children(&self, post: &str) -> Vec<(String, String)> {
        let Some(own) = self.children.get(post) else { return Vec::new() };
        let mut own: Vec<&(i64, u64, String)> = own.iter().collect();
        own.sort();
        own.into_iter().filter_map(|(_, _, id)| self.image(id)).collect()
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

    /// Stores the items a parser sends, one transaction each. Posts are converted here and
    /// written by a writer task, so converting the next post overlaps writing this one; the run
    /// commits without waiting for the disk and ends with one durable commit.
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
        if !options.dry_run {
            self.store().begin_import().await?;
        }
        let read = self.read_items(&mut run, &mut items, options, progress).await;
        let written = match run.writer.take() {
            Some(writer) => writer.finish().await,
            None => Ok(ImportReport::default()),
        };
        if !options.dry_run {
            // Also after a failure: what was imported is kept, durably, and the run can resume.
            self.store().finish_import().await?;
        }
        // The writer's own failure explains a reading loop that stopped because it was gone.
        let written = written?;
        read?;
        run.report.absorb(written);
        if !options.dry_run {
            self.refresh().await?;
        }
        Ok(run.report)
    }

    async fn read_items(
        &self,
        run: &mut Run,
        items: &mut tokio::sync::mpsc::Receiver<super::Parsed>,
        options: &ImportOptions,
        progress: Progress<'_>,
    ) -> Result<(), Error> {
        let format = run.format.clone();
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
                Item::Author(author) => self.import_author(run, line, &author, options).await,
                Item::Term(term) => self.import_wp_term(run, line, &term, options).await,
                Item::Attachment(attachment) => self.import_attachment(run, line, &attachment, options).await,
                Item::Post(post) => self.import_wp_post(run, line, *post, options).await,
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
        Ok(())
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
            let number = attachment.source_id.parse().unwrap_or(u64::MAX);
            let place = (attachment.menu_order, number, attachment.source_id.clone());
            run.children.entry(parent.clone()).or_default().push(place);
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
        let ready = self.prepare_post(run, line, &label, item, draft, author, featured_media_id, comments).await?;
        if run.writer.is_none() {
            run.writer = Some(Writer::start(self, run.source.clone()));
        }
        match &run.writer {
            Some(writer) if writer.send(ready).await => Ok(()),
            _ => Err(Error::Io(std::io::Error::other("the import writer stopped"))),
        }
    }
}
