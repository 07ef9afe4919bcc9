//! The reader's search syntax: whatever is typed, the parsed query stays within its limits and its
//! words carry none of the full-text engines' syntax (the store quotes them, but must not have to
//! rely on it), so no input can change a query's meaning on either backend.

use quire_core::{SearchQuery, SearchTerm};

use crate::{Outcome, ensure, text};

/// Characters that mean something to FTS5 or `to_tsquery`.
const SYNTAX: [char; 12] = ['"', '\'', '*', '(', ')', ':', '^', '-', '+', '&', '|', '!'];

fn plain_word(word: &str) -> Outcome {
    ensure(!word.is_empty(), || "an empty word".into())?;
    ensure(word.chars().count() <= SearchQuery::MAX_WORD, || {
        format!("a word of {} characters, over the limit of {}: {word:?}", word.chars().count(), SearchQuery::MAX_WORD)
    })?;
    ensure(!word.chars().any(|c| c.is_whitespace() || c.is_control() || SYNTAX.contains(&c)), || {
        format!("query syntax inside a word: {word:?}")
    })
}

/// `SearchQuery::parse` over arbitrary text: at most `MAX_TERMS` terms, plain words within
/// `MAX_WORD`, phrases of two words or more, and `is_searchable` true exactly when some term
/// must match.
pub(crate) fn search_query(data: &[u8]) -> Outcome {
    let query = SearchQuery::parse(&text(data));
    ensure(query.terms.len() <= SearchQuery::MAX_TERMS, || format!("{} terms", query.terms.len()))?;
    for term in &query.terms {
        match term {
            SearchTerm::Word(w) | SearchTerm::Prefix(w) | SearchTerm::Exclude(w) => plain_word(w)?,
            SearchTerm::Phrase(words) => {
                ensure(words.len() >= 2, || format!("a phrase of {} word(s): {words:?}", words.len()))?;
                words.iter().try_for_each(|w| plain_word(w))?;
            }
        }
    }
    let must = query.terms.iter().any(|t| !matches!(t, SearchTerm::Exclude(_)));
    ensure(query.is_searchable() == must, || format!("is_searchable() is wrong for {:?}", query.terms))?;
    ensure(query.highlight_words().iter().all(|w| !w.is_empty()), || "an empty word to highlight".into())
}
