//! Counting the links in a comment's Markdown source, for the "hold comments with many links" rule.
//! It counts what a reader could click once the comment is rendered: bare and autolinked
//! `http(s)://` and `www.` addresses, Markdown link targets and HTML `href`s — each link once.

/// How many links the Markdown source of a comment will render with.
///
/// An absolute address counts once wherever it stands (`https://x.org`, `<https://x.org>`,
/// `[x](https://x.org)`, `<a href="https://x.org">`); a Markdown or HTML target that is not
/// absolute (`//x.org`, `/page`) counts as well, since it is still a link.
pub fn count_links(markdown: &str) -> usize {
    let text = markdown.to_lowercase();
    let mut count = 0;
    let mut skip_until = 0;
    let mut prev: Option<char> = None;
    for (at, c) in text.char_indices() {
        if at >= skip_until {
            let rest = text.get(at..).unwrap_or_default();
            let scheme = rest.starts_with("http://") || rest.starts_with("https://");
            if scheme || (rest.starts_with("www.") && prev.is_none_or(starts_www_autolink)) {
                count += 1;
                skip_until = at + address_len(rest);
            } else if let Some(target) = rest.strip_prefix("](").or_else(|| rest.strip_prefix("href=")) {
                let target = target.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '<' | '"' | '\''));
                let absolute = ["http://", "https://", "www."].iter().any(|p| target.starts_with(p));
                if !absolute && target.starts_with(|c: char| !matches!(c, ')' | '>' | '"' | '\'') && !c.is_whitespace())
                {
                    count += 1;
                    skip_until = text.len() - target.len() + address_len(target);
                }
            }
        }
        prev = Some(c);
    }
    count
}

/// GFM recognises a `www.` autolink after whitespace or one of `*_~(`, not inside a word or address.
fn starts_www_autolink(prev: char) -> bool {
    prev.is_whitespace() || matches!(prev, '*' | '_' | '~' | '(' | '<' | '>' | '"' | '\'')
}

/// Bytes up to the end of the address that `text` starts with.
fn address_len(text: &str) -> usize {
    text.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ')' | ']')).unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_has_no_links() {
        assert_eq!(count_links("Madame was crying. See chapter 6, www-ish and http:/ not a link."), 0);
    }

    #[test]
    fn bare_addresses_count_one_each() {
        assert_eq!(count_links("see https://a.example/x and HTTP://b.example."), 2);
    }

    #[test]
    fn markdown_links_count_once_not_twice() {
        assert_eq!(count_links("[one](https://a.example/x) and [two](<https://b.example> \"t\")"), 2);
    }

    #[test]
    fn autolinks_count() {
        assert_eq!(count_links("<https://a.example> and www.b.example"), 2);
    }

    #[test]
    fn an_address_inside_another_address_counts_once() {
        assert_eq!(count_links("https://web.archive.org/web/2020/https://a.example/"), 1);
        assert_eq!(count_links("https://www.a.example"), 1);
    }

    #[test]
    fn html_anchors_count_once() {
        assert_eq!(count_links(r#"<a href="https://a.example">a</a> <A HREF='//b.example'>b</A>"#), 2);
    }

    #[test]
    fn protocol_relative_and_relative_markdown_targets_count() {
        assert_eq!(count_links("[a](//a.example) [b](/page) [empty]()"), 2);
    }

    #[test]
    fn www_inside_a_word_is_not_a_link() {
        assert_eq!(count_links("awww.ok"), 0);
    }
}
