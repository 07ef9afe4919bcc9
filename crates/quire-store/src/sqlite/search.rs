//! Full-text search on SQLite with FTS5: the parsed query compiled to FTS5 syntax (every word
//! quoted, so nothing a reader types is read as an operator), ranked by bm25 with titles weighted.

use quire_core::{Page, Paged, SearchQuery, SearchTerm};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::SqliteStore;
use super::rows::{POST_COLUMNS, PostRow};
use crate::timestamp::to_db;
use crate::{SNIPPET_MARK_END, SNIPPET_MARK_START, SearchHit, StoreError};

/// Compiles a query to an FTS5 MATCH expression; `None` when nothing must match.
fn fts5_expression(query: &SearchQuery) -> Option<String> {
    let quote = |w: &str| format!("\"{}\"", w.replace('"', ""));
    let mut positive = Vec::new();
    let mut negative = Vec::new();
    for term in &query.terms {
        match term {
            SearchTerm::Word(w) => positive.push(quote(w)),
            SearchTerm::Prefix(w) => positive.push(format!("{}*", quote(w))),
            SearchTerm::Phrase(ws) => positive.push(quote(&ws.join(" "))),
            SearchTerm::Exclude(w) => negative.push(quote(w)),
        }
    }
    if positive.is_empty() {
        return None;
    }
    let mut expr = positive.join(" AND ");
    for n in negative {
        expr = format!("({expr}) NOT {n}");
    }
    Some(expr)
}

#[derive(sqlx::FromRow)]
struct HitRow {
    #[sqlx(flatten)]
    post: PostRow,
    snippet: String,
}

impl SqliteStore {
    pub(crate) async fn search(
        &self,
        query: &SearchQuery,
        now: OffsetDateTime,
        page: Page,
    ) -> Result<Paged<SearchHit>, StoreError> {
        let Some(expr) = fts5_expression(query) else {
            return Ok(Paged::new(Vec::new(), 0, page));
        };
        let visible = "p.status = 'published' AND p.published_at <= ?";
        let (total,): (i64,) = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM post_search s JOIN posts p ON p.id = s.rowid WHERE post_search MATCH ? AND {visible}"
        )))
        .bind(&expr)
        .bind(to_db(now))
        .fetch_one(&self.read)
        .await?;
        let sql = format!(
            "SELECT {POST_COLUMNS}, snippet(post_search, 1, '{SNIPPET_MARK_START}', '{SNIPPET_MARK_END}', '…', 24) AS snippet \
             FROM post_search s JOIN posts p ON p.id = s.rowid \
             WHERE post_search MATCH ? AND {visible} \
             ORDER BY bm25(post_search, 5.0, 1.0), p.published_at DESC LIMIT ? OFFSET ?"
        );
        let rows: Vec<HitRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&expr)
            .bind(to_db(now))
            .bind(page.limit())
            .bind(page.offset())
            .fetch_all(&self.read)
            .await?;
        let hits = rows
            .into_iter()
            .map(|r| Ok(SearchHit { post: r.post.try_into()?, snippet: r.snippet }))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Paged::new(hits, u64::try_from(total).unwrap_or(0), page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_quoted_and_exclusions_become_not() {
        let q = SearchQuery::parse(r#"madame "let me go" clon* -film"#);
        assert_eq!(fts5_expression(&q).as_deref(), Some(r#"("madame" AND "let me go" AND "clon"*) NOT "film""#));
        assert_eq!(fts5_expression(&SearchQuery::parse("-film")), None);
    }
}
