//! Quire's Markdown dialect on top of comrak: CommonMark + GFM + footnotes for posts, with
//! heading ids, highlighted code, figures, cited quotes and spoilers; and the smaller comment
//! subset. Rendering goes through a custom comrak formatter whose state collects headings and
//! media references; sanitising happens afterwards, over the whole output.

use std::fmt::{self, Write};

use comrak::html::{ChildRendering, Context, escape, escape_href, format_document_with_formatter, format_node_default};
use comrak::nodes::{Node, NodeValue};
use comrak::options::Plugins;
use comrak::{Arena, Options, parse_document};

use crate::figures::{Image, Images, Source};
use crate::highlight::write_code_block;
use crate::quotes::Citations;
use crate::spoilers::{SPOILER_CLOSE, SPOILER_OPEN};
use crate::{Heading, MediaLookup};

/// Which rule set a document is rendered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// An author's post or page: the full dialect, raw HTML allowed (sanitised later).
    Post,
    /// A reader's comment: a small subset, raw HTML shown as text.
    Comment,
}

/// Parser and renderer options of a dialect.
fn options(dialect: Dialect) -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.parse.smart = false;
    match dialect {
        Dialect::Post => {
            o.extension.table = true;
            o.extension.tasklist = true;
            o.extension.footnotes = true;
            o.extension.spoiler = true;
            o.render.tasklist_classes = true;
            o.render.r#unsafe = true;
        }
        Dialect::Comment => {
            // Readers type line breaks and expect to see them.
            o.render.hardbreaks = true;
        }
    }
    o
}

/// What the formatter needs while it writes, and what it learns on the way.
pub(crate) struct State<'m> {
    dialect: Dialect,
    citations: Citations,
    images: Images<'m>,
    headings: Vec<Heading>,
}

/// HTML (not yet sanitised) and the facts gathered while rendering it.
pub(crate) struct Output {
    pub html: String,
    pub headings: Vec<Heading>,
    pub media_ids: Vec<i64>,
}

/// Renders `markdown` in `dialect`; the HTML still needs sanitising.
pub(crate) fn render(markdown: &str, dialect: Dialect, media: &dyn MediaLookup) -> Output {
    let options = options(dialect);
    let arena = Arena::new();
    let root = parse_document(&arena, markdown, &options);
    let citations = match dialect {
        Dialect::Post => Citations::find(root),
        Dialect::Comment => Citations::default(),
    };
    let state = State { dialect, citations, images: Images::new(media), headings: Vec::new() };
    let mut html = String::with_capacity(markdown.len().saturating_add(markdown.len() / 2));
    let plugins = Plugins::default();
    match format_document_with_formatter(root, &options, &mut html, &plugins, format, state) {
        Ok(state) => Output { html, headings: state.headings, media_ids: state.images.ids },
        // Writing to a String does not fail; should it ever, show nothing rather than half.
        Err(fmt::Error) => Output { html: String::new(), headings: Vec::new(), media_ids: Vec::new() },
    }
}

/// Every `media:ID` an author's Markdown refers to, in order of first appearance, so the store
/// can preload exactly those items before rendering.
pub fn media_references(markdown: &str) -> Vec<i64> {
    let options = options(Dialect::Post);
    let arena = Arena::new();
    let root = parse_document(&arena, markdown, &options);
    let mut ids = Vec::new();
    for node in root.descendants() {
        if let NodeValue::Image(link) = &node.data().value
            && let Source::Media(id) = Source::parse(&link.url)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// The single image a paragraph consists of, if that is all it holds (outside footnotes, whose
/// last paragraph carries the back-reference).
fn lone_image<'a>(paragraph: Node<'a>) -> Option<Node<'a>> {
    if paragraph.parent().is_some_and(|p| matches!(p.data().value, NodeValue::FootnoteDefinition(_))) {
        return None;
    }
    let child = paragraph.first_child()?;
    if child.next_sibling().is_some() || !matches!(child.data().value, NodeValue::Image(_)) {
        return None;
    }
    Some(child)
}

/// Renders an image node (alone or inline) through `images`.
fn image_html(images: &mut Images<'_>, node: Node<'_>, in_figure: bool) -> String {
    let alt = node.collect_text();
    let data = node.data();
    let NodeValue::Image(link) = &data.value else {
        return String::new();
    };
    let image = Image { url: &link.url, title: &link.title, alt: &alt };
    if in_figure { images.figure(image) } else { images.inline(image) }
}

type Ctx<'o, 'c, 'm> = Context<'o, 'c, State<'m>>;

/// The dialect's formatter: comrak's default rendering except where the dialect differs.
fn format<'a>(ctx: &mut Ctx<'_, '_, '_>, node: Node<'a>, entering: bool) -> Result<ChildRendering, fmt::Error> {
    let post = ctx.user.dialect == Dialect::Post;
    let value = shallow(&node.data().value);
    match value {
        Shallow::Heading(level) if post => heading(ctx, node, entering, level),
        Shallow::Heading(_) => {
            // Comments have no headings: the text stays, as a paragraph.
            if entering {
                ctx.cr()?;
                ctx.write_str("<p>")?;
            } else {
                ctx.write_str("</p>\n")?;
            }
            Ok(ChildRendering::HTML)
        }
        Shallow::Paragraph if post && lone_image(node).is_some() => {
            if entering && let Some(image) = lone_image(node) {
                let html = image_html(&mut ctx.user.images, image, true);
                ctx.cr()?;
                ctx.write_str(&html)?;
                ctx.write_str("\n")?;
            }
            Ok(ChildRendering::Skip)
        }
        Shallow::Paragraph if post && ctx.user.citations.is_citation(node) => {
            if entering {
                ctx.cr()?;
                ctx.write_str("</blockquote>\n<figcaption><cite>")?;
            } else {
                ctx.write_str("</cite></figcaption>\n")?;
            }
            Ok(ChildRendering::HTML)
        }
        Shallow::BlockQuote if post && ctx.user.citations.is_cited_quote(node) => {
            if entering {
                ctx.cr()?;
                ctx.write_str("<figure class=\"quote\">\n<blockquote>\n")?;
            } else {
                ctx.cr()?;
                ctx.write_str("</figure>\n")?;
            }
            Ok(ChildRendering::HTML)
        }
        Shallow::Image => {
            if entering {
                if post {
                    let html = image_html(&mut ctx.user.images, node, false);
                    ctx.write_str(&html)?;
                } else {
                    comment_image(ctx, node)?;
                }
            }
            Ok(ChildRendering::Skip)
        }
        Shallow::Spoiler if post => {
            ctx.write_str(if entering { SPOILER_OPEN } else { SPOILER_CLOSE })?;
            Ok(ChildRendering::HTML)
        }
        Shallow::CodeBlock if post => {
            if entering {
                let data = node.data();
                if let NodeValue::CodeBlock(block) = &data.value {
                    ctx.cr()?;
                    write_code_block(ctx, &block.info, &block.literal)?;
                }
            }
            Ok(ChildRendering::Skip)
        }
        Shallow::RawHtml { block } if !post => {
            // Comments show raw HTML as the text it is.
            if entering {
                let data = node.data();
                let literal = match &data.value {
                    NodeValue::HtmlBlock(b) => b.literal.as_str(),
                    NodeValue::HtmlInline(s) => s.as_str(),
                    _ => "",
                };
                if block {
                    ctx.cr()?;
                    ctx.write_str("<p>")?;
                    escape(ctx, literal.trim_end())?;
                    ctx.write_str("</p>\n")?;
                } else {
                    escape(ctx, literal)?;
                }
            }
            Ok(ChildRendering::Skip)
        }
        _ => format_node_default(ctx, node, entering),
    }
}

/// Heading with a unique, slugified id; recorded for the table of contents.
fn heading(ctx: &mut Ctx<'_, '_, '_>, node: Node<'_>, entering: bool, level: u8) -> Result<ChildRendering, fmt::Error> {
    if entering {
        let text = crate::text::collapse_whitespace(&node.collect_text());
        let mut id = ctx.anchorizer.anchorize(&text);
        if id.is_empty() || id.starts_with('-') {
            id = ctx.anchorizer.anchorize("section");
        }
        ctx.cr()?;
        write!(ctx, "<h{level} id=\"")?;
        escape(ctx, &id)?;
        ctx.write_str("\">")?;
        ctx.user.headings.push(Heading { level, id, text });
    } else {
        writeln!(ctx, "</h{level}>")?;
    }
    Ok(ChildRendering::HTML)
}

/// Comments show an image as a link to it (or, for library images, just the alt text).
fn comment_image(ctx: &mut Ctx<'_, '_, '_>, node: Node<'_>) -> fmt::Result {
    let alt = node.collect_text();
    let data = node.data();
    let NodeValue::Image(link) = &data.value else {
        return Ok(());
    };
    let linkable =
        matches!(Source::parse(&link.url), Source::Url(u) if u.starts_with("http://") || u.starts_with("https://"));
    let label = if alt.trim().is_empty() { link.url.as_str() } else { alt.as_str() };
    if linkable {
        ctx.write_str("<a href=\"")?;
        escape_href(ctx, &link.url, false)?;
        ctx.write_str("\">")?;
        escape(ctx, label)?;
        ctx.write_str("</a>")
    } else {
        escape(ctx, alt.trim())
    }
}

/// The part of a node's value the formatter dispatches on (cheap to copy out of the borrow).
enum Shallow {
    Heading(u8),
    Paragraph,
    BlockQuote,
    Image,
    Spoiler,
    CodeBlock,
    RawHtml { block: bool },
    Other,
}

fn shallow(value: &NodeValue) -> Shallow {
    match value {
        NodeValue::Heading(h) => Shallow::Heading(h.level),
        NodeValue::Paragraph => Shallow::Paragraph,
        NodeValue::BlockQuote => Shallow::BlockQuote,
        NodeValue::Image(_) => Shallow::Image,
        NodeValue::SpoileredText => Shallow::Spoiler,
        NodeValue::CodeBlock(_) => Shallow::CodeBlock,
        NodeValue::HtmlBlock(_) => Shallow::RawHtml { block: true },
        NodeValue::HtmlInline(_) => Shallow::RawHtml { block: false },
        _ => Shallow::Other,
    }
}
