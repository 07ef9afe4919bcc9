//! No unfilled placeholders (issue 8, point 9): every page type a reader, a staff member, a mail
//! reader or a feed reader gets is rendered and searched for leftovers of templates and format
//! strings (`%s`, `{{`, `{%`, `undefined`, `[object Object]`, `NaN`). The site Quire is modelled on
//! once shipped "Connecting to %s".

use quire_core::Role;
use reqwest::StatusCode;

use crate::mail::SmtpSink;
use crate::support::{Agent, Options, TestApp, draft, without_fill_delay};

const PASSWORD: &str = "correct horse battery";

/// Leftovers of a template or a format string that no finished page contains.
const LEFTOVERS: [&str; 6] = ["%s", "{{", "{%", "undefined", "[object Object]", "NaN"];

/// `text` without the contents of `<code>` and `<pre>` elements, raw or escaped (as feeds carry
/// HTML), and of `<textarea>` (the editor shows the writer's Markdown as typed): a post may
/// legitimately show template syntax in a code block, and that is not a leftover.
fn without_code(text: &str) -> String {
    let mut out = text.to_string();
    for (open, close) in [
        ("<pre", "</pre>"),
        ("<code", "</code>"),
        ("<textarea", "</textarea>"),
        ("&lt;pre", "&lt;/pre&gt;"),
        ("&lt;code", "&lt;/code&gt;"),
        ("\\u003cpre", "\\u003c/pre\\u003e"),
        ("\\u003ccode", "\\u003c/code\\u003e"),
    ] {
        while let Some(start) = out.find(open) {
            let end = out[start..].find(close).map_or(out.len(), |e| start + e + close.len());
            out.replace_range(start..end, " ");
        }
    }
    out
}

/// The leftovers found in `text` outside code. Word-like ones (`undefined`, `NaN`) count only as
/// whole words, so a random token that happens to contain the letters "NaN" is not one.
fn leftovers(text: &str) -> Vec<&'static str> {
    let text = without_code(text);
    LEFTOVERS
        .into_iter()
        .filter(|needle| {
            text.match_indices(needle).any(|(at, _)| {
                if !needle.chars().all(char::is_alphanumeric) {
                    return true;
                }
                let before = text[..at].chars().next_back();
                let after = text[at + needle.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
            })
        })
        .collect()
}

#[test]
fn the_checker_finds_leftovers_outside_code_and_only_there() {
    assert_eq!(leftovers("Connecting to %s"), vec!["%s"]);
    assert_eq!(leftovers("<h1>{{ post.title }}</h1>"), vec!["{{"]);
    assert_eq!(leftovers("{% if x %}"), vec!["{%"]);
    assert_eq!(leftovers("Hello undefined!"), vec!["undefined"]);
    assert_eq!(leftovers("<p>[object Object]</p>"), vec!["[object Object]"]);
    assert_eq!(leftovers("<span>NaN comments</span>"), vec!["NaN"]);
    assert!(leftovers("<pre><code>{{ title }} %s NaN</code></pre> and <code>{% raw %}</code>").is_empty());
    assert!(leftovers("&lt;pre&gt;&lt;code&gt;{{ x }}&lt;/code&gt;&lt;/pre&gt;").is_empty(), "escaped, as in feeds");
    assert!(leftovers("token=aNaNb, undefinedly").is_empty(), "parts of longer words");
}

fn assert_clean(what: &str, status: StatusCode, expected: StatusCode, body: &str) {
    assert_eq!(status, expected, "{what}: {body}");
    let found = leftovers(body);
    assert!(found.is_empty(), "{what} has unfilled placeholders {found:?}");
}

/// A post whose code block shows template syntax: legitimate, and skipped by the checker.
const CODE_POST: &str =
    "A theme prints the title with this:\n\n```\n<h1>{{ post.title }}</h1>\nprintf(\"%s\", NaN);\n```\n";

#[tokio::test]
async fn reader_pages_feeds_and_admin_screens_have_no_unfilled_placeholders() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    // With its own excerpt: listings and descriptions show plain text, where code has no <code>.
    let kind = quire_core::PostKind::Post;
    let dated = Some(time::macros::datetime!(2020-02-02 12:00 UTC));
    let excerpt = Some("How a theme prints a title.".to_string());
    app.publish(quire_app::publishing::Draft { published_at: dated, excerpt, ..draft("Theme notes", CODE_POST) }).await;
    let theme_path = "/2020/02/02/theme-notes/";
    let reader = Agent::from_ip(&app, [127, 0, 0, 3]);
    let sent = reader
        .comment(TestApp::ESSAY, &[("author", "Ruth"), ("email", "ruth@hailsham.example"), ("comment", "Madame wept.")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let comment: i64 = sent.header("location").unwrap().rsplit("#comment-").next().unwrap().parse().unwrap();
    let theme = app.app.store().post_by_slug(kind, "theme-notes").await.unwrap().unwrap();
    let code_page = reader.get(theme_path).await;
    assert!(code_page.body.contains("{{ post.title }}"), "the code block is on the page, and skipped by the checker");

    let reader_pages = [
        ("/", StatusCode::OK),
        (TestApp::ESSAY, StatusCode::OK),
        (theme_path, StatusCode::OK),
        ("/about/", StatusCode::OK),
        ("/tag/books/", StatusCode::OK),
        ("/category/books/", StatusCode::OK),
        ("/author/demo-writer/", StatusCode::OK),
        ("/2020/", StatusCode::OK),
        ("/2020/01/", StatusCode::OK),
        ("/search?q=madame", StatusCode::OK),
        ("/search?q=", StatusCode::OK),
        ("/search?q=nothing-matches-this", StatusCode::OK),
        ("/no-such-page/", StatusCode::NOT_FOUND),
        ("/feed/", StatusCode::OK),
        ("/feed/atom/", StatusCode::OK),
        ("/feed.json", StatusCode::OK),
        ("/comments/feed/", StatusCode::OK),
        (&format!("{}feed/", TestApp::ESSAY), StatusCode::OK),
        ("/sitemap.xml", StatusCode::OK),
        ("/admin/login", StatusCode::OK),
    ];
    for (path, expected) in reader_pages {
        let page = reader.get(path).await;
        assert_clean(path, page.status, expected, &page.body);
    }

    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    let admin = Agent::new(&app);
    assert_eq!(admin.sign_in("emily@hailsham.example", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let essay = app.app.store().post_by_slug(quire_core::PostKind::Post, "never-let-me-go").await.unwrap().unwrap();
    let about = app.app.store().post_by_slug(quire_core::PostKind::Page, "about").await.unwrap().unwrap();
    let media = crate::access::sample_media(&app).await;
    let admin_screens = [
        "/admin/".to_string(),
        "/admin/posts".into(),
        "/admin/posts?status=draft".into(),
        "/admin/posts/new".into(),
        format!("/admin/posts/{}", essay.id),
        format!("/admin/posts/{}/revisions", essay.id),
        format!("/admin/posts/{}", theme.id),
        "/admin/pages".into(),
        format!("/admin/pages/{}", about.id),
        "/admin/comments".into(),
        "/admin/comments?status=pending".into(),
        format!("/admin/comments/{comment}"),
        "/admin/media".into(),
        format!("/admin/media/{media}"),
        "/admin/settings".into(),
        "/admin/users".into(),
        "/admin/account".into(),
        "/admin/no-such-screen".into(),
    ];
    for path in &admin_screens {
        let page = admin.get(path).await;
        let expected = if path.ends_with("no-such-screen") { StatusCode::NOT_FOUND } else { StatusCode::OK };
        assert_clean(path, page.status, expected, &page.body);
    }
}

#[tokio::test]
async fn mails_have_no_unfilled_placeholders() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = TestApp::start(Options { smtp: Some(sink.config()), ..Default::default() }).await;
    app.set("comment_policy", serde_json::json!({ "min_fill_seconds": 0, "hold_first_comment": true })).await;
    let fields =
        [("author", "Ruth"), ("email", "ruth@hailsham.example"), ("comment", "Madame wept."), ("subscribe", "1")];
    let sent = Agent::new(&app).comment(TestApp::ESSAY, &fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    // The commenter's confirmation and the writer's notice of a held comment.
    let confirmation = sink.wait_for(1, |m| m.is_to("ruth@hailsham.example")).await.remove(0);
    let notice = sink.wait_for(1, |m| m.is_to("writer@demo.quire.invalid")).await.remove(0);
    for mail in [confirmation, notice] {
        let what = mail.subject().to_string();
        assert!(!mail.text.is_empty(), "{what}: a text part");
        for (part, body) in [("subject", what.as_str()), ("text", mail.text.as_str()), ("html", mail.html.as_str())] {
            let found = leftovers(body);
            assert!(found.is_empty(), "mail {what:?}, {part}: unfilled placeholders {found:?}");
        }
    }
}
