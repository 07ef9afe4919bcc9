//! A small, bounded element tree for one top-level WXR entry at a time, read with quick-xml from
//! any `BufRead`, and the line counter that lets every entry say where it starts.

use std::cell::Cell;
use std::io::BufRead;
use std::rc::Rc;

/// Largest text of one element; WordPress bodies are far smaller, and a bigger one is refused
/// rather than held in memory.
pub const MAX_FIELD_BYTES: usize = 16 * 1024 * 1024;

/// Largest single XML event (one text or CDATA section, one tag): quick-xml holds an event whole
/// before handing it over, so past this the reading stops rather than let memory grow without
/// bound. Fields between [`MAX_FIELD_BYTES`] and this are reported and skipped, the rest read on.
pub const MAX_EVENT_BYTES: u64 = 4 * MAX_FIELD_BYTES as u64;

/// Largest text of one entry (a post with all its comments): a bigger one is reported and
/// skipped, and its text is not kept meanwhile.
pub const MAX_ENTRY_BYTES: usize = 256 * 1024 * 1024;

/// A `BufRead` that counts the newlines quick-xml has consumed, so the current line is known,
/// and refuses to read past a limit its owner moves forward event by event.
pub struct LineCounter<R> {
    inner: R,
    lines: Rc<Cell<u64>>,
    bytes: Rc<Cell<u64>>,
    limit: Rc<Cell<u64>>,
}

impl<R: BufRead> LineCounter<R> {
    /// Wraps `inner`; `lines` counts newlines consumed so far, `bytes` the bytes; reading past
    /// byte `limit` fails.
    pub fn new(inner: R, lines: Rc<Cell<u64>>, bytes: Rc<Cell<u64>>, limit: Rc<Cell<u64>>) -> Self {
        LineCounter { inner, lines, bytes, limit }
    }

    fn check_limit(&self) -> std::io::Result<()> {
        if self.bytes.get() > self.limit.get() {
            return Err(std::io::Error::other(format!(
                "one field is larger than {} MiB, too large to read",
                MAX_EVENT_BYTES / 1024 / 1024
            )));
        }
        Ok(())
    }
}

impl<R: BufRead> std::io::Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.check_limit()?;
        let n = self.inner.read(out)?;
        let newlines = out.get(..n).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count());
        self.lines.set(self.lines.get() + newlines as u64);
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.check_limit()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let newlines = buf.get(..amount).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count());
            self.lines.set(self.lines.get() + newlines as u64);
        }
        self.bytes.set(self.bytes.get() + amount as u64);
        self.inner.consume(amount);
    }
}

/// Which vocabulary an element belongs to, matched by its namespace URI (so `wp:` bound to any
/// WXR version, or to another prefix, reads the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// RSS itself (no namespace).
    Rss,
    /// `http(s)://wordpress.org/export/1.x/`.
    Wp,
    /// `http(s)://wordpress.org/export/1.x/excerpt/`.
    Excerpt,
    /// `http://purl.org/rss/1.0/modules/content/`.
    Content,
    /// Dublin Core.
    Dc,
    /// Anything else.
    Other,
}

impl Ns {
    /// Classifies a namespace URI.
    pub fn of(uri: Option<&[u8]>) -> Ns {
        let Some(uri) = uri else { return Ns::Rss };
        let uri = String::from_utf8_lossy(uri);
        let rest = uri.strip_prefix("https://").or_else(|| uri.strip_prefix("http://")).unwrap_or(&uri);
        if let Some(version) = rest.strip_prefix("wordpress.org/export/") {
            if version.trim_end_matches('/').ends_with("excerpt") { Ns::Excerpt } else { Ns::Wp }
        } else if rest.starts_with("purl.org/rss/1.0/modules/content") {
            Ns::Content
        } else if rest.starts_with("purl.org/dc/elements/") {
            Ns::Dc
        } else {
            Ns::Other
        }
    }
}

/// One element with its text and children.
#[derive(Debug, Clone)]
pub struct Node {
    /// Vocabulary.
    pub ns: Ns,
    /// Local name.
    pub name: String,
    /// Attributes by local name.
    pub attrs: Vec<(String, String)>,
    /// Text and CDATA directly inside, entities resolved.
    pub text: String,
    /// Child elements.
    pub children: Vec<Node>,
    /// Line of its start tag.
    pub line: u64,
}

impl Node {
    /// A new empty element.
    pub fn new(ns: Ns, name: String, attrs: Vec<(String, String)>, line: u64) -> Node {
        Node { ns, name, attrs, text: String::new(), children: Vec::new(), line }
    }

    /// The first child called `name` in `ns`.
    pub fn child(&self, ns: Ns, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.ns == ns && c.name == name)
    }

    /// Every child called `name` in `ns`.
    pub fn all<'a>(&'a self, ns: Ns, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.ns == ns && c.name == name)
    }

    /// Trimmed text of the first child called `name`, when not empty.
    pub fn text_of(&self, ns: Ns, name: &str) -> Option<String> {
        self.child(ns, name).map(|c| c.text.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// Untrimmed text of the first child called `name` (bodies keep their whitespace).
    pub fn raw_text_of(&self, ns: Ns, name: &str) -> String {
        self.child(ns, name).map(|c| c.text.clone()).unwrap_or_default()
    }

    /// An attribute by local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The text of a predefined or numeric entity reference, when it is one.
pub fn resolve_entity(name: &str) -> Option<String> {
    let text = match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                name.strip_prefix('#').and_then(|d| d.parse::<u32>().ok())
            };
            return code.and_then(char::from_u32).map(String::from);
        }
    };
    Some(text.to_string())
}
