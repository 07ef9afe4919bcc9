//! Errors of the use cases. Each variant but `Store` and `Io` is something a person can be told;
//! those two are logged once at the edge and shown as a generic failure.

use quire_store::StoreError;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing public lives there.
    #[error("not found")]
    NotFound,
    /// The input was refused; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// Something with that name already exists.
    #[error("{0} is already taken")]
    Conflict(String),
    /// The data directory cannot be used.
    #[error("{0}")]
    DataDir(String),
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
    /// A file could not be read or written.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The media store (local directory or object storage) failed.
    #[error("media storage failed: {0}")]
    MediaStorage(String),
    /// The outside spam checker gave no usable answer.
    #[error("the spam checker did not answer: {0}")]
    SpamChecker(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Error::Conflict(what),
            other => Error::Store(other),
        }
    }
}
