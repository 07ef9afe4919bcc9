//! Streaming passes over HTML built on html5ever's tokenizer (the one ammonia parses with):
//! plain-text extraction, URL absolutisation for feeds, and tag rewriting. Entities are decoded by
//! the tokenizer, so `&#106;avascript:` is seen as `javascript:`; raw-text elements (`script`,
//! `style`, `textarea`, …) are tokenized as the HTML standard says, never as markup.

use std::cell::{Cell, RefCell};

use ammonia::url::{ParseError, Url};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use html5ever::{Attribute, LocalName, QualName, ns};

use crate::text::collapse_whitespace;

/// Largest piece of input handed to the tokenizer at once (tendrils are capped at 4 GiB).
const CHUNK: usize = 1 << 16;

/// Elements after whose start tag the tokenizer must switch out of the data state.
fn raw_state(name: &str) -> Option<TokenSinkResult<()>> {
    match name {
        "title" | "textarea" => Some(TokenSinkResult::RawData(RawKind::Rcdata)),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
            Some(TokenSinkResult::RawData(RawKind::Rawtext))
        }
        "script" => Some(TokenSinkResult::RawData(RawKind::ScriptData)),
        "plaintext" => Some(TokenSinkResult::Plaintext),
        _ => None,
    }
}

/// Feeds `html` through the tokenizer into `sink` and hands the sink back.
fn tokenize<S: TokenSink<Handle = ()>>(html: &str, sink: S) -> S {
    let input = BufferQueue::default();
    let mut rest = html;
    while !rest.is_empty() {
        let mut end = rest.len().min(CHUNK);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let Some((chunk, tail)) = rest.split_at_checked(end) else {
            break;
        };
        input.push_back(StrTendril::from_slice(chunk));
        rest = tail;
    }
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    // The sinks never answer `Script`, so one feed consumes everything.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink
}

/// The value of attribute `name` on `tag`, if present.
pub(crate) fn attr<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
    tag.attrs.iter().find(|a| &*a.name.local == name).map(|a| &*a.value)
}

/// Sets attribute `name` on `tag` to `value`, adding it when missing.
pub(crate) fn set_attr(tag: &mut Tag, name: &str, value: &str) {
    if let Some(a) = tag.attrs.iter_mut().find(|a| &*a.name.local == name) {
        a.value = StrTendril::from_slice(value);
    } else {
        tag.attrs.push(Attribute {
            name: QualName::new(None, ns!(), LocalName::from(name)),
            value: StrTendril::from_slice(value),
        });
    }
}

fn push_escaped_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            _ => out.push(c),
        }
    }
}

fn push_escaped_attr(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            // Not required by HTML, but keeps `<script` out of the output bytes altogether.
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            _ => out.push(c),
        }
    }
}

/// An attribute name that serialises back to the same name (the tokenizer lets a few oddities
/// such as quotes through as parse errors; those are dropped).
fn serialisable_name(name: &str) -> bool {
    !name.is_empty()
        && !name.chars().any(|c| c.is_control() || c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '/' | '='))
}

/// Where the rewriter is: ordinary markup, or inside an element whose text is not markup.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Text {
    Markup,
    /// `title`, `textarea`: entities decoded, so text is escaped again on the way out.
    Escapable,
    /// `script`, `style`, …: written back verbatim.
    Verbatim,
}

/// Re-serialises a token stream, letting a callback edit each start tag.
struct Rewriter<F> {
    out: RefCell<String>,
    text: Cell<Text>,
    on_start_tag: RefCell<F>,
}

impl<F: FnMut(&mut Tag)> TokenSink for Rewriter<F> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Ok(mut out) = self.out.try_borrow_mut() else {
            return TokenSinkResult::Continue;
        };
        match token {
            Token::TagToken(mut tag) => match tag.kind {
                TagKind::StartTag => {
                    if let Ok(mut edit) = self.on_start_tag.try_borrow_mut() {
                        edit(&mut tag);
                    }
                    out.push('<');
                    out.push_str(&tag.name);
                    for a in &tag.attrs {
                        if serialisable_name(&a.name.local) {
                            out.push(' ');
                            out.push_str(&a.name.local);
                            out.push_str("=\"");
                            push_escaped_attr(&mut out, &a.value);
                            out.push('"');
                        }
                    }
                    out.push_str(if tag.self_closing { " />" } else { ">" });
                    if let Some(next) = raw_state(&tag.name) {
                        self.text.set(match next {
                            TokenSinkResult::RawData(RawKind::Rcdata) => Text::Escapable,
                            _ => Text::Verbatim,
                        });
                        return next;
                    }
                }
                TagKind::EndTag => {
                    self.text.set(Text::Markup);
                    out.push_str("</");
                    out.push_str(&tag.name);
                    out.push('>');
                }
            },
            Token::CharacterTokens(text) => match self.text.get() {
                Text::Verbatim => out.push_str(&text),
                Text::Markup | Text::Escapable => push_escaped_text(&mut out, &text),
            },
            Token::NullCharacterToken => out.push('\u{fffd}'),
            Token::CommentToken(text) => {
                out.push_str("<!--");
                out.push_str(&text);
                out.push_str("-->");
            }
            Token::DoctypeToken(doctype) => {
                out.push_str("<!DOCTYPE");
                if let Some(name) = doctype.name {
                    out.push(' ');
                    out.push_str(&name);
                }
                out.push('>');
            }
            Token::EOFToken | Token::ParseError(_) => {}
        }
        TokenSinkResult::Continue
    }
}

/// Re-serialises `html`, passing every start tag through `edit` first. Text, comments and end
/// tags are kept; attribute quoting and entity spelling may be normalised.
pub(crate) fn rewrite_start_tags(html: &str, edit: impl FnMut(&mut Tag)) -> String {
    let sink = Rewriter {
        out: RefCell::new(String::with_capacity(html.len() + html.len() / 8)),
        text: Cell::new(Text::Markup),
        on_start_tag: RefCell::new(edit),
    };
    tokenize(html, sink).out.into_inner()
}

/// One image candidate of a `srcset`: a URL and its optional width or density descriptor.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Candidate<'a> {
    pub url: &'a str,
    pub descriptor: &'a str,
}

/// Splits a `srcset` value into candidates, following the HTML standard's parser closely enough
/// for sanitising: URLs run to whitespace, descriptors to the next comma outside parentheses.
pub(crate) fn parse_srcset(srcset: &str) -> Vec<Candidate<'_>> {
    let mut candidates = Vec::new();
    let mut rest = srcset;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let url_end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        let Some((url, after)) = rest.split_at_checked(url_end) else {
            break;
        };
        if url.ends_with(',') {
            candidates.push(Candidate { url: url.trim_end_matches(','), descriptor: "" });
            rest = after;
            continue;
        }
        let mut depth = 0usize;
        let mut desc_end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    desc_end = i;
                    break;
                }
                _ => {}
            }
        }
        let Some((descriptor, tail)) = after.split_at_checked(desc_end) else {
            break;
        };
        candidates.push(Candidate { url, descriptor: descriptor.trim() });
        rest = tail;
    }
    candidates
}

/// Joins candidates back into a `srcset` value.
pub(crate) fn join_srcset<'a>(candidates: impl IntoIterator<Item = (String, &'a str)>) -> String {
    let mut out = String::new();
    for (url, descriptor) in candidates {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&url);
        if !descriptor.is_empty() {
            out.push(' ');
            out.push_str(descriptor);
        }
    }
    out
}

/// `value` resolved against `base` when it is a relative URL; `None` when it is absolute already
/// (or cannot be resolved), meaning "leave it alone".
fn resolve(base: &Url, value: &str) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    match Url::parse(trimmed) {
        Err(ParseError::RelativeUrlWithoutBase) => base.join(trimmed).ok().map(String::from),
        _ => None,
    }
}

/// Rewrites relative `href`, `src`, `poster` and `srcset` URLs in `html` to absolute ones against
/// `base` (a post's permalink), for feeds read away from the site. Everything else is kept. When
/// `base` is not an absolute URL, `html` comes back unchanged.
pub fn absolutize_urls(html: &str, base: &str) -> String {
    let Ok(base) = Url::parse(base.trim()) else {
        return html.to_owned();
    };
    if base.cannot_be_a_base() {
        return html.to_owned();
    }
    rewrite_start_tags(html, |tag| {
        for a in &mut tag.attrs {
            let name: &str = &a.name.local;
            let new = match name {
                "href" | "src" | "poster" => resolve(&base, &a.value),
                "srcset" => {
                    let candidates = parse_srcset(&a.value);
                    let joined = join_srcset(candidates.iter().map(|c| {
                        let url = resolve(&base, c.url).unwrap_or_else(|| c.url.to_owned());
                        (url, c.descriptor)
                    }));
                    Some(joined)
                }
                _ => None,
            };
            if let Some(new) = new {
                a.value = StrTendril::from_slice(&new);
            }
        }
    })
}

/// Elements that separate words in rendered text.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "caption"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
            | "img"
            | "video"
            | "audio"
            | "picture"
    )
}

/// Elements whose content is never reader-visible text.
fn is_hidden(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "template"
            | "noscript"
            | "title"
            | "textarea"
            | "head"
            | "select"
            | "iframe"
            | "object"
            | "svg"
            | "math"
            | "noembed"
            | "noframes"
            | "xmp"
    )
}

fn has_class(tag: &Tag, class: &str) -> bool {
    attr(tag, "class").is_some_and(|v| v.split_ascii_whitespace().any(|c| c == class))
}

/// Collects text, skipping hidden elements and the dialect's non-prose bits.
struct TextCollector {
    out: RefCell<String>,
    /// The element being skipped and how deeply it is nested in itself.
    skipping: RefCell<Option<(LocalName, usize)>>,
}

impl TokenSink for TextCollector {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let (Ok(mut out), Ok(mut skipping)) = (self.out.try_borrow_mut(), self.skipping.try_borrow_mut()) else {
            return TokenSinkResult::Continue;
        };
        match token {
            Token::TagToken(tag) => {
                let raw = if tag.kind == TagKind::StartTag { raw_state(&tag.name) } else { None };
                if let Some((name, depth)) = skipping.as_mut() {
                    if *name == tag.name {
                        match tag.kind {
                            TagKind::StartTag => *depth += 1,
                            TagKind::EndTag => *depth -= 1,
                        }
                        if *depth == 0 {
                            *skipping = None;
                            if is_block(&tag.name) {
                                out.push(' ');
                            }
                        }
                    }
                } else if tag.kind == TagKind::StartTag {
                    let spoiler = has_class(&tag, "spoiler");
                    let skip = is_hidden(&tag.name)
                        || spoiler
                        || has_class(&tag, "missing-media")
                        || has_class(&tag, "credit")
                        || attr(&tag, "data-footnote-ref").is_some()
                        || attr(&tag, "data-footnote-backref").is_some();
                    if spoiler {
                        out.push_str(" [spoiler]");
                    }
                    if skip && !tag.self_closing && !is_void(&tag.name) {
                        *skipping = Some((tag.name.clone(), 1));
                    }
                    if is_block(&tag.name) {
                        out.push(' ');
                    }
                } else if is_block(&tag.name) {
                    out.push(' ');
                }
                if let Some(next) = raw {
                    return next;
                }
            }
            Token::CharacterTokens(text) if skipping.is_none() => out.push_str(&text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Void elements never have content or an end tag.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Plain text of an HTML fragment, whitespace collapsed, for search and excerpts. Block elements
/// separate words; scripts, styles and the like are dropped; entities are decoded. In Quire's
/// dialect, a spoiler's content shows as "[spoiler]" (excerpts must not give the ending away) and
/// footnote markers, image credits and missing-media notices are left out.
pub fn html_to_text(html: &str) -> String {
    let sink = TextCollector { out: RefCell::new(String::new()), skipping: RefCell::new(None) };
    collapse_whitespace(&tokenize(html, sink).out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_separates_blocks_but_not_inline_runs() {
        assert_eq!(
            html_to_text("<p>Kathy <em>H</em>.</p><p>Ruth&amp;Tommy</p><ul><li>a</li><li>b</li></ul>"),
            "Kathy H. Ruth&Tommy a b"
        );
    }

    #[test]
    fn text_drops_scripts_and_styles() {
        assert_eq!(
            html_to_text("a<script>if (1<2) {}</script>b<style>p{}</style> c<template><p>x</p></template>"),
            "ab c"
        );
    }

    #[test]
    fn text_hides_spoilers_and_footnote_markers() {
        let html = r##"<p>The <span class="spoiler">clones</span> know<sup class="footnote-ref"><a href="#fn-1" data-footnote-ref>1</a></sup>.</p>"##;
        assert_eq!(html_to_text(html), "The [spoiler] know.");
    }

    #[test]
    fn srcset_parsing_follows_commas_and_descriptors() {
        let parsed = parse_srcset(" a.jpg 480w,b.jpg 2x , c,d.jpg,, e.jpg");
        let urls: Vec<_> = parsed.iter().map(|c| (c.url, c.descriptor)).collect();
        assert_eq!(urls, vec![("a.jpg", "480w"), ("b.jpg", "2x"), ("c,d.jpg", ""), ("e.jpg", "")]);
    }

    #[test]
    fn rewriting_keeps_raw_text_elements_verbatim() {
        let html =
            "<p title=\"a &amp; &lt;b&gt;\">x &lt; y</p><script>if (a<b) {}</script><textarea>&lt;b&gt;</textarea>";
        assert_eq!(rewrite_start_tags(html, |_| {}), html);
    }
}
