//! Integration tests of the web face: each starts a real Quire on a random port and talks HTTP.
#![expect(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

mod bad_input;
mod browser;
mod comments;
mod feeds;
mod http;
mod mail;
mod notifications;
mod reading;
mod seo;
mod support;
mod theme;
mod validation;
