//! Staff accounts as the admin manages them, on PostgreSQL: the list, guarded role changes and
//! deactivation, one-time account links. A guarded change locks every administrator row first, so
//! two admins demoting each other at once cannot both succeed.

use quire_core::{Role, User, UserId};
use sqlx::{AssertSqlSafe, FromRow, Postgres, Transaction};
use time::OffsetDateTime;

use super::rows::{USER_COLUMNS, UserRow};
use super::{PgStore, micros};
use crate::{Credentials, Guarded, NewAccountToken, StoreError, TokenPurpose};

#[derive(FromRow)]
struct StaffRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: Option<String>,
    deactivated_at: Option<OffsetDateTime>,
    password_changed_at: Option<OffsetDateTime>,
}

/// Locks the administrators' rows and `id`'s; returns `id`'s role and activity, if it exists, and
/// whether another active administrator who can sign in exists.
async fn lock_admins(
    tx: &mut Transaction<'static, Postgres>,
    id: UserId,
) -> Result<Option<(String, bool, bool)>, StoreError> {
    let rows: Vec<(i64, String, bool, bool)> = sqlx::query_as(
        "SELECT id, role, deactivated_at IS NULL, password_hash IS NOT NULL FROM users \
         WHERE role = 'admin' OR id = $1 ORDER BY id FOR UPDATE",
    )
    .bind(id.0)
    .fetch_all(&mut **tx)
    .await?;
    let Some((_, role, active, _)) = rows.iter().find(|r| r.0 == id.0) else { return Ok(None) };
    let another =
        rows.iter().any(|(other, role, active, password)| *other != id.0 && role == "admin" && *active && *password);
    Ok(Some((role.clone(), *active, another)))
}

impl PgStore {
    pub(crate) async fn staff_accounts(&self) -> Result<Vec<Credentials>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, password_hash, deactivated_at, password_changed_at FROM users \
             ORDER BY lower(name) COLLATE \"C\", id"
        );
        let rows: Vec<StaffRow> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Credentials {
                    user: User::try_from(r.user)?,
                    password_hash: r.password_hash,
                    active: r.deactivated_at.is_none(),
                    password_changed_at: r.password_changed_at,
                })
            })
            .collect()
    }

    pub(crate) async fn set_user_role_guarded(&self, id: UserId, role: Role) -> Result<Guarded, StoreError> {
        let mut tx = self.begin().await?;
        let Some((current, active, another)) = lock_admins(&mut tx, id).await? else { return Ok(Guarded::NotFound) };
        if current == "admin" && role != Role::Admin && active && !another {
            return Ok(Guarded::LastAdmin);
        }
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Guarded::Done)
    }

    pub(crate) async fn deactivate_user_guarded(&self, id: UserId, at: OffsetDateTime) -> Result<Guarded, StoreError> {
        let mut tx = self.begin().await?;
        let Some((current, active, another)) = lock_admins(&mut tx, id).await? else { return Ok(Guarded::NotFound) };
        if current == "admin" && active && !another {
            return Ok(Guarded::LastAdmin);
        }
        if active {
            sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
                .bind(micros(at))
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Guarded::Done)
    }

    pub(crate) async fn put_account_token(&self, token: &NewAccountToken) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
            .bind(token.user_id.0)
            .bind(token.purpose.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&token.token_hash)
        .bind(token.user_id.0)
        .bind(token.purpose.as_str())
        .bind(micros(token.created_at))
        .bind(micros(token.expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn account_token_user(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {} FROM account_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > $3 \
             AND u.deactivated_at IS NULL",
            USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(micros(now))
            .fetch_optional(&self.pool)
            .await?;
        row.map(User::try_from).transpose()
    }

    pub(crate) async fn redeem_account_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError> {
        let mut tx = self.begin().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
             AND expires_at > $1 AND user_id IN (SELECT id FROM users WHERE deactivated_at IS NULL) RETURNING user_id",
        )
        .bind(micros(now))
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id,)) = row else { return Ok(None) };
        sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(micros(now))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        // Any other link of the account is spent with this one.
        sqlx::query("DELETE FROM account_tokens WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.user(UserId(user_id)).await
    }
}
