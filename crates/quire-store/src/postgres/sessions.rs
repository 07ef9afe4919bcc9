//! Staff sessions on PostgreSQL. Rows are keyed by the hash of the cookie secret; a session of a
//! deactivated account, or one past its expiry, is never returned.

use quire_core::{User, UserId};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::{PgStore, micros};
use crate::{NewSession, Session, StoreError};

const SESSION_COLUMNS: &str = "id, user_id, created_at, last_seen_at, expires_at, user_agent, ip_hash";

/// A row of `sessions`.
#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    user_id: i64,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    user_agent: Option<String>,
    ip_hash: Option<String>,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Session {
        Session {
            id: r.id,
            user_id: UserId(r.user_id),
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            expires_at: r.expires_at,
            user_agent: r.user_agent,
            ip_hash: r.ip_hash,
        }
    }
}

impl PgStore {
    pub(crate) async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let created = micros(session.created_at);
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, user_agent, ip_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.id)
        .bind(session.user_id.0)
        .bind(created)
        .bind(created)
        .bind(micros(session.expires_at))
        .bind(&session.user_agent)
        .bind(&session.ip_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn session(&self, id: &str, now: OffsetDateTime) -> Result<Option<(Session, User)>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1 AND expires_at > $2 \
             AND user_id IN (SELECT id FROM users WHERE deactivated_at IS NULL)"
        );
        let row: Option<SessionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(micros(now)).fetch_optional(&self.pool).await?;
        let Some(session) = row.map(Session::from) else { return Ok(None) };
        Ok(self.user(session.user_id).await?.map(|user| (session, user)))
    }

    pub(crate) async fn touch_session(
        &self,
        id: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3 AND expires_at > $1")
            .bind(micros(now))
            .bind(micros(expires_at))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn delete_sessions_of(&self, user: UserId, except: Option<&str>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> COALESCE($2, '')")
            .bind(user.0)
            .bind(except)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn sessions_of(&self, user: UserId, now: OffsetDateTime) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY last_seen_at DESC, id COLLATE \"C\""
        );
        let rows: Vec<SessionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(user.0).bind(micros(now)).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Session::from).collect())
    }

    pub(crate) async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(micros(now)).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
