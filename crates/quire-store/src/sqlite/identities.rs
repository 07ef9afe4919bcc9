//! Outside sign-in accounts and one-time sign-in rows on SQLite.

use quire_core::{CommentId, UserId};
use time::OffsetDateTime;

use super::SqliteStore;
use crate::timestamp::{from_db, to_db};
use crate::{Identity, MastodonApp, NewIdentity, StoreError};

const IDENTITY_COLUMNS: &str =
    "id, user_id, provider, subject, display_name, email, profile_url, created_at, last_seen_at";

/// A row of `identities`.
#[derive(sqlx::FromRow)]
struct IdentityRow {
    id: i64,
    user_id: Option<i64>,
    provider: String,
    subject: String,
    display_name: String,
    email: Option<String>,
    profile_url: Option<String>,
    created_at: String,
    last_seen_at: String,
}

impl TryFrom<IdentityRow> for Identity {
    type Error = StoreError;
    fn try_from(r: IdentityRow) -> Result<Identity, StoreError> {
        Ok(Identity {
            id: r.id,
            user_id: r.user_id.map(UserId),
            provider: r.provider,
            subject: r.subject,
            display_name: r.display_name,
            email: r.email,
            profile_url: r.profile_url,
            created_at: from_db(&r.created_at)?,
            last_seen_at: from_db(&r.last_seen_at)?,
        })
    }
}

fn json_of(text: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("auth JSON: {e}")))
}

impl SqliteStore {
    pub(crate) async fn upsert_identity(&self, identity: &NewIdentity) -> Result<Identity, StoreError> {
        let seen = to_db(identity.seen_at);
        let sql = format!(
            "INSERT INTO identities (provider, subject, display_name, email, profile_url, created_at, last_seen_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (provider, subject) DO UPDATE SET display_name = excluded.display_name, \
             email = excluded.email, profile_url = excluded.profile_url, last_seen_at = excluded.last_seen_at \
             RETURNING {IDENTITY_COLUMNS}"
        );
        let row: IdentityRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&identity.provider)
            .bind(&identity.subject)
            .bind(&identity.display_name)
            .bind(&identity.email)
            .bind(&identity.profile_url)
            .bind(&seen)
            .bind(&seen)
            .fetch_one(&self.write)
            .await?;
        row.try_into()
    }

    pub(crate) async fn identity(&self, id: i64) -> Result<Option<Identity>, StoreError> {
        let sql = format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE id = ?");
        let row: Option<IdentityRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.read).await?;
        row.map(Identity::try_from).transpose()
    }

    pub(crate) async fn identities_of(&self, user: UserId) -> Result<Vec<Identity>, StoreError> {
        let sql = format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE user_id = ? ORDER BY id");
        let rows: Vec<IdentityRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user.0).fetch_all(&self.read).await?;
        rows.into_iter().map(Identity::try_from).collect()
    }

    pub(crate) async fn link_identity(&self, id: i64, user: UserId) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE identities SET user_id = ? WHERE id = ? AND (user_id IS NULL OR user_id = ?)")
            .bind(user.0)
            .bind(id)
            .bind(user.0)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn unlink_identity(&self, id: i64, user: UserId) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE identities SET user_id = NULL WHERE id = ? AND user_id = ? AND ( \
             EXISTS (SELECT 1 FROM users WHERE id = ? AND password_hash IS NOT NULL) \
             OR (SELECT count(*) FROM identities WHERE user_id = ?) > 1)",
        )
        .bind(id)
        .bind(user.0)
        .bind(user.0)
        .bind(user.0)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn set_comment_identity(&self, comment: CommentId, identity: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE comments SET identity_id = ? WHERE id = ?")
            .bind(identity)
            .bind(comment.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub(crate) async fn identity_has_approved_comment(&self, identity: i64) -> Result<bool, StoreError> {
        let (found,): (bool,) =
            sqlx::query_as("SELECT EXISTS (SELECT 1 FROM comments WHERE identity_id = ? AND status = 'approved')")
                .bind(identity)
                .fetch_one(&self.read)
                .await?;
        Ok(found)
    }

    pub(crate) async fn put_auth_state(
        &self,
        id: &str,
        purpose: &str,
        payload: &serde_json::Value,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM auth_states WHERE expires_at <= ?")
            .bind(to_db(OffsetDateTime::now_utc()))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO auth_states (id, purpose, payload, expires_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET purpose = excluded.purpose, payload = excluded.payload, \
             expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(purpose)
        .bind(payload.to_string())
        .bind(to_db(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn peek_auth_state(
        &self,
        id: &str,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT payload FROM auth_states WHERE id = ? AND purpose = ? AND expires_at > ?")
                .bind(id)
                .bind(purpose)
                .bind(to_db(now))
                .fetch_optional(&self.read)
                .await?;
        row.map(|(p,)| json_of(&p)).transpose()
    }

    pub(crate) async fn take_auth_state(
        &self,
        id: &str,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        // One statement: of two requests racing with the same secret, only one gets the row.
        let row: Option<(String,)> =
            sqlx::query_as("DELETE FROM auth_states WHERE id = ? AND purpose = ? AND expires_at > ? RETURNING payload")
                .bind(id)
                .bind(purpose)
                .bind(to_db(now))
                .fetch_optional(&self.write)
                .await?;
        row.map(|(p,)| json_of(&p)).transpose()
    }

    pub(crate) async fn auth_providers(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT provider_id, config FROM auth_providers ORDER BY provider_id")
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(|(id, config)| Ok((id, json_of(&config)?))).collect()
    }

    pub(crate) async fn put_auth_provider(&self, id: &str, config: &serde_json::Value) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO auth_providers (provider_id, config, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (provider_id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(config.to_string())
        .bind(to_db(OffsetDateTime::now_utc()))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub(crate) async fn delete_auth_provider(&self, id: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM auth_providers WHERE provider_id = ?").bind(id).execute(&self.write).await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn mastodon_app(&self, instance: &str) -> Result<Option<MastodonApp>, StoreError> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT instance, client_id, client_secret FROM mastodon_apps WHERE instance = ?")
                .bind(instance)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(|(instance, client_id, client_secret)| MastodonApp { instance, client_id, client_secret }))
    }

    pub(crate) async fn put_mastodon_app(&self, app: &MastodonApp) -> Result<MastodonApp, StoreError> {
        sqlx::query(
            "INSERT INTO mastodon_apps (instance, client_id, client_secret, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (instance) DO NOTHING",
        )
        .bind(&app.instance)
        .bind(&app.client_id)
        .bind(&app.client_secret)
        .bind(to_db(OffsetDateTime::now_utc()))
        .execute(&self.write)
        .await?;
        let row: (String, String, String) =
            sqlx::query_as("SELECT instance, client_id, client_secret FROM mastodon_apps WHERE instance = ?")
                .bind(&app.instance)
                .fetch_one(&self.write)
                .await?;
        Ok(MastodonApp { instance: row.0, client_id: row.1, client_secret: row.2 })
    }
}
