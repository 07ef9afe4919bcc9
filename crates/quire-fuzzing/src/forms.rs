//! The comment form as `POST /comments` decodes it (`axum::Form`, which is `serde_urlencoded`, into
//! the WordPress field names of `RawCommentForm`), then validated by `GuestDraft::parse` and judged
//! by the moderation rules against blocklists whose entries come from the same bytes. The admin's
//! hand-decoded forms and the CSRF token lookup use `url::form_urlencoded`; both decoders must read
//! a body the same way.

use std::collections::HashSet;
use std::net::IpAddr;

use quire_content::render_comment;
use quire_core::policy::{
    Blocklist, CommentPolicy, Commenter, GuestDraft, IpNetwork, JudgeContext, RawCommentForm, Verdict, judge,
};
use quire_core::{Discussion, Email, Role};
use serde_urlencoded::from_bytes;
use time::OffsetDateTime;

use crate::content::comment_rules;
use crate::{Outcome, ensure};

/// Blocklist entries and the request's address, taken from the same body so the fuzzer can steer
/// them (`block_word`, `block_email`, `block_network`, `ip`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Extras {
    block_word: String,
    block_email: String,
    block_network: String,
    ip: String,
}

fn policy(extras: &Extras) -> CommentPolicy {
    let network: Vec<IpNetwork> = extras.block_network.parse().into_iter().collect();
    let hold = Blocklist { words: vec![extras.block_word.clone()], emails: vec![], networks: network.clone() };
    let reject =
        Blocklist { words: vec!["casino".into()], emails: vec![extras.block_email.clone()], networks: network };
    CommentPolicy { blocklist_hold: hold, blocklist_reject: reject, ..CommentPolicy::default() }
}

/// The two decoders agree: a field `serde_urlencoded` read is the one `url::form_urlencoded` sees.
fn decoders_agree(data: &[u8], raw: &RawCommentForm) -> Outcome {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    for (name, value) in [("comment", &raw.comment), ("author", &raw.author), ("email", &raw.email), ("url", &raw.url)]
    {
        let seen = pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
        ensure(seen == value.as_str(), || format!("{name}: serde_urlencoded read {value:?}, url read {seen:?}"))?;
    }
    Ok(())
}

/// What a draft that passed promises the later steps.
fn draft_holds(draft: &GuestDraft, policy: &CommentPolicy) -> Outcome {
    let body = draft.body().as_str();
    ensure(!body.is_empty() && body.trim() == body, || format!("body not trimmed: {body:?}"))?;
    ensure(body.chars().count() <= policy.max_body_chars, || "body over the limit".into())?;
    ensure(!body.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), || format!("control in body: {body:?}"))?;
    let name = draft.name();
    ensure(!name.is_empty() && name.trim() == name, || format!("name not trimmed: {name:?}"))?;
    ensure(name.chars().count() <= policy.max_name_chars, || "name over the limit".into())?;
    ensure(!name.chars().any(char::is_control), || format!("control in name: {name:?}"))?;
    ensure(draft.email().is_some() || !policy.require_email, || "no email, yet one is required".into())?;
    if let Some(email) = draft.email() {
        ensure(Email::parse(email.as_str()).as_ref() == Ok(email), || format!("email does not parse back: {email:?}"))?;
    }
    if let Some(site) = draft.website() {
        let url = site.as_str();
        ensure(url.starts_with("http://") || url.starts_with("https://"), || format!("website {url:?}"))?;
        ensure(!url.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"\\`".contains(c)), || {
            format!("website unsafe in an href: {url:?}")
        })?;
    }
    ensure(draft.parent().is_none_or(|p| p.0 > 0), || "a parent id of 0 or less".into())
}

/// The whole decode, validation and moderation path of a comment submission.
pub(crate) fn comment_form(data: &[u8]) -> Outcome {
    let Ok(raw) = from_bytes::<RawCommentForm>(data) else {
        // Refused with 400 by the handler; the other decoder must still read it without harm.
        let _ = url::form_urlencoded::parse(data).count();
        return Ok(());
    };
    decoders_agree(data, &raw)?;
    let extras: Extras = from_bytes(data).unwrap_or_default();
    let policy = policy(&extras);
    let draft = match GuestDraft::parse(&raw, &policy) {
        Ok(draft) => draft,
        Err(errors) => {
            ensure(!errors.is_empty(), || "refused without a reason".into())?;
            let mut fields = HashSet::new();
            for e in &errors {
                ensure(fields.insert(e.field), || format!("two errors for {:?}", e.field))?;
                ensure(!e.message.trim().is_empty() && e.message.chars().count() <= 300, || {
                    format!("message for {:?}: {:?}", e.field, e.message)
                })?;
                ensure(!e.message.chars().any(char::is_control), || format!("control in message {:?}", e.message))?;
            }
            return Ok(());
        }
    };
    draft_holds(&draft, &policy)?;
    let ip: Option<IpAddr> = extras.ip.trim().parse().ok();
    let now = OffsetDateTime::UNIX_EPOCH;
    let commenters = [
        Commenter::Guest { approved_under_typed_email: true },
        Commenter::VerifiedIdentity { has_approved_comment: true },
        Commenter::Staff { role: Role::Contributor, is_post_author: false },
    ];
    for commenter in commenters {
        let ctx = JudgeContext {
            submission: draft.submission(ip, Some("Mozilla/5.0")),
            commenter,
            discussion: Discussion::Open,
            post_published_at: Some(now),
            now,
        };
        let verdict = judge(&ctx, &policy);
        if matches!(commenter, Commenter::Staff { .. }) {
            ensure(verdict == Verdict::Approve, || format!("staff comment judged {verdict:?}"))?;
        }
    }
    comment_rules("render_comment", &render_comment(draft.body().as_str()).html)
}
