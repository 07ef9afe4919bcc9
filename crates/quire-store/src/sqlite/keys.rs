//! Secrets the site makes for itself, rate-limit buckets, and background jobs on SQLite.

use sqlx::{Sqlite, Transaction};
use time::OffsetDateTime;

use super::SqliteStore;
use crate::timestamp::to_db;
use crate::{Job, NewJob, RateLimit, StoreError};

impl SqliteStore {
    pub(crate) async fn site_key(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO site_keys (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&mut *tx)
            .await?;
        let (value,): (Vec<u8>,) =
            sqlx::query_as("SELECT value FROM site_keys WHERE name = ?").bind(name).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    pub(crate) async fn claim_jobs(
        &self,
        worker: &str,
        kinds_prefix: &str,
        limit: i64,
        lease_seconds: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let until = now + time::Duration::seconds(lease_seconds);
        // The single writer connection makes this claim atomic (BEGIN IMMEDIATE semantics).
        let mut tx = self.begin().await?;
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT id, kind, payload, attempts FROM jobs WHERE done_at IS NULL AND run_at <= ?1 \
             AND (locked_until IS NULL OR locked_until < ?1) AND substr(kind, 1, length(?2)) = ?2 \
             ORDER BY run_at, id LIMIT ?3",
        )
        .bind(to_db(now))
        .bind(kinds_prefix)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut jobs = Vec::with_capacity(rows.len());
        for (id, kind, payload, attempts) in rows {
            sqlx::query("UPDATE jobs SET locked_by = ?, locked_until = ? WHERE id = ?")
                .bind(worker)
                .bind(to_db(until))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let payload =
                serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt(format!("job {id} payload: {e}")))?;
            jobs.push(Job { id, kind, payload, attempts: u32::try_from(attempts).unwrap_or(u32::MAX) });
        }
        tx.commit().await?;
        Ok(jobs)
    }

    pub(crate) async fn finish_job(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET done_at = ?, locked_by = NULL, locked_until = NULL WHERE id = ?")
            .bind(to_db(OffsetDateTime::now_utc()))
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub(crate) async fn retry_job(
        &self,
        id: i64,
        error: &str,
        run_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        // No run_at: given up; kept (done) with its error for the admin to see.
        let done = run_at.is_none().then(|| to_db(OffsetDateTime::now_utc()));
        sqlx::query(
            "UPDATE jobs SET attempts = attempts + 1, last_error = ?, run_at = COALESCE(?, run_at), done_at = ?, \
             locked_by = NULL, locked_until = NULL WHERE id = ?",
        )
        .bind(error.chars().take(2000).collect::<String>())
        .bind(run_at.map(to_db))
        .bind(done)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub(crate) async fn pending_jobs(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL").fetch_one(&self.read).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl SqliteStore {
    pub(crate) async fn rate_limit_wait(
        &self,
        limits: &[RateLimit],
        now: OffsetDateTime,
    ) -> Result<Option<u32>, StoreError> {
        let mut wait = None;
        for limit in limits {
            let row = bucket(&self.read, &limit.key).await?;
            let tokens = refilled(limit, row, now);
            if tokens < 1.0 {
                wait = wait.max(Some(seconds_until_one(limit, tokens)));
            }
        }
        Ok(wait)
    }

    pub(crate) async fn spend_tokens(&self, limits: &[RateLimit], now: OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for limit in limits {
            let row = bucket(&mut *tx, &limit.key).await?;
            let tokens = (refilled(limit, row, now) - 1.0).max(0.0);
            put_bucket(&mut tx, &limit.key, tokens, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn reset_buckets(&self, keys: &[String]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for key in keys {
            sqlx::query("DELETE FROM rate_buckets WHERE key = ?").bind(key).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn unix_seconds(now: OffsetDateTime) -> f64 {
    now.unix_timestamp_nanos() as f64 / 1e9
}

/// A bucket's stored (tokens, updated_at), if it was ever touched.
async fn bucket<'c, E: sqlx::Executor<'c, Database = Sqlite>>(
    db: E,
    key: &str,
) -> Result<Option<(f64, f64)>, StoreError> {
    Ok(sqlx::query_as("SELECT tokens, updated_at FROM rate_buckets WHERE key = ?").bind(key).fetch_optional(db).await?)
}

/// Tokens in a bucket at `now`: what was stored plus the refill since, at most its capacity.
fn refilled(limit: &RateLimit, row: Option<(f64, f64)>, now: OffsetDateTime) -> f64 {
    let rate = limit.capacity / limit.per_seconds.max(0.001);
    match row {
        Some((tokens, at)) => (tokens + (unix_seconds(now) - at).max(0.0) * rate).min(limit.capacity),
        None => limit.capacity,
    }
}

/// Whole seconds until a bucket holding `tokens` holds one again.
fn seconds_until_one(limit: &RateLimit, tokens: f64) -> u32 {
    let rate = limit.capacity / limit.per_seconds.max(0.001);
    let wait = ((1.0 - tokens) / rate).ceil().max(1.0);
    wait.min(f64::from(u32::MAX)) as u32
}

async fn put_bucket(
    tx: &mut Transaction<'static, Sqlite>,
    key: &str,
    tokens: f64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (?, ?, ?) \
         ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(tokens)
    .bind(unix_seconds(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes one token from each bucket or refuses with the wait until the emptiest refills.
pub(super) async fn take_tokens(
    tx: &mut Transaction<'static, Sqlite>,
    limits: &[RateLimit],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let mut updates = Vec::with_capacity(limits.len());
    for limit in limits {
        let row = bucket(&mut **tx, &limit.key).await?;
        let tokens = refilled(limit, row, now);
        if tokens < 1.0 {
            return Err(StoreError::RateLimited(seconds_until_one(limit, tokens)));
        }
        updates.push((limit.key.clone(), tokens - 1.0));
    }
    for (key, tokens) in updates {
        put_bucket(tx, &key, tokens, now).await?;
    }
    Ok(())
}

/// Queues jobs inside the caller's transaction.
pub(super) async fn enqueue(tx: &mut Transaction<'static, Sqlite>, jobs: &[NewJob]) -> Result<(), StoreError> {
    let now = to_db(OffsetDateTime::now_utc());
    for job in jobs {
        sqlx::query("INSERT INTO jobs (kind, payload, run_at, created_at) VALUES (?, ?, ?, ?)")
            .bind(&job.kind)
            .bind(job.payload.to_string())
            .bind(to_db(job.run_at))
            .bind(&now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
