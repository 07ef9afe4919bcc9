//! `themes/default/static/syntax.css` is generated from the same class prefix and syntect themes
//! the renderer uses; this keeps the two from drifting apart. Regenerate the file with
//! `QUIRE_WRITE_SYNTAX_CSS=1 cargo test -p quire-content --test syntax_css`.
#![expect(clippy::expect_used, reason = "a test fails loudly")]

use std::path::PathBuf;

fn theme_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../themes/default/static/syntax.css")
}

#[test]
fn the_theme_stylesheet_matches_the_highlighter() {
    let css = quire_content::syntax_css();
    if std::env::var_os("QUIRE_WRITE_SYNTAX_CSS").is_some() {
        std::fs::write(theme_file(), &css).expect("write syntax.css");
    }
    let on_disk = std::fs::read_to_string(theme_file()).expect("read syntax.css");
    assert!(
        on_disk == css,
        "syntax.css is stale; regenerate it with QUIRE_WRITE_SYNTAX_CSS=1 cargo test -p quire-content --test syntax_css"
    );
    assert!(css.contains(".hl-code {") && css.contains("@media (prefers-color-scheme: dark)"));
}
