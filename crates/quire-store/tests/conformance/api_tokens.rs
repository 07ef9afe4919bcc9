//! Application tokens: found by the hash of their secret while live, marked when used, revoked
//! only by their owner, and never accepted again once revoked or once the account is deactivated.

use quire_store::NewApiToken;
use time::OffsetDateTime;

use crate::support::{Fixture, writer};

on_both_backends!(
    a_token_is_found_by_its_hash_and_marked_used,
    a_revoked_token_or_a_deactivated_account_is_not_accepted,
);

fn new_token(user: quire_core::UserId, name: &str, hash: &str) -> NewApiToken {
    NewApiToken { user_id: user, name: name.into(), token_hash: hash.into(), created_at: OffsetDateTime::now_utc() }
}

async fn a_token_is_found_by_its_hash_and_marked_used(f: &Fixture) {
    let user = writer(&f.store).await;
    let made = f.store.create_api_token(&new_token(user.id, "phone", "aa11")).await.unwrap();
    assert_eq!(made.last_used_at, None);
    let now = OffsetDateTime::now_utc();
    let (token, owner) = f.store.use_api_token("aa11", now).await.unwrap().unwrap();
    assert_eq!((token.id, owner.id), (made.id, user.id));
    assert!(token.last_used_at.is_some());
    assert!(f.store.use_api_token("bb22", now).await.unwrap().is_none(), "unknown hash");
    let listed = f.store.api_tokens_of(user.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "phone");
    assert!(listed[0].last_used_at.is_some());
}

async fn a_revoked_token_or_a_deactivated_account_is_not_accepted(f: &Fixture) {
    let user = writer(&f.store).await;
    let a = f.store.create_api_token(&new_token(user.id, "a", "aa")).await.unwrap();
    f.store.create_api_token(&new_token(user.id, "b", "bb")).await.unwrap();
    let now = OffsetDateTime::now_utc();
    assert!(!f.store.revoke_api_token(quire_core::UserId(user.id.0 + 99), a.id, now).await.unwrap(), "not theirs");
    assert!(f.store.revoke_api_token(user.id, a.id, now).await.unwrap());
    assert!(!f.store.revoke_api_token(user.id, a.id, now).await.unwrap(), "revoked once");
    assert!(f.store.use_api_token("aa", now).await.unwrap().is_none());
    assert!(f.store.api_tokens_of(user.id).await.unwrap().iter().any(|t| t.id == a.id && t.revoked_at.is_some()));
    assert!(f.store.use_api_token("bb", now).await.unwrap().is_some());
    f.store.set_user_deactivated(user.id, Some(now)).await.unwrap();
    assert!(f.store.use_api_token("bb", now).await.unwrap().is_none());
}
