//! The checks behind Quire's fuzz targets (`fuzz/fuzz_targets/*.rs`): each takes the fuzzer's bytes,
//! feeds them to one of Quire's parsers or renderers and says what invariant broke, if any. The
//! same functions replay the committed corpora and regressions in an ordinary `cargo test`
//! (`tests/corpora.rs`), so CI needs neither cargo-fuzz nor a nightly toolchain.

mod content;
mod formats;
mod forms;
mod inspect;
mod search;

pub use inspect::problems;

/// What a check returns: `Err` names the broken invariant and the output that broke it.
pub type Outcome = Result<(), String>;

/// A check over arbitrary bytes. A panic inside is a finding too (the fuzzer reports it).
pub type Check = fn(&[u8]) -> Outcome;

/// Every fuzz target by name (its file `fuzz/fuzz_targets/<name>.rs`, its corpus
/// `fuzz/corpus/<name>/`, its regressions `fuzz/regressions/<name>/`) and the check it runs.
pub const TARGETS: &[(&str, Check)] = &[
    ("markdown", content::markdown),
    ("comment_body", content::comment_body),
    ("wxr", formats::wxr),
    ("ghost", formats::ghost),
    ("wordpress_body", formats::wordpress_body),
    ("search_query", search::search_query),
    ("comment_form", forms::comment_form),
];

/// The check of the target called `name`, if there is one.
pub fn check(name: &str) -> Option<Check> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, check)| *check)
}

/// Runs `name`'s check on `data` and panics with the broken invariant: what a fuzz target does,
/// so that libFuzzer records the input as a crash.
pub fn fuzz(name: &str, data: &[u8]) {
    if let Some(check) = check(name)
        && let Err(broken) = check(data)
    {
        panic!("{name}: {broken}");
    }
}

/// The bytes as text the way a browser or `String::from_utf8_lossy` would read them, so that
/// every input reaches the parser instead of stopping at a UTF-8 check.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// `Err` with `what` when `holds` is false.
fn ensure(holds: bool, what: impl FnOnce() -> String) -> Outcome {
    if holds { Ok(()) } else { Err(what()) }
}
