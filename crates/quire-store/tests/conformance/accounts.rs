//! Accounts and sessions: credentials, the first account, sessions by hashed id, failure buckets.

use quire_core::{Email, Role};
use quire_store::{NewSession, NewUser, RateLimit};
use time::{Duration, OffsetDateTime};

use crate::support::{Fixture, writer};

on_both_backends!(
    a_session_is_found_by_its_id_with_its_account_until_it_expires,
    touching_a_session_slides_its_expiry,
    sessions_end_one_by_one_all_at_once_or_all_but_one,
    expired_sessions_are_swept_and_live_ones_kept,
    a_deactivated_account_has_no_sessions_and_says_so_in_its_credentials,
    credentials_carry_the_password_hash_and_when_it_changed,
    the_first_account_that_can_sign_in_is_made_once,
    failure_buckets_are_read_without_spending_spent_without_refusing_and_reset,
);

/// Now, to the microsecond the store keeps.
fn now_us() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_microsecond(now.microsecond()).unwrap()
}

fn new_session(id: &str, user: quire_core::UserId, now: OffsetDateTime) -> NewSession {
    NewSession {
        id: id.into(),
        user_id: user,
        created_at: now,
        expires_at: now + Duration::days(14),
        user_agent: Some("Test/1.0".into()),
        ip_hash: Some("iphash".into()),
    }
}

async fn a_session_is_found_by_its_id_with_its_account_until_it_expires(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    f.store.create_session(&new_session("s1", user.id, now)).await.unwrap();
    let (session, owner) = f.store.session("s1", now).await.unwrap().unwrap();
    assert_eq!(owner.id, user.id);
    assert_eq!((session.user_agent.as_deref(), session.ip_hash.as_deref()), (Some("Test/1.0"), Some("iphash")));
    assert_eq!(session.created_at, session.last_seen_at);
    assert!(f.store.session("s2", now).await.unwrap().is_none(), "unknown id");
    assert!(f.store.session("s1", now + Duration::days(15)).await.unwrap().is_none(), "expired");
}

async fn touching_a_session_slides_its_expiry(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = now_us();
    f.store.create_session(&new_session("s1", user.id, now)).await.unwrap();
    let later = now + Duration::days(10);
    f.store.touch_session("s1", later, later + Duration::days(14)).await.unwrap();
    let (session, _) = f.store.session("s1", now + Duration::days(20)).await.unwrap().unwrap();
    assert_eq!(session.last_seen_at, later);
    assert_eq!(session.expires_at, later + Duration::days(14));
    f.store.touch_session("s1", now + Duration::days(40), now + Duration::days(50)).await.unwrap();
    assert!(f.store.session("s1", now + Duration::days(41)).await.unwrap().is_none(), "a lapsed session stays lapsed");
}

async fn sessions_end_one_by_one_all_at_once_or_all_but_one(f: &Fixture) {
    let user = writer(&f.store).await;
    let other = f
        .store
        .create_user(&NewUser {
            email: Email::parse("ruth@hailsham.example").unwrap(),
            name: "Ruth".into(),
            slug: "ruth".into(),
            role: Role::Editor,
            password_hash: None,
            bio: None,
        })
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    for id in ["a", "b", "c"] {
        f.store.create_session(&new_session(id, user.id, now)).await.unwrap();
    }
    f.store.create_session(&new_session("r", other.id, now)).await.unwrap();
    assert!(f.store.delete_session("a").await.unwrap());
    assert!(!f.store.delete_session("a").await.unwrap(), "already gone");
    assert_eq!(f.store.sessions_of(user.id, now).await.unwrap().len(), 2);
    assert_eq!(f.store.delete_sessions_of(user.id, Some("c")).await.unwrap(), 1);
    let left: Vec<String> = f.store.sessions_of(user.id, now).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(left, vec!["c".to_string()]);
    assert_eq!(f.store.delete_sessions_of(user.id, None).await.unwrap(), 1);
    assert!(f.store.session("r", now).await.unwrap().is_some(), "another account's session is untouched");
}

async fn expired_sessions_are_swept_and_live_ones_kept(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    f.store.create_session(&new_session("old", user.id, now - Duration::days(30))).await.unwrap();
    f.store.create_session(&new_session("new", user.id, now)).await.unwrap();
    assert_eq!(f.store.delete_expired_sessions(now).await.unwrap(), 1);
    assert!(f.store.session("new", now).await.unwrap().is_some());
}

async fn a_deactivated_account_has_no_sessions_and_says_so_in_its_credentials(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    f.store.create_session(&new_session("s1", user.id, now)).await.unwrap();
    assert!(f.store.credentials(user.id).await.unwrap().unwrap().active);
    assert!(f.store.set_user_deactivated(user.id, Some(now)).await.unwrap());
    assert!(f.store.session("s1", now).await.unwrap().is_none());
    assert!(!f.store.credentials(user.id).await.unwrap().unwrap().active);
    assert!(f.store.set_user_deactivated(user.id, None).await.unwrap());
    assert!(f.store.session("s1", now).await.unwrap().is_some(), "reactivated");
}

async fn credentials_carry_the_password_hash_and_when_it_changed(f: &Fixture) {
    let user = writer(&f.store).await;
    let found = f.store.credentials_by_email("KATHY@hailsham.example").await.unwrap().unwrap();
    assert_eq!((found.user.id, found.password_hash, found.password_changed_at), (user.id, None, None));
    let at = now_us();
    assert!(f.store.set_password(user.id, "$argon2id$fake", at).await.unwrap());
    let changed = f.store.credentials(user.id).await.unwrap().unwrap();
    assert_eq!((changed.password_hash.as_deref(), changed.password_changed_at), (Some("$argon2id$fake"), Some(at)));
    assert!(f.store.credentials_by_email("nobody@hailsham.example").await.unwrap().is_none());
    assert!(!f.store.set_password(quire_core::UserId(999), "x", at).await.unwrap());
}

async fn the_first_account_that_can_sign_in_is_made_once(f: &Fixture) {
    writer(&f.store).await; // no password: like the demo's writer, it does not close set-up
    assert_eq!(f.store.count_users_with_password().await.unwrap(), 0);
    let admin = |email: &str, slug: &str| NewUser {
        email: Email::parse(email).unwrap(),
        name: "Miss Emily".into(),
        slug: slug.into(),
        role: Role::Admin,
        password_hash: Some("$argon2id$fake".into()),
        bio: None,
    };
    let first = f.store.create_first_user(&admin("emily@hailsham.example", "emily")).await.unwrap();
    assert_eq!(first.map(|u| u.role), Some(Role::Admin));
    let second = f.store.create_first_user(&admin("lucy@hailsham.example", "lucy")).await.unwrap();
    assert!(second.is_none());
    assert_eq!(f.store.count_users().await.unwrap(), 2);
    assert_eq!(f.store.count_users_with_password().await.unwrap(), 1);
}

async fn failure_buckets_are_read_without_spending_spent_without_refusing_and_reset(f: &Fixture) {
    let now = OffsetDateTime::now_utc();
    let limit = RateLimit { key: "signin:acct:x".into(), capacity: 2.0, per_seconds: 60.0 };
    let limits = [limit.clone()];
    assert_eq!(f.store.rate_limit_wait(&limits, now).await.unwrap(), None);
    assert_eq!(f.store.rate_limit_wait(&limits, now).await.unwrap(), None, "reading spends nothing");
    f.store.spend_tokens(&limits, now).await.unwrap();
    assert_eq!(f.store.rate_limit_wait(&limits, now).await.unwrap(), None, "one left");
    f.store.spend_tokens(&limits, now).await.unwrap();
    f.store.spend_tokens(&limits, now).await.unwrap();
    let wait = f.store.rate_limit_wait(&limits, now).await.unwrap().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(f.store.rate_limit_wait(&limits, now + Duration::seconds(31)).await.unwrap(), None, "refilled");
    f.store.reset_buckets(std::slice::from_ref(&limit.key)).await.unwrap();
    assert_eq!(f.store.rate_limit_wait(&limits, now).await.unwrap(), None);
}
