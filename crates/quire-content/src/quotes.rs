//! Cited quotes. In a block quote whose last paragraph starts with `— ` (or `-- `), that paragraph
//! is the citation: the quote renders as `<figure class="quote"><blockquote>…</blockquote>
//! <figcaption><cite>…</cite></figcaption></figure>`. This pass finds them and strips the dash;
//! the formatter writes the markup.

use std::borrow::Cow;
use std::collections::HashSet;

use comrak::nodes::{Node, NodeValue};

/// The ways a citation line may start.
const MARKERS: [&str; 2] = ["— ", "-- "];

/// Identity of an AST node (nodes live in an arena and never move while rendering).
pub(crate) fn node_id(node: Node<'_>) -> usize {
    std::ptr::from_ref(node).addr()
}

/// The cited quotes of a document: the block quotes and their citation paragraphs.
#[derive(Debug, Default)]
pub(crate) struct Citations {
    quotes: HashSet<usize>,
    captions: HashSet<usize>,
}

impl Citations {
    /// Whether `node` is a block quote that ends in a citation.
    pub(crate) fn is_cited_quote(&self, node: Node<'_>) -> bool {
        self.quotes.contains(&node_id(node))
    }

    /// Whether `node` is a citation paragraph.
    pub(crate) fn is_citation(&self, node: Node<'_>) -> bool {
        self.captions.contains(&node_id(node))
    }

    /// Finds the cited quotes under `root` and removes the dash from each citation.
    pub(crate) fn find<'a>(root: Node<'a>) -> Self {
        let mut found = Citations::default();
        let quotes: Vec<Node<'a>> =
            root.descendants().filter(|n| matches!(n.data().value, NodeValue::BlockQuote)).collect();
        for quote in quotes {
            let Some(last) = quote.last_child() else {
                continue;
            };
            // A quote made of nothing but a dash line is a quotation, not a citation.
            if last.previous_sibling().is_none() || !matches!(last.data().value, NodeValue::Paragraph) {
                continue;
            }
            let Some(first) = last.first_child() else {
                continue;
            };
            let mut data = first.data_mut();
            let NodeValue::Text(text) = &mut data.value else {
                continue;
            };
            let Some(rest) = MARKERS.iter().find_map(|m| text.strip_prefix(m)) else {
                continue;
            };
            let rest = rest.trim_start().to_owned();
            *text = Cow::Owned(rest);
            found.quotes.insert(node_id(quote));
            found.captions.insert(node_id(last));
        }
        found
    }
}
