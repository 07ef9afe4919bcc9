//! The comment policy a site owner sets: one typed struct whose defaults follow WordPress's, so a
//! fresh site moderates the way most owners expect. Every field has a default, so a stored policy
//! from an older version (or a partial `quire.toml` table) still loads.

use serde::{Deserialize, Serialize};

use super::Blocklist;

/// How comments are validated and moderated; read by [`GuestDraft::parse`](super::GuestDraft::parse),
/// [`judge`](super::judge) and [`check_timing`](super::check_timing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommentPolicy {
    /// Guests must give an email address (never published). WordPress: "Comment author must fill out
    /// name and email", on by default.
    pub require_email: bool,
    /// Hold a commenter's comments until one of theirs has been approved.
    pub hold_first_comment: bool,
    /// Whether an approved comment under the email a guest *typed* counts as "approved before".
    /// Anyone can type anyone's address, so Quire defaults to `false` and only trusts identities it
    /// has verified; WordPress behaves as if this were `true`.
    pub trust_typed_email: bool,
    /// Hold a comment with at least this many links; `0` turns the rule off (as in WordPress).
    pub hold_links_at: usize,
    /// Longest comment accepted, in characters (Unicode scalar values, after trimming).
    pub max_body_chars: usize,
    /// Longest name a guest may give, in characters.
    pub max_name_chars: usize,
    /// Longest website address a guest may give, in characters as typed.
    pub max_url_chars: usize,
    /// Close comments on posts published this many days ago; `None` keeps them open for ever.
    /// `Some(0)` closes them as soon as the post is published.
    pub close_after_days: Option<u32>,
    /// Deepest reply nesting shown; deeper replies attach to the deepest allowed ancestor
    /// (see [`ThreadPath::truncated_to_depth`](crate::ThreadPath::truncated_to_depth)).
    pub max_depth: usize,
    /// A comment matching this list waits for a moderator.
    pub blocklist_hold: Blocklist,
    /// A comment matching this list is refused outright.
    pub blocklist_reject: Blocklist,
    /// A form sent sooner than this after it was served was filled in by a program.
    pub min_fill_seconds: u32,
    /// A form older than this must be sent again (its text is kept).
    pub max_form_age_seconds: u32,
    /// How long a commenter may edit their comment after sending it.
    pub edit_window_minutes: u32,
    /// "Under attack" mode: a browser must find a proof of work of this many leading zero bits
    /// before the form is taken (a script does it; 16 takes a phone well under a second, each
    /// extra bit doubles the work). `0`, the default, turns the mode off.
    pub proof_of_work_bits: u32,
}

impl Default for CommentPolicy {
    fn default() -> Self {
        CommentPolicy {
            require_email: true,
            hold_first_comment: true,
            trust_typed_email: false,
            hold_links_at: 2,
            max_body_chars: 10_000,
            max_name_chars: 100,
            max_url_chars: 300,
            close_after_days: None,
            max_depth: 5,
            blocklist_hold: Blocklist::default(),
            blocklist_reject: Blocklist::default(),
            min_fill_seconds: 3,
            max_form_age_seconds: 2 * 24 * 60 * 60,
            edit_window_minutes: 15,
            proof_of_work_bits: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::de::value::{Error, MapDeserializer};

    use super::*;

    #[test]
    fn a_partial_stored_policy_keeps_the_defaults_for_what_it_leaves_out() {
        let stored = MapDeserializer::<_, Error>::new(vec![("hold_links_at", 5_u64)].into_iter());
        let policy = CommentPolicy::deserialize(stored);
        assert_eq!(policy, Ok(CommentPolicy { hold_links_at: 5, ..CommentPolicy::default() }));
    }

    #[test]
    fn the_defaults_follow_wordpress_except_for_trusting_typed_emails() {
        let policy = CommentPolicy::default();
        assert!(policy.require_email && policy.hold_first_comment && !policy.trust_typed_email);
        assert_eq!((policy.hold_links_at, policy.close_after_days), (2, None));
        assert_eq!(policy.max_form_age_seconds, 172_800);
    }
}
