//! WordPress eXtended RSS (WXR 1.0, 1.1, 1.2) read as a stream: one top-level entry (author,
//! category, tag, term, item) is held at a time and turned into a plan [`Item`]. A broken entry
//! is reported with its line and skipped; broken XML ends the stream with an error naming where.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::BufRead;
use std::rc::Rc;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quire_core::{CommentKind, CommentStatus, Discussion, PostKind, PostStatus, TermKind};
use time::OffsetDateTime;

use crate::plan::{Attachment, Author, CommentItem, Item, Located, PostItem, Site, TermItem};
use crate::xml::{LineCounter, MAX_ENTRY_BYTES, MAX_EVENT_BYTES, MAX_FIELD_BYTES, Node, Ns, resolve_entity};
use crate::{ItemError, dates};

/// Streams the plan of a WXR file.
pub struct WxrReader<R: BufRead> {
    reader: NsReader<LineCounter<R>>,
    lines: Rc<Cell<u64>>,
    bytes: Rc<Cell<u64>>,
    limit: Rc<Cell<u64>>,
    /// Text kept for the entry being read so far.
    entry_bytes: usize,
    buf: Vec<u8>,
    depth: usize,
    stack: Vec<Node>,
    site: Site,
    site_sent: bool,
    saw_wordpress: bool,
    broken: Option<String>,
    seen: HashMap<String, u64>,
    pending: Option<Located<Item>>,
    done: bool,
}

/// Direct children of `<channel>` that become plan items.
fn is_entry(ns: Ns, name: &str) -> bool {
    (ns == Ns::Rss && name == "item") || (ns == Ns::Wp && matches!(name, "author" | "category" | "tag" | "term"))
}

impl<R: BufRead> WxrReader<R> {
    /// Reads WXR from `input`.
    pub fn new(input: R) -> Self {
        let lines = Rc::new(Cell::new(0));
        let bytes = Rc::new(Cell::new(0));
        let limit = Rc::new(Cell::new(MAX_EVENT_BYTES));
        let mut reader = NsReader::from_reader(LineCounter::new(input, lines.clone(), bytes.clone(), limit.clone()));
        reader.config_mut().check_end_names = true;
        WxrReader {
            reader,
            lines,
            bytes,
            limit,
            entry_bytes: 0,
            buf: Vec::new(),
            depth: 0,
            stack: Vec::new(),
            site: Site::default(),
            site_sent: false,
            saw_wordpress: false,
            broken: None,
            seen: HashMap::new(),
            pending: None,
            done: false,
        }
    }

    /// Bytes of the input read so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.bytes.get()
    }

    fn line(&self) -> u64 {
        self.lines.get() + 1
    }

    fn fatal(&mut self, message: String) -> Option<Result<Located<Item>, ItemError>> {
        self.done = true;
        let item = self.stack.first().map(describe);
        Some(Err(ItemError { line: self.stack.first().map_or(self.line(), |n| n.line), item, message }))
    }

    /// Appends text to the element being read, unless it grows past the limit.
    fn push_text(&mut self, text: &str) {
        let Some(node) = self.stack.last_mut() else { return };
        if node.text.len() + text.len() > MAX_FIELD_BYTES {
            let what = format!("<{}> is larger than {} MiB", node.name, MAX_FIELD_BYTES / 1024 / 1024);
            self.broken.get_or_insert(what);
            return;
        }
        if self.entry_bytes + text.len() > MAX_ENTRY_BYTES {
            let what = format!("the entry is larger than {} MiB", MAX_ENTRY_BYTES / 1024 / 1024);
            self.broken.get_or_insert(what);
            return;
        }
        self.entry_bytes += text.len();
        node.text.push_str(text);
    }

    fn next_event(&mut self) -> Option<Result<Located<Item>, ItemError>> {
        loop {
            self.buf.clear();
            if self.buf.capacity() > 1024 * 1024 {
                self.buf = Vec::new(); // a huge field's buffer is not kept for the rest of the file
            }
            if self.stack.is_empty() {
                self.entry_bytes = 0;
            }
            // Only quick-xml's look-ahead lies between what was counted and what it consumed.
            self.limit.set(self.bytes.get().saturating_add(MAX_EVENT_BYTES));
            let (ns, event) = match self.reader.read_resolved_event_into(&mut self.buf) {
                Ok((ResolveResult::Bound(ns), event)) => (Ns::of(Some(ns.as_ref())), event),
                Ok((ResolveResult::Unbound, event)) => (Ns::Rss, event),
                Ok((ResolveResult::Unknown(_), event)) => (Ns::Other, event),
                Err(e) => {
                    let message = format!("the XML is broken near line {}: {e}", self.line());
                    return self.fatal(message);
                }
            };
            match event {
                Event::Decl(decl) => {
                    if let Some(Ok(encoding)) = decl.encoding() {
                        let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
                        if encoding != "utf-8" && encoding != "utf8" {
                            return self
                                .fatal(format!("the file says it is encoded in {encoding}; export it again as UTF-8"));
                        }
                    }
                }
                Event::Start(start) => {
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    self.depth += 1;
                    if ns == Ns::Wp || ns == Ns::Excerpt {
                        self.saw_wordpress = true;
                    }
                    if self.depth == 1 && !(ns == Ns::Rss && name == "rss") {
                        return self
                            .fatal(format!("not a WordPress export (WXR): the document is <{name}>, not <rss>"));
                    }
                    if self.stack.is_empty() && self.depth != 3 {
                        continue;
                    }
                    let attrs = start
                        .attributes()
                        .flatten()
                        .map(|a| {
                            let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                            let value = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map(|v| v.into_owned())
                                .unwrap_or_default();
                            (key, value)
                        })
                        .collect();
                    let line = self.line();
                    self.stack.push(Node::new(ns, name, attrs, line));
                }
                Event::Empty(start) => {
                    if self.stack.is_empty() {
                        continue;
                    }
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    let attrs = start
                        .attributes()
                        .flatten()
                        .map(|a| {
                            let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                            (
                                key,
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .map(|v| v.into_owned())
                                    .unwrap_or_default(),
                            )
                        })
                        .collect();
                    let node = Node::new(ns, name, attrs, self.line());
                    if let Some(parent) = self.stack.last_mut() {
                        parent.children.push(node);
                    }
                }
                Event::Text(text) => {
                    if self.stack.is_empty() {
                        continue;
                    }
                    match text.decode().map(std::borrow::Cow::into_owned) {
                        Ok(t) => self.push_text(&t),
                        Err(_) => {
                            let line = self.line();
                            self.broken.get_or_insert(format!("text near line {line} is not valid UTF-8"));
                        }
                    }
                }
                Event::CData(data) => {
                    if self.stack.is_empty() {
                        continue;
                    }
                    match data.decode().map(std::borrow::Cow::into_owned) {
                        Ok(t) => self.push_text(&t),
                        Err(_) => {
                            let line = self.line();
                            self.broken.get_or_insert(format!("text near line {line} is not valid UTF-8"));
                        }
                    }
                }
                Event::GeneralRef(entity) => {
                    if self.stack.is_empty() {
                        continue;
                    }
                    let name = String::from_utf8_lossy(&entity).into_owned();
                    match resolve_entity(&name) {
                        Some(text) => self.push_text(&text),
                        None => self.push_text(&format!("&{name};")),
                    }
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    let Some(node) = self.stack.pop() else { continue };
                    if let Some(parent) = self.stack.last_mut() {
                        parent.children.push(node);
                        continue;
                    }
                    // A direct child of <channel> is complete.
                    if let Some(item) = self.finish_top(node) {
                        return Some(item);
                    }
                }
                Event::Eof => {
                    if self.depth > 0 {
                        let line = self.line();
                        return self.fatal(format!("the file ends early (truncated?) at line {line}"));
                    }
                    self.done = true;
                    if !self.saw_wordpress {
                        return Some(Err(ItemError {
                            line: 1,
                            item: None,
                            message: "not a WordPress export (WXR): no WordPress elements in this RSS file".into(),
                        }));
                    }
                    if !self.site_sent {
                        self.site_sent = true;
                        return Some(Ok(Located { line: 1, item: Item::Site(self.site.clone()) }));
                    }
                    return None;
                }
                _ => {}
            }
        }
    }

    /// Handles a finished direct child of `<channel>`: site facts are kept, entries become items.
    fn finish_top(&mut self, node: Node) -> Option<Result<Located<Item>, ItemError>> {
        if !is_entry(node.ns, &node.name) {
            self.broken = None;
            let text = node.text.trim().to_string();
            match (node.ns, node.name.as_str()) {
                (Ns::Rss, "title") => self.site.title = text,
                (Ns::Rss, "link") if self.site.url.is_empty() => self.site.url = text.trim_end_matches('/').into(),
                (Ns::Wp, "base_blog_url") => self.site.url = text.trim_end_matches('/').into(),
                (Ns::Wp, "wxr_version") => {
                    self.saw_wordpress = true;
                    self.site.version = text;
                }
                _ => {}
            }
            return None;
        }
        let line = node.line;
        if let Some(message) = self.broken.take() {
            return Some(Err(ItemError { line, item: Some(describe(&node)), message }));
        }
        // The site goes first, once its facts (which precede the entries) are known.
        let site = (!self.site_sent).then(|| {
            self.site_sent = true;
            Located { line: 1, item: Item::Site(self.site.clone()) }
        });
        let item = match entry(&node) {
            Ok(item) => item,
            Err(message) => return Some(Err(ItemError { line, item: Some(describe(&node)), message })),
        };
        if let Some(key) = identity(&item) {
            if let Some(first) = self.seen.get(&key) {
                let message = format!("duplicate id: {key} was already read at line {first}");
                return Some(Err(ItemError { line, item: Some(describe(&node)), message }));
            }
            self.seen.insert(key, line);
        }
        let located = Located { line, item };
        match site {
            Some(site) => {
                self.pending = Some(located);
                Some(Ok(site))
            }
            None => Some(Ok(located)),
        }
    }
}

impl<R: BufRead> Iterator for WxrReader<R> {
    type Item = Result<Located<Item>, ItemError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(item) = self.pending.take() {
            return Some(Ok(item));
        }
        if self.done {
            return None;
        }
        self.next_event()
    }
}

/// How a report names an entry: its kind and title or id.
fn describe(node: &Node) -> String {
    let title = node.text_of(Ns::Rss, "title").unwrap_or_default();
    let id = node.text_of(Ns::Wp, "post_id").or_else(|| node.text_of(Ns::Wp, "term_id"));
    let kind = node.text_of(Ns::Wp, "post_type").unwrap_or_else(|| node.name.clone());
    match (id, title.is_empty()) {
        (Some(id), false) => format!("{kind} {id} \"{}\"", short(&title)),
        (Some(id), true) => format!("{kind} {id}"),
        (None, false) => format!("{kind} \"{}\"", short(&title)),
        (None, true) => kind,
    }
}

fn short(s: &str) -> String {
    let cut: String = s.chars().take(60).collect();
    if cut.len() < s.len() { format!("{cut}…") } else { cut }
}

/// The key duplicates are detected by.
fn identity(item: &Item) -> Option<String> {
    match item {
        Item::Post(p) => Some(format!("post {}", p.source_id)),
        Item::Attachment(a) => Some(format!("post {}", a.source_id)),
        Item::Author(a) => Some(format!("author {}", a.source_id)),
        _ => None,
    }
}

fn entry(node: &Node) -> Result<Item, String> {
    match (node.ns, node.name.as_str()) {
        (Ns::Wp, "author") => author(node),
        (Ns::Wp, "category") => Ok(Item::Term(TermItem {
            source_id: node
                .text_of(Ns::Wp, "term_id")
                .or_else(|| node.text_of(Ns::Wp, "category_nicename"))
                .unwrap_or_default(),
            kind: TermKind::Category,
            slug: node.text_of(Ns::Wp, "category_nicename").unwrap_or_default(),
            name: node.text_of(Ns::Wp, "cat_name").unwrap_or_default(),
            parent_slug: node.text_of(Ns::Wp, "category_parent"),
            description: node.text_of(Ns::Wp, "category_description"),
        })),
        (Ns::Wp, "tag") => Ok(Item::Term(TermItem {
            source_id: node.text_of(Ns::Wp, "term_id").or_else(|| node.text_of(Ns::Wp, "tag_slug")).unwrap_or_default(),
            kind: TermKind::Tag,
            slug: node.text_of(Ns::Wp, "tag_slug").unwrap_or_default(),
            name: node.text_of(Ns::Wp, "tag_name").unwrap_or_default(),
            parent_slug: None,
            description: node.text_of(Ns::Wp, "tag_description"),
        })),
        (Ns::Wp, "term") => {
            let taxonomy = node.text_of(Ns::Wp, "term_taxonomy").unwrap_or_default();
            let kind = match taxonomy.as_str() {
                "category" => TermKind::Category,
                "post_tag" => TermKind::Tag,
                _ => {
                    let name = node.text_of(Ns::Wp, "term_name").unwrap_or_default();
                    return Ok(Item::Unsupported { what: format!("{taxonomy} term"), name });
                }
            };
            Ok(Item::Term(TermItem {
                source_id: node
                    .text_of(Ns::Wp, "term_id")
                    .or_else(|| node.text_of(Ns::Wp, "term_slug"))
                    .unwrap_or_default(),
                kind,
                slug: node.text_of(Ns::Wp, "term_slug").unwrap_or_default(),
                name: node.text_of(Ns::Wp, "term_name").unwrap_or_default(),
                parent_slug: node.text_of(Ns::Wp, "term_parent"),
                description: node.text_of(Ns::Wp, "term_description"),
            }))
        }
        _ => item(node),
    }
}

fn author(node: &Node) -> Result<Item, String> {
    let login = node.text_of(Ns::Wp, "author_login").ok_or("the author has no <wp:author_login>")?;
    let display_name = node.text_of(Ns::Wp, "author_display_name").unwrap_or_else(|| login.clone());
    Ok(Item::Author(Author {
        source_id: login.clone(),
        login,
        email: node.text_of(Ns::Wp, "author_email"),
        display_name,
        bio: None,
    }))
}

/// Post meta as (key, value).
fn meta(node: &Node) -> HashMap<String, String> {
    node.all(Ns::Wp, "postmeta")
        .filter_map(|m| Some((m.text_of(Ns::Wp, "meta_key")?, m.text_of(Ns::Wp, "meta_value").unwrap_or_default())))
        .collect()
}

fn item(node: &Node) -> Result<Item, String> {
    let post_type = node.text_of(Ns::Wp, "post_type").unwrap_or_else(|| "post".into());
    let title = node.text_of(Ns::Rss, "title").unwrap_or_default();
    let link = node.text_of(Ns::Rss, "link");
    let guid = node.text_of(Ns::Rss, "guid");
    let source_id = node
        .text_of(Ns::Wp, "post_id")
        .or_else(|| guid.clone())
        .or_else(|| link.clone())
        .ok_or("the item has no <wp:post_id>, <guid> or <link>")?;
    let meta = meta(node);
    let author = node.text_of(Ns::Dc, "creator");
    let kind = match post_type.as_str() {
        "post" => PostKind::Post,
        "page" => PostKind::Page,
        "attachment" => {
            let url = node
                .text_of(Ns::Wp, "attachment_url")
                .or_else(|| guid.clone())
                .ok_or("the attachment has no <wp:attachment_url>")?;
            return Ok(Item::Attachment(Attachment {
                source_id,
                url,
                file: meta.get("_wp_attached_file").cloned().filter(|f| !f.is_empty()),
                title,
                alt: meta.get("_wp_attachment_image_alt").cloned().filter(|a| !a.is_empty()),
                caption: node.text_of(Ns::Excerpt, "encoded"),
                parent: node.text_of(Ns::Wp, "post_parent").filter(|p| p != "0"),
                menu_order: node.text_of(Ns::Wp, "menu_order").and_then(|o| o.parse().ok()).unwrap_or(0),
                author,
            }));
        }
        other => return Ok(Item::Unsupported { what: other.to_string(), name: title }),
    };
    let status_text = node.text_of(Ns::Wp, "status").unwrap_or_else(|| "publish".into());
    let status = match status_text.as_str() {
        "publish" | "inherit" => PostStatus::Published,
        "future" => PostStatus::Scheduled,
        "draft" | "auto-draft" => PostStatus::Draft,
        "pending" => PostStatus::Pending,
        "private" => PostStatus::Private,
        "trash" => PostStatus::Trash,
        other => return Err(format!("unknown status {other:?}")),
    };
    let published_at = dates::wordpress(node.text_of(Ns::Wp, "post_date_gmt").as_deref())
        .or_else(|| node.text_of(Ns::Rss, "pubDate").as_deref().and_then(dates::rfc2822))
        .or_else(|| dates::wordpress(node.text_of(Ns::Wp, "post_date").as_deref()));
    let mut categories = Vec::new();
    let mut tags = Vec::new();
    for category in node.all(Ns::Rss, "category") {
        let name = category.text.trim().to_string();
        if name.is_empty() {
            continue;
        }
        let slug = category.attr("nicename").map(str::to_string).unwrap_or_else(|| quire_core::slug::slugify(&name));
        match category.attr("domain") {
            Some("post_tag") => tags.push((slug, name)),
            Some("category") | None => categories.push((slug, name)),
            Some(_) => {}
        }
    }
    let comments = node.all(Ns::Wp, "comment").map(comment).collect::<Result<Vec<_>, _>>()?;
    let aliases = guid.filter(|g| Some(g) != link.as_ref()).into_iter().collect();
    Ok(Item::Post(Box::new(PostItem {
        source_id,
        kind,
        status,
        title,
        slug: node.text_of(Ns::Wp, "post_name").unwrap_or_default(),
        author,
        published_at,
        modified_at: dates::wordpress(node.text_of(Ns::Wp, "post_modified_gmt").as_deref()),
        excerpt: node.text_of(Ns::Excerpt, "encoded"),
        html: node.raw_text_of(Ns::Content, "encoded"),
        link,
        aliases,
        sticky: node.text_of(Ns::Wp, "is_sticky").is_some_and(|s| s == "1"),
        password: node.text_of(Ns::Wp, "post_password"),
        discussion: match node.text_of(Ns::Wp, "comment_status").as_deref() {
            Some("closed") => Discussion::Closed,
            _ => Discussion::Open,
        },
        categories,
        tags,
        featured_media: meta.get("_thumbnail_id").cloned().filter(|t| !t.is_empty() && t != "0"),
        featured_image: None,
        comments,
    })))
}

fn comment(node: &Node) -> Result<Located<CommentItem>, String> {
    let source_id =
        node.text_of(Ns::Wp, "comment_id").ok_or_else(|| format!("a comment (line {}) has no id", node.line))?;
    let status = match node.text_of(Ns::Wp, "comment_approved").as_deref() {
        Some("1") | Some("approve") | Some("approved") => CommentStatus::Approved,
        Some("spam") => CommentStatus::Spam,
        Some("trash") | Some("post-trashed") => CommentStatus::Trash,
        _ => CommentStatus::Pending,
    };
    let kind = match node.text_of(Ns::Wp, "comment_type").as_deref() {
        Some("pingback") => CommentKind::Pingback,
        Some("trackback") => CommentKind::Trackback,
        _ => CommentKind::Comment,
    };
    let created_at: Option<OffsetDateTime> = dates::wordpress(node.text_of(Ns::Wp, "comment_date_gmt").as_deref())
        .or_else(|| dates::wordpress(node.text_of(Ns::Wp, "comment_date").as_deref()));
    Ok(Located {
        line: node.line,
        item: CommentItem {
            source_id,
            parent: node.text_of(Ns::Wp, "comment_parent").filter(|p| p != "0"),
            author_name: node.text_of(Ns::Wp, "comment_author").unwrap_or_default(),
            author_email: node.text_of(Ns::Wp, "comment_author_email"),
            author_url: node.text_of(Ns::Wp, "comment_author_url"),
            created_at,
            html: node.raw_text_of(Ns::Wp, "comment_content"),
            status,
            kind,
        },
    })
}
