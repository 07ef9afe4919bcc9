//! Importing WordPress exports into a fresh site: every kind counted against the file by a plain
//! scan, hard cases checked in the database, a second run creating nothing, bad items reported
//! with their line while the rest is imported. Runs on SQLite, and on PostgreSQL when reachable.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used, reason = "tests")]

use std::io::BufReader;

use quire_app::import::{ImportOptions, ImportReport};
use quire_app::{App, Config, ConfigOverrides};
use quire_core::{CommentKind, CommentStatus, PostKind, PostStatus, TermKind};
use quire_store::testing::TestDatabase;

struct Site {
    app: App,
    _dir: tempfile::TempDir,
    _db: Option<TestDatabase>,
}

async fn site(postgres: Option<&str>) -> Option<Site> {
    let dir = tempfile::tempdir().unwrap();
    let db = match postgres {
        Some(name) => Some(TestDatabase::create(name).await?),
        None => None,
    };
    let overrides = ConfigOverrides {
        data_dir: Some(dir.path().to_path_buf()),
        database_url: db.as_ref().map(|d| d.url.clone()),
        demo: Some(false),
        ..Default::default()
    };
    let app = App::open(Config::load(None, &overrides).unwrap()).await.unwrap();
    Some(Site { app, _dir: dir, _db: db })
}

fn fixture(name: &str) -> String {
    let path = format!("{}/../quire-formats/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

async fn import(app: &App, text: &str, options: &ImportOptions) -> ImportReport {
    let input = Box::new(BufReader::new(std::io::Cursor::new(text.as_bytes().to_vec())));
    app.import_wordpress(input, options, &|_| {}).await.unwrap()
}

/// Texts of every `<tag>…</tag>`, CDATA unwrapped.
fn scan<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    text.match_indices(&open)
        .map(|(at, _)| {
            let body = &text[at + open.len()..];
            body[..body.find(&close).unwrap()].trim().trim_start_matches("<![CDATA[").trim_end_matches("]]>")
        })
        .collect()
}

/// Slugs of terms posts use: `<category domain="post_tag" nicename="slug">`.
fn used<'a>(text: &'a str, domain: &str) -> Vec<&'a str> {
    let open = format!("domain=\"{domain}\" nicename=\"");
    text.match_indices(&open).map(|(at, _)| text[at + open.len()..].split('"').next().unwrap()).collect()
}

/// The line of the `n`th (0-based) line containing `needle`.
fn line_of(text: &str, needle: &str, n: usize) -> u64 {
    text.lines().enumerate().filter(|(_, l)| l.contains(needle)).nth(n).unwrap().0 as u64 + 1
}

async fn count(app: &App, sql: &str) -> i64 {
    quire_store::testing::count(&app.config().database_url(), sql).await
}

async fn theme_unit_test_data_imports_completely_and_twice_creates_nothing(site: Site) {
    let app = &site.app;
    let text = fixture("themeunittestdata.wordpress.xml");
    let report = import(app, &text, &ImportOptions::default()).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let types = scan(&text, "wp:post_type");
    let of_type = |t: &str| types.iter().filter(|x| **x == t).count() as i64;
    assert_eq!(count(app, "SELECT COUNT(*) FROM posts WHERE kind = 'post'").await, of_type("post"));
    assert_eq!(count(app, "SELECT COUNT(*) FROM posts WHERE kind = 'page'").await, of_type("page"));
    assert_eq!(report.remote_media.len() as i64, of_type("attachment"), "no media dir: every original address kept");
    let comment_types = scan(&text, "wp:comment_type");
    assert_eq!(count(app, "SELECT COUNT(*) FROM comments").await, scan(&text, "wp:comment_id").len() as i64);
    for kind in ["pingback", "trackback"] {
        let expected = comment_types.iter().filter(|t| **t == kind).count() as i64;
        let sql = format!("SELECT COUNT(*) FROM comments WHERE kind = '{kind}'");
        assert_eq!(count(app, &sql).await, expected, "{kind}");
    }
    let replies = scan(&text, "wp:comment_parent").iter().filter(|p| **p != "0" && !p.is_empty()).count() as i64;
    assert_eq!(count(app, "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL").await, replies);
    let mut categories: std::collections::BTreeSet<_> = scan(&text, "wp:category_nicename").into_iter().collect();
    categories.extend(used(&text, "category"));
    assert_eq!(count(app, "SELECT COUNT(*) FROM terms WHERE kind = 'category'").await, categories.len() as i64);
    let mut tags: std::collections::BTreeSet<_> = scan(&text, "wp:tag_slug").into_iter().collect();
    tags.extend(used(&text, "post_tag"));
    assert_eq!(count(app, "SELECT COUNT(*) FROM terms WHERE kind = 'tag'").await, tags.len() as i64);
    let parents = scan(&text, "wp:category_parent").iter().filter(|p| !p.is_empty()).count() as i64;
    assert_eq!(count(app, "SELECT COUNT(*) FROM terms WHERE parent_id IS NOT NULL").await, parents);
    let mut logins: std::collections::BTreeSet<_> = scan(&text, "wp:author_login").into_iter().collect();
    logins.extend(scan(&text, "dc:creator"));
    let normalised: std::collections::BTreeSet<String> =
        logins.iter().map(|l| l.chars().filter(char::is_ascii_alphanumeric).collect()).collect();
    let logins = normalised.len() as i64;
    assert_eq!(count(app, "SELECT COUNT(*) FROM users WHERE password_hash IS NULL").await, logins);

    // Hard cases.
    let store = app.store();
    let protected = store.post_by_slug(PostKind::Post, "template-password-protected").await.unwrap().unwrap();
    assert_eq!(protected.password.as_deref(), Some("enter"));
    assert_eq!(count(app, "SELECT COUNT(*) FROM posts WHERE status = 'scheduled'").await, 1);
    assert_eq!(count(app, "SELECT COUNT(*) FROM posts WHERE sticky").await, 1);
    let greek = count(app, "SELECT COUNT(*) FROM posts WHERE title = 'Ελληνικά-Greek'").await;
    assert_eq!(greek, 1, "unicode titles");
    let page_comments =
        count(app, "SELECT COUNT(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE p.kind = 'page'").await;
    assert!(page_comments > 0, "comments on a page");
    let child = store.term_by_slug(TermKind::Category, "child-category-01").await.unwrap().unwrap();
    let parent = store.term_by_slug(TermKind::Category, "parent-category").await.unwrap().unwrap();
    assert_eq!(child.parent_id, Some(parent.id));
    let post = store.post_by_slug(PostKind::Post, "template-comments").await.unwrap().unwrap();
    let thread = store.approved_comments(post.id).await.unwrap();
    assert!(thread.iter().any(|c| c.depth() >= 2), "threads keep their depth");
    assert!(thread.iter().all(|c| c.kind == CommentKind::Comment && c.status == CommentStatus::Approved));
    assert!(count(app, "SELECT COUNT(*) FROM redirects").await > 0, "old permalinks are recorded");
    let caption = store.post_by_slug(PostKind::Post, "markup-image-alignment").await.unwrap();
    if let Some(caption) = caption {
        assert!(caption.html.contains("<figcaption"), "captions become figure captions");
    }

    // A second run finds everything.
    let rows = count(app, "SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM comments) + (SELECT COUNT(*) FROM terms) + (SELECT COUNT(*) FROM users)").await;
    let again = import(app, &text, &ImportOptions::default()).await;
    assert!(again.failed.is_empty());
    assert_eq!(
        again.created("posts") + again.created("comments") + again.created("categories"),
        0,
        "{:?}",
        again.counts
    );
    assert_eq!(again.counts["posts"].existing as i64, of_type("post"));
    let rows_again = count(app, "SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM comments) + (SELECT COUNT(*) FROM terms) + (SELECT COUNT(*) FROM users)").await;
    assert_eq!(rows, rows_again);
}

async fn a_dry_run_plans_and_writes_nothing(site: Site) {
    let app = &site.app;
    let text = fixture("theme-preview.xml");
    let report = import(app, &text, &ImportOptions { dry_run: true, ..Default::default() }).await;
    assert!(report.plan.len() >= 5, "{:?}", report.plan);
    assert!(report.plan.iter().any(|l| l.contains("Worth A Thousand Words")));
    assert_eq!(count(app, "SELECT COUNT(*) FROM posts").await, 0);
    let report = import(app, &text, &ImportOptions::default()).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(report.notes.iter().any(|n| n.message.contains("not listed")), "unknown author named: {:?}", report.notes);
    let boat = app.store().post_by_slug(PostKind::Post, "worth-a-thousand-words").await.unwrap().unwrap();
    assert_eq!(boat.status, PostStatus::Published);
    assert!(boat.html.contains("<figcaption"), "{}", boat.html);
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.1/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n<link>https://old.example</link>\n";

async fn bad_items_are_reported_with_their_line_and_the_rest_is_imported(site: Site) {
    let app = &site.app;
    let good = |id: u32, comments: &str| {
        format!(
            "<item>\n<title>Post {id}</title>\n<link>https://old.example/p{id}/</link>\n<wp:post_id>{id}</wp:post_id>\n<wp:post_type>post</wp:post_type>\n<wp:status>publish</wp:status>\n<wp:post_date_gmt>2020-01-0{id} 10:00:00</wp:post_date_gmt>\n<content:encoded><![CDATA[Body]]></content:encoded>\n{comments}</item>\n"
        )
    };
    let orphan = "<wp:comment>\n<wp:comment_id>7</wp:comment_id>\n<wp:comment_author>Ruth</wp:comment_author>\n<wp:comment_content>Hi</wp:comment_content>\n<wp:comment_approved>1</wp:comment_approved>\n<wp:comment_parent>99</wp:comment_parent>\n</wp:comment>\n";
    let text = format!("{HEAD}{}{}{}{}", good(1, ""), good(2, orphan), good(1, ""), &good(3, "")[..60]);
    let report = import(app, &text, &ImportOptions::default()).await;
    assert_eq!(count(app, "SELECT COUNT(*) FROM posts").await, 2);
    assert_eq!(report.failed.len(), 2, "{:?}", report.failed);
    assert!(
        report.failed[0].message.contains("duplicate") && report.failed[0].line == line_of(&text, "<item>", 2),
        "{:?}",
        report.failed
    );
    assert!(report.failed[1].item.contains("Post 3"), "{:?}", report.failed);
    let orphan_note = report.notes.iter().find(|n| n.message.contains("parent comment 99")).expect("orphan noted");
    assert_eq!(orphan_note.line, line_of(&text, "<wp:comment>", 0));
    assert_eq!(count(app, "SELECT COUNT(*) FROM comments WHERE parent_id IS NULL").await, 1);
    assert_eq!(app.store().redirect("/p1/").await.unwrap().as_deref(), Some("/2020/01/01/post-1/"));
}

async fn an_export_restored_into_a_fresh_site_gives_every_row_and_every_page_back(site: Site) {
    let app = &site.app;
    import(app, &fixture("themeunittestdata.wordpress.xml"), &ImportOptions::default()).await;
    app.put_media_file("wp/boat.jpg", b"not really a jpeg").await.unwrap();
    let media = quire_store::NewMedia {
        storage_key: "wp/boat.jpg".into(),
        mime: "image/jpeg".into(),
        bytes: 17,
        width: Some(4),
        height: Some(3),
        alt: "Boat".into(),
        caption: Some("A boat".into()),
        credit: None,
        licence: None,
        uploaded_by: None,
    };
    app.store().create_media(&media).await.unwrap();
    app.store().put_setting("title", &serde_json::json!("Imported")).await.unwrap();
    let out = site._dir.path().join("archive");
    let summary = app.export_archive(&out).await.unwrap();
    assert_eq!(summary.media_files, 1);
    assert!(summary.documents > 20);
    let front = std::fs::read_to_string(out.join("posts/template-password-protected.md")).unwrap();
    assert!(
        front.starts_with("+++\n") && front.contains("\ntitle = ") && front.contains("status = \"published\""),
        "{front}"
    );

    let db = if app.store().backend() == "postgres" { Some("import_restored_copy") } else { None };
    let mut fresh = self::site(db).await.unwrap();
    fresh.app.import_archive(&out).await.unwrap();
    // As the next `quire serve` would: start over on the restored database (and its keys).
    fresh.app = App::open(fresh.app.config().clone()).await.unwrap();
    for table in quire_store::ARCHIVE_TABLES {
        let before = app.store().export_rows(table).await.unwrap();
        let after = fresh.app.store().export_rows(table).await.unwrap();
        assert_eq!(before, after, "table {table}");
    }
    assert_eq!(fresh.app.media_file("wp/boat.jpg").await.unwrap().bytes, b"not really a jpeg");
    let query = quire_app::reading::ReaderQuery::default();
    let mut paths = vec!["/".to_string(), "/page/2/".to_string(), "/category/parent-category/".to_string()];
    for table_row in app.store().export_rows("posts").await.unwrap() {
        let id = quire_core::PostId(table_row["id"].as_i64().unwrap());
        let post = app.store().post(id).await.unwrap().unwrap();
        paths.push(app.post_path(&post, &*app.settings().await));
    }
    for path in paths {
        let a = app.resolve(&path, &query).await.map(|r| format!("{r:?}")).map_err(|e| e.to_string());
        let b = fresh.app.resolve(&path, &query).await.map(|r| format!("{r:?}")).map_err(|e| e.to_string());
        assert_eq!(a, b, "page {path}");
    }
    // A restored site keeps working: a new post gets a fresh id.
    let refused = fresh.app.import_archive(&out).await;
    assert!(refused.is_err(), "restoring twice is refused");
}

/// Names of the elements in a WXR text, e.g. `wp:comment_parent`.
fn element_names(text: &str) -> std::collections::BTreeSet<String> {
    text.split('<')
        .skip(1)
        .filter(|t| !t.starts_with(['/', '!', '?']))
        .map(|t| t.split(|c: char| c.is_whitespace() || c == '>' || c == '/').next().unwrap().to_string())
        .collect()
}

async fn a_wxr_export_has_the_fixtures_structure_and_reads_back_whole(site: Site) {
    let app = &site.app;
    let text = fixture("themeunittestdata.wordpress.xml");
    import(app, &text, &ImportOptions::default()).await;
    let mut out = Vec::new();
    let (posts, comments) = app.export_wxr(&mut out).await.unwrap();
    let wxr = String::from_utf8(out).unwrap();
    let known = element_names(&text);
    let written = element_names(&wxr);
    let strange: Vec<_> = written.difference(&known).collect();
    assert!(strange.is_empty(), "elements WordPress's own export does not have: {strange:?}");
    for needed in
        ["rss", "channel", "wp:wxr_version", "wp:author", "wp:category", "wp:tag", "item", "wp:post_id", "wp:comment"]
    {
        assert!(written.contains(needed), "{needed} missing");
    }
    // Our own reader takes it back whole, and a fresh site imports the same numbers.
    let items: Vec<_> = quire_formats::WxrReader::new(BufReader::new(wxr.as_bytes())).collect();
    assert!(items.iter().all(Result::is_ok), "{:?}", items.iter().find(|i| i.is_err()));
    assert_eq!(posts as i64, count(app, "SELECT COUNT(*) FROM posts").await);
    assert_eq!(comments as i64, count(app, "SELECT COUNT(*) FROM comments").await);
    let db = if app.store().backend() == "postgres" { Some("import_wxr_again") } else { None };
    let fresh = self::site(db).await.unwrap();
    let report = import(&fresh.app, &wxr, &ImportOptions::default()).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    for sql in [
        "SELECT COUNT(*) FROM posts",
        "SELECT COUNT(*) FROM comments",
        "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL",
        "SELECT COUNT(*) FROM comments WHERE kind = 'pingback'",
        "SELECT COUNT(*) FROM terms WHERE parent_id IS NOT NULL",
        "SELECT COUNT(*) FROM posts WHERE password IS NOT NULL",
        "SELECT COUNT(*) FROM posts WHERE status = 'scheduled'",
    ] {
        assert_eq!(count(&fresh.app, sql).await, count(app, sql).await, "{sql}");
    }
}

async fn a_ghost_export_imports_posts_tags_authors_and_feature_images(site: Site) {
    let app = &site.app;
    let raw = fixture("ghost.json");
    let media = site._dir.path().join("ghost-media");
    std::fs::create_dir_all(media.join("2023/11")).unwrap();
    std::fs::write(media.join("2023/11/pond.jpg"), b"pond").unwrap();
    let options = ImportOptions { media_dir: Some(media), dry_run: false };
    let report = app.import_ghost(raw.clone(), &options, &|_| {}).await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.created("posts"), 3);
    assert_eq!(report.created("pages"), 1);
    let store = app.store();
    let post = store.post_by_slug(PostKind::Post, "hailsham-remembered").await.unwrap().unwrap();
    assert!(!post.html.contains("__GHOST_URL__") && post.html.contains("href=\"/about/\""), "{}", post.html);
    assert!(post.html.contains("<figcaption>The pond behind the house</figcaption>"), "{}", post.html);
    assert!(post.html.contains("println!"), "code kept whole: {}", post.html);
    assert!(post.sticky);
    assert_eq!(post.excerpt.as_deref(), Some("A short look back."));
    assert_eq!(post.published_at.unwrap().hour(), 8, "offsets applied");
    let featured = store.media_by_ids(&[post.featured_media_id.expect("a featured image")]).await.unwrap();
    assert_eq!(featured[0].alt, "The pond");
    assert_eq!(featured[0].caption.as_deref(), Some("Photo by Tommy"));
    let terms = store.terms_of(&[post.id]).await.unwrap();
    let names: Vec<_> = terms.iter().map(|(_, t)| t.name.as_str()).collect();
    assert_eq!(names, ["Memory"], "internal tags stay out");
    let author = store.user(post.author_id).await.unwrap().unwrap();
    assert_eq!(
        (author.slug.as_str(), author.name.as_str(), author.bio.as_deref()),
        ("kathy", "Kathy H", Some("Carer."))
    );
    let members = store.post_by_slug(PostKind::Post, "members-only").await.unwrap().unwrap();
    assert_eq!(members.status, PostStatus::Private);
    let scheduled = store.post_by_slug(PostKind::Post, "next-week").await.unwrap().unwrap();
    assert_eq!(scheduled.status, PostStatus::Scheduled);
    assert!(store.post_by_slug(PostKind::Page, "about").await.unwrap().is_some());
    let again = app.import_ghost(raw, &options, &|_| {}).await.unwrap();
    assert_eq!(again.created("posts") + again.created("pages") + again.created("media"), 0, "{:?}", again.counts);
    let broken = app.import_ghost("{\n\"db\": [".into(), &options, &|_| {}).await.unwrap();
    assert_eq!(broken.failed[0].line, 2, "{:?}", broken.failed);
}

async fn galleries_show_their_images_in_wordpress_order(site: Site) {
    let app = &site.app;
    let attachment = |id: u32, order: u32| {
        format!(
            "<item>\n<title>Picture {id}</title>\n<wp:post_id>{id}</wp:post_id>\n<wp:post_type>attachment</wp:post_type>\n<wp:post_parent>10</wp:post_parent>\n<wp:menu_order>{order}</wp:menu_order>\n<wp:attachment_url>https://old.example/pic-{id}.jpg</wp:attachment_url>\n</item>\n"
        )
    };
    let post = |id: u32, body: &str| {
        format!(
            "<item>\n<title>Gallery {id}</title>\n<wp:post_id>{id}</wp:post_id>\n<wp:post_type>post</wp:post_type>\n<wp:status>publish</wp:status>\n<wp:post_date_gmt>2020-01-01 10:00:00</wp:post_date_gmt>\n<content:encoded><![CDATA[{body}]]></content:encoded>\n</item>\n"
        )
    };
    let text = format!(
        "{HEAD}{}{}{}{}{}{}</channel></rss>\n",
        attachment(11, 2),
        attachment(12, 1),
        attachment(13, 3),
        post(10, "[gallery]"),
        post(20, "[gallery ids=\"13,11,12\"]"),
        post(30, "[gallery order=\"DESC\" id=\"10\"]"),
    );
    let report = import(app, &text, &ImportOptions::default()).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let order = |slug: &'static str| async move {
        let html = app.store().post_by_slug(PostKind::Post, slug).await.unwrap().unwrap().html;
        let mut found: Vec<(usize, u32)> =
            [11, 12, 13].into_iter().filter_map(|id| html.find(&format!("pic-{id}.jpg")).map(|at| (at, id))).collect();
        found.sort();
        found.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
    };
    // Without ids: the post's own images by menu order; with ids: exactly as listed.
    assert_eq!(order("gallery-10").await, [12, 11, 13]);
    assert_eq!(order("gallery-20").await, [13, 11, 12]);
    // Another post's images, newest order first.
    assert_eq!(order("gallery-30").await, [13, 11, 12]);
}

macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::site(None).await.unwrap()).await; })+
        }
        mod postgres {
            $(#[tokio::test] async fn $name() {
                let Some(site) = super::site(Some(concat!("import_", stringify!($name)))).await else { return };
                super::$name(site).await;
            })+
        }
    };
}

on_both_backends!(
    theme_unit_test_data_imports_completely_and_twice_creates_nothing,
    a_dry_run_plans_and_writes_nothing,
    bad_items_are_reported_with_their_line_and_the_rest_is_imported,
    an_export_restored_into_a_fresh_site_gives_every_row_and_every_page_back,
    a_wxr_export_has_the_fixtures_structure_and_reads_back_whole,
    a_ghost_export_imports_posts_tags_authors_and_feature_images,
    galleries_show_their_images_in_wordpress_order,
);
