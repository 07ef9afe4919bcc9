//! Staff sessions on SQLite. Rows are keyed by the hash of the cookie secret; a session of a
//! deactivated account, or one past its expiry, is never returned.

use quire_core::{User, UserId};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::SqliteStore;
use crate::timestamp::{from_db, to_db};
use crate::{NewSession, Session, StoreError};

const SESSION_COLUMNS: &str = "id, user_id, created_at, last_seen_at, expires_at, user_agent, ip_hash";

/// A row of `sessions`.
#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    user_id: i64,
    created_at: String,
    last_seen_at: String,
    expires_at: String,
    user_agent: Option<String>,
    ip_hash: Option<String>,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Session, StoreError> {
        Ok(Session {
            id: r.id,
            user_id: UserId(r.user_id),
            created_at: from_db(&r.created_at)?,
            last_seen_at: from_db(&r.last_seen_at)?,
            expires_at: from_db(&r.expires_at)?,
            user_agent: r.user_agent,
            ip_hash: r.ip_hash,
        })
    }
}

impl SqliteStore {
    pub(crate) async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let created = to_db(session.created_at);
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, user_agent, ip_hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&session.id)
        .bind(session.user_id.0)
        .bind(&created)
        .bind(&created)
        .bind(to_db(session.expires_at))
        .bind(&session.user_agent)
        .bind(&session.ip_hash)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub(crate) async fn session(&self, id: &str, now: OffsetDateTime) -> Result<Option<(Session, User)>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ? AND expires_at > ? \
             AND user_id IN (SELECT id FROM users WHERE deactivated_at IS NULL)"
        );
        let row: Option<SessionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(to_db(now)).fetch_optional(&self.read).await?;
        let Some(session) = row.map(Session::try_from).transpose()? else { return Ok(None) };
        Ok(self.user(session.user_id).await?.map(|user| (session, user)))
    }

    pub(crate) async fn touch_session(
        &self,
        id: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ? AND expires_at > ?")
            .bind(to_db(now))
            .bind(to_db(expires_at))
            .bind(id)
            .bind(to_db(now))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub(crate) async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = ?").bind(id).execute(&self.write).await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn delete_sessions_of(&self, user: UserId, except: Option<&str>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id <> COALESCE(?, '')")
            .bind(user.0)
            .bind(except)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn sessions_of(&self, user: UserId, now: OffsetDateTime) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, id"
        );
        let rows: Vec<SessionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(user.0).bind(to_db(now)).fetch_all(&self.read).await?;
        rows.into_iter().map(Session::try_from).collect()
    }

    pub(crate) async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(to_db(now)).execute(&self.write).await?;
        Ok(done.rows_affected())
    }
}
