//! The moderation decision for one comment: approve it, hold it for a moderator, or refuse it —
//! with a reason whose `Display` is a sentence for the commenter. Rules, in order:
//!
//! 1. a closed post (closed by hand, or older than `close_after_days`) refuses everyone but its
//!    author, editors and admins;
//! 2. staff (signed-in accounts) are approved: like WordPress, no blocklist or hold applies to them;
//! 3. the reject blocklist refuses;
//! 4. the hold blocklist holds;
//! 5. `hold_links_at` or more links hold;
//! 6. a commenter with no approved comment yet is held (`hold_first_comment`);
//! 7. everything else is approved.

use time::{Duration, OffsetDateTime};

use super::{BlockMatch, CommentPolicy, Submission, count_links};
use crate::{CommentStatus, Discussion, Role};

/// Who is commenting, as far as moderation cares, with what the store knows of their history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commenter {
    /// Someone who only typed a name and an email address.
    Guest {
        /// Whether an approved comment exists under the email address typed. Anyone can type
        /// anyone's address, so this counts only when the policy's `trust_typed_email` is on.
        approved_under_typed_email: bool,
    },
    /// A reader whose identity Quire has verified: an outside sign-in account, or a signed guest
    /// cookie tied to earlier comments.
    VerifiedIdentity {
        /// Whether a comment by this identity has been approved.
        has_approved_comment: bool,
    },
    /// A signed-in staff account.
    Staff {
        /// What the account may do.
        role: Role,
        /// Whether the account wrote the post being commented on.
        is_post_author: bool,
    },
}

impl Commenter {
    /// The post's author and those who moderate every post may comment where others may not.
    fn may_comment_on_closed_posts(self) -> bool {
        match self {
            Commenter::Staff { role, is_post_author } => is_post_author || matches!(role, Role::Admin | Role::Editor),
            Commenter::Guest { .. } | Commenter::VerifiedIdentity { .. } => false,
        }
    }

    fn has_approved_comment(self, policy: &CommentPolicy) -> bool {
        match self {
            Commenter::Guest { approved_under_typed_email } => policy.trust_typed_email && approved_under_typed_email,
            Commenter::VerifiedIdentity { has_approved_comment } => has_approved_comment,
            Commenter::Staff { .. } => true,
        }
    }
}

/// Everything [`judge`] looks at besides the policy; building it is the caller's only I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JudgeContext<'a> {
    /// The comment and where it came from.
    pub submission: Submission<'a>,
    /// Who sent it.
    pub commenter: Commenter,
    /// Whether the post is open for comments (its own setting).
    pub discussion: Discussion,
    /// When the post was published, for `close_after_days`; `None` never closes by age.
    pub post_published_at: Option<OffsetDateTime>,
    /// The time of the request.
    pub now: OffsetDateTime,
}

/// What happens to a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Shown to everyone at once.
    Approve,
    /// Stored, shown to its writer, and waiting for a moderator.
    Hold(HoldReason),
    /// Not stored; the reason is shown with the form, which keeps the text.
    Reject(RejectReason),
}

impl Verdict {
    /// The status to store the comment with; `None` when it is not stored.
    pub fn status(&self) -> Option<CommentStatus> {
        match self {
            Verdict::Approve => Some(CommentStatus::Approved),
            Verdict::Hold(_) => Some(CommentStatus::Pending),
            Verdict::Reject(_) => None,
        }
    }
}

/// Why a comment waits for a moderator; `Display` tells the commenter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldReason {
    /// Nobody has approved a comment of theirs yet.
    #[error("Thank you! Your comment will appear once a moderator has approved it.")]
    FirstComment,
    /// It has this many links, at least `hold_links_at`.
    #[error("Thank you! Your comment has {0} links, so it will appear once a moderator has approved it.")]
    TooManyLinks(usize),
    /// It matched the hold blocklist; the entry is for the moderator's eyes, not the commenter's.
    #[error("Thank you! Your comment will appear once a moderator has looked at it.")]
    Blocklisted(BlockMatch),
}

/// Why a comment is refused; `Display` tells the commenter what happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    /// The post is closed for comments.
    #[error("Comments on this post are closed.")]
    Closed,
    /// The post was published more than `close_after_days` days ago.
    #[error("Comments on this post closed {0} {days} after it was published.", days = day_word(.0))]
    ClosedAfterDays(u32),
    /// It matched the reject blocklist.
    #[error("{}", refusal(.0))]
    Blocked(BlockMatch),
    /// A field hidden from people was filled in (see [`check_honeypot`](super::check_honeypot)).
    #[error(
        "Your comment was not sent: a field meant to stay empty was filled in, as spam programs do. \
         If you are a person, please reload the page and send it again."
    )]
    Honeypot,
    /// The same text is already on this post (see [`fingerprint`](super::fingerprint)).
    #[error("You have already posted this comment here.")]
    Duplicate,
}

impl RejectReason {
    /// A short, stable name for counting refusals (a metrics label), free of anything personal.
    pub fn label(&self) -> &'static str {
        match self {
            RejectReason::Closed | RejectReason::ClosedAfterDays(_) => "closed",
            RejectReason::Blocked(_) => "blocklist",
            RejectReason::Honeypot => "honeypot",
            RejectReason::Duplicate => "duplicate",
        }
    }
}

fn day_word(days: &u32) -> &'static str {
    if *days == 1 { "day" } else { "days" }
}

/// Tells the commenter what kind of entry refused them; a listed word is named so that a person
/// can rephrase, a listed address or network is not spelled out.
fn refusal(found: &BlockMatch) -> String {
    match found {
        BlockMatch::Word(word) => format!("This site does not accept comments containing “{word}”."),
        BlockMatch::Email(_) => "This site does not accept comments from this email address.".into(),
        BlockMatch::Network(_) => "This site does not accept comments from your network.".into(),
    }
}

/// Why a post takes no comments from ordinary readers at `now`, if it does not; for the page, to
/// show "comments are closed" instead of the form, by the same rule [`judge`] applies.
pub fn closed_reason(
    discussion: Discussion,
    published_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    policy: &CommentPolicy,
) -> Option<RejectReason> {
    if discussion == Discussion::Closed {
        return Some(RejectReason::Closed);
    }
    let days = policy.close_after_days?;
    // A closing date beyond the calendar's end never comes.
    let closes_at = published_at?.checked_add(Duration::days(i64::from(days)))?;
    (now >= closes_at).then_some(RejectReason::ClosedAfterDays(days))
}

/// Decides what happens to a comment, by the rules in the module documentation.
pub fn judge(ctx: &JudgeContext<'_>, policy: &CommentPolicy) -> Verdict {
    if !ctx.commenter.may_comment_on_closed_posts()
        && let Some(reason) = closed_reason(ctx.discussion, ctx.post_published_at, ctx.now, policy)
    {
        return Verdict::Reject(reason);
    }
    if let Commenter::Staff { .. } = ctx.commenter {
        return Verdict::Approve;
    }
    if let Some(found) = policy.blocklist_reject.matches(&ctx.submission) {
        return Verdict::Reject(RejectReason::Blocked(found));
    }
    if let Some(found) = policy.blocklist_hold.matches(&ctx.submission) {
        return Verdict::Hold(HoldReason::Blocklisted(found));
    }
    let links = count_links(ctx.submission.body);
    if policy.hold_links_at > 0 && links >= policy.hold_links_at {
        return Verdict::Hold(HoldReason::TooManyLinks(links));
    }
    if policy.hold_first_comment && !ctx.commenter.has_approved_comment(policy) {
        return Verdict::Hold(HoldReason::FirstComment);
    }
    Verdict::Approve
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::policy::Blocklist;

    const NOW: OffsetDateTime = datetime!(2026-05-01 12:00 UTC);

    fn ctx(body: &str, commenter: Commenter) -> JudgeContext<'_> {
        JudgeContext {
            submission: Submission {
                body,
                name: "Ruth",
                email: Some("ruth@hailsham.example"),
                url: None,
                ip: "203.0.113.7".parse().ok(),
                user_agent: Some("Mozilla/5.0"),
            },
            commenter,
            discussion: Discussion::Open,
            post_published_at: Some(datetime!(2026-04-01 09:00 UTC)),
            now: NOW,
        }
    }

    const RETURNING: Commenter = Commenter::VerifiedIdentity { has_approved_comment: true };
    const NEWCOMER: Commenter = Commenter::VerifiedIdentity { has_approved_comment: false };
    const ADMIN: Commenter = Commenter::Staff { role: Role::Admin, is_post_author: false };
    const CONTRIBUTOR: Commenter = Commenter::Staff { role: Role::Contributor, is_post_author: false };

    fn closed(c: Commenter) -> JudgeContext<'static> {
        JudgeContext { discussion: Discussion::Closed, ..ctx("Hello", c) }
    }

    fn blocking(words: &[&str]) -> Blocklist {
        Blocklist { words: words.iter().map(|w| w.to_string()).collect(), ..Blocklist::default() }
    }

    #[test]
    fn a_returning_verified_commenter_is_approved() {
        assert_eq!(judge(&ctx("Hello", RETURNING), &CommentPolicy::default()), Verdict::Approve);
    }

    #[test]
    fn a_verified_commenter_with_no_approved_comment_is_held() {
        assert_eq!(judge(&ctx("Hello", NEWCOMER), &CommentPolicy::default()), Verdict::Hold(HoldReason::FirstComment));
    }

    #[test]
    fn a_new_guest_is_held() {
        let guest = Commenter::Guest { approved_under_typed_email: false };
        assert_eq!(judge(&ctx("Hello", guest), &CommentPolicy::default()), Verdict::Hold(HoldReason::FirstComment));
    }

    #[test]
    fn a_guest_typing_an_approved_commenters_email_is_still_held_by_default() {
        let guest = Commenter::Guest { approved_under_typed_email: true };
        assert_eq!(judge(&ctx("Hello", guest), &CommentPolicy::default()), Verdict::Hold(HoldReason::FirstComment));
    }

    #[test]
    fn a_guest_with_an_approved_comment_under_their_email_is_approved_when_typed_emails_are_trusted() {
        let guest = Commenter::Guest { approved_under_typed_email: true };
        let policy = CommentPolicy { trust_typed_email: true, ..CommentPolicy::default() };
        assert_eq!(judge(&ctx("Hello", guest), &policy), Verdict::Approve);
    }

    #[test]
    fn first_comments_go_straight_through_when_the_site_does_not_hold_them() {
        let policy = CommentPolicy { hold_first_comment: false, ..CommentPolicy::default() };
        assert_eq!(judge(&ctx("Hello", NEWCOMER), &policy), Verdict::Approve);
    }

    #[test]
    fn a_comment_with_two_links_is_held_even_from_a_returning_commenter() {
        let body = "See https://a.example and [this](https://b.example).";
        assert_eq!(judge(&ctx(body, RETURNING), &CommentPolicy::default()), Verdict::Hold(HoldReason::TooManyLinks(2)));
        assert_eq!(judge(&ctx("Only https://a.example", RETURNING), &CommentPolicy::default()), Verdict::Approve);
    }

    #[test]
    fn a_zero_link_limit_turns_the_rule_off() {
        let policy = CommentPolicy { hold_links_at: 0, ..CommentPolicy::default() };
        assert_eq!(judge(&ctx("Hello", RETURNING), &policy), Verdict::Approve);
    }

    #[test]
    fn a_comment_matching_the_hold_list_is_held_before_its_links_are_counted() {
        let policy = CommentPolicy { blocklist_hold: blocking(&["casino"]), ..CommentPolicy::default() };
        let body = "casino https://a.example https://b.example";
        assert_eq!(
            judge(&ctx(body, RETURNING), &policy),
            Verdict::Hold(HoldReason::Blocklisted(BlockMatch::Word("casino".into())))
        );
    }

    #[test]
    fn a_comment_matching_the_reject_list_is_refused_even_if_it_also_matches_the_hold_list() {
        let policy = CommentPolicy {
            blocklist_hold: blocking(&["casino"]),
            blocklist_reject: blocking(&["casino"]),
            ..CommentPolicy::default()
        };
        let verdict = judge(&ctx("casino", RETURNING), &policy);
        assert_eq!(verdict, Verdict::Reject(RejectReason::Blocked(BlockMatch::Word("casino".into()))));
        assert_eq!(verdict.status(), None);
    }

    #[test]
    fn staff_skip_blocklists_link_limits_and_first_comment_holds() {
        let policy = CommentPolicy { blocklist_reject: blocking(&["casino"]), ..CommentPolicy::default() };
        let body = "casino https://a.example https://b.example";
        assert_eq!(judge(&ctx(body, CONTRIBUTOR), &policy), Verdict::Approve);
    }

    #[test]
    fn a_closed_post_refuses_readers_and_other_authors() {
        let policy = CommentPolicy::default();
        assert_eq!(judge(&closed(RETURNING), &policy), Verdict::Reject(RejectReason::Closed));
        assert_eq!(judge(&closed(CONTRIBUTOR), &policy), Verdict::Reject(RejectReason::Closed));
    }

    #[test]
    fn a_closed_post_still_takes_comments_from_its_author_editors_and_admins() {
        let policy = CommentPolicy::default();
        let author = Commenter::Staff { role: Role::Contributor, is_post_author: true };
        let editor = Commenter::Staff { role: Role::Editor, is_post_author: false };
        for staff in [author, editor, ADMIN] {
            assert_eq!(judge(&closed(staff), &policy), Verdict::Approve, "{staff:?}");
        }
    }

    #[test]
    fn a_closed_post_refuses_before_the_blocklist_is_consulted() {
        let policy = CommentPolicy { blocklist_reject: blocking(&["hello"]), ..CommentPolicy::default() };
        assert_eq!(judge(&closed(RETURNING), &policy), Verdict::Reject(RejectReason::Closed));
    }

    #[test]
    fn a_post_older_than_the_closing_age_refuses_comments() {
        let policy = CommentPolicy { close_after_days: Some(30), ..CommentPolicy::default() };
        assert_eq!(judge(&ctx("Hello", RETURNING), &policy), Verdict::Reject(RejectReason::ClosedAfterDays(30)));
        let policy = CommentPolicy { close_after_days: Some(31), ..CommentPolicy::default() };
        assert_eq!(judge(&ctx("Hello", RETURNING), &policy), Verdict::Approve);
    }

    #[test]
    fn a_post_closes_exactly_when_its_age_reaches_the_limit() {
        let policy = CommentPolicy { close_after_days: Some(1), ..CommentPolicy::default() };
        let published = datetime!(2026-04-30 12:00 UTC);
        assert_eq!(
            closed_reason(Discussion::Open, Some(published), NOW, &policy),
            Some(RejectReason::ClosedAfterDays(1))
        );
        let later = datetime!(2026-04-30 12:00:01 UTC);
        assert_eq!(closed_reason(Discussion::Open, Some(later), NOW, &policy), None);
    }

    #[test]
    fn an_unpublished_post_or_one_closing_beyond_the_calendar_never_closes_by_age() {
        let policy = CommentPolicy { close_after_days: Some(u32::MAX), ..CommentPolicy::default() };
        assert_eq!(closed_reason(Discussion::Open, Some(NOW), NOW, &policy), None);
        let policy = CommentPolicy { close_after_days: Some(0), ..CommentPolicy::default() };
        assert_eq!(closed_reason(Discussion::Open, None, NOW, &policy), None);
    }

    #[test]
    fn verdicts_map_to_stored_statuses() {
        assert_eq!(Verdict::Approve.status(), Some(CommentStatus::Approved));
        assert_eq!(Verdict::Hold(HoldReason::FirstComment).status(), Some(CommentStatus::Pending));
    }

    #[test]
    fn reasons_read_as_sentences_for_the_commenter() -> Result<(), crate::ParseError> {
        assert_eq!(
            RejectReason::ClosedAfterDays(1).to_string(),
            "Comments on this post closed 1 day after it was published."
        );
        assert_eq!(
            RejectReason::Blocked(BlockMatch::Network("203.0.113.0/24".parse()?)).to_string(),
            "This site does not accept comments from your network."
        );
        assert_eq!(
            RejectReason::Blocked(BlockMatch::Word("casino".into())).to_string(),
            "This site does not accept comments containing “casino”."
        );
        assert_eq!(
            HoldReason::TooManyLinks(3).to_string(),
            "Thank you! Your comment has 3 links, so it will appear once a moderator has approved it."
        );
        Ok(())
    }
}
