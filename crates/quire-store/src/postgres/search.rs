//! Full-text search on PostgreSQL: the parsed query compiled to a tsquery built from bound
//! parameters (so nothing a reader types is read as an operator), matched against the generated
//! `search` column (GIN-indexed) and ranked with the title weighted above the body, as on SQLite.

use quire_core::{Page, Paged, SearchQuery, SearchTerm};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{AssertSqlSafe, Postgres};
use time::OffsetDateTime;

use super::PgStore;
use super::rows::{POST_COLUMNS, PostRow};
use crate::{SNIPPET_MARK_END, SNIPPET_MARK_START, SearchHit, StoreError};

/// A tsquery over parameters `$first…`, and the values to bind to them in order.
#[derive(Debug, PartialEq)]
struct Compiled {
    sql: String,
    values: Vec<String>,
}

/// Compiles a query to a tsquery expression; `None` when nothing must match. Words and phrases go
/// through the site's `quire` text-search configuration (stemming, folded accents); a prefix is
/// a lexeme with `:*`, and its word holds only letters and digits (`SearchQuery` guarantees it).
fn tsquery(query: &SearchQuery, first: usize) -> Option<Compiled> {
    let mut positive = Vec::new();
    let mut negative = Vec::new();
    let mut values = Vec::new();
    for term in &query.terms {
        let n = first + values.len();
        match term {
            SearchTerm::Word(w) => {
                positive.push(format!("plainto_tsquery('quire', ${n})"));
                values.push(w.clone());
            }
            SearchTerm::Prefix(w) => {
                let word: String = w.chars().filter(|c| c.is_alphanumeric()).collect();
                positive.push(format!("to_tsquery('quire', ${n} || ':*')"));
                values.push(word);
            }
            SearchTerm::Phrase(ws) => {
                positive.push(format!("phraseto_tsquery('quire', ${n})"));
                values.push(ws.join(" "));
            }
            SearchTerm::Exclude(w) => {
                negative.push(format!("!! plainto_tsquery('quire', ${n})"));
                values.push(w.clone());
            }
        }
    }
    if positive.is_empty() {
        return None;
    }
    positive.extend(negative);
    Some(Compiled { sql: format!("({})", positive.join(" && ")), values })
}

/// Options for `ts_headline`, shaped like SQLite's `snippet(…, 24)`: one fragment of about 24
/// words, the hits wrapped in the snippet marks.
fn headline_options() -> String {
    format!(
        "StartSel={SNIPPET_MARK_START}, StopSel={SNIPPET_MARK_END}, MaxWords=24, MinWords=12, ShortWord=0, \
         MaxFragments=1, FragmentDelimiter=\" … \""
    )
}

/// Adds `…` where the snippet cuts the text short, as SQLite's snippet does.
fn ellipsize(snippet: String, text: &str) -> String {
    let plain: String = snippet.chars().filter(|c| *c != SNIPPET_MARK_START && *c != SNIPPET_MARK_END).collect();
    let plain = plain.trim();
    if plain.is_empty() {
        return snippet;
    }
    let text = text.trim();
    let mut out = String::with_capacity(snippet.len() + 8);
    if !text.starts_with(plain) {
        out.push('…');
    }
    out.push_str(snippet.trim());
    if !text.ends_with(plain) {
        out.push('…');
    }
    out
}

#[derive(sqlx::FromRow)]
struct HitRow {
    #[sqlx(flatten)]
    post: PostRow,
    snippet: String,
}

fn bind_all<'q, O>(
    mut query: QueryAs<'q, Postgres, O, PgArguments>,
    values: &'q [String],
) -> QueryAs<'q, Postgres, O, PgArguments> {
    for value in values {
        query = query.bind(value.as_str());
    }
    query
}

impl PgStore {
    pub(crate) async fn search(
        &self,
        query: &SearchQuery,
        now: OffsetDateTime,
        page: Page,
    ) -> Result<Paged<SearchHit>, StoreError> {
        let Some(q) = tsquery(query, 2) else {
            return Ok(Paged::new(Vec::new(), 0, page));
        };
        let tsq = &q.sql;
        let visible = "p.status = 'published' AND p.published_at <= $1";
        let count_sql = format!("SELECT COUNT(*) FROM posts p WHERE p.search @@ {tsq} AND {visible}");
        let (total,): (i64,) =
            bind_all(sqlx::query_as(AssertSqlSafe(count_sql)).bind(now), &q.values).fetch_one(&self.pool).await?;
        // ts_headline drops whatever looks like an HTML tag, and the body is plain text in which
        // `<b>` is something the writer wrote: '<' travels as \u{1} and comes back below.
        // Weights are {D, C, B, A}: a title hit (A) counts five times a body hit (B), as bm25(5, 1)
        // does on SQLite; normalisation 1 divides by 1 + log(length), so that, as with bm25, a
        // word matters more in a short post than in a long one. Ties and near-ties may still
        // order differently from bm25 (which also weighs rare words up); the hits are the same.
        // Headlines are made only for the page of hits, after the LIMIT.
        let n = q.values.len() + 2;
        let (limit, offset, options) = (n, n + 1, n + 2);
        let sql = format!(
            "SELECT {POST_COLUMNS}, ts_headline('quire', replace(p.text, '<', chr(1)), {tsq}, ${options}) AS snippet FROM ( \
                 SELECT p.id, ts_rank('{{0, 0, 0.2, 1.0}}', p.search, {tsq}, 1) AS rank FROM posts p \
                 WHERE p.search @@ {tsq} AND {visible} \
                 ORDER BY rank DESC, p.published_at DESC, p.id DESC LIMIT ${limit} OFFSET ${offset} \
             ) hits JOIN posts p ON p.id = hits.id \
             ORDER BY hits.rank DESC, p.published_at DESC, p.id DESC"
        );
        let rows: Vec<HitRow> = bind_all(sqlx::query_as(AssertSqlSafe(sql)).bind(now), &q.values)
            .bind(page.limit())
            .bind(page.offset())
            .bind(headline_options())
            .fetch_all(&self.pool)
            .await?;
        let hits = rows
            .into_iter()
            .map(|r| {
                let post: quire_core::Post = r.post.try_into()?;
                let snippet = ellipsize(r.snippet.replace('\u{1}', "<"), &post.text);
                Ok(SearchHit { post, snippet })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Paged::new(hits, u64::try_from(total).unwrap_or(0), page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_a_bound_value_and_exclusions_are_negated() {
        let q = SearchQuery::parse(r#"madame "let me go" clon* -film"#);
        let compiled = tsquery(&q, 2);
        assert_eq!(
            compiled,
            Some(Compiled {
                sql: "(plainto_tsquery('quire', $2) && phraseto_tsquery('quire', $3) && \
                      to_tsquery('quire', $4 || ':*') && !! plainto_tsquery('quire', $5))"
                    .into(),
                values: vec!["madame".into(), "let me go".into(), "clon".into(), "film".into()],
            })
        );
        assert_eq!(tsquery(&SearchQuery::parse("-film"), 2), None);
    }

    #[test]
    fn cut_snippets_get_ellipses() {
        let text = "one two three four";
        assert_eq!(ellipsize("two \u{2}three\u{3}".into(), text), "…two \u{2}three\u{3}…");
        assert_eq!(ellipsize("one two three four".into(), text), "one two three four");
    }
}
