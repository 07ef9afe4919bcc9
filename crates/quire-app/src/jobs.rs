//! Background jobs: the scheduled-publishing task (`editing::schedule`), the media worker that
//! makes image variants (`media_worker.rs`), and a worker that claims due `mail.` jobs with a
//! lease, sends them and marks them done; a failure is retried with exponential back-off and
//! given up after `smtp.max_attempts`.
//! Requests only queue jobs (and wake the worker), so a slow or absent SMTP server never slows a
//! reader down. Each mail records its Message-ID once accepted, so a job run again after a crash
//! between sending and finishing does not send twice (and the Message-ID is the same per job, so
//! mail clients fold the rare duplicate that slips through that window).

use std::sync::Arc;
use std::time::Duration;

use quire_store::Job;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::App;
use crate::mail::{Mailer, SendError};

/// Longest pause between two looks at the jobs table (jobs queued by other instances).
const MAX_POLL: Duration = Duration::from_secs(5);
/// Longest wait between two attempts of one mail.
const MAX_BACKOFF_SECONDS: f64 = 6.0 * 3600.0;
/// Jobs claimed at once.
const BATCH: i64 = 10;

/// The running background workers; stop them with [`Workers::stop`] (dropping aborts them).
pub struct Workers {
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
    /// Scheduled publishing (`editing::schedule`); each sweep is one transaction, so it just stops.
    scheduler: Option<JoinHandle<()>>,
    /// The media worker (image variants), always running.
    media: Option<JoinHandle<()>>,
}

impl Workers {
    /// Asks the workers to finish the job in hand and waits up to `grace` for them.
    pub async fn stop(mut self, grace: Duration) {
        if let Some(scheduler) = self.scheduler.take() {
            scheduler.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(grace, &mut task).await.is_err()
        {
            tracing::warn!("mail worker did not stop in time; abandoning its job (it will be retried)");
            task.abort();
        }
        if let Some(mut task) = self.media.take()
            && tokio::time::timeout(grace, &mut task).await.is_err()
        {
            tracing::warn!("media worker did not stop in time; abandoning its job (it will be retried)");
            task.abort();
        }
    }

    /// Whether the mail worker is running (false when mail is off).
    pub fn is_running(&self) -> bool {
        self.task.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Whether the media worker (image variants) is running.
    pub fn media_is_running(&self) -> bool {
        self.media.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        if let Some(scheduler) = self.scheduler.take() {
            scheduler.abort();
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(task) = self.media.take() {
            task.abort();
        }
    }
}

impl App {
    /// Starts the background workers. Without `[smtp]` there is nothing to run: it says so once.
    pub fn spawn_workers(&self) -> Workers {
        let scheduler = Some(self.spawn_scheduler());
        let (stop, stopped) = watch::channel(false);
        let app = self.clone();
        let media_stopped = stopped.clone();
        let media = Some(tokio::spawn(async move { app.media_loop(media_stopped).await }));
        let Some(mailer) = self.mailer() else {
            tracing::info!("mail is off (no [smtp] in the configuration): no notifications will be sent");
            return Workers { stop: Some(stop), task: None, scheduler, media };
        };
        let app = self.clone();
        let task = tokio::spawn(async move { app.mail_loop(mailer, stopped).await });
        tracing::info!(host = %self.config().smtp.as_ref().map(|s| s.host.as_str()).unwrap_or_default(), "mail worker started");
        Workers { stop: Some(stop), task: Some(task), scheduler, media }
    }

    async fn mail_loop(&self, mailer: Arc<Mailer>, mut stopped: watch::Receiver<bool>) {
        let worker = format!("{}-{}", std::process::id(), rand::random::<u32>());
        let config = mailer.config();
        // The lease must outlast the whole batch (each send is bounded by twice the timeout), or
        // another instance could claim a job this one is still about to send.
        let lease = (config.timeout_seconds * 2.0 * BATCH as f64 + 60.0) as i64;
        let poll = MAX_POLL.min(Duration::from_secs_f64(config.retry_seconds));
        loop {
            let jobs = match self.store().claim_jobs(&worker, "mail.", BATCH, lease).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim mail jobs");
                    Vec::new()
                }
            };
            let busy = !jobs.is_empty();
            for job in jobs {
                // Jobs claimed but not started before a stop keep their lease and are retried later.
                if *stopped.borrow() {
                    return;
                }
                self.run_mail_job(&mailer, job).await;
            }
            if busy {
                continue;
            }
            tokio::select! {
                _ = stopped.changed() => return,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
            if *stopped.borrow() {
                return;
            }
        }
    }

    async fn run_mail_job(&self, mailer: &Mailer, job: Job) {
        let span = tracing::info_span!("mail_job", job = job.id, kind = %job.kind, attempt = job.attempts + 1);
        self.run_mail_job_in_span(mailer, job).instrument(span).await;
    }

    async fn run_mail_job_in_span(&self, mailer: &Mailer, job: Job) {
        let outcome = self.try_mail_job(mailer, &job).await;
        let store = self.store();
        let result = match outcome {
            Ok(Some(message_id)) => {
                tracing::info!(message_id = %message_id, "mail sent");
                store.finish_job(job.id).await
            }
            Ok(None) => {
                tracing::debug!("nothing to send any more");
                store.finish_job(job.id).await
            }
            Err(SendError::Permanent(e)) => {
                tracing::warn!(error = %e, "mail refused for good; giving up");
                store.retry_job(job.id, &e, None).await
            }
            Err(SendError::Transient(e)) => {
                let attempts = job.attempts + 1;
                let max = mailer.config().max_attempts;
                if attempts >= max {
                    tracing::warn!(error = %e, attempts, "mail failed; giving up");
                    store.retry_job(job.id, &e, None).await
                } else {
                    let wait = (mailer.config().retry_seconds * 2f64.powi(job.attempts.min(30) as i32))
                        .min(MAX_BACKOFF_SECONDS);
                    let at = OffsetDateTime::now_utc() + time::Duration::seconds_f64(wait);
                    tracing::info!(error = %e, retry_in_seconds = wait, "mail failed; will retry");
                    store.retry_job(job.id, &e, Some(at)).await
                }
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not record the outcome of a mail job; its lease will expire");
        }
    }

    /// Sends one job's mail: the Message-ID when sent (now or before), `None` when nothing is due.
    async fn try_mail_job(&self, mailer: &Mailer, job: &Job) -> Result<Option<String>, SendError> {
        let transient = |e: &dyn std::fmt::Display| SendError::Transient(e.to_string());
        if let Some(sent) = self.store().sent_mail(job.id).await.map_err(|e| transient(&e))? {
            return Ok(Some(sent));
        }
        let outgoing = match self.compose(job).await {
            Ok(Some(outgoing)) => outgoing,
            Ok(None) => return Ok(None),
            Err(crate::Error::Invalid(e)) => return Err(SendError::Permanent(e)),
            Err(e) => return Err(transient(&e)),
        };
        let message_id = self.message_id(job);
        let message = mailer.message(&outgoing, &message_id)?;
        let timeout = Duration::from_secs_f64(mailer.config().timeout_seconds * 2.0);
        match tokio::time::timeout(timeout, mailer.send(message)).await {
            Ok(result) => result?,
            Err(_) => return Err(SendError::Transient("the SMTP server did not answer in time".into())),
        }
        // Retried briefly: losing this marker is what could make a later run send twice.
        for attempt in 0..3 {
            match self.store().record_sent_mail(job.id, &message_id).await {
                Ok(()) => break,
                Err(e) if attempt == 2 => tracing::warn!(error = %e, "could not record a sent mail"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        Ok(Some(message_id))
    }

    /// A Message-ID that is the same every time this job runs and differs between jobs and sites.
    fn message_id(&self, job: &Job) -> String {
        let site = self.config().site_url();
        let host = url::Url::parse(&site).ok().and_then(|u| u.host_str().map(str::to_string));
        let host = host.unwrap_or_else(|| "quire.invalid".into());
        let digest = self.keys().hashing.hash(&format!("{}\n{}\n{}", job.id, job.kind, job.payload));
        format!("<quire.{}.{digest}@{host}>", job.id)
    }
}
