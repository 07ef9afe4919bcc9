//! Staff accounts over HTTP: first-run set-up, signing in and out, session cookies, throttling of
//! failed sign-ins, CSRF defences, caching of admin pages, and what each role may open.

use quire_core::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Agent, Options, TestApp};

const PASSWORD: &str = "correct horse battery";

async fn empty_site() -> TestApp {
    TestApp::start(Options { no_demo: true, ..Default::default() }).await
}

/// Whether a browser holding this session cookie value is signed in.
async fn is_signed_in(app: &TestApp, secret: &str) -> bool {
    let page = app.get_with("/admin/", &[("cookie", &format!("quire_session={secret}"))]).await;
    page.status == StatusCode::OK
}

// --- first run ------------------------------------------------------------------------------

#[tokio::test]
async fn the_setup_page_refuses_a_missing_or_wrong_token() {
    let app = empty_site().await;
    assert!(app.app.setup_token().await.unwrap().is_some());
    for path in ["/admin/setup", "/admin/setup?token=wrong"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.texts("[role=alert]")[0].contains("not valid"), "{path}");
        assert!(page.attrs("input[name=password]", "name").is_empty(), "{path}: no form without the token");
    }
    let agent = Agent::new(&app);
    let token = app.app.setup_token().await.unwrap().unwrap();
    let form = agent.get(&format!("/admin/setup?token={token}")).await;
    let csrf = form.field("csrf_token").unwrap();
    let sent = agent
        .post(
            "/admin/setup",
            &[
                ("token", "wrong"),
                ("csrf_token", &csrf),
                ("email", "emily@hailsham.example"),
                ("name", "Miss Emily"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::FORBIDDEN);
    assert_eq!(app.app.store().count_users().await.unwrap(), 0, "nothing was created");
}

#[tokio::test]
async fn the_setup_token_creates_the_first_admin_once_and_then_the_page_is_gone() {
    let app = empty_site().await;
    let token = app.app.setup_token().await.unwrap().unwrap();
    let url = app.app.setup_url().await.unwrap().unwrap();
    assert!(url.ends_with(&format!("/admin/setup?token={token}")), "{url}");
    let agent = Agent::new(&app);
    let form = agent.get(&format!("/admin/setup?token={token}")).await;
    assert_eq!(form.status, StatusCode::OK);
    for field in ["name", "email", "password"] {
        assert_eq!(form.attrs(&format!("label[for={field}]"), "for").len(), 1, "{field} is labelled");
    }
    let csrf = form.field("csrf_token").unwrap();
    let fields = [
        ("token", token.as_str()),
        ("csrf_token", csrf.as_str()),
        ("email", "emily@hailsham.example"),
        ("name", "Miss Emily"),
        ("password", PASSWORD),
    ];
    let created = agent.post("/admin/setup", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.header("location").as_deref(), Some("/admin/"));
    let dashboard = agent.get("/admin/").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Miss Emily") && dashboard.texts(".role") == vec!["admin".to_string()]);

    assert!(app.app.setup_token().await.unwrap().is_none());
    assert_eq!(agent.get(&format!("/admin/setup?token={token}")).await.status, StatusCode::NOT_FOUND);
    let mut again = fields;
    again[2] = ("email", "lucy@hailsham.example");
    assert_eq!(agent.post("/admin/setup", &again).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.app.store().count_users().await.unwrap(), 1, "one admin, made once");
}

#[tokio::test]
async fn a_demo_site_whose_only_account_cannot_sign_in_still_offers_setup() {
    let app = TestApp::with_demo().await;
    assert!(app.app.setup_token().await.unwrap().is_some(), "the demo writer has no password");
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    assert!(app.app.setup_token().await.unwrap().is_none(), "an account made with `quire user add` closes set-up");
}

// --- signing in and out ---------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_password_is_told_plainly_and_makes_no_session() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    let agent = Agent::new(&app);
    for (email, password) in [("emily@hailsham.example", "wrong password"), ("nobody@hailsham.example", PASSWORD)] {
        let page = agent.sign_in(email, password).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{email}");
        assert!(page.texts("[role=alert]")[0].contains("do not match"), "{email}: {:?}", page.texts("[role=alert]"));
        assert_eq!(page.attrs("#email", "value"), vec![email.to_string()], "the email is kept");
        assert!(page.set_cookie("quire_session").is_none(), "{email}");
    }
    assert_eq!(agent.get("/admin/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signing_in_sets_a_hardened_cookie_and_a_new_session_id_every_time() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    let agent = Agent::new(&app);
    agent.set_cookie("quire_session=planted-by-someone-else; Path=/");
    let token = agent.get("/admin/login").await.field("csrf_token").unwrap();
    let form = [("email", "emily@hailsham.example"), ("password", PASSWORD), ("csrf_token", token.as_str())];
    let first = agent.post("/admin/login", &form).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let cookie = first.set_cookie("quire_session").unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/;"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"), "plain http site: {cookie}");
    let first_secret = agent.cookie("/admin/", "quire_session").unwrap();
    assert_ne!(first_secret, "planted-by-someone-else");
    assert!(!is_signed_in(&app, "planted-by-someone-else").await);
    assert!(is_signed_in(&app, &first_secret).await);

    // Signing in again from a signed-in browser (the form was still open in another tab).
    let second = agent.post("/admin/login", &form).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    let second_secret = agent.cookie("/admin/", "quire_session").unwrap();
    assert_ne!(second_secret, first_secret, "the session id rotates on sign-in");
    assert!(!is_signed_in(&app, &first_secret).await, "the cookie from before sign-in no longer works");
    assert!(is_signed_in(&app, &second_secret).await);
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_site_is_served_over_https() {
    let app =
        TestApp::start(Options { no_demo: true, site_url: Some("https://quire.example".into()), ..Default::default() })
            .await;
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    let page = Agent::new(&app).sign_in("emily@hailsham.example", PASSWORD).await;
    assert!(page.set_cookie("quire_session").unwrap().contains("; Secure"));
}

#[tokio::test]
async fn a_page_asks_for_sign_in_and_returns_to_where_it_was_going() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Editor, PASSWORD).await;
    let agent = Agent::new(&app);
    let refused = agent.get("/admin/account").await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    let login = refused.header("location").unwrap();
    assert_eq!(login, "/admin/login?next=%2Fadmin%2Faccount");
    let signed_in = agent.sign_in_to("emily@hailsham.example", PASSWORD, &login).await;
    assert_eq!(signed_in.header("location").as_deref(), Some("/admin/account"));
    let offsite = Agent::new(&app)
        .sign_in_to("emily@hailsham.example", PASSWORD, "/admin/login?next=https://evil.example/")
        .await;
    assert_eq!(offsite.header("location").as_deref(), Some("/admin/"), "never to another site");
}

#[tokio::test]
async fn a_script_without_a_session_gets_a_401_problem_not_a_redirect() {
    let app = empty_site().await;
    let page = app.get_with("/admin/account", &[("accept", "application/json")]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(page.header("content-type").as_deref(), Some("application/problem+json"));
    let problem: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(problem["status"], 401);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Author, PASSWORD).await;
    let agent = Agent::new(&app);
    agent.sign_in("emily@hailsham.example", PASSWORD).await;
    let secret = agent.cookie("/admin/", "quire_session").unwrap();
    let token = agent.csrf_token().await;
    let out = agent.post("/admin/logout", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.set_cookie("quire_session").unwrap().contains("Max-Age=0"));
    assert!(!is_signed_in(&app, &secret).await, "the session is gone from the server, not just the browser");
    let login = agent.get(&out.header("location").unwrap()).await;
    assert_eq!(login.texts("[role=status]"), vec!["You are signed out.".to_string()]);
}

#[tokio::test]
async fn signing_out_everywhere_ends_another_browsers_session() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Editor, PASSWORD).await;
    let laptop = Agent::new(&app);
    let phone = Agent::new(&app);
    laptop.sign_in("emily@hailsham.example", PASSWORD).await;
    phone.sign_in("emily@hailsham.example", PASSWORD).await;
    assert_eq!(phone.get("/admin/").await.status, StatusCode::OK);
    assert!(laptop.get("/admin/account").await.body.contains("2 browsers or devices"));
    let token = laptop.csrf_token().await;
    let out = laptop.post("/admin/logout-everywhere", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/admin/").await.status, StatusCode::SEE_OTHER, "the phone is signed out");
    assert_eq!(laptop.get("/admin/").await.status, StatusCode::SEE_OTHER, "and so is the laptop");
}

#[tokio::test]
async fn a_deactivated_account_cannot_sign_in_and_its_sessions_stop_working() {
    let app = empty_site().await;
    let user = app.add_staff("emily@hailsham.example", Role::Editor, PASSWORD).await;
    let agent = Agent::new(&app);
    agent.sign_in("emily@hailsham.example", PASSWORD).await;
    app.app.store().set_user_deactivated(user.id, Some(time::OffsetDateTime::now_utc())).await.unwrap();
    assert_eq!(agent.get("/admin/").await.status, StatusCode::SEE_OTHER);
    let page = agent.sign_in("emily@hailsham.example", PASSWORD).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.texts("[role=alert]")[0].contains("deactivated"));
}

// --- throttling -------------------------------------------------------------------------------

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_while_others_still_sign_in() {
    let app = empty_site().await;
    app.set("sign_in_rate", json!({ "per_account": 3, "per_ip": 100, "seconds": 600 })).await;
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    app.add_staff("lucy@hailsham.example", Role::Editor, PASSWORD).await;
    let attacker = Agent::from_ip(&app, [127, 0, 0, 2]);
    for _ in 0..3 {
        assert_eq!(attacker.sign_in("emily@hailsham.example", "guess").await.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = attacker.sign_in("emily@hailsham.example", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    let wait: u32 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
    assert!(throttled.texts("[role=alert]")[0].contains("Too many failed sign-in attempts"));
    let emily_elsewhere = Agent::from_ip(&app, [127, 0, 0, 3]).sign_in("emily@hailsham.example", PASSWORD).await;
    assert_eq!(emily_elsewhere.status, StatusCode::TOO_MANY_REQUESTS, "the account's limit holds from any address");
    let lucy = Agent::from_ip(&app, [127, 0, 0, 4]).sign_in("lucy@hailsham.example", PASSWORD).await;
    assert_eq!(lucy.status, StatusCode::SEE_OTHER, "another account from another address signs in");
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_address_whatever_account_they_try() {
    let app = empty_site().await;
    app.set("sign_in_rate", json!({ "per_account": 100, "per_ip": 3, "seconds": 600 })).await;
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    let sprayer = Agent::from_ip(&app, [127, 0, 0, 5]);
    for email in ["a@hailsham.example", "b@hailsham.example", "c@hailsham.example"] {
        assert_eq!(sprayer.sign_in(email, "guess").await.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = sprayer.sign_in("emily@hailsham.example", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.header("retry-after").is_some());
    let emily = Agent::from_ip(&app, [127, 0, 0, 6]).sign_in("emily@hailsham.example", PASSWORD).await;
    assert_eq!(emily.status, StatusCode::SEE_OTHER, "the account itself is not locked");
}

// --- forgery ------------------------------------------------------------------------------------

#[tokio::test]
async fn cross_site_posts_to_sign_in_and_sign_out_are_refused() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    let agent = Agent::new(&app);
    let form = agent.get("/admin/login").await;
    let token = form.field("csrf_token").unwrap();
    let fields = [("email", "emily@hailsham.example"), ("password", PASSWORD), ("csrf_token", token.as_str())];
    for header in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let page = agent.post_with("/admin/login", &fields, &[header]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{header:?}");
        assert!(page.set_cookie("quire_session").is_none());
    }
    agent.sign_in("emily@hailsham.example", PASSWORD).await;
    let token = agent.csrf_token().await;
    for header in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let page = agent.post_with("/admin/logout", &[("csrf_token", &token)], &[header]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{header:?}");
        assert!(page.body.contains("another site"));
    }
    assert_eq!(agent.get("/admin/").await.status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn a_post_without_the_form_token_is_refused() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    let agent = Agent::new(&app);
    agent.get("/admin/login").await;
    let no_token = agent.post("/admin/login", &[("email", "emily@hailsham.example"), ("password", PASSWORD)]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN, "sign-in needs the form's token too");
    agent.sign_in("emily@hailsham.example", PASSWORD).await;
    for (path, form) in [
        ("/admin/logout", vec![]),
        ("/admin/logout", vec![("csrf_token", "forged")]),
        ("/admin/logout-everywhere", vec![]),
        ("/admin/account/password", vec![("current_password", PASSWORD), ("new_password", "a brand new password")]),
    ] {
        let page = agent.post(path, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} {form:?}");
    }
    assert_eq!(agent.get("/admin/").await.status, StatusCode::OK, "nothing happened");
    let token = agent.csrf_token().await;
    let by_header = agent.post_with("/admin/logout", &[], &[("x-csrf-token", &token)]).await;
    assert_eq!(by_header.status, StatusCode::SEE_OTHER, "scripts send the token in a header");
}

// --- caching and headers ----------------------------------------------------------------------

#[tokio::test]
async fn no_admin_page_may_be_cached_and_each_carries_the_security_headers() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Admin, PASSWORD).await;
    let anonymous = Agent::new(&app);
    let staff = Agent::new(&app);
    staff.sign_in("emily@hailsham.example", PASSWORD).await;
    let pages = [
        (&anonymous, "/admin/login"),
        (&anonymous, "/admin/setup?token=x"),
        (&anonymous, "/admin/"),
        (&staff, "/admin/"),
        (&staff, "/admin/account"),
        (&staff, "/admin/settings"),
        (&staff, "/admin/no-such-page"),
    ];
    for (agent, path) in pages {
        let page = agent.get(path).await;
        assert_eq!(page.header("cache-control").as_deref(), Some("no-store"), "{path}");
        assert!(page.header("content-security-policy").is_some_and(|c| c.contains("script-src 'self'")), "{path}");
        assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"), "{path}");
    }
    let failed = anonymous.sign_in("emily@hailsham.example", "wrong").await;
    assert_eq!(failed.header("cache-control").as_deref(), Some("no-store"));
}

// --- roles --------------------------------------------------------------------------------------

#[tokio::test]
async fn each_role_opens_what_it_may_and_is_refused_the_rest() {
    let app = empty_site().await;
    // (role, may open the settings)
    let matrix = [(Role::Admin, true), (Role::Editor, false), (Role::Author, false), (Role::Contributor, false)];
    for (role, settings) in matrix {
        let email = format!("{role}@hailsham.example");
        app.add_staff(&email, role, PASSWORD).await;
        let agent = Agent::new(&app);
        assert_eq!(agent.sign_in(&email, PASSWORD).await.status, StatusCode::SEE_OTHER, "{role}");
        let dashboard = agent.get("/admin/").await;
        assert_eq!(dashboard.status, StatusCode::OK, "{role}");
        assert_eq!(dashboard.texts(".role"), vec![role.to_string()]);
        assert_eq!(agent.get("/admin/account").await.status, StatusCode::OK, "{role}: own account");
        let expected = if settings { StatusCode::OK } else { StatusCode::FORBIDDEN };
        let page = agent.get("/admin/settings").await;
        assert_eq!(page.status, expected, "{role}: settings");
        if !settings {
            assert!(page.body.contains("Your role does not allow this"), "{role}");
        }
        let linked = dashboard.attrs("a[href='/admin/settings']", "href").len();
        assert_eq!(linked > 0, settings, "{role}: the settings link shows only when it opens");
    }
}

// --- the account page ---------------------------------------------------------------------------

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_sessions() {
    let app = empty_site().await;
    app.add_staff("emily@hailsham.example", Role::Author, PASSWORD).await;
    let laptop = Agent::new(&app);
    let phone = Agent::new(&app);
    laptop.sign_in("emily@hailsham.example", PASSWORD).await;
    phone.sign_in("emily@hailsham.example", PASSWORD).await;
    let token = laptop.csrf_token().await;
    let new = "a much longer passphrase";
    let change = async |current: &str, confirm: &str| {
        let form = [
            ("csrf_token", token.as_str()),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ];
        laptop.post("/admin/account/password", &form).await
    };
    let page = change("not my password", new).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.texts("[role=alert]")[0].contains("current password is not right"));
    assert_eq!(change(PASSWORD, "something else entirely").await.status, StatusCode::BAD_REQUEST);
    let done = change(PASSWORD, new).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(laptop.get(&done.header("location").unwrap()).await.texts("[role=status]")[0].contains("changed"));
    assert_eq!(phone.get("/admin/").await.status, StatusCode::SEE_OTHER, "the other session ended");
    assert_eq!(laptop.get("/admin/").await.status, StatusCode::OK, "this one stays");
    let fresh = Agent::new(&app);
    assert_eq!(fresh.sign_in("emily@hailsham.example", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fresh.sign_in("emily@hailsham.example", new).await.status, StatusCode::SEE_OTHER);
}

// --- staff in the comments ----------------------------------------------------------------------

#[tokio::test]
async fn a_signed_in_post_author_comments_without_moderation_and_is_marked_as_the_author() {
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0 })).await;
    let writer = app.app.store().user_by_slug("demo-writer").await.unwrap().unwrap();
    let hash = quire_app::users::hash_password(PASSWORD).unwrap();
    app.app.store().set_password(writer.id, &hash, time::OffsetDateTime::now_utc()).await.unwrap();
    let agent = Agent::new(&app);
    assert_eq!(agent.sign_in("writer@demo.quire.invalid", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let form = agent.get(TestApp::ESSAY).await;
    assert_eq!(form.attrs("#author", "value"), vec!["Demo Writer".to_string()], "the form knows who is signed in");
    let sent = agent
        .comment(TestApp::ESSAY, &[("author", ""), ("email", ""), ("comment", "Thank you all for reading.")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let public = app.get(TestApp::ESSAY).await;
    assert!(public.body.contains("Thank you all for reading."), "approved at once, visible to everyone");
    let marked = public.texts(".by-post-author .comment-body");
    assert!(marked.iter().any(|t| t.contains("Thank you all for reading.")), "{marked:?}");
}
