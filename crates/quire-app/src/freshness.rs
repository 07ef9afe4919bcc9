//! Read-your-writes across instances. With several instances over one PostgreSQL database, a
//! comment acknowledged by one must be on every instance's next page view. LISTEN/NOTIFY brings
//! news of a write within milliseconds, but "milliseconds" can lose a race against a fast
//! reader. So before a page is served from memory, the instance learns the database's content
//! version from a query that *started after the request arrived*: every write acknowledged
//! before the request is then visible. Concurrent requests share one query (a ticket taken on
//! arrival is covered by the first query started after it), so the database sees at most one
//! such query per round trip, however many readers there are.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::App;

/// How long a reader waits for the version before being served what this instance knows.
const WAIT: Duration = Duration::from_secs(2);

/// The shared version query: tickets handed to readers, and the latest answer with the ticket
/// it covers.
pub(crate) struct Freshness {
    started: std::sync::atomic::AtomicBool,
    tickets: AtomicU64,
    wanted: Notify,
    answers: watch::Sender<Answer>,
}

/// A version read from the database, valid for every ticket up to `covers`.
#[derive(Debug, Clone, Copy)]
struct Answer {
    covers: u64,
    version: Option<u64>,
}

impl Freshness {
    pub(crate) fn new() -> Freshness {
        Freshness {
            started: std::sync::atomic::AtomicBool::new(false),
            tickets: AtomicU64::new(0),
            wanted: Notify::new(),
            answers: watch::channel(Answer { covers: 0, version: None }).0,
        }
    }
}

impl App {
    /// The content version a page for a request arriving now must be at least at. On SQLite
    /// (one instance per database) what this instance knows; on PostgreSQL the database's own
    /// version, learned after the request arrived (see the module's note). A database that does
    /// not answer within two seconds is not waited on: the reader gets what this instance knows.
    pub async fn fresh_version(&self) -> u64 {
        let known = self.version();
        if self.store().backend() != "postgres" {
            return known;
        }
        self.answer_tickets();
        let freshness = &self.inner.freshness;
        let ticket = freshness.tickets.fetch_add(1, Ordering::SeqCst) + 1;
        let mut answers = freshness.answers.subscribe();
        freshness.wanted.notify_one();
        // The borrowed answer must not live across the awaits below (it holds a lock).
        let version = match tokio::time::timeout(WAIT, answers.wait_for(|a| a.covers >= ticket)).await {
            Ok(Ok(answer)) => answer.version,
            _ => None,
        };
        match version {
            Some(version) if version > known => match self.refresh().await {
                Ok(now) => now.max(version),
                Err(e) => {
                    tracing::warn!(error = %e, "could not catch up with the content version");
                    known
                }
            },
            _ => known,
        }
    }

    /// Starts the task answering readers' tickets, once. It holds the app weakly, so a dropped
    /// app (and its database pool) is not kept alive by it.
    fn answer_tickets(&self) {
        let freshness = self.inner.freshness.clone();
        if freshness.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let app = std::sync::Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let covers = freshness.tickets.load(Ordering::SeqCst);
                if covers <= freshness.answers.borrow().covers {
                    freshness.wanted.notified().await;
                    continue;
                }
                let Some(inner) = app.upgrade() else { return };
                let version = match inner.store.content_version().await {
                    Ok(version) => Some(version),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read the content version");
                        None
                    }
                };
                drop(inner);
                freshness.answers.send_replace(Answer { covers, version });
            }
        });
    }
}
