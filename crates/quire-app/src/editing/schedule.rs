//! Scheduled publishing: a sweep publishes every scheduled post whose time has come, and a
//! background task runs it at start (so posts due while the site was down appear at once) and
//! then whenever the next one is due, looking at least every few seconds for posts scheduled by
//! other instances. The store lets one instance at a time publish, so each post is published once.

use std::time::Duration;

use quire_core::PostId;
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::{App, Error};

/// Longest pause between two sweeps.
const MAX_SLEEP: Duration = Duration::from_secs(5);
/// Shortest pause, so a failing database is not hammered.
const MIN_SLEEP: Duration = Duration::from_millis(200);

impl App {
    /// Publishes the scheduled posts that are due now; returns them. Readers' caches refresh, as
    /// the store bumps the content version.
    pub async fn publish_due(&self) -> Result<Vec<PostId>, Error> {
        let published = self.store().publish_due_posts(OffsetDateTime::now_utc()).await?;
        if !published.is_empty() {
            for id in &published {
                tracing::info!(post_id = %id, "scheduled post published");
            }
            self.refresh().await?;
        }
        Ok(published)
    }

    /// Starts the scheduled-publishing task; it runs until the handle is aborted.
    pub fn spawn_scheduler(&self) -> JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = app.publish_due().await {
                    tracing::warn!(error = %e, "could not publish scheduled posts");
                }
                let pause = match app.store().next_scheduled_at().await {
                    Ok(Some(at)) => {
                        let wait = (at - OffsetDateTime::now_utc()).whole_milliseconds();
                        Duration::from_millis(u64::try_from(wait).unwrap_or(0)).clamp(MIN_SLEEP, MAX_SLEEP)
                    }
                    Ok(None) => MAX_SLEEP,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not look for scheduled posts");
                        MAX_SLEEP
                    }
                };
                tokio::time::sleep(pause).await;
            }
        })
    }
}
