//! Plain-text helpers: escaping, word counts, reading time and excerpts. Everything here works on
//! characters, never on byte offsets, so no input can split a code point or panic.

/// Average adult silent-reading speed used for "n min read".
const WORDS_PER_MINUTE: usize = 230;

/// Characters that may end a kept excerpt awkwardly and are dropped before the ellipsis.
const DANGLING: &[char] = &[',', ';', ':', '—', '–', '-', '(', '[', '“', '‘', '"', '\''];

/// Escapes `&`, `<`, `>`, `"` and `'` so `s` is safe in HTML text and in quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\0' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

/// Minutes a reader needs for `word_count` words at 230 words a minute; never less than one.
pub fn reading_minutes(word_count: usize) -> u32 {
    let minutes = word_count.div_ceil(WORDS_PER_MINUTE).max(1);
    u32::try_from(minutes).unwrap_or(u32::MAX)
}

/// Words in `text`: whitespace-separated runs holding at least one letter or digit, so a lone
/// dash or ellipsis between spaces is not counted.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count()
}

/// Collapses every run of whitespace to one space and trims both ends.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The start of `text` in at most `max_chars` characters (ellipsis included), cut at a word
/// boundary with "…" appended when anything was cut. Whitespace is collapsed first. A single
/// word longer than the limit is cut mid-word rather than dropped.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let text = collapse_whitespace(text);
    if text.chars().count() <= max_chars {
        return text;
    }
    if max_chars == 0 {
        return String::new();
    }
    // Room for the text, keeping one character for the ellipsis.
    let budget = max_chars - 1;
    let end = text.char_indices().nth(budget).map_or(text.len(), |(i, _)| i);
    let head = text.get(..end).unwrap_or_default();
    // Did the cut land between words? Then `head` is whole words already.
    let at_boundary = text.get(end..).is_some_and(|rest| rest.starts_with(' '));
    let kept = if at_boundary {
        head
    } else {
        match head.rfind(' ') {
            Some(space) => head.get(..space).unwrap_or(head),
            None => head,
        }
    };
    let mut out = kept.trim_end_matches(DANGLING).trim_end().to_owned();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn a_short_post_still_takes_a_minute() {
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(230), 1);
        assert_eq!(reading_minutes(231), 2);
        assert_eq!(reading_minutes(3234), 15);
    }

    #[test]
    fn dashes_are_not_words() {
        assert_eq!(word_count("In short – Ishiguro’s great … 2017"), 5);
    }

    #[test]
    fn excerpt_keeps_short_text_whole() {
        assert_eq!(excerpt("  Madame was\n crying. ", 40), "Madame was crying.");
    }

    #[test]
    fn excerpt_cuts_between_words() {
        let text = "It’s hard to find lucid prose these days.";
        assert_eq!(excerpt(text, 20), "It’s hard to find…");
        assert_eq!(excerpt(text, 18), "It’s hard to find…");
        assert_eq!(excerpt(text, 17), "It’s hard to…");
    }

    #[test]
    fn excerpt_drops_dangling_punctuation() {
        assert_eq!(excerpt("Ruth, Tommy, and Kathy", 13), "Ruth, Tommy…");
    }

    #[test]
    fn excerpt_of_one_long_word_cuts_inside_it() {
        assert_eq!(excerpt("Supercalifragilistic", 6), "Super…");
        assert_eq!(excerpt("Supercalifragilistic", 1), "…");
        assert_eq!(excerpt("Supercalifragilistic", 0), "");
    }
}
