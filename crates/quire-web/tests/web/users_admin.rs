//! Staff accounts in the admin over HTTP: inviting by mail and setting a password from the link,
//! "Forgot password?" and its one-time reset link, role changes, deactivation (which signs the
//! account out), the last-administrator guard, and who may manage accounts. Mail goes to a real
//! SMTP sink on loopback.

use quire_core::Role;
use reqwest::StatusCode;

use crate::mail::SmtpSink;
use crate::support::{Agent, Options, Page, TestApp};

const PASSWORD: &str = "correct horse battery";
const ADMIN: &str = "emily@hailsham.example";

async fn site(sink: Option<&SmtpSink>) -> TestApp {
    TestApp::start(Options { smtp: sink.map(SmtpSink::config), ..Default::default() }).await
}

async fn signed_in(app: &TestApp, email: &str, role: Role) -> Agent {
    app.add_staff(email, role, PASSWORD).await;
    let agent = Agent::new(app);
    assert_eq!(agent.sign_in(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    agent
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.app.store().user_by_email(email).await.unwrap().unwrap().id.0
}

async fn post_as(agent: &Agent, path: &str, fields: &[(&str, &str)]) -> Page {
    let token = agent.csrf_token().await;
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    agent.post(path, &form).await
}

/// Opens a mailed link's page and sends its form with `password`.
async fn set_password_from(app: &TestApp, link: &str, password: &str) -> Page {
    let browser = Agent::new(app);
    let page = browser.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let action = page.attrs("form.stack", "action").pop().unwrap();
    let token = page.field("token").unwrap();
    let csrf = page.field("csrf_token").unwrap();
    browser
        .post(
            &action,
            &[("csrf_token", &csrf), ("token", &token), ("password", password), ("confirm_password", password)],
        )
        .await
}

#[tokio::test]
async fn an_invited_person_sets_a_password_from_the_mail_and_signs_in() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site(Some(&sink)).await;
    let admin = signed_in(&app, ADMIN, Role::Admin).await;
    let sent = post_as(
        &admin,
        "/admin/users/invite",
        &[("email", "kathy@hailsham.example"), ("name", "Kathy H."), ("role", "author")],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let list = admin.get("/admin/users").await;
    let kathy = user_id(&app, "kathy@hailsham.example").await;
    assert_eq!(list.texts(&format!("#user-{kathy} .state")), vec!["invited"]);
    let mail = sink.wait_for(1, |m| m.is_to("kathy@hailsham.example")).await.remove(0);
    assert!(mail.subject().contains("invited"), "{}", mail.subject());
    let link = mail.link("/admin/invitation?token=").expect("a link to set the password");
    let token = link.split("token=").nth(1).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let store = app.app.store();
    let invite = quire_store::TokenPurpose::Invite;
    assert!(store.account_token_user(token, invite, now).await.unwrap().is_none(), "the token itself is not stored");
    let hashed = app.app.keys().hashing.hash(token);
    assert!(store.account_token_user(&hashed, invite, now).await.unwrap().is_some(), "its keyed hash is");
    assert!(Agent::new(&app).sign_in("kathy@hailsham.example", "").await.status != StatusCode::SEE_OTHER);
    // Opening the link uses nothing up; the form does.
    assert_eq!(Agent::new(&app).get(&link).await.status, StatusCode::OK);
    let done = set_password_from(&app, &link, "Norfolk is the lost corner").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.header("location").as_deref(), Some("/admin/login?password_set=1"));
    let kathy_browser = Agent::new(&app);
    assert_eq!(
        kathy_browser.sign_in("kathy@hailsham.example", "Norfolk is the lost corner").await.status,
        StatusCode::SEE_OTHER
    );
    assert!(kathy_browser.get("/admin/").await.texts(".role") == vec!["author".to_string()]);
    let again = Agent::new(&app).get(&link).await;
    assert_eq!(again.status, StatusCode::GONE, "the link works once");
    assert!(again.attrs("input[name=password]", "name").is_empty());
}

#[tokio::test]
async fn a_reset_link_is_mailed_works_once_and_signs_out_the_old_sessions() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site(Some(&sink)).await;
    let old_browser = signed_in(&app, "tommy@hailsham.example", Role::Author).await;
    let login = Agent::new(&app).get("/admin/login").await;
    assert_eq!(login.attrs("a[href='/admin/forgot-password']", "href").len(), 1, "the sign-in page offers it");
    let asker = Agent::new(&app);
    let form = asker.get("/admin/forgot-password").await;
    let csrf = form.field("csrf_token").unwrap();
    let known =
        asker.post("/admin/forgot-password", &[("csrf_token", &csrf), ("email", "Tommy@hailsham.example")]).await;
    let unknown =
        asker.post("/admin/forgot-password", &[("csrf_token", &csrf), ("email", "nobody@hailsham.example")]).await;
    assert_eq!((known.status, unknown.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(known.texts("[role=status]"), unknown.texts("[role=status]"), "the same answer either way");
    let mail = sink.wait_for(1, |m| m.is_to("tommy@hailsham.example")).await.remove(0);
    let link = mail.link("/admin/reset-password?token=").unwrap();
    assert!(sink.settle(&app.app, |m| m.is_to("nobody@hailsham.example")).await.is_empty());
    let wrong = set_password_from(&app, &link, "short").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "a refused password keeps the link");
    let done = set_password_from(&app, &link, "I kept the tape for years").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(old_browser.get("/admin/").await.status, StatusCode::SEE_OTHER, "old sessions ended");
    assert_eq!(Agent::new(&app).sign_in("tommy@hailsham.example", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        Agent::new(&app).sign_in("tommy@hailsham.example", "I kept the tape for years").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(Agent::new(&app).get(&link).await.status, StatusCode::GONE, "used up");
    assert_eq!(Agent::new(&app).get("/admin/reset-password?token=forged").await.status, StatusCode::GONE);
}

#[tokio::test]
async fn reset_requests_from_one_address_are_limited() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site(Some(&sink)).await;
    let asker = Agent::new(&app);
    let csrf = asker.get("/admin/forgot-password").await.field("csrf_token").unwrap();
    let mut last = None;
    for n in 0..6 {
        let email = format!("someone{n}@hailsham.example");
        last = Some(asker.post("/admin/forgot-password", &[("csrf_token", &csrf), ("email", &email)]).await);
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(last.header("retry-after").is_some());
}

#[tokio::test]
async fn roles_change_and_a_deactivated_account_is_signed_out_and_kept_out() {
    let app = site(None).await;
    let admin = signed_in(&app, ADMIN, Role::Admin).await;
    let ruth_browser = signed_in(&app, "ruth@hailsham.example", Role::Author).await;
    let ruth = user_id(&app, "ruth@hailsham.example").await;
    let changed = post_as(&admin, &format!("/admin/users/{ruth}/role"), &[("role", "editor")]).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(app.app.store().user(quire_core::UserId(ruth)).await.unwrap().unwrap().role, Role::Editor);
    assert_eq!(ruth_browser.get("/admin/comments").await.status, StatusCode::OK, "the new role applies at once");
    let off = post_as(&admin, &format!("/admin/users/{ruth}/deactivate"), &[]).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(ruth_browser.get("/admin/").await.status, StatusCode::SEE_OTHER, "her session ended");
    assert_eq!(Agent::new(&app).sign_in("ruth@hailsham.example", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(admin.get("/admin/users").await.texts(&format!("#user-{ruth} .state")), vec!["deactivated"]);
    assert_eq!(post_as(&admin, &format!("/admin/users/{ruth}/reactivate"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(Agent::new(&app).sign_in("ruth@hailsham.example", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_last_administrator_can_be_neither_demoted_nor_deactivated() {
    let app = site(None).await;
    let admin = signed_in(&app, ADMIN, Role::Admin).await;
    let emily = user_id(&app, ADMIN).await;
    let demoted = post_as(&admin, &format!("/admin/users/{emily}/role"), &[("role", "editor")]).await;
    assert_eq!(demoted.status, StatusCode::CONFLICT);
    assert!(demoted.texts("[role=alert]")[0].contains("last administrator"));
    let off = post_as(&admin, &format!("/admin/users/{emily}/deactivate"), &[]).await;
    assert_eq!(off.status, StatusCode::CONFLICT);
    assert_eq!(app.app.store().user(quire_core::UserId(emily)).await.unwrap().unwrap().role, Role::Admin);
    assert_eq!(admin.get("/admin/").await.status, StatusCode::OK, "still signed in");
    // With a second administrator, the first may step down.
    app.add_staff("miss.lucy@hailsham.example", Role::Admin, PASSWORD).await;
    let stepped = post_as(&admin, &format!("/admin/users/{emily}/role"), &[("role", "editor")]).await;
    assert_eq!(stepped.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_invitation_without_mail_or_with_a_taken_address_keeps_the_typed_values() {
    let app = site(None).await;
    let admin = signed_in(&app, ADMIN, Role::Admin).await;
    let refused = post_as(
        &admin,
        "/admin/users/invite",
        &[("email", "kathy@hailsham.example"), ("name", "Kathy H."), ("role", "editor")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.texts("[role=alert]")[0].contains("cannot send mail"));
    assert_eq!(refused.field("name").as_deref(), Some("Kathy H."));
    assert_eq!(refused.attrs("#invite-role option[selected]", "value"), vec!["editor"]);
    assert!(app.app.store().user_by_email("kathy@hailsham.example").await.unwrap().is_none());
}

#[tokio::test]
async fn only_administrators_may_manage_accounts() {
    let app = site(None).await;
    let target = app.add_staff("ruth@hailsham.example", Role::Author, PASSWORD).await;
    for role in [Role::Editor, Role::Author, Role::Contributor] {
        let agent = signed_in(&app, &format!("{role}@hailsham.example"), role).await;
        assert_eq!(agent.get("/admin/users").await.status, StatusCode::FORBIDDEN, "{role}");
        let sent = post_as(&agent, &format!("/admin/users/{}/role", target.id.0), &[("role", "admin")]).await;
        assert_eq!(sent.status, StatusCode::FORBIDDEN, "{role}");
        let sent = post_as(
            &agent,
            "/admin/users/invite",
            &[("email", "x@hailsham.example"), ("name", "X"), ("role", "admin")],
        )
        .await;
        assert_eq!(sent.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(app.app.store().user(target.id).await.unwrap().unwrap().role, Role::Author);
}
