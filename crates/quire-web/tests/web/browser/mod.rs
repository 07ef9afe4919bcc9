//! Tests in a real browser: the harness, and the checks only layout and CSS can answer.

mod comments;
mod media;
pub mod harness;
mod proof_of_work;
mod theme;
