//! Importing sites: a parser from `quire-formats` reads the source on its own thread and hands
//! over plan items one by one (so memory stays bounded whatever the file's size); each item is
//! stored in its own transaction with a record of what it became, so importing the same file
//! again creates nothing and an interrupted run resumes where it stopped.

mod posts;
mod report;
mod wordpress;
mod writer;

use std::path::PathBuf;

use quire_formats::{ItemError, Located};
pub use report::{Counts, Entry, ImportReport};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Where the source's media files are (WordPress: the `wp-content/uploads` directory).
    pub media_dir: Option<PathBuf>,
    /// Read and plan only; write nothing.
    pub dry_run: bool,
}

/// Items in flight between the parser thread and the importer: enough to keep both busy.
const QUEUE: usize = 64;

/// What the parser thread sends: an item (or a broken one) and how far into the input it is.
pub(crate) type Parsed = (Result<Located<quire_formats::Item>, ItemError>, u64);

/// Runs `parse` on its own thread, feeding a bounded queue.
fn spawn_parser<F>(parse: F) -> tokio::sync::mpsc::Receiver<Parsed>
where
    F: FnOnce(&dyn Fn(Parsed) -> bool) + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
    std::thread::spawn(move || {
        // A closed queue (the importer gave up) stops the parser.
        parse(&|parsed| tx.blocking_send(parsed).is_ok());
    });
    rx
}

/// A progress callback: bytes of the input read so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);
