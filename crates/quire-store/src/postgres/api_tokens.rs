//! Application tokens on PostgreSQL.

use quire_core::{User, UserId};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::{PgStore, micros};
use crate::{ApiToken, NewApiToken, StoreError};

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, last_used_at, revoked_at";

/// A row of `api_tokens` (without the hash).
#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> ApiToken {
        ApiToken {
            id: r.id,
            user_id: UserId(r.user_id),
            name: r.name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

impl PgStore {
    pub(crate) async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiToken, StoreError> {
        let sql = format!(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING {TOKEN_COLUMNS}"
        );
        let row: TokenRow = sqlx::query_as(AssertSqlSafe(sql))
            .bind(token.user_id.0)
            .bind(&token.name)
            .bind(&token.token_hash)
            .bind(micros(token.created_at))
            .fetch_one(&self.pool)
            .await
            .map_err(super::conflict_as("token"))?;
        Ok(row.into())
    }

    pub(crate) async fn api_tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC");
        let rows: Vec<TokenRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(user.0).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    pub(crate) async fn use_api_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        let sql = format!(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL \
             AND user_id IN (SELECT id FROM users WHERE deactivated_at IS NULL) RETURNING {TOKEN_COLUMNS}"
        );
        let row: Option<TokenRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(micros(now)).bind(token_hash).fetch_optional(&self.pool).await?;
        let Some(token) = row.map(ApiToken::from) else { return Ok(None) };
        Ok(self.user(token.user_id).await?.map(|user| (token, user)))
    }

    pub(crate) async fn revoke_api_token(&self, user: UserId, id: i64, at: OffsetDateTime) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(micros(at))
                .bind(id)
                .bind(user.0)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}
