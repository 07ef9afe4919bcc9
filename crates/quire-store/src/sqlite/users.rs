//! Staff accounts on SQLite.

use quire_core::{User, UserId};
use sqlx::{AssertSqlSafe, Sqlite, Transaction};
use time::OffsetDateTime;

use super::rows::{USER_COLUMNS, UserRow};
use super::{SqliteStore, conflict_as};
use crate::timestamp::{opt_from_db, to_db};
use crate::{Credentials, NewUser, StoreError};

impl SqliteStore {
    pub(crate) async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        let mut tx = self.begin().await?;
        let id = insert_user(&mut tx, user).await?;
        tx.commit().await?;
        self.user(id).await?.ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub(crate) async fn create_first_user(&self, user: &NewUser) -> Result<Option<User>, StoreError> {
        // One transaction on the single writer: two set-up forms sent at once make one account.
        let mut tx = self.begin().await?;
        let (existing,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL").fetch_one(&mut *tx).await?;
        if existing > 0 {
            return Ok(None);
        }
        let id = insert_user(&mut tx, user).await?;
        tx.commit().await?;
        self.user(id).await
    }

    pub(crate) async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        self.credentials_where("email = ?", email.trim().to_string()).await
    }

    pub(crate) async fn credentials(&self, id: UserId) -> Result<Option<Credentials>, StoreError> {
        self.credentials_where("id = ?", id.0.to_string()).await
    }

    async fn credentials_where(&self, condition: &str, value: String) -> Result<Option<Credentials>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, password_hash, deactivated_at, password_changed_at FROM users WHERE {condition}"
        );
        let row: Option<CredentialsRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(value).fetch_optional(&self.read).await?;
        row.map(|r| {
            Ok(Credentials {
                user: User::try_from(r.user)?,
                password_hash: r.password_hash,
                active: r.deactivated_at.is_none(),
                password_changed_at: opt_from_db(r.password_changed_at.as_deref())?,
            })
        })
        .transpose()
    }

    pub(crate) async fn set_user_deactivated(
        &self,
        id: UserId,
        at: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET deactivated_at = ? WHERE id = ?")
            .bind(at.map(to_db))
            .bind(id.0)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn set_password(&self, id: UserId, hash: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?")
            .bind(hash)
            .bind(to_db(at))
            .bind(id.0)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.user_where("id = ?", id.0.to_string()).await
    }

    pub(crate) async fn user_by_slug(&self, slug: &str) -> Result<Option<User>, StoreError> {
        self.user_where("slug = ?", slug.to_string()).await
    }

    pub(crate) async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.user_where("email = ?", email.trim().to_string()).await
    }

    async fn user_where(&self, condition: &str, value: String) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {condition}");
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(value).fetch_optional(&self.read).await?;
        row.map(User::try_from).transpose()
    }

    pub(crate) async fn count_users_with_password(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL").fetch_one(&self.read).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub(crate) async fn count_users(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&self.read).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// A row of `users` with what signing in needs.
#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: Option<String>,
    deactivated_at: Option<String>,
    password_changed_at: Option<String>,
}

async fn insert_user(tx: &mut Transaction<'static, Sqlite>, user: &NewUser) -> Result<UserId, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (email, name, slug, role, password_hash, bio, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(user.email.as_str())
    .bind(&user.name)
    .bind(&user.slug)
    .bind(user.role.as_str())
    .bind(&user.password_hash)
    .bind(&user.bio)
    .bind(to_db(OffsetDateTime::now_utc()))
    .fetch_one(&mut **tx)
    .await
    .map_err(conflict_as("that email or author slug"))?;
    Ok(UserId(id))
}
