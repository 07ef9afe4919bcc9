//! Staff accounts as the admin manages them, on SQLite: the list, guarded role changes and
//! deactivation, one-time account links. The single writer connection makes each guarded change
//! atomic: two admins demoting each other at once cannot both succeed.

use quire_core::{Role, User, UserId};
use sqlx::{AssertSqlSafe, FromRow, Sqlite, Transaction};
use time::OffsetDateTime;

use super::SqliteStore;
use super::rows::{USER_COLUMNS, UserRow};
use crate::timestamp::{opt_from_db, to_db};
use crate::{Credentials, Guarded, NewAccountToken, StoreError, TokenPurpose};

#[derive(FromRow)]
struct StaffRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: Option<String>,
    deactivated_at: Option<String>,
    password_changed_at: Option<String>,
}

/// Whether another active administrator who can sign in exists besides `id`.
async fn another_admin(tx: &mut Transaction<'static, Sqlite>, id: UserId) -> Result<bool, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND deactivated_at IS NULL \
         AND password_hash IS NOT NULL AND id != ?",
    )
    .bind(id.0)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// The role and activity of `id`, if it exists.
async fn state_of(tx: &mut Transaction<'static, Sqlite>, id: UserId) -> Result<Option<(String, bool)>, StoreError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as("SELECT role, deactivated_at FROM users WHERE id = ?")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(|(role, off)| (role, off.is_none())))
}

impl SqliteStore {
    pub(crate) async fn staff_accounts(&self) -> Result<Vec<Credentials>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, password_hash, deactivated_at, password_changed_at FROM users \
             ORDER BY name COLLATE NOCASE, id"
        );
        let rows: Vec<StaffRow> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|r| {
                Ok(Credentials {
                    user: User::try_from(r.user)?,
                    password_hash: r.password_hash,
                    active: r.deactivated_at.is_none(),
                    password_changed_at: opt_from_db(r.password_changed_at.as_deref())?,
                })
            })
            .collect()
    }

    pub(crate) async fn set_user_role_guarded(&self, id: UserId, role: Role) -> Result<Guarded, StoreError> {
        let mut tx = self.begin().await?;
        let Some((current, active)) = state_of(&mut tx, id).await? else { return Ok(Guarded::NotFound) };
        if current == "admin" && role != Role::Admin && active && !another_admin(&mut tx, id).await? {
            return Ok(Guarded::LastAdmin);
        }
        sqlx::query("UPDATE users SET role = ? WHERE id = ?").bind(role.as_str()).bind(id.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Guarded::Done)
    }

    pub(crate) async fn deactivate_user_guarded(&self, id: UserId, at: OffsetDateTime) -> Result<Guarded, StoreError> {
        let mut tx = self.begin().await?;
        let Some((current, active)) = state_of(&mut tx, id).await? else { return Ok(Guarded::NotFound) };
        if current == "admin" && active && !another_admin(&mut tx, id).await? {
            return Ok(Guarded::LastAdmin);
        }
        if active {
            sqlx::query("UPDATE users SET deactivated_at = ? WHERE id = ?")
                .bind(to_db(at))
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = ?").bind(id.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Guarded::Done)
    }

    pub(crate) async fn put_account_token(&self, token: &NewAccountToken) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM account_tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL")
            .bind(token.user_id.0)
            .bind(token.purpose.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&token.token_hash)
        .bind(token.user_id.0)
        .bind(token.purpose.as_str())
        .bind(to_db(token.created_at))
        .bind(to_db(token.expires_at))
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
             WHERE t.token_hash = ? AND t.purpose = ? AND t.used_at IS NULL AND t.expires_at > ? \
             AND u.deactivated_at IS NULL",
            USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(to_db(now))
            .fetch_optional(&self.read)
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
            "UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at IS NULL \
             AND expires_at > ? AND user_id IN (SELECT id FROM users WHERE deactivated_at IS NULL) RETURNING user_id",
        )
        .bind(to_db(now))
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(to_db(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id,)) = row else { return Ok(None) };
        sqlx::query("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?")
            .bind(password_hash)
            .bind(to_db(now))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ?").bind(user_id).execute(&mut *tx).await?;
        // Any other link of the account is spent with this one.
        sqlx::query("DELETE FROM account_tokens WHERE user_id = ? AND used_at IS NULL")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.user(UserId(user_id)).await
    }
}
