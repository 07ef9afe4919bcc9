//! Moving sites in and out of Quire: streaming parsers that turn a WordPress export (WXR) or a
//! Ghost export (JSON) into an import plan, item by item; the conversion of their HTML bodies to
//! Quire's content; and the writers of Quire's portable archive and of WXR. No I/O beyond the
//! streams handed in, and no panics whatever the input (fuzzed).

pub mod convert;
pub mod dates;
pub mod ghost;
pub mod plan;
pub mod synthetic;
pub mod wxr;
pub mod wxr_out;
pub mod xml;

pub use plan::{Item, Located};
pub use wxr::WxrReader;

/// An item of the input that could not be read; the rest of the input still is (unless the
/// XML itself is broken, which ends the stream).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("line {line}{}: {message}", item.as_ref().map(|i| format!(" ({i})")).unwrap_or_default())]
pub struct ItemError {
    /// 1-based line where the item starts (or where reading failed).
    pub line: u64,
    /// The item, as a person would name it: `post 12 "Hello"`.
    pub item: Option<String>,
    /// What was wrong.
    pub message: String,
}
