//! What makes rendered HTML unsafe, judged after the HTML tokenizer has decoded entities, as a
//! browser would read it: script-capable elements, `on*` and `style` attributes, and
//! `javascript:`, `vbscript:` or `data:` URLs. The same rules as `quire-content`'s
//! `tests/never_unsafe.rs`, so the fuzzer and the property tests agree on "safe".

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};

const URL_ATTRIBUTES: [&str; 11] =
    ["href", "src", "srcset", "poster", "action", "formaction", "cite", "background", "xlink:href", "data", "ping"];

const FORBIDDEN_TAGS: [&str; 9] = ["script", "iframe", "object", "embed", "style", "svg", "math", "form", "frame"];

/// One start tag as the tokenizer saw it: name and (lowercased name, value) attributes.
pub(crate) type Tag = (String, Vec<(String, String)>);

#[derive(Default)]
struct Collector {
    tags: RefCell<Vec<Tag>>,
}

impl TokenSink for Collector {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && tag.kind == TagKind::StartTag
            && let Ok(mut tags) = self.tags.try_borrow_mut()
        {
            let attrs = tag.attrs.iter().map(|a| ((*a.name.local).to_ascii_lowercase(), a.value.to_string())).collect();
            tags.push(((*tag.name).to_ascii_lowercase(), attrs));
        }
        TokenSinkResult::Continue
    }
}

/// The start tags of `html`, in order.
pub(crate) fn start_tags(html: &str) -> Vec<Tag> {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Collector::default(), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.tags.take()
}

/// Everything unsafe about `html`; empty when it is fine.
pub fn problems(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    for needle in ["<script", "<iframe", "<object", "<embed", "<style"] {
        if lower.contains(needle) {
            found.push(format!("raw {needle}"));
        }
    }
    for (name, attrs) in start_tags(html) {
        if FORBIDDEN_TAGS.contains(&name.as_str()) {
            found.push(format!("<{name}> element"));
        }
        for (attr, value) in attrs {
            if attr.starts_with("on") || attr == "style" {
                found.push(format!("{attr} attribute on <{name}>"));
            }
            if URL_ATTRIBUTES.contains(&attr.as_str()) {
                // Browsers ignore whitespace and control characters inside a scheme.
                let squeezed: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                // `srcset` holds several URLs.
                let urls: Vec<&str> =
                    if attr == "srcset" { squeezed.split(',').collect() } else { vec![squeezed.as_str()] };
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    if urls.iter().any(|u| u.starts_with(scheme)) {
                        found.push(format!("{scheme} URL in {attr}=\"{value}\""));
                    }
                }
            }
        }
    }
    found
}

/// `Err` listing what is unsafe in `html`, produced by `what`.
pub(crate) fn safe(what: &str, html: &str) -> crate::Outcome {
    let found = problems(html);
    crate::ensure(found.is_empty(), || format!("{what} is unsafe: {found:?} in {html:?}"))
}

#[cfg(test)]
mod tests {
    use super::problems;

    #[test]
    fn the_inspector_catches_what_it_should() {
        assert!(!problems("<a href=\"&#106;avascript:x\">").is_empty());
        assert!(!problems("<img src=x OnError=y>").is_empty());
        assert!(!problems("<img srcset=\"a.png 1x, data:x 2x\">").is_empty());
        assert!(!problems("<p>x</p><script>").is_empty());
        assert!(problems("<p>&lt;img src=x onerror=alert(1)&gt; javascript:</p>").is_empty());
    }
}
