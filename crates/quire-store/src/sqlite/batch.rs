//! Group commit for comments on SQLite. A durable commit costs one fsync, and a disk allows only
//! so many per second (a few hundred on common cloud volumes), so one transaction per comment
//! caps the whole site at that rate. Comments that arrive while a commit is in flight wait in a
//! queue; the writer takes them all into the next transaction, each under its own savepoint (a
//! refused one — rate-limited, replying to a missing parent — rolls back alone), and commits once.
//! Every comment is acknowledged only after the commit that holds it, so durability is unchanged.

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::bump_version;
use crate::{NewComment, StoreError};
use quire_core::CommentId;

/// Most comments taken into one transaction.
const MAX_BATCH: usize = 128;

/// A comment waiting for the writer, with where to send its outcome.
type Waiting = (NewComment, oneshot::Sender<Result<CommentId, StoreError>>);

/// The queue in front of the comment writer.
#[derive(Clone)]
pub(crate) struct CommentWriter {
    queue: mpsc::Sender<Waiting>,
}

impl CommentWriter {
    /// Starts the writer task on `write` (the single-connection pool). It stops when every
    /// handle is dropped.
    pub(crate) fn start(write: SqlitePool) -> CommentWriter {
        let (queue, incoming) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(write, incoming));
        CommentWriter { queue }
    }

    /// Stores `comment` in the next group commit and returns its id once that commit is durable.
    pub(crate) async fn create(&self, comment: NewComment) -> Result<CommentId, StoreError> {
        let (done, outcome) = oneshot::channel();
        self.queue.send((comment, done)).await.map_err(|_| closed())?;
        outcome.await.map_err(|_| closed())?
    }
}

fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

async fn run(write: SqlitePool, mut incoming: mpsc::Receiver<Waiting>) {
    let mut batch: Vec<Waiting> = Vec::with_capacity(MAX_BATCH);
    while incoming.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let comments: Vec<&NewComment> = batch.iter().map(|(c, _)| c).collect();
        match commit(&write, &comments).await {
            Ok(outcomes) => {
                for ((_, done), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = done.send(outcome);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, comments = batch.len(), "a group commit of comments failed");
                let message = e.to_string();
                for (_, done) in batch.drain(..) {
                    let _ = done.send(Err(StoreError::Database(sqlx::Error::Protocol(message.clone()))));
                }
            }
        }
    }
}

/// One transaction for the whole batch, one savepoint per comment.
async fn commit(
    write: &SqlitePool,
    comments: &[&NewComment],
) -> Result<Vec<Result<CommentId, StoreError>>, StoreError> {
    let mut tx = write.begin().await?;
    let mut outcomes = Vec::with_capacity(comments.len());
    for comment in comments {
        sqlx::query("SAVEPOINT comment").execute(&mut *tx).await?;
        let outcome = super::comments::insert_comment(&mut tx, comment).await;
        let end = if outcome.is_ok() { "RELEASE SAVEPOINT comment" } else { "ROLLBACK TO SAVEPOINT comment" };
        sqlx::query(end).execute(&mut *tx).await?;
        if outcome.is_err() {
            sqlx::query("RELEASE SAVEPOINT comment").execute(&mut *tx).await?;
        }
        outcomes.push(outcome);
    }
    if outcomes.iter().any(Result::is_ok) {
        bump_version(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}
