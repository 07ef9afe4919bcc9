//! Secrets the site makes for itself, rate-limit buckets, and background jobs on PostgreSQL.
//! Several instances share these tables, so each statement takes the row locks it relies on.

use sqlx::types::Json;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use super::{PgStore, micros};
use crate::{Job, NewJob, RateLimit, StoreError};

impl PgStore {
    pub(crate) async fn site_key(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>, StoreError> {
        // An instance racing us blocks the insert until it commits; the SELECT then sees its key.
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO site_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&mut *tx)
            .await?;
        let (value,): (Vec<u8>,) =
            sqlx::query_as("SELECT value FROM site_keys WHERE name = $1").bind(name).fetch_one(&mut *tx).await?;
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
        // SKIP LOCKED: instances claiming at the same moment take different jobs instead of waiting.
        let mut rows: Vec<(i64, String, Json<serde_json::Value>, i64, OffsetDateTime)> = sqlx::query_as(
            "WITH due AS ( \
                 SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $1 \
                 AND (locked_until IS NULL OR locked_until < $1) AND starts_with(kind, $2) \
                 ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED \
             ) \
             UPDATE jobs SET locked_by = $4, locked_until = $5 FROM due WHERE jobs.id = due.id \
             RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.run_at",
        )
        .bind(now)
        .bind(kinds_prefix)
        .bind(limit)
        .bind(worker)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        // RETURNING keeps no order; hand jobs out oldest first, as SQLite does.
        rows.sort_by_key(|r| (r.4, r.0));
        Ok(rows
            .into_iter()
            .map(|(id, kind, Json(payload), attempts, _)| Job {
                id,
                kind,
                payload,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            })
            .collect())
    }

    pub(crate) async fn finish_job(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET done_at = $1, locked_by = NULL, locked_until = NULL WHERE id = $2")
            .bind(OffsetDateTime::now_utc())
            .bind(id)
            .execute(&self.pool)
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
        let done = run_at.is_none().then(OffsetDateTime::now_utc);
        sqlx::query(
            "UPDATE jobs SET attempts = attempts + 1, last_error = $1, run_at = COALESCE($2, run_at), done_at = $3, \
             locked_by = NULL, locked_until = NULL WHERE id = $4",
        )
        .bind(error.chars().take(2000).collect::<String>())
        .bind(run_at.map(micros))
        .bind(done)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn pending_jobs(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL").fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl PgStore {
    pub(crate) async fn rate_limit_wait(
        &self,
        limits: &[RateLimit],
        now: OffsetDateTime,
    ) -> Result<Option<u32>, StoreError> {
        let mut wait = None;
        for limit in limits {
            let row: Option<(f64, f64)> = sqlx::query_as("SELECT tokens, updated_at FROM rate_buckets WHERE key = $1")
                .bind(&limit.key)
                .fetch_optional(&self.pool)
                .await?;
            let tokens = refilled(limit, row, now);
            if tokens < 1.0 {
                wait = wait.max(Some(seconds_until_one(limit, tokens)));
            }
        }
        Ok(wait)
    }

    pub(crate) async fn spend_tokens(&self, limits: &[RateLimit], now: OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for limit in in_lock_order(limits) {
            let tokens = (locked_bucket(&mut tx, limit, now).await? - 1.0).max(0.0);
            put_bucket(&mut tx, &limit.key, tokens, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn reset_buckets(&self, keys: &[String]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM rate_buckets WHERE key = ANY($1)").bind(keys).execute(&self.pool).await?;
        Ok(())
    }
}

fn unix_seconds(now: OffsetDateTime) -> f64 {
    now.unix_timestamp_nanos() as f64 / 1e9
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

/// Limits sorted by key without repeats: locking in key order means two requests sharing
/// buckets cannot deadlock.
fn in_lock_order(limits: &[RateLimit]) -> Vec<&RateLimit> {
    let mut ordered: Vec<&RateLimit> = limits.iter().collect();
    ordered.sort_by(|a, b| a.key.cmp(&b.key));
    ordered.dedup_by(|a, b| a.key == b.key);
    ordered
}

/// Creates a bucket's row if missing, locks it until the transaction ends, and returns its
/// tokens at `now`; instances taking from the same bucket at once queue up here.
async fn locked_bucket(
    tx: &mut Transaction<'static, Postgres>,
    limit: &RateLimit,
    now: OffsetDateTime,
) -> Result<f64, StoreError> {
    sqlx::query("INSERT INTO rate_buckets (key, tokens, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
        .bind(&limit.key)
        .bind(limit.capacity)
        .bind(unix_seconds(now))
        .execute(&mut **tx)
        .await?;
    let row: (f64, f64) = sqlx::query_as("SELECT tokens, updated_at FROM rate_buckets WHERE key = $1 FOR UPDATE")
        .bind(&limit.key)
        .fetch_one(&mut **tx)
        .await?;
    Ok(refilled(limit, Some(row), now))
}

async fn put_bucket(
    tx: &mut Transaction<'static, Postgres>,
    key: &str,
    tokens: f64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE rate_buckets SET tokens = $1, updated_at = $2 WHERE key = $3")
        .bind(tokens)
        .bind(unix_seconds(now))
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes one token from each bucket or refuses with the wait until the emptiest refills.
pub(super) async fn take_tokens(
    tx: &mut Transaction<'static, Postgres>,
    limits: &[RateLimit],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let ordered = in_lock_order(limits);
    let mut updates = Vec::with_capacity(ordered.len());
    for limit in ordered {
        let tokens = locked_bucket(tx, limit, now).await?;
        if tokens < 1.0 {
            return Err(StoreError::RateLimited(seconds_until_one(limit, tokens)));
        }
        updates.push((&limit.key, tokens - 1.0));
    }
    for (key, tokens) in updates {
        put_bucket(tx, key, tokens, now).await?;
    }
    Ok(())
}

/// Queues jobs inside the caller's transaction.
pub(super) async fn enqueue(tx: &mut Transaction<'static, Postgres>, jobs: &[NewJob]) -> Result<(), StoreError> {
    let now = OffsetDateTime::now_utc();
    for job in jobs {
        sqlx::query("INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&job.kind)
            .bind(Json(&job.payload))
            .bind(micros(job.run_at))
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
