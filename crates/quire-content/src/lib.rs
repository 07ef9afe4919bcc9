//! Quire's Markdown dialect rendered to sanitised HTML, plus the plain-text facts derived from
//! it (text for search and excerpts, headings, word count, media references). Pure: no I/O, no
//! network, no database; every public function is total and never panics, whatever the input.
//!
//! Posts get the full dialect (DESIGN.md §5): CommonMark + GFM, footnotes, heading ids,
//! highlighted code, figures, cited quotes, spoilers and sanitised raw HTML. Comments get a small
//! subset with user-generated links.

mod dialect;
mod figures;
mod highlight;
mod html;
mod identicon;
mod media;
mod quotes;
mod sanitize;
mod spoilers;
mod text;

use serde::{Deserialize, Serialize};

pub use dialect::media_references;
pub use highlight::{CLASS_PREFIX, syntax_css};
pub use html::{absolutize_urls, html_to_text};
pub use identicon::identicon_svg;
pub use media::{MediaInfo, MediaLookup, MediaVariant, NoMedia};
pub use sanitize::{sanitize_comment, sanitize_html};
pub use text::{escape_html, excerpt, reading_minutes};

use dialect::Dialect;

/// A heading of a rendered document, for a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heading {
    /// 1 to 6, as in `<h1>`–`<h6>`.
    pub level: u8,
    /// The element id, unique within the document, for `#fragment` links.
    pub id: String,
    /// The heading as plain text.
    pub text: String,
}

/// Output of rendering: sanitised HTML plus derived facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// Sanitised HTML, ready to embed in a page.
    pub html: String,
    /// Plain text, whitespace-collapsed, for search and excerpts (spoilers show as "[spoiler]").
    pub text: String,
    /// The document's headings in order (posts only; comments have none).
    pub headings: Vec<Heading>,
    /// Words in `text`.
    pub word_count: usize,
    /// Media-library ids referenced as `media:ID`, in order of first appearance.
    pub media_ids: Vec<i64>,
}

fn finish(output: dialect::Output, sanitize: fn(&str) -> String) -> Rendered {
    let html = sanitize(&output.html);
    let text = html_to_text(&html);
    Rendered { word_count: text::word_count(&text), html, text, headings: output.headings, media_ids: output.media_ids }
}

/// Renders an author's post or page with the full dialect; raw HTML is allowed but sanitised.
pub fn render_post(markdown: &str, media: &dyn MediaLookup) -> Rendered {
    finish(dialect::render(markdown, Dialect::Post, media), sanitize_html)
}

/// Renders a reader's comment: emphasis, links, code, quotes, lists and line breaks only; raw
/// HTML shows as text, images as links, headings as paragraphs, and every link is marked
/// `rel="nofollow ugc noopener"`.
pub fn render_comment(markdown: &str) -> Rendered {
    finish(dialect::render(markdown, Dialect::Comment, &NoMedia), sanitize::sanitize_comment)
}
