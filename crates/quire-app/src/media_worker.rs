//! The media worker: claims `media.` jobs (image variants) with a lease, runs them one at a time
//! and marks them done; a failure is retried with back-off, up to [`MAX_ATTEMPTS`]. It runs on
//! every instance; the jobs table makes sure each job is run by one of them at a time.

use std::time::Duration;

use quire_core::MediaId;
use quire_store::Job;
use time::OffsetDateTime;
use tokio::sync::watch;
use tracing::Instrument;

use crate::media::VARIANTS_JOB;
use crate::{App, Error};

/// Longest pause between two looks at the jobs table (jobs queued by other instances).
const POLL: Duration = Duration::from_secs(5);
/// Attempts before a variants job is given up (its error stays in the jobs table).
const MAX_ATTEMPTS: u32 = 5;
/// Seconds one claim lasts: resizing a large photo to three widths takes a few seconds.
const LEASE_SECONDS: i64 = 600;

impl App {
    /// Runs media jobs until `stopped` says so.
    pub(crate) async fn media_loop(&self, mut stopped: watch::Receiver<bool>) {
        let worker = format!("{}-{}-media", std::process::id(), rand::random::<u32>());
        loop {
            let jobs = match self.store().claim_jobs(&worker, "media.", 1, LEASE_SECONDS).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim media jobs");
                    Vec::new()
                }
            };
            let busy = !jobs.is_empty();
            for job in jobs {
                if *stopped.borrow() {
                    return;
                }
                let span = tracing::info_span!("media_job", job = job.id, kind = %job.kind, attempt = job.attempts + 1);
                self.run_media_job(job).instrument(span).await;
            }
            if busy {
                continue;
            }
            tokio::select! {
                _ = stopped.changed() => return,
                () = self.inner.media_wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
            if *stopped.borrow() {
                return;
            }
        }
    }

    async fn run_media_job(&self, job: Job) {
        let outcome = match job.kind.as_str() {
            VARIANTS_JOB => match job.payload.get("media_id").and_then(serde_json::Value::as_i64) {
                Some(id) => self.make_media_variants(MediaId(id)).await.map(|made| {
                    tracing::info!(media_id = id, variants = made, "media variants made");
                }),
                None => Err(Error::Invalid(format!("payload without media_id: {}", job.payload))),
            },
            other => Err(Error::Invalid(format!("unknown media job kind {other:?}"))),
        };
        let store = self.store();
        let recorded = match outcome {
            Ok(()) => store.finish_job(job.id).await,
            // A file that cannot be decoded will not decode next time either.
            Err(e @ Error::Invalid(_)) => {
                tracing::warn!(error = %e, "media job failed for good; giving up");
                store.retry_job(job.id, &e.to_string(), None).await
            }
            Err(e) if job.attempts + 1 >= MAX_ATTEMPTS => {
                tracing::warn!(error = %e, "media job failed; giving up");
                store.retry_job(job.id, &e.to_string(), None).await
            }
            Err(e) => {
                let wait = 30.0 * 2f64.powi(job.attempts.min(20) as i32);
                tracing::info!(error = %e, retry_in_seconds = wait, "media job failed; will retry");
                let at = OffsetDateTime::now_utc() + time::Duration::seconds_f64(wait);
                store.retry_job(job.id, &e.to_string(), Some(at)).await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record the outcome of a media job; its lease will expire");
        }
    }
}
