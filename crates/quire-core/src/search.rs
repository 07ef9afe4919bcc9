//! The reader's search syntax, parsed once into terms every backend can compile to its own
//! full-text query language (FTS5 on SQLite, tsquery on PostgreSQL):
//! words (all must match), `"quoted phrases"`, `-excluded` words and `prefix*`.

/// One element of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// A word that must appear.
    Word(String),
    /// A word stem that must begin some word (`clon*`).
    Prefix(String),
    /// Words that must appear together, in order.
    Phrase(Vec<String>),
    /// A word that must not appear.
    Exclude(String),
}

/// A parsed query; empty when the reader typed nothing searchable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// The terms, in the order typed.
    pub terms: Vec<SearchTerm>,
}

impl SearchQuery {
    /// At most this many terms are kept, so a pasted essay cannot become a huge query.
    pub const MAX_TERMS: usize = 16;
    /// Longer words are cut; no real word is this long.
    pub const MAX_WORD: usize = 64;

    /// Parses what a reader typed. Never fails: anything unsearchable is dropped.
    pub fn parse(input: &str) -> SearchQuery {
        let mut terms = Vec::new();
        let mut rest = input.trim();
        while !rest.is_empty() && terms.len() < Self::MAX_TERMS {
            if let Some(after_quote) = rest.strip_prefix('"') {
                let (inside, remainder) = after_quote.split_once('"').unwrap_or((after_quote, ""));
                let words = words_of(inside);
                match words.len() {
                    0 => {}
                    1 => terms.extend(words.into_iter().map(SearchTerm::Word)),
                    _ => terms.push(SearchTerm::Phrase(words)),
                }
                rest = remainder.trim_start();
                continue;
            }
            let (token, remainder) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            rest = remainder.trim_start();
            let (negated, body) = match token.strip_prefix('-') {
                Some(body) => (true, body),
                None => (false, token),
            };
            let prefix = body.ends_with('*');
            let words = words_of(body);
            let count = words.len();
            for (i, word) in words.into_iter().enumerate() {
                let last = i + 1 == count;
                terms.push(match (negated, prefix && last) {
                    (true, _) => SearchTerm::Exclude(word),
                    (false, true) => SearchTerm::Prefix(word),
                    (false, false) => SearchTerm::Word(word),
                });
            }
        }
        // One token can hold several words ("a:b"), so the loop's bound alone is not enough.
        terms.truncate(Self::MAX_TERMS);
        SearchQuery { terms }
    }

    /// Whether there is at least one term that must match (a query of exclusions alone finds nothing).
    pub fn is_searchable(&self) -> bool {
        self.terms.iter().any(|t| !matches!(t, SearchTerm::Exclude(_)))
    }

    /// Words to highlight in titles and snippets.
    pub fn highlight_words(&self) -> Vec<&str> {
        self.terms
            .iter()
            .flat_map(|t| match t {
                SearchTerm::Word(w) | SearchTerm::Prefix(w) => vec![w.as_str()],
                SearchTerm::Phrase(ws) => ws.iter().map(String::as_str).collect(),
                SearchTerm::Exclude(_) => vec![],
            })
            .collect()
    }
}

/// Splits text into lowercase alphanumeric words, the way both full-text tokenizers see them.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        // Lowercased before the cut: a letter can lowercase to two (`İ` is `i` + a combining dot).
        .map(|w| w.to_lowercase().chars().take(SearchQuery::MAX_WORD).collect::<String>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_phrases_exclusions_and_prefixes_are_recognised() {
        let q = SearchQuery::parse(r#"Madame "never let me go" -film clon*"#);
        assert_eq!(
            q.terms,
            vec![
                SearchTerm::Word("madame".into()),
                SearchTerm::Phrase(vec!["never".into(), "let".into(), "me".into(), "go".into()]),
                SearchTerm::Exclude("film".into()),
                SearchTerm::Prefix("clon".into()),
            ]
        );
    }

    #[test]
    fn query_syntax_characters_are_not_passed_through() {
        let q = SearchQuery::parse("title:x OR (y) NEAR/3 ^z");
        assert!(q.terms.iter().all(|t| match t {
            SearchTerm::Word(w) => w.chars().all(char::is_alphanumeric),
            _ => true,
        }));
        assert!(!SearchQuery::parse("-only -exclusions").is_searchable());
        assert!(!SearchQuery::parse("  \"\" ** ").is_searchable());
    }

    #[test]
    fn tokens_of_many_words_cannot_exceed_the_term_limit() {
        let q = SearchQuery::parse(&"a:b:c:d ".repeat(10));
        assert_eq!(q.terms.len(), SearchQuery::MAX_TERMS);
    }

    #[test]
    fn words_stay_within_the_limit_once_lowercased() {
        // Found by fuzzing (fuzz/regressions/search_query/).
        let q = SearchQuery::parse(&format!("İ{}", "y".repeat(80)));
        let [SearchTerm::Word(word)] = q.terms.as_slice() else { panic!("{q:?}") };
        assert_eq!(word.chars().count(), SearchQuery::MAX_WORD);
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_stays_bounded(input in ".{0,400}") {
            let q = SearchQuery::parse(&input);
            prop_assert!(q.terms.len() <= SearchQuery::MAX_TERMS);
        }
    }
}
