//! Comment notifications by mail, end to end against a real SMTP server on loopback: double
//! opt-in, notifications with one-click unsubscribe, the author's mails, retries, and readers'
//! requests for their data.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::mail::{Mail, SmtpSink, config_for_port};
use crate::support::{Agent, Options, TestApp};

const WRITER: &str = "writer@demo.quire.invalid";
const RUTH_EMAIL: &str = "ruth@hailsham.example";
const TOMMY_EMAIL: &str = "tommy@hailsham.example";
const ESSAY_TITLE: &str = "Why you should read Kazuo Ishiguro’s ‘Never Let Me Go’";

async fn site_with_mail(smtp: quire_app::config::SmtpConfig, hold_first: bool) -> TestApp {
    let app = TestApp::start(Options { smtp: Some(smtp), ..Default::default() }).await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0, "hold_first_comment": hold_first })).await;
    app
}

fn ruth(text: &str) -> Vec<(&'static str, String)> {
    vec![("author", "Ruth".into()), ("email", RUTH_EMAIL.into()), ("comment", text.into())]
}

async fn say(reader: &Agent, name: &str, email: &str, text: &str, extra: &[(&str, &str)]) -> i64 {
    let mut fields = vec![("author", name), ("email", email), ("comment", text)];
    fields.extend_from_slice(extra);
    let sent = reader.comment(TestApp::ESSAY, &fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.header("location").unwrap();
    location.rsplit("#comment-").next().unwrap().parse().unwrap()
}

/// Follows a confirmation link as a person would: the page, then its button.
async fn confirm(app: &TestApp, mail: &Mail) {
    let link = mail.link("/comments/subscriptions/confirm?token=").expect("a confirmation link");
    let reader = Agent::new(app);
    let page = reader.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = page.attrs("form.notice-form input[name=token]", "value").pop().unwrap();
    let done = reader.post("/comments/subscriptions/confirm", &[("token", &token)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.texts("h1"), vec!["Subscription confirmed".to_string()]);
}

#[tokio::test]
async fn a_confirmed_subscriber_hears_of_replies_until_they_unsubscribe_in_one_click() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site_with_mail(sink.config(), false).await;
    let post = app.app.store().post_by_slug(quire_core::PostKind::Post, "never-let-me-go").await.unwrap().unwrap();
    let ruth_id = say(&Agent::new(&app), "Ruth", RUTH_EMAIL, "Madame was crying.", &[("subscribe", "1")]).await;

    let confirmation = sink.wait_for(1, |m| m.is_to(RUTH_EMAIL)).await.remove(0);
    assert!(confirmation.subject().starts_with("Confirm"), "{}", confirmation.subject());
    assert!(confirmation.header("list-unsubscribe").is_none(), "a confirmation is not a notification");
    let link = confirmation.link("/comments/subscriptions/confirm?token=").unwrap();
    assert_eq!(app.get(&link).await.status, StatusCode::OK);
    assert!(app.app.store().confirmed_subscriptions(post.id).await.unwrap().is_empty(), "a GET confirms nothing");
    confirm(&app, &confirmation).await;

    let tommy = Agent::new(&app);
    let reply = ruth_id.to_string();
    say(&tommy, "Tommy", TOMMY_EMAIL, "She was crying for all of us.", &[("comment_parent", &reply)]).await;
    let notice = sink.wait_for(2, |m| m.is_to(RUTH_EMAIL)).await.remove(1);
    assert_eq!(notice.subject(), format!("Tommy replied to your comment on “{ESSAY_TITLE}”"));
    assert!(notice.text.contains("> She was crying for all of us."), "{}", notice.text);
    assert!(notice.html.contains("She was crying for all of us.") && !notice.html.contains("<img"), "{}", notice.html);
    assert!(notice.header("message-id").is_some_and(|id| id.starts_with('<') && id.ends_with('>')));
    assert!(notice.header("date").is_some());
    let list = notice.header("list-unsubscribe").expect("List-Unsubscribe");
    assert_eq!(notice.header("list-unsubscribe-post"), Some("List-Unsubscribe=One-Click"));
    let url = list.trim_start_matches('<').trim_end_matches('>').to_string();
    assert!(url.starts_with(&format!("{}/comments/subscriptions/unsubscribe?token=", app.base)), "{url}");
    assert!(notice.text.contains(&url), "the body carries the same link: {}", notice.text);

    // What a mail provider sends: no cookies, no Origin, no CSRF token; the URL's token is enough.
    let bare = reqwest::Client::new();
    let response = bare
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(app.app.store().confirmed_subscriptions(post.id).await.unwrap().is_empty());

    say(&tommy, "Tommy", TOMMY_EMAIL, "And Ruth knew it.", &[]).await;
    let to_ruth = sink.settle(&app.app, |m| m.is_to(RUTH_EMAIL)).await;
    assert_eq!(to_ruth.len(), 2, "nothing after unsubscribing: {to_ruth:#?}");
}

#[tokio::test]
async fn an_unconfirmed_address_gets_no_notification() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site_with_mail(sink.config(), false).await;
    say(&Agent::new(&app), "Ruth", RUTH_EMAIL, "Madame was crying.", &[("subscribe", "1")]).await;
    sink.wait_for(1, |m| m.is_to(RUTH_EMAIL)).await;
    say(&Agent::new(&app), "Tommy", TOMMY_EMAIL, "Another comment, approved.", &[]).await;
    sink.wait_for(2, |m| m.is_to(WRITER)).await;
    let to_ruth = sink.settle(&app.app, |m| m.is_to(RUTH_EMAIL)).await;
    assert_eq!(to_ruth.len(), 1, "only the confirmation: {to_ruth:#?}");
    assert!(to_ruth[0].subject().starts_with("Confirm"));
}

#[tokio::test]
async fn the_author_hears_of_held_and_of_approved_comments_until_they_unsubscribe() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site_with_mail(sink.config(), true).await;
    say(&Agent::new(&app), "Ruth", RUTH_EMAIL, "A first comment waits.", &[]).await;
    let held = sink.wait_for(1, |m| m.is_to(WRITER)).await.remove(0);
    assert_eq!(held.subject(), format!("New comment awaiting moderation on “{ESSAY_TITLE}”"));
    assert!(held.text.contains("A first comment waits."), "{}", held.text);

    app.set("comment_policy", json!({ "min_fill_seconds": 0, "hold_first_comment": false })).await;
    say(&Agent::new(&app), "Tommy", TOMMY_EMAIL, "An approved comment.", &[]).await;
    let approved = sink.wait_for(2, |m| m.is_to(WRITER)).await.remove(1);
    assert_eq!(approved.subject(), format!("New comment on “{ESSAY_TITLE}”"));
    assert!(approved.text.contains("#comment-"), "links to the comment: {}", approved.text);

    let url = approved.header("list-unsubscribe").unwrap().trim_matches(['<', '>']).to_string();
    let page = Agent::new(&app).get(&url[app.base.len()..]).await;
    assert!(page.body.contains("comment notifications"), "{}", page.body);
    let response = reqwest::Client::new().post(&url).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    say(&Agent::new(&app), "Chrissie", "chrissie@cottages.example", "Nobody is told of this one.", &[]).await;
    assert_eq!(sink.settle(&app.app, |m| m.is_to(WRITER)).await.len(), 2, "the author unsubscribed");
}

#[tokio::test]
async fn mail_that_fails_is_retried_and_goes_once_the_server_is_up() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    if SmtpSink::start().await.is_none() {
        return;
    }
    let app = site_with_mail(config_for_port(port), true).await;
    say(&Agent::new(&app), "Ruth", RUTH_EMAIL, "Sent while the mail server is down.", &[]).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(app.app.store().pending_jobs().await.unwrap(), 1, "the mail waits for another try");
    let sink = SmtpSink::start_on(port).await.unwrap();
    let mails = sink.wait_for(1, |m| m.is_to(WRITER)).await;
    assert!(mails[0].text.contains("Sent while the mail server is down."));
    assert_eq!(sink.settle(&app.app, |m| m.is_to(WRITER)).await.len(), 1, "sent once");
}

#[tokio::test]
async fn a_comment_is_answered_at_once_even_when_the_smtp_server_hangs() {
    // A server that accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let smtp = quire_app::config::SmtpConfig { timeout_seconds: 60.0, ..config_for_port(port) };
    let app = site_with_mail(smtp, true).await;
    let started = Instant::now();
    say(&Agent::new(&app), "Ruth", RUTH_EMAIL, "Quick, even with a stuck server.", &[]).await;
    assert!(started.elapsed() < Duration::from_secs(3), "the request waited for mail: {:?}", started.elapsed());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.app.store().pending_jobs().await.unwrap(), 1, "the mail is still on its way");
    held.abort();
}

#[tokio::test]
async fn without_smtp_no_mail_is_queued() {
    let app = TestApp::with_demo().await;
    app.set("comment_policy", json!({ "min_fill_seconds": 0 })).await;
    say(&Agent::new(&app), "Ruth", RUTH_EMAIL, "No mail here.", &[("subscribe", "1")]).await;
    assert_eq!(app.app.store().pending_jobs().await.unwrap(), 0);
    assert!(!app.workers.as_ref().unwrap().is_running(), "no mail worker without [smtp]");
}

#[tokio::test]
async fn a_cross_site_confirmation_is_refused() {
    let app = site_with_mail(config_for_port(9), false).await;
    let response = app
        .client
        .post(format!("{}/comments/subscriptions/confirm", app.base))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/comments/subscriptions/unsubscribe?token=forged").await.status, StatusCode::NOT_FOUND);
}

/// Asks for a reader's data through the public page; returns the page's answer.
async fn ask_for_data(app: &TestApp, email: &str) -> crate::support::Page {
    let reader = Agent::new(app);
    let form = reader.get("/comments/my-data").await;
    assert_eq!(form.attrs("form.notice-form input[name=email]", "type"), vec!["email".to_string()]);
    reader.post("/comments/my-data", &[("email", email)]).await
}

#[tokio::test]
async fn a_data_request_answers_the_same_for_every_address_and_mails_only_known_ones() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site_with_mail(sink.config(), false).await;
    let fields = ruth("Madame was crying.");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(Agent::new(&app).comment(TestApp::ESSAY, &fields).await.status, StatusCode::SEE_OTHER);
    let known = ask_for_data(&app, RUTH_EMAIL).await;
    let unknown = ask_for_data(&app, "nobody@nowhere.example").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(known.texts("main"), unknown.texts("main"), "the answer reveals nothing");
    let mails = sink.settle(&app.app, |m| !m.is_to(WRITER)).await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert!(mails[0].is_to(RUTH_EMAIL));
    assert!(
        mails[0].link("/comments/my-data/export?token=").is_some()
            && mails[0].link("/comments/my-data/delete?token=").is_some()
    );
}

#[tokio::test]
async fn data_requests_are_limited_per_address() {
    let app = site_with_mail(config_for_port(9), false).await;
    for n in 0..5 {
        let page = ask_for_data(&app, &format!("reader{n}@x.example")).await;
        assert_eq!(page.status, StatusCode::OK, "request {n}");
    }
    let limited = ask_for_data(&app, "reader6@x.example").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").unwrap().parse::<u32>().unwrap() > 0);
}

/// Ruth's data link of kind `path` (export or delete), through a real request and mail.
async fn data_link(app: &TestApp, sink: &SmtpSink, path: &str) -> String {
    assert_eq!(ask_for_data(app, RUTH_EMAIL).await.status, StatusCode::OK);
    let mail = sink.wait_for(1, |m| m.is_to(RUTH_EMAIL) && m.subject().starts_with("Your data")).await.remove(0);
    mail.link(path).unwrap()
}

#[tokio::test]
async fn the_export_holds_the_readers_comments_and_nobody_elses() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site_with_mail(sink.config(), false).await;
    let ruth_reader = Agent::new(&app);
    say(&ruth_reader, "Ruth", RUTH_EMAIL, "First thought.", &[("subscribe", "1")]).await;
    say(&ruth_reader, "Ruth", RUTH_EMAIL, "Second thought.", &[]).await;
    say(&Agent::new(&app), "Tommy", TOMMY_EMAIL, "Tommy's thought.", &[]).await;
    let link = data_link(&app, &sink, "/comments/my-data/export?token=").await;
    let export = app.get(&link).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.header("content-disposition").unwrap().starts_with("attachment"));
    let data: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    let comments = data["comments"].as_array().unwrap();
    let texts: Vec<&str> = comments.iter().map(|c| c["markdown"].as_str().unwrap()).collect();
    assert_eq!(texts, vec!["First thought.", "Second thought."]);
    assert!(comments.iter().all(|c| c["author_email"] == RUTH_EMAIL && c["post_title"] == ESSAY_TITLE));
    assert_eq!(data["subscriptions"].as_array().unwrap().len(), 1);
    assert!(!export.body.contains("Tommy"), "nobody else's data");
    let forged = link.replace("token=", "token=x");
    assert_eq!(app.get(&forged).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_a_readers_data_keeps_the_thread_of_others_intact() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = site_with_mail(sink.config(), false).await;
    let ruth_reader = Agent::new(&app);
    let answered = say(&ruth_reader, "Ruth", RUTH_EMAIL, "Answered thought.", &[]).await;
    let lone = say(&ruth_reader, "Ruth", RUTH_EMAIL, "Lone thought.", &[]).await;
    let parent = answered.to_string();
    let reply =
        say(&Agent::new(&app), "Tommy", TOMMY_EMAIL, "Tommy answers Ruth.", &[("comment_parent", &parent)]).await;
    let link = data_link(&app, &sink, "/comments/my-data/delete?token=").await;

    let page = Agent::new(&app).get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(app.get(TestApp::ESSAY).await.body.contains("Lone thought."), "a GET deletes nothing");
    let token = page.attrs("form.notice-form input[name=token]", "value").pop().unwrap();
    let done = Agent::new(&app).post("/comments/my-data/delete", &[("token", &token)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);

    let essay = app.get(TestApp::ESSAY).await;
    assert!(!essay.body.contains("Lone thought.") && !essay.body.contains("Answered thought."));
    assert!(!essay.body.contains(RUTH_EMAIL) && !essay.body.contains(">Ruth<"), "her name is gone");
    assert!(essay.body.contains("deleted by its author"), "the answered comment keeps its place");
    assert_eq!(
        essay.attrs(&format!("#comment-{answered} #comment-{reply}"), "id").len(),
        1,
        "the reply stays under it"
    );
    let store = app.app.store();
    assert!(store.comment(quire_core::CommentId(lone)).await.unwrap().is_none());
    let kept = store.comment(quire_core::CommentId(answered)).await.unwrap().unwrap();
    assert_eq!((kept.author_email, kept.author_url), (None, None));
    assert_eq!(store.comment(quire_core::CommentId(reply)).await.unwrap().unwrap().author_name, "Tommy");
}
