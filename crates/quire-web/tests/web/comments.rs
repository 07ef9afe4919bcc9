//! Readers' comments over HTTP: the form, the policy, the refusals that keep the reader's text.

use reqwest::StatusCode;

use crate::support::{Agent, TestApp, without_fill_delay};

pub(crate) const RUTH: &[(&str, &str)] =
    &[("author", "Ruth"), ("email", "ruth@hailsham.example"), ("comment", "Madame was crying, and so was I.")];

#[tokio::test]
async fn the_post_offers_a_leave_a_reply_form_with_a_signed_token() {
    let app = TestApp::with_demo().await;
    let page = app.get(TestApp::ESSAY).await;
    assert_eq!(page.texts("#reply-title"), vec!["Leave a Reply".to_string()]);
    for field in ["comment", "author", "email", "url", "subscribe", "wp-comment-cookies-consent"] {
        assert_eq!(page.attrs(&format!("#commentform [name='{field}']"), "id").len(), 1, "{field} missing");
        assert_eq!(page.attrs(&format!("label[for='{field}']"), "for").len(), 1, "{field} has no label");
    }
    let token = page.attrs("input[name=quire_token]", "value").pop().unwrap();
    assert!(token.contains('.') && !token.contains("__QUIRE"), "{token}");
    assert_eq!(app.get("/about/").await.attrs("#commentform", "id").len(), 0, "closed pages have no form");
}

#[tokio::test]
async fn a_new_guests_first_comment_waits_and_only_they_see_it() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let ruth = Agent::new(&app);
    let sent = ruth.comment(TestApp::ESSAY, RUTH).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.header("location").unwrap();
    assert!(location.starts_with(TestApp::ESSAY) && location.contains("#comment-"), "{location}");
    let own = ruth.get(TestApp::ESSAY).await;
    assert!(own.body.contains("Madame was crying, and so was I."));
    assert!(own.body.contains("awaiting moderation"));
    let stranger = app.get(TestApp::ESSAY).await;
    assert!(!stranger.body.contains("Madame was crying, and so was I."), "a pending comment leaked");
}

#[tokio::test]
async fn a_refused_comment_keeps_the_text_and_says_what_to_fix_next_to_each_field() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let reader = Agent::new(&app);
    let page = reader
        .comment(
            TestApp::ESSAY,
            &[
                ("author", ""),
                ("email", "ruth@"),
                ("url", "javascript:alert(1)"),
                ("comment", "Keep this text, please."),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(page.texts("#commentform textarea"), vec!["Keep this text, please.".to_string()]);
    assert!(page.texts("#author-error")[0].contains("name"));
    assert!(page.texts("#email-error")[0].contains("not a valid email"));
    assert!(page.texts("#url-error")[0].contains("http"));
    assert_eq!(page.attrs("#email", "aria-invalid"), vec!["true".to_string()]);
    let token = page.attrs("input[name=quire_token]", "value").pop().unwrap();
    assert!(!token.contains("__QUIRE"), "the retry form has a real token");
}

#[tokio::test]
async fn a_form_sent_faster_than_a_person_types_is_refused_with_the_wait() {
    let app = TestApp::with_demo().await;
    let page = Agent::new(&app).comment(TestApp::ESSAY, RUTH).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.texts("[role=alert]")[0].contains("please wait"), "{:?}", page.texts("[role=alert]"));
    assert!(page.body.contains("Madame was crying, and so was I."), "the text is kept");
}

#[tokio::test]
async fn forged_tokens_and_filled_honeypots_are_refused() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let reader = Agent::new(&app);
    let forged = [RUTH, &[("quire_token", "eyJwb3N0IjoxLCJpc3N1ZWQiOjB9.AAAA")]].concat();
    let page = reader.comment(TestApp::ESSAY, &forged).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.texts("[role=alert]")[0].contains("could not be verified"));
    let bot = [RUTH, &[("quire_hp", "http://spam.example")]].concat();
    assert_eq!(reader.comment(TestApp::ESSAY, &bot).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let app = TestApp::with_demo().await;
    let response = app
        .client
        .post(format!("{}/comments", app.base))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("comment", "x"), ("author", "x"), ("email", "x@y.example"), ("comment_post_ID", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn too_many_comments_from_one_address_get_429_with_retry_after() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let reader = Agent::new(&app);
    for n in 0..5 {
        let text = format!("Comment number {n} about Hailsham.");
        let page = reader
            .comment(TestApp::ESSAY, &[("author", "Tommy"), ("email", "tommy@hailsham.example"), ("comment", &text)])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "comment {n}: {}", page.body);
    }
    let limited = reader
        .comment(TestApp::ESSAY, &[("author", "Tommy"), ("email", "tommy@hailsham.example"), ("comment", "One more.")])
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").unwrap().parse::<u32>().unwrap() > 0);
    assert!(limited.body.contains("One more."), "the text is kept");
}

#[tokio::test]
async fn the_same_comment_twice_is_refused_as_a_duplicate() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let reader = Agent::new(&app);
    assert_eq!(reader.comment(TestApp::ESSAY, RUTH).await.status, StatusCode::SEE_OTHER);
    let again = reader.comment(TestApp::ESSAY, RUTH).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.texts("[role=alert]")[0].contains("already posted"));
}

#[tokio::test]
async fn replies_name_their_parent_and_cannot_cross_posts() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let page = app.get(TestApp::ESSAY).await;
    let first_reply = page.attrs(".comment-reply-link", "href").into_iter().next().unwrap();
    assert!(first_reply.starts_with("?replytocom="), "{first_reply}");
    let replying = app.get(&format!("{}{first_reply}", TestApp::ESSAY)).await;
    assert!(
        replying.texts("#reply-title")[0].starts_with("Leave a Reply to Daniel Reyes"),
        "{:?}",
        replying.texts("#reply-title")
    );
    assert!(!replying.attrs("#cancel-comment-reply-link", "href").is_empty());
    let parent = first_reply.trim_start_matches("?replytocom=").trim_end_matches("#respond").to_string();
    let klara = Agent::new(&app);
    let crossed = klara.comment(TestApp::KLARA, &[RUTH, &[("comment_parent", parent.as_str())]].concat()).await;
    assert_eq!(crossed.status, StatusCode::BAD_REQUEST);
    assert!(crossed.texts("[role=alert]")[0].contains("replying to"));
}

#[tokio::test]
async fn comments_on_a_closed_page_are_refused() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let about = app.app.store().post_by_slug(quire_core::PostKind::Page, "about").await.unwrap().unwrap();
    let token = app.app.form_token(about.id.0);
    let response = app
        .client
        .post(format!("{}/wp-comments-post.php", app.base))
        .form(&[
            ("comment", "Hello"),
            ("author", "Ruth"),
            ("email", "ruth@hailsham.example"),
            ("comment_post_ID", &about.id.0.to_string()),
            ("quire_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("closed"));
}

#[tokio::test]
async fn a_guest_who_asked_to_be_remembered_is_greeted_by_name() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let ruth = Agent::new(&app);
    let sent = ruth.comment(TestApp::ESSAY, &[RUTH, &[("wp-comment-cookies-consent", "yes")]].concat()).await;
    assert!(sent.header("set-cookie").unwrap().contains("HttpOnly"));
    let again = ruth.get(TestApp::KLARA).await;
    assert!(again.texts(".logged-in-as")[0].contains("You are commenting as Ruth"));
    assert_eq!(again.attrs("#author", "value"), vec!["Ruth".to_string()]);
    let forgetful = Agent::new(&app);
    forgetful
        .comment(
            TestApp::ESSAY,
            &[("author", "Tommy"), ("email", "tommy@hailsham.example"), ("comment", "No cookie consent.")],
        )
        .await;
    assert!(
        forgetful.get(TestApp::KLARA).await.texts(".logged-in-as").is_empty(),
        "nothing remembered without consent"
    );
}

#[tokio::test]
async fn links_in_comments_are_marked_nofollow_ugc() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let ruth = Agent::new(&app);
    ruth.comment(TestApp::ESSAY, &[RUTH, &[("comment", "See [my notes](https://ruth.example/notes).")]].concat()).await;
    let own = ruth.get(TestApp::ESSAY).await;
    assert_eq!(own.attrs("a[href='https://ruth.example/notes']", "rel"), vec!["nofollow ugc noopener".to_string()]);
}

#[tokio::test]
async fn a_remembered_guest_can_log_out_and_is_forgotten_by_this_browser() {
    let app = TestApp::with_demo().await;
    without_fill_delay(&app).await;
    let ruth = Agent::new(&app);
    ruth.comment(TestApp::ESSAY, &[RUTH, &[("wp-comment-cookies-consent", "yes")]].concat()).await;
    let page = ruth.get(TestApp::KLARA).await;
    assert_eq!(page.texts(".logged-in-as button[form=forget-guest]"), ["Log out"]);
    let back = page.attrs("#forget-guest input[name=redirect_to]", "value").pop().unwrap();

    let cross =
        ruth.post_with("/comments/forget", &[("redirect_to", &back)], &[("origin", "https://evil.example")]).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(
        ruth.get(TestApp::KLARA).await.texts(".logged-in-as")[0].contains("You are commenting as Ruth"),
        "a cross-site POST changes nothing"
    );

    let out = ruth.post_with("/comments/forget", &[("redirect_to", &back)], &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.header("location").as_deref(), Some(back.as_str()));
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = ruth.get(TestApp::KLARA).await;
    assert!(after.texts(".logged-in-as").is_empty() && !after.body.contains("awaiting moderation"));
    assert!(app.get(TestApp::ESSAY).await.status.is_success());

    let elsewhere = Agent::new(&app).post_with("/comments/forget", &[("redirect_to", "//evil.example/")], &[]).await;
    assert_eq!(elsewhere.header("location").as_deref(), Some("/"), "no open redirect");
}
