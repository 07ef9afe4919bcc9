//! Mail on PostgreSQL: reply subscriptions (double opt-in), staff notification preferences,
//! sent-mail markers, jobs queued on their own behind rate limits, and a reader's data export and
//! erasure. Addresses match whatever their case, through `lower(email)`, as SQLite's NOCASE does.

use quire_core::{PostId, UserId};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::keys::{enqueue, take_tokens};
use super::rows::{COMMENT_COLUMNS, CommentRow};
use super::{PgStore, bump_version, micros};
use crate::{
    Erased, NewJob, NewSubscription, RateLimit, ReaderComment, ReaderData, StoreError, Subscription, Tombstone,
};

/// A row of `comment_subscriptions`.
#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: i64,
    post_id: i64,
    email: String,
    confirmed_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
}

const SUBSCRIPTION_COLUMNS: &str = "id, post_id, email, confirmed_at, created_at";

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Subscription {
        Subscription {
            id: r.id,
            post_id: PostId(r.post_id),
            email: r.email,
            confirmed_at: r.confirmed_at,
            created_at: r.created_at,
        }
    }
}

impl PgStore {
    pub(crate) async fn subscribe(&self, new: &NewSubscription) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO comment_subscriptions (post_id, email, token_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (post_id, lower(email)) DO NOTHING RETURNING id",
        )
        .bind(new.post_id.0)
        .bind(&new.email)
        .bind(&new.token_hash)
        .bind(micros(new.created_at))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id,)) = row {
            let mut job = new.confirm_job.clone();
            if let Some(payload) = job.payload.as_object_mut() {
                payload.insert("subscription_id".into(), id.into());
            }
            enqueue(&mut tx, &[job]).await?;
        }
        tx.commit().await?;
        Ok(row.map(|(id,)| id))
    }

    pub(crate) async fn subscription(&self, id: i64) -> Result<Option<Subscription>, StoreError> {
        let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM comment_subscriptions WHERE id = $1");
        let row: Option<SubscriptionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(Subscription::from))
    }

    pub(crate) async fn subscription_by_token(&self, token_hash: &str) -> Result<Option<Subscription>, StoreError> {
        let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM comment_subscriptions WHERE token_hash = $1");
        let row: Option<SubscriptionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&self.pool).await?;
        Ok(row.map(Subscription::from))
    }

    pub(crate) async fn set_subscription_token(&self, id: i64, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE comment_subscriptions SET token_hash = $1 WHERE id = $2")
            .bind(token_hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn confirm_subscription(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Subscription>, StoreError> {
        let sql = format!(
            "UPDATE comment_subscriptions SET confirmed_at = COALESCE(confirmed_at, $1) WHERE token_hash = $2 \
             RETURNING {SUBSCRIPTION_COLUMNS}"
        );
        let row: Option<SubscriptionRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(micros(now)).bind(token_hash).fetch_optional(&self.pool).await?;
        Ok(row.map(Subscription::from))
    }

    pub(crate) async fn delete_subscription(&self, id: i64) -> Result<bool, StoreError> {
        let result =
            sqlx::query("DELETE FROM comment_subscriptions WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(result.rows_affected() > 0)
    }

    pub(crate) async fn confirmed_subscriptions(&self, post: PostId) -> Result<Vec<Subscription>, StoreError> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM comment_subscriptions WHERE post_id = $1 AND confirmed_at IS NOT NULL \
             ORDER BY id"
        );
        let rows: Vec<SubscriptionRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(post.0).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    pub(crate) async fn comment_notifications(&self, user: UserId) -> Result<bool, StoreError> {
        let row: Option<(bool,)> = sqlx::query_as("SELECT comment_notifications FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some_and(|(on,)| on))
    }

    pub(crate) async fn set_comment_notifications(&self, user: UserId, on: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET comment_notifications = $1 WHERE id = $2")
            .bind(on)
            .bind(user.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn enqueue_jobs(&self, jobs: &[NewJob], limits: &[RateLimit]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        take_tokens(&mut tx, limits, OffsetDateTime::now_utc()).await?;
        enqueue(&mut tx, jobs).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn sent_mail(&self, job: i64) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT message_id FROM sent_mail WHERE job_id = $1")
            .bind(job)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id,)| id))
    }

    pub(crate) async fn record_sent_mail(&self, job: i64, message_id: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sent_mail (job_id, message_id, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(job)
            .bind(message_id)
            .bind(micros(OffsetDateTime::now_utc()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn reader_data(&self, email: &str) -> Result<ReaderData, StoreError> {
        let columns = COMMENT_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns}, p.title, c.ip_hash, c.user_agent FROM comments c JOIN posts p ON p.id = c.post_id \
             WHERE lower(c.author_email) = lower($1) ORDER BY c.created_at, c.id"
        );
        let rows: Vec<ReaderCommentRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(email).fetch_all(&self.pool).await?;
        let comments = rows
            .into_iter()
            .map(|r| {
                Ok(ReaderComment {
                    comment: r.comment.try_into()?,
                    post_title: r.title,
                    ip_hash: r.ip_hash,
                    user_agent: r.user_agent,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM comment_subscriptions WHERE lower(email) = lower($1) ORDER BY id"
        );
        let rows: Vec<SubscriptionRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(email).fetch_all(&self.pool).await?;
        let subscriptions = rows.into_iter().map(Subscription::from).collect();
        Ok(ReaderData { comments, subscriptions })
    }

    pub(crate) async fn erase_reader_data(&self, email: &str, tombstone: &Tombstone) -> Result<Erased, StoreError> {
        let mut tx = self.begin().await?;
        // Deepest first, so that a reader's reply to their own comment goes before the comment it
        // answers, which may then go too. The rows stay locked until commit, so a reply racing in
        // waits for the erasure (its parent is then a tombstone or gone).
        let ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM comments WHERE lower(author_email) = lower($1) \
             ORDER BY length(path) DESC, path DESC FOR UPDATE",
        )
        .bind(email)
        .fetch_all(&mut *tx)
        .await?;
        let mut erased = Erased::default();
        let now = micros(OffsetDateTime::now_utc());
        for (id,) in ids {
            let (replies,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM comments WHERE parent_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            if replies == 0 {
                sqlx::query("DELETE FROM comments WHERE id = $1").bind(id).execute(&mut *tx).await?;
                erased.removed += 1;
            } else {
                sqlx::query(
                    "UPDATE comments SET author_name = $1, author_email = NULL, author_url = NULL, ip_hash = NULL, \
                     user_agent = NULL, guest_key = NULL, fingerprint = NULL, markdown = $2, html = $3, \
                     edited_at = $4 WHERE id = $5",
                )
                .bind(&tombstone.name)
                .bind(&tombstone.markdown)
                .bind(&tombstone.html)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                erased.anonymised += 1;
            }
        }
        let result = sqlx::query("DELETE FROM comment_subscriptions WHERE lower(email) = lower($1)")
            .bind(email)
            .execute(&mut *tx)
            .await?;
        erased.subscriptions = result.rows_affected();
        if erased.removed + erased.anonymised > 0 {
            bump_version(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(erased)
    }
}

/// A comment row with its post's title and the fields only an export shows.
#[derive(sqlx::FromRow)]
struct ReaderCommentRow {
    #[sqlx(flatten)]
    comment: CommentRow,
    title: String,
    ip_hash: Option<String>,
    user_agent: Option<String>,
}
