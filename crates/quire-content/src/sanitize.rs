//! The two sanitisers: a generous one for authors' posts (and imports) and a small one for
//! readers' comments. Both run last, over everything the renderer produced, so the output can
//! never carry scripts, event handlers, styles or URLs outside http(s), mailto and tel.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::url::{ParseError, Url};
use ammonia::{Builder, UrlRelative};

use html5ever::tokenizer::Tag;

use crate::html::{attr, join_srcset, parse_srcset, rewrite_start_tags, set_attr};

/// URL schemes allowed anywhere; relative URLs are allowed too. Never `data:` or `javascript:`.
const SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// Classes the theme styles: exact names.
const CLASS_NAMES: [&str; 8] = [
    "spoiler",
    "quote",
    "credit",
    "missing-media",
    "anchor",
    "footnotes",
    "contains-task-list",
    // The seed essay's placeholders for images it does not ship.
    "image-placeholder",
];

/// Classes the theme styles: prefixes (syntax highlighting, footnotes, task lists, languages).
const CLASS_PREFIXES: [&str; 4] = ["hl-", "footnote", "task-list-item", "language-"];

/// `rel` tokens an author may set on a link.
const REL_TOKENS: [&str; 13] = [
    "nofollow",
    "noopener",
    "noreferrer",
    "ugc",
    "sponsored",
    "me",
    "author",
    "external",
    "license",
    "tag",
    "bookmark",
    "prev",
    "next",
];

/// ARIA roles an author may set (the spoiler is a `button`).
const ROLES: [&str; 6] = ["button", "note", "img", "presentation", "none", "doc-noteref"];

/// Elements removed together with their content (the rest of the disallowed ones are unwrapped).
const DROP_WITH_CONTENT: [&str; 19] = [
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "noembed", "noframes",
    "template", "textarea", "select", "svg", "math", "xmp", "title", "head",
];

/// Whether a URL would be allowed by the sanitiser: an allowed scheme or relative, and free of
/// control characters (no real address has them, and `javas\u{3}cript:` would otherwise pass as a
/// relative URL that old browsers read as a script).
fn allowed_url(url: &str) -> bool {
    if url.chars().any(char::is_control) {
        return false;
    }
    match Url::parse(url) {
        Ok(u) => SCHEMES.contains(&u.scheme()),
        Err(ParseError::RelativeUrlWithoutBase) => true,
        Err(_) => false,
    }
}

/// A `srcset` descriptor: nothing, a width (`480w`) or a pixel density (`2x`, `1.5x`).
fn allowed_descriptor(d: &str) -> bool {
    if d.is_empty() {
        return true;
    }
    if let Some(n) = d.strip_suffix('w') {
        return !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    }
    if let Some(n) = d.strip_suffix('x') {
        return !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && n.bytes().filter(|&b| b == b'.').count() <= 1;
    }
    false
}

/// Keeps the `srcset` candidates whose URL and descriptor are acceptable.
fn filter_srcset(value: &str) -> Option<String> {
    let kept = parse_srcset(value)
        .into_iter()
        .filter(|c| allowed_url(c.url))
        .filter(|c| allowed_descriptor(c.descriptor))
        .map(|c| (c.url.to_owned(), c.descriptor));
    let joined = join_srcset(kept);
    (!joined.is_empty()).then_some(joined)
}

/// Keeps the whitelisted tokens of a space-separated attribute, dropping it when none are left.
fn keep_tokens<'a>(value: &'a str, keep: impl Fn(&str) -> bool) -> Option<Cow<'a, str>> {
    let tokens: Vec<&str> = value.split_ascii_whitespace().filter(|t| keep(t)).collect();
    if tokens.is_empty() { None } else { Some(Cow::Owned(tokens.join(" "))) }
}

/// Characters a class token may hold (`+` and `#` for languages such as `c++` and `c#`).
fn plain_token(token: &str) -> bool {
    token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_+#.".contains(&b))
}

fn allowed_class(class: &str) -> bool {
    plain_token(class) && (CLASS_NAMES.contains(&class) || CLASS_PREFIXES.iter().any(|p| class.starts_with(p)))
}

/// Attributes that hold one URL, checked by ammonia for their scheme only.
const URL_ATTRIBUTES: [&str; 3] = ["href", "src", "poster"];

/// Value-level checks ammonia cannot express with its whitelists.
fn filter_attribute<'a>(element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    match attribute {
        _ if URL_ATTRIBUTES.contains(&attribute) => allowed_url(value).then_some(Cow::Borrowed(value)),
        "class" => keep_tokens(value, allowed_class),
        "rel" => keep_tokens(value, |t| REL_TOKENS.contains(&t.to_ascii_lowercase().as_str())),
        "role" => ROLES.contains(&value.trim()).then_some(Cow::Borrowed(value)),
        "tabindex" => matches!(value.trim(), "0" | "-1").then_some(Cow::Borrowed(value)),
        "loading" => matches!(value.trim(), "lazy" | "eager").then_some(Cow::Borrowed(value)),
        "decoding" => matches!(value.trim(), "async" | "sync" | "auto").then_some(Cow::Borrowed(value)),
        "srcset" => filter_srcset(value).map(Cow::Owned),
        "type" if element == "source" => {
            // A MIME type, nothing more.
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/+-.;=\" ,".contains(&b))
                .then_some(Cow::Borrowed(value))
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Comments keep only the language class on code blocks.
fn filter_comment_attribute<'a>(_element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    match attribute {
        "href" => allowed_url(value).then_some(Cow::Borrowed(value)),
        "class" => keep_tokens(value, |c| c.starts_with("language-") && plain_token(c)),
        _ => Some(Cow::Borrowed(value)),
    }
}

fn set<'a>(items: &[&'a str]) -> HashSet<&'a str> {
    items.iter().copied().collect()
}

/// Tags an author may write: prose, quotes, code, figures and media, lists, tables, details,
/// and the task-list checkbox.
#[rustfmt::skip]
const POST_TAGS: [&str; 63] = [
    "p", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
    "abbr", "cite", "q", "code", "kbd", "samp", "var", "pre", "blockquote", "figure", "figcaption",
    "img", "picture", "source", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "br", "wbr", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "colgroup", "col", "details", "summary", "section", "span", "div", "time", "input", "video",
    "audio", "track",
];

/// The post sanitiser: the writing tags of HTML, no scripting, no styling.
static POST: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let tags = set(&POST_TAGS);
    let tag_attributes: HashMap<&str, HashSet<&str>> = [
        ("a", set(&["href", "hreflang", "rel"])),
        ("img", set(&["src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding"])),
        ("source", set(&["src", "srcset", "sizes", "media", "type", "width", "height"])),
        ("video", set(&["src", "poster", "width", "height", "preload", "loop", "muted", "playsinline"])),
        ("audio", set(&["src", "preload", "loop", "muted"])),
        ("track", set(&["src", "kind", "srclang", "label", "default"])),
        ("time", set(&["datetime"])),
        ("del", set(&["datetime"])),
        ("ins", set(&["datetime"])),
        ("ol", set(&["start", "reversed", "type"])),
        ("li", set(&["value"])),
        ("th", set(&["colspan", "rowspan", "align", "scope", "headers"])),
        ("td", set(&["colspan", "rowspan", "align", "headers"])),
        ("col", set(&["span"])),
        ("colgroup", set(&["span"])),
        ("details", set(&["open"])),
        ("input", set(&["type", "checked", "disabled"])),
        ("span", set(&["tabindex", "role"])),
    ]
    .into_iter()
    .collect();
    // Media always shows its controls. (At most one forced attribute per element: ammonia adds
    // them in hash order, and the output must be the same bytes every time.)
    let forced: HashMap<&str, HashMap<&str, &str>> =
        [("video", [("controls", "")].into_iter().collect()), ("audio", [("controls", "")].into_iter().collect())]
            .into_iter()
            .collect();
    let mut b = Builder::empty();
    b.tags(tags)
        .clean_content_tags(set(&DROP_WITH_CONTENT))
        .tag_attributes(tag_attributes)
        .set_tag_attribute_values(forced)
        .generic_attributes(set(&["id", "class", "title", "lang", "dir", "aria-label"]))
        .generic_attribute_prefixes(set(&["data-footnote"]))
        .url_schemes(set(&SCHEMES))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    b
});

/// The comment sanitiser: inline emphasis, links, code, quotes and lists; every link marked as
/// user-generated.
static COMMENT: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let tags = set(&["p", "br", "em", "strong", "del", "s", "a", "code", "pre", "blockquote", "ul", "ol", "li"]);
    let tag_attributes: HashMap<&str, HashSet<&str>> =
        [("a", set(&["href"])), ("ol", set(&["start"])), ("code", set(&["class"]))].into_iter().collect();
    let mut b = Builder::empty();
    b.tags(tags)
        .clean_content_tags(set(&DROP_WITH_CONTENT))
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(set(&SCHEMES))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("nofollow ugc noopener"))
        .strip_comments(true)
        .attribute_filter(filter_comment_attribute);
    b
});

/// Whether an `href` leaves the site (absolute http(s), or scheme-relative).
fn is_external(href: &str) -> bool {
    let href = href.trim();
    href.starts_with("//") || Url::parse(href).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// The post rules ammonia cannot express: every `<input>` is a disabled checkbox (GFM task
/// lists), and external links get `noopener` added to whatever `rel` the author wrote.
fn finish_post_tag(tag: &mut Tag) {
    match &*tag.name {
        "input" => {
            set_attr(tag, "type", "checkbox");
            set_attr(tag, "disabled", "");
        }
        "a" => mark_external_link(tag),
        _ => {}
    }
}

fn mark_external_link(tag: &mut Tag) {
    if !attr(tag, "href").is_some_and(is_external) {
        return;
    }
    let rel = attr(tag, "rel").unwrap_or_default().trim();
    if rel.split_ascii_whitespace().any(|t| t.eq_ignore_ascii_case("noopener")) {
        return;
    }
    let rel = if rel.is_empty() { "noopener".to_owned() } else { format!("{rel} noopener") };
    set_attr(tag, "rel", &rel);
}

/// Sanitises HTML written by an author (or imported from another platform) with the post rules:
/// writing tags and their attributes kept, classes limited to the theme's, `rel` tokens checked
/// and `noopener` added to external links; scripts, styles, frames, forms, event handlers and
/// unsafe URLs removed.
pub fn sanitize_html(html: &str) -> String {
    let clean = POST.clean(html).to_string();
    // A second, tag-level pass over ammonia's well-formed output: it finishes inputs and links
    // (see `finish_post_tag`) and escapes `<`/`>` inside attribute values.
    rewrite_start_tags(&clean, finish_post_tag)
}

/// Sanitises the HTML rendered from a comment with the comment rules.
pub fn sanitize_comment(html: &str) -> String {
    rewrite_start_tags(&COMMENT.clean(html).to_string(), |_| {})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_bad_urls_go() {
        let html = r#"<p onclick="x()">Hi<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">a</a><a href="&#106;avascript:alert(1)">b</a></p>"#;
        assert_eq!(sanitize_html(html), r#"<p>Hi<img src="x"><a>a</a><a>b</a></p>"#);
    }

    #[test]
    fn urls_with_control_characters_go() {
        // Found by fuzzing (fuzz/regressions/comment_body/): ammonia took it for a relative URL.
        assert_eq!(
            sanitize_comment("<a href=\"javas\u{3}cript:alert(1)\">x</a>"),
            "<a rel=\"nofollow ugc noopener\">x</a>"
        );
        assert_eq!(sanitize_html("<img src=\"java\u{1}script:x\" alt=\"a\">"), "<img alt=\"a\">");
        assert_eq!(filter_srcset("a.jpg 1x, b\u{7f}.jpg 2x"), Some("a.jpg 1x".to_owned()));
    }

    #[test]
    fn author_rel_is_kept_and_external_links_get_noopener() {
        assert_eq!(
            sanitize_html(r#"<a href="https://x.test/" rel="me evil">x</a> <a href="/y">y</a>"#),
            r#"<a href="https://x.test/" rel="me noopener">x</a> <a href="/y">y</a>"#
        );
    }

    #[test]
    fn classes_outside_the_theme_are_dropped() {
        assert_eq!(
            sanitize_html(r#"<span class="spoiler evil hl-keyword">x</span><div class="evil">y</div>"#),
            r#"<span class="spoiler hl-keyword">x</span><div>y</div>"#
        );
    }

    #[test]
    fn srcset_keeps_only_safe_candidates() {
        assert_eq!(
            filter_srcset(
                "a.jpg 480w, javascript:alert(1) 2x, data:image/png;base64,AAA 1x, https://x.test/b.jpg 960w, c.jpg bogus"
            ),
            Some("a.jpg 480w, https://x.test/b.jpg 960w".to_owned())
        );
        assert_eq!(filter_srcset("javascript:alert(1)"), None);
    }

    #[test]
    fn inputs_become_disabled_checkboxes() {
        assert_eq!(
            sanitize_html(r#"<input type="password" name="p" checked="">"#),
            r#"<input type="checkbox" checked="" disabled="">"#
        );
    }
}
