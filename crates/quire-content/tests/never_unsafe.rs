//! Whatever an author or a reader types, rendering never panics and never emits script: no
//! `<script>`/`<iframe>`/`<object>`/`<embed>`/`<style>`, no `on*` event-handler attribute, and
//! no `javascript:`, `vbscript:` or `data:` URL — checked on the output's attributes after the
//! HTML tokenizer has decoded entities, as a browser would read them.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use proptest::prelude::*;
use quire_content::{
    MediaInfo, MediaVariant, absolutize_urls, excerpt, html_to_text, render_comment, render_post, sanitize_html,
};

/// Collects what is wrong with a piece of output HTML.
#[derive(Default)]
struct Inspector {
    problems: RefCell<Vec<String>>,
}

const URL_ATTRIBUTES: [&str; 11] =
    ["href", "src", "srcset", "poster", "action", "formaction", "cite", "background", "xlink:href", "data", "ping"];

const FORBIDDEN_TAGS: [&str; 9] = ["script", "iframe", "object", "embed", "style", "svg", "math", "form", "frame"];

impl TokenSink for Inspector {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && tag.kind == TagKind::StartTag
            && let Ok(mut problems) = self.problems.try_borrow_mut()
        {
            if FORBIDDEN_TAGS.contains(&&*tag.name) {
                problems.push(format!("<{}> element", &*tag.name));
            }
            for attr in &tag.attrs {
                let name = (*attr.name.local).to_ascii_lowercase();
                if name.starts_with("on") || name == "style" {
                    problems.push(format!("{name} attribute on <{}>", &*tag.name));
                }
                if URL_ATTRIBUTES.contains(&name.as_str()) {
                    // Browsers ignore whitespace and control characters inside a scheme.
                    let squeezed: String = attr
                        .value
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    // A URL is dangerous by its scheme; `srcset` holds several URLs.
                    let urls: Vec<&str> =
                        if name == "srcset" { squeezed.split(',').collect() } else { vec![squeezed.as_str()] };
                    for scheme in ["javascript:", "vbscript:", "data:"] {
                        if urls.iter().any(|u| u.starts_with(scheme)) {
                            problems.push(format!("{scheme} URL in {name}=\"{}\"", &*attr.value));
                        }
                    }
                }
            }
        }
        TokenSinkResult::Continue
    }
}

/// Everything unsafe about `html`; empty when it is fine.
fn problems(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    for needle in ["<script", "<iframe", "<object", "<embed", "<style"] {
        if lower.contains(needle) {
            found.push(format!("raw {needle}"));
        }
    }
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Inspector::default(), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    found.extend(tokenizer.sink.problems.take());
    found
}

fn library() -> std::collections::HashMap<i64, MediaInfo> {
    let evil = MediaInfo {
        url: "javascript:alert(1)".into(),
        mime: "image/jpeg".into(),
        width: Some(100),
        height: None,
        alt: "\"><script>alert(1)</script>".into(),
        caption: Some("<img src=x onerror=alert(1)>".into()),
        credit: Some("</small><script>".into()),
        licence: Some("&#106;avascript:".into()),
        variants: vec![MediaVariant {
            url: "data:image/png,x, javascript:alert(1)".into(),
            width: 50,
            mime: "image/png".into(),
        }],
    };
    let fine = MediaInfo {
        url: "/m/1.jpg".into(),
        mime: "image/jpeg".into(),
        width: Some(800),
        height: Some(600),
        alt: "fine".into(),
        caption: Some("Caption".into()),
        credit: Some("Credit".into()),
        licence: None,
        variants: vec![MediaVariant { url: "/m/1-400.webp".into(), width: 400, mime: "image/webp".into() }],
    };
    std::collections::HashMap::from([(1, fine), (2, evil)])
}

/// Pieces that, strung together, exercise the dialect and the sanitiser's corners.
fn fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        // Hostile HTML.
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\" JaVaScRiPt:alert(1)\">x</a>",
        "<a href=vbscript:msgbox(1)>x</a>",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<svg onload=alert(1)>",
        "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<iframe src=\"https://evil.example/\"></iframe>",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<style>body{display:none}</style>",
        "<div style=\"background:url(javascript:alert(1))\">",
        "<img srcset=\"javascript:alert(1) 1x, data:image/png,x 2x\">",
        "<source srcset=\"x.png 1x,javascript:alert(1)\">",
        "<video poster=\"javascript:alert(1)\" onplay=alert(1)>",
        "<details open ontoggle=alert(1)>",
        "<p ONCLICK=alert(1) class=\"spoiler evil\">",
        "<form action=\"javascript:alert(1)\"><button formaction=javascript:alert(1)>",
        "<input onfocus=alert(1) autofocus>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<textarea>",
        "</textarea>",
        "<title>",
        "<plaintext>",
        "<xmp>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<",
        ">",
        "</",
        "/>",
        "=",
        "\"",
        "'",
        "&",
        "&amp;",
        "&#",
        "&#x6A;",
        "&lt;script&gt;",
        // Markdown and the dialect.
        "||",
        "![](media:1)",
        "![x](media:2 \"t\")",
        "![](media:99)",
        "![](media:x)",
        "![a](javascript:alert(1))",
        "[a](javascript:alert(1))",
        "[a](JAVASCRIPT:alert(1) \"t\")",
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)\n",
        "[x]",
        "![x]",
        "> ",
        "> — ",
        "— ",
        "-- ",
        "`",
        "``",
        "```",
        "```rust\n",
        "```js\n",
        "~~~",
        "    ",
        "\n",
        "\n\n",
        "# ",
        "## ",
        "- ",
        "1. ",
        "- [ ] ",
        "- [x] ",
        "|",
        "| a | b |\n|---|---|\n",
        "[^1]",
        "[^1]: ",
        "*",
        "**",
        "_",
        "~~",
        "\\",
        " ",
        "text",
        "Hailsham",
        "http://x.example/",
        "www.x.example",
        "mailto:a@b.example",
    ]);
    prop_oneof![
        8 => fixed.prop_map(str::to_owned),
        1 => "\\PC{0,6}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..24).prop_map(|parts| parts.concat())
}

fn assert_safe(html: &str) -> Result<(), TestCaseError> {
    let found = problems(html);
    prop_assert!(found.is_empty(), "{found:?} in {html}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_renders_safely(input in any::<String>()) {
        let media = library();
        assert_safe(&render_post(&input, &media).html)?;
        assert_safe(&render_comment(&input).html)?;
    }

    #[test]
    fn hostile_markdown_and_html_render_safely(input in document()) {
        let media = library();
        let post = render_post(&input, &media);
        assert_safe(&post.html)?;
        assert_safe(&render_comment(&input).html)?;
        // Derived facts and the other entry points are total too.
        prop_assert!(post.word_count <= post.text.split_whitespace().count());
        assert_safe(&absolutize_urls(&post.html, "https://blog.example/post/"))?;
        let _ = html_to_text(&input);
    }

    #[test]
    fn sanitize_html_alone_is_safe(input in document()) {
        assert_safe(&sanitize_html(&input))?;
    }

    #[test]
    fn excerpts_never_exceed_their_limit(input in any::<String>(), max in 0usize..40) {
        let cut = excerpt(&input, max);
        prop_assert!(cut.chars().count() <= max);
    }
}

#[test]
fn the_inspector_catches_what_it_should() {
    assert!(!problems("<a href=\"&#106;avascript:x\">").is_empty());
    assert!(!problems("<img src=x OnError=y>").is_empty());
    assert!(!problems("<p>x</p><script>").is_empty());
    assert!(problems("<p>&lt;img src=x onerror=alert(1)&gt; javascript:</p>").is_empty());
}
