//! WordPress bodies to Quire content: block-editor comments stripped to their HTML, shortcodes
//! turned into what they show (`[caption]` → figure with caption, `[gallery]` → images,
//! `[embed]` → link, `[code]`/`[sourcecode]` → fenced code), classic blank-line paragraphs made
//! paragraphs. Plain paragraphs and headings become Markdown; anything richer stays HTML, which
//! Quire's renderer sanitises. Whatever cannot be carried over is named in `notes`, never dropped
//! silently.

/// A converted body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    /// Markdown in Quire's dialect (raw HTML where Markdown would not be faithful).
    pub markdown: String,
    /// What could not be converted as such, for the import report.
    pub notes: Vec<String>,
}

/// Where the images of galleries are, as the importer knows them.
pub trait Attachments {
    /// The address of an attachment by its source id, with its alt text.
    fn image(&self, source_id: &str) -> Option<(String, String)>;
    /// Images attached to a post, in WordPress's gallery order (`menu_order`, then id).
    fn children(&self, post_source_id: &str) -> Vec<(String, String)>;
}

/// No attachments known.
pub struct NoAttachments;

impl Attachments for NoAttachments {
    fn image(&self, _: &str) -> Option<(String, String)> {
        None
    }
    fn children(&self, _: &str) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// Tags the sanitiser removes with their content; named in the notes when a body has them.
const REMOVED: [&str; 10] =
    ["script", "style", "object", "embed", "applet", "form", "textarea", "select", "svg", "math"];

/// Start and end of a placeholder for a block kept away from paragraph handling.
const HOLD_START: char = '\u{E000}';
const HOLD_END: char = '\u{E001}';

struct Work<'a> {
    held: Vec<String>,
    notes: Vec<String>,
    post: &'a str,
    attachments: &'a dyn Attachments,
}

impl Work<'_> {
    fn hold(&mut self, block: String) -> String {
        self.held.push(block);
        format!("\n\n{HOLD_START}{}{HOLD_END}\n\n", self.held.len() - 1)
    }

    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }
}

/// Converts a WordPress post body; `post` is its source id (for `[gallery]` without ids).
pub fn wordpress(html: &str, post: &str, attachments: &dyn Attachments) -> Converted {
    let mut work = Work { held: Vec::new(), notes: Vec::new(), post, attachments };
    let text = html.replace("\r\n", "\n");
    let text = strip_block_comments(&text);
    let text = hold_pre(&text, &mut work);
    let text = shortcodes(&text, &mut work);
    let text = iframes_to_links(&text, &mut work);
    for tag in REMOVED {
        if contains_tag(&text, tag) {
            work.note(format!("<{tag}> is not allowed in posts and was removed"));
        }
    }
    let markdown = paragraphs(&text, &work.held);
    Converted { markdown, notes: work.notes }
}

/// Converts clean HTML (Ghost's): no shortcodes, but the same care for code blocks, frames and
/// what the sanitiser would remove.
pub fn html(html: &str) -> Converted {
    let mut work = Work { held: Vec::new(), notes: Vec::new(), post: "", attachments: &NoAttachments };
    let text = html.replace("\r\n", "\n");
    let text = hold_pre(&text, &mut work);
    let text = iframes_to_links(&text, &mut work);
    for tag in REMOVED {
        if contains_tag(&text, tag) {
            work.note(format!("<{tag}> is not allowed in posts and was removed"));
        }
    }
    // Ghost writes one long line; blocks are separated so each stays an HTML block of its own.
    let text = text.replace("</p><", "</p>\n\n<").replace("</figure><", "</figure>\n\n<");
    let markdown = paragraphs(&text, &work.held);
    Converted { markdown, notes: work.notes }
}

/// A comment's text as WordPress shows it: blank lines part paragraphs, newlines are breaks.
/// The result still needs the comment sanitiser.
pub fn comment_html(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("<br>\n"))
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{p}</p>"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Removes `<!-- wp:… -->`, `<!-- /wp:… -->`, `<!--more-->` and `<!--nextpage-->`.
fn strip_block_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("<!--") {
        out.push_str(rest.get(..at).unwrap_or_default());
        let after = rest.get(at + 4..).unwrap_or_default();
        let Some(end) = after.find("-->") else {
            out.push_str(rest.get(at..).unwrap_or_default());
            return out;
        };
        let inner = after.get(..end).unwrap_or_default().trim();
        let editor =
            inner.starts_with("wp:") || inner.starts_with("/wp:") || inner.starts_with("more") || inner == "nextpage";
        if !editor {
            out.push_str(rest.get(at..at + 4 + end + 3).unwrap_or_default());
        }
        rest = after.get(end + 3..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Keeps `<pre>…</pre>` whole: blank lines inside are code, not paragraph breaks.
fn hold_pre(text: &str, work: &mut Work<'_>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_tag(rest, "pre") {
        let Some(end) = rest.get(at..).and_then(|r| r.find("</pre>")).map(|e| at + e + "</pre>".len()) else {
            break;
        };
        out.push_str(rest.get(..at).unwrap_or_default());
        let block = rest.get(at..end).unwrap_or_default().to_string();
        out.push_str(&work.hold(block));
        rest = rest.get(end..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Byte offset of the first `<tag` (followed by `>`, space or `/`), case-insensitively.
fn find_tag(text: &str, tag: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let needle = format!("<{tag}");
    let mut from = 0;
    while let Some(found) = lower.get(from..).and_then(|r| r.find(&needle)) {
        let at = from + found;
        let next = lower.as_bytes().get(at + needle.len()).copied();
        if matches!(next, Some(b'>' | b' ' | b'/' | b'\n' | b'\t')) {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

fn contains_tag(text: &str, tag: &str) -> bool {
    find_tag(text, tag).is_some()
}

/// A parsed `[name attrs]`.
struct Shortcode {
    name: String,
    attrs: Vec<(String, String)>,
    /// Bytes of the opening tag.
    len: usize,
}

/// Parses a shortcode opening at the start of `text` (which begins with `[`).
fn open_shortcode(text: &str) -> Option<Shortcode> {
    let end = text.find(']')?;
    let inner = text.get(1..end)?;
    if inner.contains('[') || inner.contains('\n') {
        return None;
    }
    let name: String = inner.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = inner.get(name.len()..)?;
    if !(rest.is_empty() || rest.starts_with(' ') || rest == "/" || rest.ends_with('/')) {
        return None;
    }
    Some(Shortcode { name: name.to_ascii_lowercase(), attrs: attributes(rest), len: end + 1 })
}

/// `key="value" key='value' key=value`; bare words are ignored.
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim().trim_end_matches('/');
    while let Some(eq) = rest.find('=') {
        let key = rest.get(..eq).unwrap_or_default().split_whitespace().last().unwrap_or_default().to_ascii_lowercase();
        let after = rest.get(eq + 1..).unwrap_or_default().trim_start();
        let (value, next) = match after.chars().next() {
            Some(q @ ('"' | '\'' | '\u{201c}' | '\u{201d}' | '\u{2033}')) => {
                let body = after.get(q.len_utf8()..).unwrap_or_default();
                let close = body.find([q, '\u{201d}', '\u{2033}']).unwrap_or(body.len());
                let value = body.get(..close).unwrap_or_default();
                let close_len = body.get(close..).and_then(|s| s.chars().next()).map_or(0, char::len_utf8);
                (value, body.get(close + close_len..).unwrap_or_default())
            }
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (after.get(..end).unwrap_or_default(), after.get(end..).unwrap_or_default())
            }
        };
        out.push((key, value.to_string()));
        rest = next;
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Replaces the shortcodes Quire understands and names the others.
fn shortcodes(text: &str, work: &mut Work<'_>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('[') {
        out.push_str(rest.get(..at).unwrap_or_default());
        let from = rest.get(at..).unwrap_or_default();
        let Some(code) = open_shortcode(from) else {
            out.push('[');
            rest = from.get(1..).unwrap_or_default();
            continue;
        };
        let after = from.get(code.len..).unwrap_or_default();
        let closing = format!("[/{}]", code.name);
        let body = after.find(&closing).map(|end| (after.get(..end).unwrap_or_default(), end + closing.len()));
        let (content, consumed) = match body {
            Some((content, len)) => (Some(content), code.len + len),
            None => (None, code.len),
        };
        let whole = from.get(..consumed).unwrap_or_default();
        match code.name.as_str() {
            "caption" | "wp_caption" => out.push_str(&work.hold(caption(&code, content.unwrap_or_default()))),
            "gallery" => {
                let block = gallery(&code, work);
                match block {
                    Some(block) => out.push_str(&work.hold(block)),
                    None => {
                        work.note(format!("{} shows no images Quire knows of; kept as text", open_text(whole)));
                        out.push_str(whole);
                    }
                }
            }
            "embed" => {
                let url = content.unwrap_or_default().trim();
                if url.starts_with("http://") || url.starts_with("https://") {
                    let url = escape_attr(url);
                    out.push_str(&work.hold(format!("<p><a href=\"{url}\">{url}</a></p>")));
                } else {
                    work.note("[embed] without an address; kept as text".into());
                    out.push_str(whole);
                }
            }
            "code" | "sourcecode" => {
                let language = attr(&code.attrs, "language").or_else(|| attr(&code.attrs, "lang")).unwrap_or_default();
                out.push_str(&work.hold(fenced(content.unwrap_or_default(), language)));
            }
            _ if content.is_some() || !code.attrs.is_empty() => {
                work.note(format!("unknown shortcode [{}] kept as text", code.name));
                out.push_str(whole);
            }
            _ => out.push_str(whole),
        }
        rest = from.get(consumed..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

fn open_text(whole: &str) -> String {
    whole.split(']').next().map(|s| format!("{s}]")).unwrap_or_default()
}

/// `[caption]<img …> Words[/caption]` (the image may be wrapped in a link) → a figure.
fn caption(code: &Shortcode, content: &str) -> String {
    let content = content.trim();
    let lower = content.to_ascii_lowercase();
    let media_end = if lower.starts_with("<a") {
        lower.find("</a>").map(|e| e + 4)
    } else if lower.starts_with("<img") {
        content.find('>').map(|e| e + 1)
    } else {
        None
    };
    let (media, text) = match media_end {
        Some(end) => (content.get(..end).unwrap_or_default(), content.get(end..).unwrap_or_default().trim()),
        None => ("", content),
    };
    let text = if text.is_empty() { attr(&code.attrs, "caption").unwrap_or_default() } else { text };
    let figcaption = if text.is_empty() { String::new() } else { format!("<figcaption>{text}</figcaption>") };
    format!("<figure>{media}{figcaption}</figure>")
}

/// `[gallery ids="1,2"]` (in that order), or `[gallery]` (the images of the post, or of the
/// post `id="…"`, in gallery order; `order="DESC"` reverses it) → its images in a figure.
fn gallery(code: &Shortcode, work: &mut Work<'_>) -> Option<String> {
    let images: Vec<(String, String)> = match attr(&code.attrs, "ids").or_else(|| attr(&code.attrs, "include")) {
        Some(ids) => {
            let mut found = Vec::new();
            for id in ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                match work.attachments.image(id) {
                    Some(image) => found.push(image),
                    None => work.note(format!("[gallery] image {id} is not in the export")),
                }
            }
            found
        }
        None => {
            let mut own = work.attachments.children(attr(&code.attrs, "id").unwrap_or(work.post));
            if attr(&code.attrs, "order").is_some_and(|o| o.eq_ignore_ascii_case("desc")) {
                own.reverse();
            }
            own
        }
    };
    if images.is_empty() {
        return None;
    }
    let imgs: String = images
        .iter()
        .map(|(url, alt)| format!("<img src=\"{}\" alt=\"{}\">", escape_attr(url), escape_attr(alt)))
        .collect();
    Some(format!("<figure>{imgs}</figure>"))
}

/// Code as a Markdown fence long enough not to be closed by the code itself.
fn fenced(code: &str, language: &str) -> String {
    let code = decode_entities(code.trim_matches('\n'));
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let language: String =
        language.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '#')).collect();
    format!("{fence}{language}\n{code}\n{fence}")
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&#8217;", "\u{2019}")
        .replace("&amp;", "&")
}

fn escape_attr(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `<iframe src="…">` (video players and the like) → a link to what it showed: Quire makes no
/// third-party requests from readers' browsers.
fn iframes_to_links(text: &str, work: &mut Work<'_>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_tag(rest, "iframe") {
        out.push_str(rest.get(..at).unwrap_or_default());
        let from = rest.get(at..).unwrap_or_default();
        let lower = from.to_ascii_lowercase();
        let end = lower.find("</iframe>").map(|e| e + "</iframe>".len()).or_else(|| from.find('>').map(|e| e + 1));
        let Some(end) = end else {
            out.push_str(from);
            return out;
        };
        let tag = from.get(..from.find('>').unwrap_or(end)).unwrap_or_default();
        let src = attributes(tag.get(7..).unwrap_or_default()).into_iter().find(|(k, _)| k == "src").map(|(_, v)| v);
        match src {
            Some(src) if src.starts_with("http") || src.starts_with("//") => {
                let url = if src.starts_with("//") { format!("https:{src}") } else { src };
                work.note(format!("embedded frame {url} became a link"));
                let url = escape_attr(&url);
                out.push_str(&format!("\n\n<p><a href=\"{url}\">{url}</a></p>\n\n"));
            }
            _ => work.note("an <iframe> without an address was removed".into()),
        }
        rest = from.get(end..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Tags that start a block of their own; any other chunk is a paragraph.
const BLOCK_TAGS: [&str; 27] = [
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dd",
    "dt",
    "table",
    "blockquote",
    "pre",
    "figure",
    "hr",
    "address",
    "section",
    "article",
    "aside",
    "header",
    "footer",
    "details",
    "nav",
];

fn starts_block(chunk: &str) -> bool {
    let lower =
        chunk.get(..16.min(chunk.len())).map(str::to_ascii_lowercase).unwrap_or_else(|| chunk.to_ascii_lowercase());
    BLOCK_TAGS.iter().any(|tag| {
        [format!("<{tag}>"), format!("<{tag} "), format!("<{tag}/"), format!("</{tag}")]
            .iter()
            .any(|p| lower.starts_with(p.as_str()))
    })
}

/// WordPress's `wpautop`, writing Markdown where it is faithful: blank lines part paragraphs,
/// single newlines are line breaks; held blocks go back in whole.
fn paragraphs(text: &str, held: &[String]) -> String {
    let mut blocks: Vec<String> = Vec::new();
    for chunk in text.split("\n\n") {
        let lines: Vec<&str> = chunk.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let joined = lines.join("\n");
        let index = joined.strip_prefix(HOLD_START).and_then(|r| r.strip_suffix(HOLD_END));
        if let Some(block) = index.and_then(|i| i.parse::<usize>().ok()).and_then(|i| held.get(i)) {
            blocks.push(block.clone());
            continue;
        }
        blocks.push(block(&joined, &lines));
    }
    blocks.join("\n\n")
}

fn block(joined: &str, lines: &[&str]) -> String {
    if let Some(heading) = plain_heading(joined) {
        return heading;
    }
    if starts_block(joined) {
        return joined.to_string();
    }
    let plain = !joined.contains(['<', '&']);
    if plain {
        return lines.iter().map(|l| escape_markdown(l)).collect::<Vec<_>>().join("  \n");
    }
    format!("<p>{}</p>", lines.join("<br />\n"))
}

/// `<h2>Words</h2>` with nothing richer inside → `## Words`.
fn plain_heading(chunk: &str) -> Option<String> {
    let lower = chunk.to_ascii_lowercase();
    for level in 1..=6usize {
        let open = format!("<h{level}>");
        let close = format!("</h{level}>");
        if lower.starts_with(&open) && lower.ends_with(&close) {
            let inner = chunk.get(open.len()..chunk.len().saturating_sub(close.len()))?;
            if inner.contains(['<', '&', '\n']) || inner.trim().is_empty() {
                return None;
            }
            return Some(format!("{} {}", "#".repeat(level), escape_markdown(inner.trim())));
        }
    }
    None
}

/// Backslash-escapes what Markdown would read as syntax, so text stays text.
fn escape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (i, c) in line.chars().enumerate() {
        let special = matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~')
            || (i == 0 && matches!(c, '#' | '>' | '-' | '+' | '='))
            || (c == '!' && i == 0);
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    // "1. " at the start would become a list.
    if let Some(dot) = out.find(". ")
        && dot > 0
        && out.get(..dot).is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
    {
        out.insert(dot, '\\');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(html: &str) -> Converted {
        wordpress(html, "1", &NoAttachments)
    }

    #[test]
    fn blank_lines_make_paragraphs_and_plain_text_stays_markdown() {
        let c = convert("First *para*\nsecond line\n\nSecond");
        assert_eq!(c.markdown, "First \\*para\\*  \nsecond line\n\nSecond");
        let c = convert("Some <em>rich</em> text\n\n<p>Already</p>");
        assert_eq!(c.markdown, "<p>Some <em>rich</em> text</p>\n\n<p>Already</p>");
    }

    #[test]
    fn block_comments_are_stripped_to_their_html() {
        let c = convert("<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph --><!--more-->");
        assert_eq!(c.markdown, "<p>Hi</p>");
    }

    #[test]
    fn captions_become_figures_and_code_becomes_fences() {
        let c = convert("[caption id=\"a\" width=\"300\"]<img src=\"/b.jpg\" alt=\"Boat\" /> A boat[/caption]");
        assert_eq!(c.markdown, "<figure><img src=\"/b.jpg\" alt=\"Boat\" /><figcaption>A boat</figcaption></figure>");
        let c = convert("[code language=\"php\"]\n&lt;?php echo 1;\n\nexit;\n[/code]");
        assert_eq!(c.markdown, "```php\n<?php echo 1;\n\nexit;\n```");
    }

    #[test]
    fn what_cannot_be_converted_is_named() {
        let c = convert("[gallery]\n\n[unknown a=\"b\"]x[/unknown]<script>x()</script>");
        assert!(c.markdown.contains("gallery"), "kept: {}", c.markdown);
        assert_eq!(c.notes.len(), 3, "{:?}", c.notes);
    }

    #[test]
    fn headings_of_plain_text_become_markdown_and_pre_keeps_blank_lines() {
        let c = convert("<h2>Title</h2>\n\n<pre>a\n\nb</pre>");
        assert_eq!(c.markdown, "## Title\n\n<pre>a\n\nb</pre>");
    }

    #[test]
    fn any_input_converts_without_panicking() {
        for s in [
            "[",
            "[]",
            "[a",
            "[caption",
            "[caption]",
            "<!--",
            "<pre",
            "<iframe src=",
            "\u{E000}9\u{E001}",
            "[a=\u{201c}",
        ] {
            let _ = convert(s);
        }
    }
}
