//! Staff accounts on PostgreSQL. Emails match whatever their case, through `lower(email)`, which
//! the unique index is built on.

use quire_core::{User, UserId};
use sqlx::AssertSqlSafe;

use super::rows::{USER_COLUMNS, UserRow};
use super::{PgStore, conflict_as};
use crate::{NewUser, StoreError};

impl PgStore {
    pub(crate) async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        let now = time::OffsetDateTime::now_utc();
        let mut tx = self.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (email, name, slug, role, password_hash, bio, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(user.email.as_str())
        .bind(&user.name)
        .bind(&user.slug)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(&user.bio)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_as("that email or author slug"))?;
        tx.commit().await?;
        self.user(UserId(id)).await?.ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub(crate) async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
        row.map(User::try_from).transpose()
    }

    pub(crate) async fn user_by_slug(&self, slug: &str) -> Result<Option<User>, StoreError> {
        self.user_where("slug = $1", slug).await
    }

    pub(crate) async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.user_where("lower(email) = lower($1)", email.trim()).await
    }

    async fn user_where(&self, condition: &str, value: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {condition}");
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(value).fetch_optional(&self.pool).await?;
        row.map(User::try_from).transpose()
    }

    pub(crate) async fn count_users(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
