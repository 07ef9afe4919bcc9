//! Outside sign-in accounts: identities upserted by provider and subject, linked to staff accounts
//! without ever losing the last way in, credited with approved comments; one-time rows used once.

use quire_core::CommentStatus;
use quire_store::{MastodonApp, NewIdentity};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::support::{Fixture, comment, post, writer};

on_both_backends!(
    an_identity_is_made_once_per_provider_and_subject_and_refreshed_on_each_sign_in,
    unlinking_never_takes_away_the_last_way_in,
    an_identity_is_credited_only_with_its_approved_comments,
    a_one_time_row_is_used_once_and_not_after_it_expires,
    providers_of_the_settings_and_mastodon_apps_are_remembered,
);

fn new_identity(provider: &str, subject: &str, name: &str) -> NewIdentity {
    NewIdentity {
        provider: provider.into(),
        subject: subject.into(),
        display_name: name.into(),
        email: Some(format!("{subject}@example.org")),
        profile_url: None,
        seen_at: OffsetDateTime::now_utc(),
    }
}

async fn an_identity_is_made_once_per_provider_and_subject_and_refreshed_on_each_sign_in(f: &Fixture) {
    let first = f.store.upsert_identity(&new_identity("example", "ruth", "Ruth")).await.unwrap();
    let again = f.store.upsert_identity(&new_identity("example", "ruth", "Ruth C")).await.unwrap();
    assert_eq!(first.id, again.id, "same person, same row");
    assert_eq!(again.display_name, "Ruth C");
    assert_eq!(again.user_id, None);
    let other = f.store.upsert_identity(&new_identity("github", "ruth", "Ruth")).await.unwrap();
    assert_ne!(other.id, first.id, "the same subject at another provider is another identity");
    assert_eq!(f.store.identity(first.id).await.unwrap().unwrap().display_name, "Ruth C");
    assert!(f.store.identity(first.id + 1000).await.unwrap().is_none());
}

async fn unlinking_never_takes_away_the_last_way_in(f: &Fixture) {
    let user = writer(&f.store).await; // no password
    let a = f.store.upsert_identity(&new_identity("example", "kathy", "Kathy")).await.unwrap();
    let b = f.store.upsert_identity(&new_identity("github", "kathy", "Kathy")).await.unwrap();
    assert!(f.store.link_identity(a.id, user.id).await.unwrap());
    assert!(f.store.link_identity(b.id, user.id).await.unwrap());
    let ids: Vec<i64> = f.store.identities_of(user.id).await.unwrap().iter().map(|i| i.id).collect();
    assert_eq!(ids, vec![a.id, b.id]);
    assert!(f.store.unlink_identity(a.id, user.id).await.unwrap(), "another identity remains");
    assert!(!f.store.unlink_identity(b.id, user.id).await.unwrap(), "the last way in stays");
    assert_eq!(f.store.identities_of(user.id).await.unwrap().len(), 1);
    f.store.set_password(user.id, "$argon2id$fake", OffsetDateTime::now_utc()).await.unwrap();
    assert!(f.store.unlink_identity(b.id, user.id).await.unwrap(), "the password is a way in");
    // An identity linked to someone else cannot be taken over.
    let other = f
        .store
        .create_user(&quire_store::NewUser {
            email: quire_core::Email::parse("tommy@hailsham.example").unwrap(),
            name: "Tommy".into(),
            slug: "tommy".into(),
            role: quire_core::Role::Author,
            password_hash: None,
            bio: None,
        })
        .await
        .unwrap();
    assert!(f.store.link_identity(a.id, other.id).await.unwrap());
    assert!(!f.store.link_identity(a.id, user.id).await.unwrap(), "already someone else's");
    assert!(!f.store.unlink_identity(a.id, user.id).await.unwrap(), "not this account's to unlink");
}

async fn an_identity_is_credited_only_with_its_approved_comments(f: &Fixture) {
    let user = writer(&f.store).await;
    let post_id = f.store.create_post(&post(user.id, "p", "P", "body", OffsetDateTime::now_utc())).await.unwrap();
    let ruth = f.store.upsert_identity(&new_identity("example", "ruth", "Ruth")).await.unwrap();
    let mut held = comment(post_id, None, "Ruth");
    held.status = CommentStatus::Pending;
    let held = f.store.create_comment(&held).await.unwrap();
    f.store.set_comment_identity(held, ruth.id).await.unwrap();
    assert!(!f.store.identity_has_approved_comment(ruth.id).await.unwrap(), "only a pending one");
    let approved = f.store.create_comment(&comment(post_id, None, "Ruth")).await.unwrap();
    assert!(!f.store.identity_has_approved_comment(ruth.id).await.unwrap(), "not linked yet");
    f.store.set_comment_identity(approved, ruth.id).await.unwrap();
    assert!(f.store.identity_has_approved_comment(ruth.id).await.unwrap());
}

async fn a_one_time_row_is_used_once_and_not_after_it_expires(f: &Fixture) {
    let now = OffsetDateTime::now_utc();
    let payload = json!({ "nonce": "n", "return_to": "/p/" });
    f.store.put_auth_state("h1", "oauth", &payload, now + Duration::minutes(10)).await.unwrap();
    assert_eq!(f.store.peek_auth_state("h1", "oauth", now).await.unwrap(), Some(payload.clone()));
    assert_eq!(f.store.take_auth_state("h1", "email", now).await.unwrap(), None, "another purpose");
    assert_eq!(f.store.take_auth_state("h1", "oauth", now).await.unwrap(), Some(payload.clone()));
    assert_eq!(f.store.take_auth_state("h1", "oauth", now).await.unwrap(), None, "used up");
    f.store.put_auth_state("h2", "email", &payload, now + Duration::minutes(15)).await.unwrap();
    let later = now + Duration::minutes(16);
    assert_eq!(f.store.peek_auth_state("h2", "email", later).await.unwrap(), None, "expired");
    assert_eq!(f.store.take_auth_state("h2", "email", later).await.unwrap(), None, "expired");
}

async fn providers_of_the_settings_and_mastodon_apps_are_remembered(f: &Fixture) {
    let config = json!({ "kind": "oidc", "issuer": "https://id.example.org", "client_id": "quire" });
    f.store.put_auth_provider("example", &config).await.unwrap();
    assert_eq!(f.store.auth_providers().await.unwrap(), vec![("example".to_string(), config)]);
    assert!(f.store.delete_auth_provider("example").await.unwrap());
    assert!(!f.store.delete_auth_provider("example").await.unwrap());
    assert!(f.store.auth_providers().await.unwrap().is_empty());

    assert_eq!(f.store.mastodon_app("social.example").await.unwrap(), None);
    let app = MastodonApp { instance: "social.example".into(), client_id: "c1".into(), client_secret: "s1".into() };
    assert_eq!(f.store.put_mastodon_app(&app).await.unwrap(), app);
    let racer = MastodonApp { client_id: "c2".into(), client_secret: "s2".into(), ..app.clone() };
    assert_eq!(f.store.put_mastodon_app(&racer).await.unwrap(), app, "the first registration stays");
    assert_eq!(f.store.mastodon_app("social.example").await.unwrap(), Some(app));
}
