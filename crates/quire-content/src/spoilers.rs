//! Inline spoilers: `||hidden text||` (comrak's spoiler extension, so never inside code and never
//! for unbalanced bars) renders as a focusable span the theme reveals on hover, focus or click —
//! CSS only, no script.

/// Opening markup of a spoiler: keyboard-focusable and announced as a button.
pub(crate) const SPOILER_OPEN: &str =
    r#"<span class="spoiler" tabindex="0" role="button" aria-label="Spoiler (select to reveal)">"#;

/// Closing markup of a spoiler.
pub(crate) const SPOILER_CLOSE: &str = "</span>";
