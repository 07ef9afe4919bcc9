//! Categories and tags on SQLite.

use quire_core::{PostId, Term, TermKind};
use sqlx::AssertSqlSafe;
use sqlx::{Sqlite, Transaction};

use super::rows::{TERM_COLUMNS, TermRow};
use super::{SqliteStore, placeholders};
use crate::{StoreError, TermRef};

impl SqliteStore {
    pub(crate) async fn term_by_slug(&self, kind: TermKind, slug: &str) -> Result<Option<Term>, StoreError> {
        let sql = format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.kind = ? AND t.slug = ?");
        let row: Option<TermRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(kind.as_str()).bind(slug).fetch_optional(&self.read).await?;
        row.map(Term::try_from).transpose()
    }

    pub(crate) async fn terms_of(&self, posts: &[PostId]) -> Result<Vec<(PostId, Term)>, StoreError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT pt.post_id, {TERM_COLUMNS} FROM post_terms pt JOIN terms t ON t.id = pt.term_id \
             WHERE pt.post_id IN ({}) ORDER BY pt.post_id, t.kind, pt.position",
            placeholders(posts.len())
        );
        let mut query = sqlx::query_as::<_, PostTermRow>(AssertSqlSafe(sql));
        for id in posts {
            query = query.bind(id.0);
        }
        let rows = query.fetch_all(&self.read).await?;
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
    tx: &mut Transaction<'static, Sqlite>,
    post: PostId,
    terms: &[TermRef],
) -> Result<(), StoreError> {
    for (position, term) in terms.iter().enumerate() {
        sqlx::query("INSERT INTO terms (kind, slug, name) VALUES (?, ?, ?) ON CONFLICT (kind, slug) DO NOTHING")
            .bind(term.kind.as_str())
            .bind(&term.slug)
            .bind(&term.name)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO post_terms (post_id, term_id, position) \
             SELECT ?, id, ? FROM terms WHERE kind = ? AND slug = ? ON CONFLICT DO NOTHING",
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
