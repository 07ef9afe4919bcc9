//! Staff accounts on PostgreSQL. Emails match whatever their case, through `lower(email)`, which
//! the unique index is built on.

use quire_core::{User, UserId};
use sqlx::{AssertSqlSafe, Postgres, Transaction};
use time::OffsetDateTime;

use super::rows::{USER_COLUMNS, UserRow};
use super::{PgStore, conflict_as, micros};
use crate::{Credentials, NewUser, StoreError};

/// Advisory-lock key serialising first-run set-up across instances ("quire" + "setup" in ASCII).
const FIRST_USER_LOCK: i64 = 0x7175_6972_6573_6574;

impl PgStore {
    pub(crate) async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        let mut tx = self.begin().await?;
        let id = insert_user(&mut tx, user).await?;
        tx.commit().await?;
        self.user(id).await?.ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub(crate) async fn create_first_user(&self, user: &NewUser) -> Result<Option<User>, StoreError> {
        // Instances (or requests) racing through set-up take turns on this lock, held until commit;
        // under READ COMMITTED the count after it sees whatever the previous holder committed.
        let mut tx = self.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(FIRST_USER_LOCK).execute(&mut *tx).await?;
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
        self.credentials_where("lower(email) = lower($1)", email.trim()).await
    }

    pub(crate) async fn credentials(&self, id: UserId) -> Result<Option<Credentials>, StoreError> {
        self.credentials_where("id = $1", id.0).await
    }

    async fn credentials_where<T>(&self, condition: &str, value: T) -> Result<Option<Credentials>, StoreError>
    where
        T: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send,
    {
        let sql = format!(
            "SELECT {USER_COLUMNS}, password_hash, deactivated_at, password_changed_at FROM users WHERE {condition}"
        );
        let row: Option<CredentialsRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(value).fetch_optional(&self.pool).await?;
        row.map(|r| {
            Ok(Credentials {
                user: User::try_from(r.user)?,
                password_hash: r.password_hash,
                active: r.deactivated_at.is_none(),
                password_changed_at: r.password_changed_at,
            })
        })
        .transpose()
    }

    pub(crate) async fn set_user_deactivated(
        &self,
        id: UserId,
        at: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
            .bind(at.map(micros))
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn set_password(&self, id: UserId, hash: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(micros(at))
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn count_users_with_password(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL").fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
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

/// A row of `users` with what signing in needs.
#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: Option<String>,
    deactivated_at: Option<OffsetDateTime>,
    password_changed_at: Option<OffsetDateTime>,
}

async fn insert_user(tx: &mut Transaction<'static, Postgres>, user: &NewUser) -> Result<UserId, StoreError> {
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
    .bind(micros(OffsetDateTime::now_utc()))
    .fetch_one(&mut **tx)
    .await
    .map_err(conflict_as("that email or author slug"))?;
    Ok(UserId(id))
}
