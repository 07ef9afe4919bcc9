//! What an import did, for the person who ran it: counts per kind, what failed or was kept
//! differently and where (line of the source), as a JSON file and a short summary.

use std::collections::BTreeMap;

use serde::Serialize;

/// Made and found rows of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// New rows.
    pub created: u64,
    /// Rows an earlier run (or the site) already had.
    pub existing: u64,
}

/// A line of the report tied to a place in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// 1-based line of the item in the source file.
    pub line: u64,
    /// The item, e.g. `post 12 "Hello"`.
    pub item: String,
    /// What happened.
    pub message: String,
}

/// The outcome of an import run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Which importer ran: `wordpress`, `ghost`, `quire`.
    pub format: String,
    /// Whether nothing was written (`--dry-run`).
    pub dry_run: bool,
    /// Rows per kind: `authors`, `categories`, `tags`, `posts`, `pages`, `media`, `comments`,
    /// `pingbacks`, `trackbacks`, `redirects`.
    pub counts: BTreeMap<String, Counts>,
    /// Items that were not imported, and why.
    pub failed: Vec<Entry>,
    /// Items imported with something changed or kept as it was (unconverted markup, missing
    /// parents, unknown authors…).
    pub notes: Vec<Entry>,
    /// Media not found in `--media-dir`: their original addresses stay in use.
    pub remote_media: Vec<String>,
    /// Things the source has that Quire does not import (menus…), with how many.
    pub skipped: BTreeMap<String, u64>,
    /// With `--dry-run`: what would be imported, one line per item.
    pub plan: Vec<String>,
}

impl ImportReport {
    /// Counts one row of `kind`.
    pub fn count(&mut self, kind: &str, created: bool) {
        let counts = self.counts.entry(kind.to_string()).or_default();
        if created {
            counts.created += 1;
        } else {
            counts.existing += 1;
        }
    }

    /// Counts `n` new rows of `kind`.
    pub fn count_created(&mut self, kind: &str, n: u64) {
        self.counts.entry(kind.to_string()).or_default().created += n;
    }

    /// Rows of `kind` made by this run.
    pub fn created(&self, kind: &str) -> u64 {
        self.counts.get(kind).map_or(0, |c| c.created)
    }

    /// Records an item that was not imported.
    pub fn fail(&mut self, line: u64, item: impl Into<String>, message: impl Into<String>) {
        self.failed.push(Entry { line, item: item.into(), message: message.into() });
    }

    /// Records something about an imported item.
    pub fn note(&mut self, line: u64, item: impl Into<String>, message: impl Into<String>) {
        self.notes.push(Entry { line, item: item.into(), message: message.into() });
    }

    /// Adds what another part of the same run found (the writer's counts and notes), keeping
    /// failures and notes in the order of the source.
    pub(crate) fn absorb(&mut self, other: ImportReport) {
        for (kind, counts) in other.counts {
            let mine = self.counts.entry(kind).or_default();
            mine.created += counts.created;
            mine.existing += counts.existing;
        }
        self.failed.extend(other.failed);
        self.failed.sort_by_key(|e| e.line);
        self.notes.extend(other.notes);
        self.notes.sort_by_key(|e| e.line);
    }

    /// A few lines for the terminal.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "would import" } else { "imported" };
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(kind, c)| {
                if c.existing > 0 {
                    format!("{} {kind} ({} already there)", c.created, c.existing)
                } else {
                    format!("{} {kind}", c.created)
                }
            })
            .collect();
        out.push_str(&format!(
            "{} {verb}: {}\n",
            self.format,
            if counts.is_empty() { "nothing".into() } else { counts.join(", ") }
        ));
        if !self.skipped.is_empty() {
            let skipped: Vec<String> = self.skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
            out.push_str(&format!("not imported (Quire has no such thing): {}\n", skipped.join(", ")));
        }
        if !self.remote_media.is_empty() {
            out.push_str(&format!(
                "{} media files not found locally; their original addresses are kept\n",
                self.remote_media.len()
            ));
        }
        if !self.notes.is_empty() {
            out.push_str(&format!("{} notes (see the report)\n", self.notes.len()));
        }
        for failure in &self.failed {
            out.push_str(&format!("failed: line {} ({}): {}\n", failure.line, failure.item, failure.message));
        }
        out
    }
}
