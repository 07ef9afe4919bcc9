//! Integration tests of the web face: each starts a real Quire on a random port and talks HTTP.
#![expect(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

mod access;
mod admin_auth;
mod api;
mod bad_input;
mod browser;
mod comment_pages;
mod comments;
mod comments_js;
mod editor;
mod feeds;
mod http;
mod import_links;
mod mail;
mod media_admin;
mod metrics;
mod moderation;
mod notifications;
mod own_comments;
mod placeholders;
mod proof_of_work;
mod reading;
mod seo;
mod settings_admin;
mod sign_in;
mod sign_in_refusals;
mod spam_checker;
mod support;
mod theme;
mod users_admin;
mod validation;
