//! Application tokens on SQLite.

use quire_core::{User, UserId};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::SqliteStore;
use crate::timestamp::{from_db, opt_from_db, to_db};
use crate::{ApiToken, NewApiToken, StoreError};

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, last_used_at, revoked_at";

/// A row of `api_tokens` (without the hash).
#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            id: r.id,
            user_id: UserId(r.user_id),
            name: r.name,
            created_at: from_db(&r.created_at)?,
            last_used_at: opt_from_db(r.last_used_at.as_deref())?,
            revoked_at: opt_from_db(r.revoked_at.as_deref())?,
        })
    }
}

impl SqliteStore {
    pub(crate) async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiToken, StoreError> {
        let sql = format!(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) \
             RETURNING {TOKEN_COLUMNS}"
        );
        let row: TokenRow = sqlx::query_as(AssertSqlSafe(sql))
            .bind(token.user_id.0)
            .bind(&token.name)
            .bind(&token.token_hash)
            .bind(to_db(token.created_at))
            .fetch_one(&self.write)
            .await
            .map_err(super::conflict_as("token"))?;
        row.try_into()
    }

    pub(crate) async fn api_tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ? ORDER BY id DESC");
        let rows: Vec<TokenRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(user.0).fetch_all(&self.read).await?;
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    pub(crate) async fn use_api_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        let sql = format!(
            "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? AND revoked_at IS NULL \
             AND user_id IN (SELECT id FROM users WHERE deactivated_at IS NULL) RETURNING {TOKEN_COLUMNS}"
        );
        let row: Option<TokenRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(to_db(now)).bind(token_hash).fetch_optional(&self.write).await?;
        let Some(token) = row.map(ApiToken::try_from).transpose()? else { return Ok(None) };
        Ok(self.user(token.user_id).await?.map(|user| (token, user)))
    }

    pub(crate) async fn revoke_api_token(&self, user: UserId, id: i64, at: OffsetDateTime) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
                .bind(to_db(at))
                .bind(id)
                .bind(user.0)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}
