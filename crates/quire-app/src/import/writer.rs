//! The writing end of an import: posts, read and converted ahead, arrive on a bounded queue and
//! are written in order, one transaction each, while the next ones are still being converted.
//! Only the writer gives posts their final slugs, so two posts that want the same slug never race.

use quire_core::PostKind;
use quire_store::SourceKey;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::ImportReport;
use super::posts::{ReadyPost, count_comments};
use crate::{App, Error};

/// Posts converted and waiting to be written: enough to keep the writer busy, few enough that
/// memory stays small whatever the file's size.
const WRITE_QUEUE: usize = 16;

/// The writer task and its queue.
pub(super) struct Writer {
    queue: mpsc::Sender<ReadyPost>,
    task: JoinHandle<Result<ImportReport, Error>>,
}

impl Writer {
    /// Starts writing the posts of the import whose records are kept under `source`.
    pub(super) fn start(app: &App, source: String) -> Writer {
        let (queue, posts) = mpsc::channel(WRITE_QUEUE);
        let task = tokio::spawn(write_all(app.clone(), source, posts));
        Writer { queue, task }
    }

    /// Queues a post; `false` when the writer has stopped (its error comes from [`Self::finish`]).
    pub(super) async fn send(&self, post: ReadyPost) -> bool {
        self.queue.send(post).await.is_ok()
    }

    /// Waits for every queued post to be written; what the writer has to add to the report.
    pub(super) async fn finish(self) -> Result<ImportReport, Error> {
        drop(self.queue);
        self.task.await.map_err(|e| Error::Io(std::io::Error::other(format!("the import writer failed: {e}"))))?
    }
}

async fn write_all(app: App, source: String, mut posts: mpsc::Receiver<ReadyPost>) -> Result<ImportReport, Error> {
    let mut report = ImportReport::default();
    while let Some(post) = posts.recv().await {
        let (line, label) = (post.line, post.label.clone());
        match app.write_post(&mut report, &source, post).await {
            Ok(()) => {}
            Err(e @ (Error::Store(_) | Error::Io(_) | Error::DataDir(_))) => return Err(e),
            Err(other) => report.fail(line, label, other.to_string()),
        }
    }
    Ok(report)
}

impl App {
    /// Gives a post a free slug and the redirects from its old addresses, and writes it.
    async fn write_post(&self, report: &mut ImportReport, source: &str, ready: ReadyPost) -> Result<(), Error> {
        let ReadyPost { line, label, source_id, mut import, old_paths } = ready;
        let kind = import.post.kind;
        let wanted = import.post.slug.clone();
        let mut slug = wanted.clone();
        let mut n = 2;
        while self.store().post_by_slug(kind, &slug).await?.is_some() {
            slug = format!("{wanted}-{n}");
            n += 1;
        }
        if slug != wanted {
            report.note(line, label.as_str(), format!("slug {wanted:?} was taken; it is now {slug:?}"));
        }
        let settings = self.settings().await;
        let new_path = match (kind, import.post.published_at) {
            (PostKind::Page, _) => Some(format!("/{slug}/")),
            (PostKind::Post, Some(at)) if !settings.permalink.contains("post_id") => {
                Some(settings.permalink_pattern().path_for(&slug, 0, at.date()))
            }
            _ => None,
        };
        import.redirects = match new_path {
            Some(to) => old_paths.into_iter().filter(|from| *from != to).map(|from| (from, to.clone())).collect(),
            None => Vec::new(),
        };
        import.post.slug = slug;
        let key = SourceKey { source, kind: "post", id: &source_id };
        let imported = self.store().import_post(key, &import).await?;
        report.count(if kind == PostKind::Page { "pages" } else { "posts" }, imported.is_created());
        if imported.is_created() {
            count_comments(report, import.comments.iter().map(|c| c.kind));
            report.count_created("redirects", import.redirects.len() as u64);
        }
        Ok(())
    }
}
