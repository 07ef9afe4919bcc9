//! The settings screen over HTTP: every setting round-trips, bad values come back with a message
//! at their field and the typed values kept (nothing saved), the SMTP password is never sent back,
//! and only administrators may open it.

use quire_core::Role;
use reqwest::StatusCode;

use crate::support::{Agent, Page, TestApp};

const PASSWORD: &str = "correct horse battery";

async fn signed_in(app: &TestApp, role: Role) -> Agent {
    let email = format!("{role}@hailsham.example");
    app.add_staff(&email, role, PASSWORD).await;
    let agent = Agent::new(app);
    assert_eq!(agent.sign_in(&email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    agent
}

/// Every field of the settings form as the page offers it (checkboxes only when checked).
fn fields_of(page: &Page) -> Vec<(String, String)> {
    let html = page.html();
    let mut out = Vec::new();
    for element in html
        .select(&scraper::Selector::parse("form.settings input, form.settings textarea, form.settings select").unwrap())
    {
        let e = element.value();
        let Some(name) = e.attr("name") else { continue };
        let value = match e.name() {
            "textarea" => element.text().collect::<String>(),
            "select" => element
                .select(&scraper::Selector::parse("option[selected]").unwrap())
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default()
                .to_string(),
            _ if e.attr("type") == Some("checkbox") => {
                if e.attr("checked").is_none() {
                    continue;
                }
                e.attr("value").unwrap_or("1").to_string()
            }
            _ => e.attr("value").unwrap_or_default().to_string(),
        };
        out.push((name.to_string(), value));
    }
    out
}

/// The page's form with `changes` over it (a `None` unticks a checkbox), sent.
async fn send(agent: &Agent, changes: &[(&str, Option<&str>)]) -> Page {
    let page = agent.get("/admin/settings").await;
    let mut form = fields_of(&page);
    for (name, value) in changes {
        form.retain(|(n, _)| n != name);
        if let Some(value) = value {
            form.push((name.to_string(), value.to_string()));
        }
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    agent.post("/admin/settings", &form).await
}

#[tokio::test]
async fn settings_round_trip_and_readers_see_them_at_once() {
    let app = TestApp::with_demo().await;
    let admin = signed_in(&app, Role::Admin).await;
    let saved = send(
        &admin,
        &[
            ("title", Some("Hailsham Notes")),
            ("tagline", Some("Letters from Norfolk")),
            ("timezone", Some("Europe/London")),
            ("permalink", Some("/%year%/%postname%/")),
            ("posts_per_page", Some("3")),
            ("comment_policy.hold_first_comment", None),
            ("comment_policy.max_depth", Some("3")),
            ("comment_policy.close_after_days", Some("30")),
            ("comment_policy.blocklist_hold.words", Some("casino\nwatches")),
            ("comment_policy.blocklist_reject.networks", Some("198.51.100.0/24")),
            ("gravatar", Some("1")),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let settings = app.app.settings().await;
    assert_eq!((settings.title.as_str(), settings.tagline.as_str()), ("Hailsham Notes", "Letters from Norfolk"));
    assert_eq!((settings.timezone.as_str(), settings.permalink.as_str()), ("Europe/London", "/%year%/%postname%/"));
    assert_eq!(settings.posts_per_page, 3);
    assert!(!settings.comment_policy.hold_first_comment && settings.gravatar);
    assert_eq!((settings.comment_policy.max_depth, settings.comment_policy.close_after_days), (3, Some(30)));
    assert_eq!(settings.comment_policy.blocklist_hold.words, vec!["casino", "watches"]);
    assert_eq!(settings.comment_policy.blocklist_reject.networks.len(), 1);
    assert!(app.get("/").await.body.contains("Hailsham Notes"), "readers see the new title");
    let again = admin.get(&saved.header("location").unwrap()).await;
    assert_eq!(again.texts("[role=status]"), vec!["The settings were saved."]);
    assert_eq!(again.field("title").as_deref(), Some("Hailsham Notes"));
    assert_eq!(again.texts("textarea#comment_policy-blocklist_hold-words"), vec!["casino watches"]);
    assert!(again.attrs("#comment_policy-hold_first_comment[checked]", "id").is_empty());
    // A second save of the untouched form changes nothing.
    assert_eq!(send(&admin, &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.app.settings().await.comment_policy, settings.comment_policy);
}

#[tokio::test]
async fn bad_values_are_named_at_their_field_keep_what_was_typed_and_save_nothing() {
    let app = TestApp::with_demo().await;
    let admin = signed_in(&app, Role::Admin).await;
    let before = app.app.settings().await;
    let refused = send(
        &admin,
        &[
            ("title", Some("Hailsham Notes")),
            ("posts_per_page", Some("ten")),
            ("permalink", Some("/%nonsense%/")),
            ("timezone", Some("Mars/Olympus Mons")),
            ("comment_policy.blocklist_hold.networks", Some("not a network")),
            ("smtp_host", Some("smtp.hailsham.example")),
            ("smtp_from", Some("not an address")),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.texts("#form-error")[0].contains("Nothing was saved"));
    for id in ["posts_per_page", "permalink", "timezone", "comment_policy-blocklist_hold-networks", "smtp_from"] {
        assert_eq!(refused.texts(&format!("#{id}-error")).len(), 1, "{id} has its message");
        assert_eq!(refused.attrs(&format!("#{id}[aria-invalid=true]"), "id").len(), 1, "{id} is marked");
    }
    assert!(refused.texts("#posts_per_page-error")[0].contains("whole number"));
    assert!(refused.texts("#permalink-error")[0].contains("permalink"));
    assert_eq!(refused.field("title").as_deref(), Some("Hailsham Notes"), "good values are kept too");
    assert_eq!(refused.field("posts_per_page").as_deref(), Some("ten"));
    assert_eq!(refused.field("timezone").as_deref(), Some("Mars/Olympus Mons"));
    assert_eq!(refused.field("smtp_from").as_deref(), Some("not an address"));
    assert_eq!(refused.texts("#comment_policy-blocklist_hold-networks"), vec!["not a network"]);
    let after = app.app.settings().await;
    assert_eq!(after.title, before.title, "nothing was saved");
    assert_eq!(app.app.smtp_view().await.unwrap().host, "");
}

#[tokio::test]
async fn the_smtp_password_is_stored_but_never_sent_back() {
    let app = TestApp::with_demo().await;
    let admin = signed_in(&app, Role::Admin).await;
    let secret = "s3cret-smtp-password";
    let fields = [
        ("smtp_host", Some("smtp.hailsham.example")),
        ("smtp_port", Some("2525")),
        ("smtp_security", Some("starttls")),
        ("smtp_username", Some("quire")),
        ("smtp_password", Some(secret)),
        ("smtp_from", Some("Hailsham <noreply@hailsham.example>")),
    ];
    assert_eq!(send(&admin, &fields).await.status, StatusCode::SEE_OTHER);
    assert!(app.app.mail_enabled(), "the new server is used at once");
    let page = admin.get("/admin/settings").await;
    assert!(!page.body.contains(secret), "the password is not in the page");
    assert_eq!(page.field("smtp_password").as_deref(), Some(""));
    assert_eq!(page.field("smtp_host").as_deref(), Some("smtp.hailsham.example"));
    assert_eq!(page.field("smtp_port").as_deref(), Some("2525"));
    assert!(page.texts("#smtp_password-hint")[0].contains("A password is stored"));
    // Saving again with the field empty keeps it; a refused form does not echo a typed one.
    assert_eq!(send(&admin, &[("tagline", Some("Still here"))]).await.status, StatusCode::SEE_OTHER);
    let stored = app.app.store().settings().await.unwrap();
    let smtp = stored.iter().find(|(k, _)| k == "smtp").map(|(_, v)| v.clone()).unwrap();
    assert_eq!(smtp["password"], serde_json::json!(secret));
    let refused = send(&admin, &[("smtp_password", Some("typed-secret")), ("smtp_port", Some("99999"))]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.body.contains("typed-secret") && !refused.body.contains(secret));
    let settings_json = serde_json::to_string(&*app.app.settings().await).unwrap();
    assert!(!settings_json.contains(secret), "`quire settings show` does not print it");
}

#[tokio::test]
async fn themes_in_the_data_directory_are_offered() {
    let app = crate::support::TestApp::start(crate::support::Options {
        files: vec![("themes/quiet/templates/.keep".into(), String::new())],
        ..Default::default()
    })
    .await;
    let admin = signed_in(&app, Role::Admin).await;
    let page = admin.get("/admin/settings").await;
    assert_eq!(page.attrs("select#theme option", "value"), vec!["default", "quiet"]);
    assert_eq!(send(&admin, &[("theme", Some("quiet"))]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.app.settings().await.theme, "quiet");
    let refused = send(&admin, &[("theme", Some("missing"))]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.texts("#theme-error").len(), 1);
}

#[tokio::test]
async fn only_administrators_may_open_or_change_the_settings() {
    let app = TestApp::with_demo().await;
    for role in [Role::Editor, Role::Author, Role::Contributor] {
        let agent = signed_in(&app, role).await;
        assert_eq!(agent.get("/admin/settings").await.status, StatusCode::FORBIDDEN, "{role}");
        let token = agent.csrf_token().await;
        let sent = agent.post("/admin/settings", &[("csrf_token", &token), ("title", "Taken over")]).await;
        assert_eq!(sent.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_ne!(app.app.settings().await.title, "Taken over");
}
