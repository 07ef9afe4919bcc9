//! Quire's portable archive (`quire export OUT`, `quire import quire OUT`): a directory with
//!
//! - `quire.json`: `{"format": "quire-archive", "version": 1, "exported_at", "backend",
//!   "tables": {"users": [...], "media": [...], ...}}`, every row of every table in
//!   [`quire_store::ARCHIVE_TABLES`] as an object of its columns (ids kept);
//! - `posts/<slug>.md` and `pages/<slug>.md`: each post's Markdown with TOML front matter between
//!   `+++` lines (title, status, date, tags, categories), for people and other tools;
//! - `media/<storage key>`: the media files.
//!
//! Restoring needs an empty site on the same kind of database (`quire copy` moves between them).

use std::path::Path;

use quire_store::ARCHIVE_TABLES;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{App, Error};

/// The archive format's name in `quire.json`.
pub const FORMAT: &str = "quire-archive";
/// The archive format's version; a newer one is refused.
pub const VERSION: u64 = 1;

/// What an export wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ExportSummary {
    /// Rows per table.
    pub rows: Vec<(String, usize)>,
    /// Markdown files written.
    pub documents: usize,
    /// Media files copied.
    pub media_files: usize,
    /// Media records whose file was missing.
    pub missing_media: Vec<String>,
}

impl App {
    /// Writes the whole site to the directory `out` (created; must be empty or absent).
    pub async fn export_archive(&self, out: &Path) -> Result<ExportSummary, Error> {
        if out.exists() && std::fs::read_dir(out)?.next().is_some() {
            return Err(Error::Invalid(format!("{} is not empty", out.display())));
        }
        std::fs::create_dir_all(out)?;
        let mut summary = ExportSummary::default();
        let mut tables = serde_json::Map::new();
        for table in ARCHIVE_TABLES {
            let rows = self.store().export_rows(table).await?;
            summary.rows.push((table.to_string(), rows.len()));
            tables.insert(table.to_string(), Value::Array(rows));
        }
        let terms = tables.get("terms").and_then(Value::as_array).cloned().unwrap_or_default();
        let post_terms = tables.get("post_terms").and_then(Value::as_array).cloned().unwrap_or_default();
        for post in tables.get("posts").and_then(Value::as_array).into_iter().flatten() {
            summary.documents += write_document(out, post, &terms, &post_terms)?;
        }
        for media in tables.get("media").and_then(Value::as_array).into_iter().flatten() {
            for key in media_keys(media) {
                let key = key.as_str();
                if !crate::media::is_valid_key(key) {
                    continue;
                }
                let to = out.join("media").join(key);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                match self.media_storage().get(key).await {
                    Ok(Some(bytes)) => {
                        std::fs::write(&to, &bytes)?;
                        summary.media_files += 1;
                    }
                    Ok(None) | Err(_) => summary.missing_media.push(key.to_string()),
                }
            }
        }
        let exported_at = OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
        let document = json!({
            "format": FORMAT,
            "version": VERSION,
            "exported_at": exported_at,
            "backend": self.store().backend(),
            "tables": tables,
        });
        let file = std::fs::File::create(out.join("quire.json"))?;
        serde_json::to_writer(std::io::BufWriter::new(file), &document)
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        Ok(summary)
    }

    /// Restores an archive written by [`App::export_archive`] into this (empty) site.
    pub async fn import_archive(&self, archive: &Path) -> Result<Vec<(String, usize)>, Error> {
        let path = archive.join("quire.json");
        let file = std::fs::File::open(&path)
            .map_err(|e| Error::Invalid(format!("{} is not a Quire archive: {e}", path.display())))?;
        let document: Value = serde_json::from_reader(std::io::BufReader::new(file))
            .map_err(|e| Error::Invalid(format!("{}: line {}: {e}", path.display(), e.line())))?;
        if document.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(Error::Invalid(format!("{} is not a Quire archive", path.display())));
        }
        let version = document.get("version").and_then(Value::as_u64).unwrap_or(0);
        if version == 0 || version > VERSION {
            return Err(Error::Invalid(format!("archive version {version} is not one this Quire reads (1–{VERSION})")));
        }
        let backend = document.get("backend").and_then(Value::as_str).unwrap_or_default();
        if backend != self.store().backend() {
            return Err(Error::Invalid(format!(
                "the archive comes from {backend}; restore it on {backend}, then `quire copy` to {}",
                self.store().backend()
            )));
        }
        if !self.store().is_empty().await? || self.store().count_users().await? > 0 {
            return Err(Error::Invalid("the site is not empty; restore an archive into a fresh site".into()));
        }
        let mut restored = Vec::new();
        for table in ARCHIVE_TABLES {
            let rows = document.pointer(&format!("/tables/{table}")).and_then(Value::as_array);
            let rows = rows.map(Vec::as_slice).unwrap_or_default();
            self.store().restore_rows(table, rows).await?;
            restored.push((table.to_string(), rows.len()));
        }
        let media_dir = archive.join("media");
        for media in document.pointer("/tables/media").and_then(Value::as_array).into_iter().flatten() {
            for key in media_keys(media) {
                if crate::media::is_valid_key(&key)
                    && let Ok(bytes) = std::fs::read(media_dir.join(&key))
                {
                    self.put_media_file(&key, &bytes).await?;
                }
            }
        }
        self.refresh().await?;
        Ok(restored)
    }
}

/// Storage keys of a media row: the original's, then its variants' (a JSON list, text on SQLite).
fn media_keys(media: &Value) -> Vec<String> {
    let variants = match media.get("variants") {
        Some(Value::String(text)) => serde_json::from_str(text).unwrap_or_default(),
        Some(list) => list.clone(),
        None => Value::Null,
    };
    let variant_keys = variants.as_array().into_iter().flatten().filter_map(|v| v.get("storage_key")?.as_str());
    media.get("storage_key").and_then(Value::as_str).into_iter().chain(variant_keys).map(str::to_string).collect()
}

/// Writes one post as Markdown with front matter; 1 when written.
fn write_document(out: &Path, post: &Value, terms: &[Value], post_terms: &[Value]) -> Result<usize, Error> {
    let text = |key: &str| post.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let slug = text("slug");
    if !quire_core::slug::is_valid_slug(&slug) {
        return Ok(0);
    }
    let id = post.get("id").and_then(Value::as_i64);
    let names = |kind: &str| -> Vec<String> {
        post_terms
            .iter()
            .filter(|pt| pt.get("post_id").and_then(Value::as_i64) == id)
            .filter_map(|pt| {
                let term_id = pt.get("term_id").and_then(Value::as_i64);
                terms.iter().find(|t| t.get("id").and_then(Value::as_i64) == term_id)
            })
            .filter(|t| t.get("kind").and_then(Value::as_str) == Some(kind))
            .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
            .collect()
    };
    let mut front = toml::Table::new();
    front.insert("title".into(), toml::Value::String(text("title")));
    front.insert("slug".into(), toml::Value::String(slug.clone()));
    front.insert("status".into(), toml::Value::String(text("status")));
    if let Some(date) = post.get("published_at").and_then(Value::as_str) {
        front.insert("date".into(), toml::Value::String(date.to_string()));
    }
    let list = |v: Vec<String>| toml::Value::Array(v.into_iter().map(toml::Value::String).collect());
    front.insert("tags".into(), list(names("tag")));
    front.insert("categories".into(), list(names("category")));
    let folder = if text("kind") == "page" { "pages" } else { "posts" };
    let dir = out.join(folder);
    std::fs::create_dir_all(&dir)?;
    let front = toml::to_string(&front).unwrap_or_default();
    std::fs::write(dir.join(format!("{slug}.md")), format!("+++\n{front}+++\n\n{}\n", text("markdown")))?;
    Ok(1)
}
