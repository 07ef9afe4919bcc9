//! The store conformance suite: behaviour every backend must show, written once against `Store`
//! and run on both backends. Each test body is a function taking a [`Fixture`];
//! [`on_both_backends!`] makes two tests of it, `…::sqlite::name` on a fresh SQLite file and
//! `…::postgres::name` on a fresh PostgreSQL database (skipped with a SKIP line when PostgreSQL is
//! unreachable, failed instead when `QUIRE_REQUIRE_PG=1`).
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

/// Runs each named `async fn(&Fixture)` of the calling module once per backend.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let f = $crate::support::sqlite().await;
                    super::$name(&f).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(f) = $crate::support::postgres(concat!(module_path!(), "::", stringify!($name))).await
                    else {
                        return;
                    };
                    super::$name(&f).await;
                }
            )+
        }
    };
}

mod accounts;
mod api_tokens;
mod comments;
mod content;
mod editing;
mod identities;
mod import;
mod jobs;
mod mail;
mod media_library;
mod schema;
mod site;
mod support;
