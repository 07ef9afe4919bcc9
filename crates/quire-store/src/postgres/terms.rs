//! Categories and tags on PostgreSQL.

use quire_core::{PostId, Term, TermKind};
use sqlx::AssertSqlSafe;
use sqlx::{Postgres, Transaction};

use super::PgStore;
use super::rows::{TERM_COLUMNS, TermRow};
use crate::{StoreError, TermRef};

impl PgStore {
    pub(crate) async fn term_by_slug(&self, kind: TermKind, slug: &str) -> Result<Option<Term>, StoreError> {
        let sql = format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.kind = $1 AND t.slug = $2");
        let row: Option<TermRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(kind.as_str()).bind(slug).fetch_optional(&self.pool).await?;
        row.map(Term::try_from).transpose()
    }

    pub(crate) async fn terms_of(&self, posts: &[PostId]) -> Result<Vec<(PostId, Term)>, StoreError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
        let sql = format!(
            "SELECT pt.post_id, {TERM_COLUMNS} FROM post_terms pt JOIN terms t ON t.id = pt.term_id \
             WHERE pt.post_id = ANY($1) ORDER BY pt.post_id, t.kind, pt.position"
        );
        let rows: Vec<PostTermRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(ids).fetch_all(&self.pool).await?;
        rows.into_iter().map(|r| Ok((PostId(r.post_id), Term::try_from(r.term)?))).collect()
    }
}

#[derive(sqlx::FromRow)]
struct PostTermRow {
    post_id: i64,
    #[sqlx(flatten)]
    term: TermRow,
}

/// Attaches terms to a post inside its transaction, creating the missing ones.
pub(super) async fn attach_terms(
    tx: &mut Transaction<'static, Postgres>,
    post: PostId,
    terms: &[TermRef],
) -> Result<(), StoreError> {
    for (position, term) in terms.iter().enumerate() {
        sqlx::query("INSERT INTO terms (kind, slug, name) VALUES ($1, $2, $3) ON CONFLICT (kind, slug) DO NOTHING")
            .bind(term.kind.as_str())
            .bind(&term.slug)
            .bind(&term.name)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO post_terms (post_id, term_id, position) \
             SELECT $1, id, $2 FROM terms WHERE kind = $3 AND slug = $4 ON CONFLICT DO NOTHING",
        )
        .bind(post.0)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(term.kind.as_str())
        .bind(&term.slug)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
