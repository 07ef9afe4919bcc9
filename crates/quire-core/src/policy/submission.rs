//! A guest's comment form, parsed at the edge into a [`GuestDraft`] that later steps trust: the body
//! normalised and within limits, the name given, the email plausible, the website an http(s)
//! address. Every field's problem is reported at once, each in words the commenter understands.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{CommentPolicy, Website};
use crate::{CommentId, Email};

/// The comment form exactly as sent, field names as WordPress spells them so that themes and
/// `wp-comments-post.php` posts deserialise into it unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RawCommentForm {
    /// The comment text (Markdown).
    pub comment: String,
    /// The name the guest gave.
    pub author: String,
    /// The email address the guest gave.
    pub email: String,
    /// The website the guest gave.
    pub url: String,
    /// The id of the comment replied to; empty or `0` for a top-level comment.
    #[serde(alias = "comment_parent")]
    pub parent: String,
}

/// A field of the comment form, so an error can be shown next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Field {
    /// The comment text.
    #[serde(rename = "comment")]
    Comment,
    /// The guest's name.
    #[serde(rename = "author")]
    Author,
    /// The guest's email address.
    #[serde(rename = "email")]
    Email,
    /// The guest's website.
    #[serde(rename = "url")]
    Url,
    /// The comment replied to (a hidden field).
    #[serde(rename = "comment_parent")]
    Parent,
}

impl Field {
    /// The form field's `name` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Comment => "comment",
            Field::Author => "author",
            Field::Email => "email",
            Field::Url => "url",
            Field::Parent => "comment_parent",
        }
    }
}

/// What is wrong with one field, in a sentence meant for the person filling in the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The field to show the message next to.
    pub field: Field,
    /// The sentence to show.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: Field, message: impl Into<String>) -> FieldError {
        FieldError { field, message: message.into() }
    }
}

/// A comment's text: line endings normalised to `\n`, trimmed, not empty, free of control characters
/// other than newline and tab, and no longer than the policy allows. Shared by guests and
/// signed-in commenters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CommentBody(String);

impl CommentBody {
    /// Normalises and checks the text as typed.
    pub fn parse(input: &str, policy: &CommentPolicy) -> Result<CommentBody, FieldError> {
        let normalised = input.replace("\r\n", "\n").replace('\r', "\n");
        let text = normalised.trim();
        let error = |message: String| Err(FieldError::new(Field::Comment, message));
        if text.is_empty() {
            return error("Please write a comment.".into());
        }
        if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return error(
                "Your comment contains invisible control characters; please remove them and send it again.".into(),
            );
        }
        let length = text.chars().count();
        if length > policy.max_body_chars {
            return error(format!(
                "Your comment is {} characters long; the limit is {}.",
                grouped(length),
                grouped(policy.max_body_chars)
            ));
        }
        Ok(CommentBody(text.to_owned()))
    }

    /// The text, as Markdown source.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A guest's comment that passed every field check; the only way to make one is
/// [`GuestDraft::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestDraft {
    name: String,
    email: Option<Email>,
    website: Option<Website>,
    body: CommentBody,
    parent: Option<CommentId>,
}

impl GuestDraft {
    /// Checks every field of the form and returns either the draft or all the problems found, in
    /// form order, at most one per field.
    pub fn parse(raw: &RawCommentForm, policy: &CommentPolicy) -> Result<GuestDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let body = CommentBody::parse(&raw.comment, policy).map_err(|e| errors.push(e)).ok();
        let name = parse_name(&raw.author, policy).map_err(|e| errors.push(e)).ok();
        let email = parse_email(&raw.email, policy).map_err(|e| errors.push(e)).ok();
        let website = Website::parse(&raw.url, policy).map_err(|e| errors.push(e)).ok();
        let parent = parse_parent(&raw.parent).map_err(|e| errors.push(e)).ok();
        match (body, name, email, website, parent) {
            (Some(body), Some(name), Some(email), Some(website), Some(parent)) if errors.is_empty() => {
                Ok(GuestDraft { name, email, website, body, parent })
            }
            _ => Err(errors),
        }
    }

    /// The name to show above the comment, trimmed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The email address given (absent only when the policy does not require one).
    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }

    /// The website to link the name to.
    pub fn website(&self) -> Option<&Website> {
        self.website.as_ref()
    }

    /// The comment text.
    pub fn body(&self) -> &CommentBody {
        &self.body
    }

    /// The comment replied to; whether it exists on the same post is the store's to check.
    pub fn parent(&self) -> Option<CommentId> {
        self.parent
    }

    /// What the blocklists and [`judge`](super::judge) look at, with the request's address and
    /// user agent.
    pub fn submission<'a>(&'a self, ip: Option<IpAddr>, user_agent: Option<&'a str>) -> Submission<'a> {
        Submission {
            body: self.body.as_str(),
            name: &self.name,
            email: self.email.as_ref().map(Email::as_str),
            url: self.website.as_ref().map(Website::as_str),
            ip,
            user_agent,
        }
    }
}

/// Everything about one comment that moderation rules look at, borrowed from a [`GuestDraft`] or,
/// for signed-in commenters, from their account and a [`CommentBody`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submission<'a> {
    /// The comment text.
    pub body: &'a str,
    /// The commenter's name.
    pub name: &'a str,
    /// The commenter's email address.
    pub email: Option<&'a str>,
    /// The commenter's website.
    pub url: Option<&'a str>,
    /// The address the comment came from.
    pub ip: Option<IpAddr>,
    /// The browser's `User-Agent`.
    pub user_agent: Option<&'a str>,
}

fn parse_name(input: &str, policy: &CommentPolicy) -> Result<String, FieldError> {
    let name = input.trim();
    let error = |message: String| Err(FieldError::new(Field::Author, message));
    if name.is_empty() {
        return error("Please give your name.".into());
    }
    if name.chars().any(char::is_control) {
        return error("Your name contains characters that aren't allowed, such as line breaks or tabs.".into());
    }
    let length = name.chars().count();
    if length > policy.max_name_chars {
        return error(format!(
            "Your name is {} characters long; the limit is {}.",
            grouped(length),
            grouped(policy.max_name_chars)
        ));
    }
    Ok(name.to_owned())
}

fn parse_email(input: &str, policy: &CommentPolicy) -> Result<Option<Email>, FieldError> {
    let typed = input.trim();
    if typed.is_empty() {
        return if policy.require_email {
            Err(FieldError::new(Field::Email, "Please give your email address; it is never published."))
        } else {
            Ok(None)
        };
    }
    Email::parse(typed)
        .map(Some)
        .map_err(|_| FieldError::new(Field::Email, format!("“{}” is not a valid email address.", echo(typed))))
}

fn parse_parent(input: &str) -> Result<Option<CommentId>, FieldError> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        // WordPress themes send `comment_parent=0` for a top-level comment.
        Ok(0) => Ok(None),
        Ok(id) if id > 0 => Ok(Some(CommentId(id))),
        _ => Err(FieldError::new(
            Field::Parent,
            "The comment you are replying to could not be found; please reload the page and try again.",
        )),
    }
}

/// `12345` → `12,345`, as the limits are shown to people.
pub(crate) fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What the person typed, shortened and with control characters made visible, to quote it back.
pub(crate) fn echo(typed: &str) -> String {
    const SHOWN: usize = 60;
    let mut shown: String =
        typed.chars().take(SHOWN).map(|c| if c.is_control() { char::REPLACEMENT_CHARACTER } else { c }).collect();
    if typed.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn form(comment: &str, author: &str, email: &str, url: &str) -> RawCommentForm {
        RawCommentForm {
            comment: comment.into(),
            author: author.into(),
            email: email.into(),
            url: url.into(),
            parent: String::new(),
        }
    }

    fn ruth() -> RawCommentForm {
        form("Madame was crying.", "Ruth", "ruth@hailsham.example", "")
    }

    fn errors_of(raw: &RawCommentForm, policy: &CommentPolicy) -> Vec<(Field, String)> {
        match GuestDraft::parse(raw, policy) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
        }
    }

    fn draft(raw: &RawCommentForm) -> GuestDraft {
        match GuestDraft::parse(raw, &CommentPolicy::default()) {
            Ok(d) => d,
            Err(e) => panic!("refused: {e:?}"),
        }
    }

    #[test]
    fn a_complete_form_becomes_a_draft() {
        let d = draft(&RawCommentForm { parent: "27".into(), ..ruth() });
        assert_eq!(d.name(), "Ruth");
        assert_eq!(d.email().map(Email::as_str), Some("ruth@hailsham.example"));
        assert_eq!(d.website(), None);
        assert_eq!(d.body().as_str(), "Madame was crying.");
        assert_eq!(d.parent(), Some(CommentId(27)));
    }

    #[test]
    fn an_empty_comment_asks_for_one() {
        let raw = RawCommentForm { comment: " \r\n\t ".into(), ..ruth() };
        assert_eq!(errors_of(&raw, &CommentPolicy::default()), [(Field::Comment, "Please write a comment.".into())]);
    }

    #[test]
    fn a_long_comment_is_told_its_length_and_the_limit() {
        let raw = RawCommentForm { comment: "a".repeat(12_345), ..ruth() };
        assert_eq!(
            errors_of(&raw, &CommentPolicy::default()),
            [(Field::Comment, "Your comment is 12,345 characters long; the limit is 10,000.".into())]
        );
    }

    #[test]
    fn the_length_limit_counts_characters_not_bytes() {
        let policy = CommentPolicy { max_body_chars: 5, ..CommentPolicy::default() };
        assert!(CommentBody::parse("ééééé", &policy).is_ok());
        assert!(CommentBody::parse("éééééé", &policy).is_err());
    }

    #[test]
    fn control_characters_in_a_comment_are_refused_but_newlines_and_tabs_are_kept() {
        let policy = CommentPolicy::default();
        assert_eq!(
            CommentBody::parse("bell\u{7}", &policy).map_err(|e| e.message),
            Err("Your comment contains invisible control characters; please remove them and send it again.".into())
        );
        assert_eq!(CommentBody::parse("a\n\tb", &policy).map(|b| b.as_str().to_owned()), Ok("a\n\tb".into()));
    }

    #[test]
    fn windows_and_old_mac_line_endings_become_newlines_and_the_text_is_trimmed() {
        let body = CommentBody::parse("  \r\nfirst\r\nsecond\rthird\r\n ", &CommentPolicy::default());
        assert_eq!(body.map(|b| b.as_str().to_owned()), Ok("first\nsecond\nthird".into()));
    }

    #[test]
    fn a_missing_name_is_asked_for() {
        let raw = RawCommentForm { author: "  ".into(), ..ruth() };
        assert_eq!(errors_of(&raw, &CommentPolicy::default()), [(Field::Author, "Please give your name.".into())]);
    }

    #[test]
    fn a_long_name_is_told_its_length_and_the_limit() {
        let raw = RawCommentForm { author: "R".repeat(101), ..ruth() };
        assert_eq!(
            errors_of(&raw, &CommentPolicy::default()),
            [(Field::Author, "Your name is 101 characters long; the limit is 100.".into())]
        );
    }

    #[test]
    fn a_name_with_a_line_break_is_refused() {
        let raw = RawCommentForm { author: "Ruth\nAdmin".into(), ..ruth() };
        assert_eq!(
            errors_of(&raw, &CommentPolicy::default()),
            [(Field::Author, "Your name contains characters that aren't allowed, such as line breaks or tabs.".into())]
        );
    }

    #[test]
    fn a_missing_email_is_asked_for_when_the_site_requires_one() {
        let raw = RawCommentForm { email: "".into(), ..ruth() };
        assert_eq!(
            errors_of(&raw, &CommentPolicy::default()),
            [(Field::Email, "Please give your email address; it is never published.".into())]
        );
    }

    #[test]
    fn an_email_may_be_left_out_when_the_site_does_not_require_one() {
        let policy = CommentPolicy { require_email: false, ..CommentPolicy::default() };
        let parsed = GuestDraft::parse(&RawCommentForm { email: " ".into(), ..ruth() }, &policy);
        assert_eq!(parsed.map(|d| d.email().cloned()), Ok(None));
    }

    #[test]
    fn an_implausible_email_is_quoted_back() {
        let raw = RawCommentForm { email: " ruth@ ".into(), ..ruth() };
        assert_eq!(
            errors_of(&raw, &CommentPolicy::default()),
            [(Field::Email, "“ruth@” is not a valid email address.".into())]
        );
    }

    #[test]
    fn an_implausible_email_is_checked_even_when_none_is_required() {
        let policy = CommentPolicy { require_email: false, ..CommentPolicy::default() };
        assert_eq!(errors_of(&RawCommentForm { email: "ruth".into(), ..ruth() }, &policy).len(), 1);
    }

    #[test]
    fn a_very_long_bad_email_is_quoted_back_shortened() {
        let raw = RawCommentForm { email: "x".repeat(300), ..ruth() };
        let errors = errors_of(&raw, &CommentPolicy::default());
        assert_eq!(errors, [(Field::Email, format!("“{}…” is not a valid email address.", "x".repeat(60)))]);
    }

    #[test]
    fn a_bad_reply_target_asks_for_a_reload() {
        let raw = RawCommentForm { parent: "27; DROP".into(), ..ruth() };
        assert_eq!(
            errors_of(&raw, &CommentPolicy::default()),
            [(
                Field::Parent,
                "The comment you are replying to could not be found; please reload the page and try again.".into()
            )]
        );
    }

    #[test]
    fn wordpress_zero_parent_means_a_top_level_comment() {
        assert_eq!(draft(&RawCommentForm { parent: "0".into(), ..ruth() }).parent(), None);
    }

    #[test]
    fn every_problem_is_reported_at_once_in_form_order() {
        let raw = RawCommentForm {
            comment: "".into(),
            author: "".into(),
            email: "ruth@".into(),
            url: "javascript:alert(1)".into(),
            parent: "-3".into(),
        };
        let fields: Vec<Field> = errors_of(&raw, &CommentPolicy::default()).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, [Field::Comment, Field::Author, Field::Email, Field::Url, Field::Parent]);
    }

    #[test]
    fn the_submission_carries_the_normalised_fields_and_the_request() {
        let d = draft(&RawCommentForm { url: "example.org".into(), ..ruth() });
        let ip = "203.0.113.7".parse().ok();
        let s = d.submission(ip, Some("Mozilla/5.0"));
        assert_eq!((s.name, s.email, s.url), ("Ruth", Some("ruth@hailsham.example"), Some("https://example.org")));
        assert_eq!((s.ip, s.user_agent), (ip, Some("Mozilla/5.0")));
    }

    #[test]
    fn limits_are_shown_with_thousands_separators() {
        assert_eq!([grouped(0), grouped(999), grouped(1000), grouped(1_234_567)], ["0", "999", "1,000", "1,234,567"]);
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_accepted_websites_are_http(
            comment in any::<String>(),
            author in any::<String>(),
            email in prop_oneof![any::<String>(), Just("ruth@hailsham.example".to_owned())],
            url in prop_oneof![any::<String>(), "[a-zA-Z:/. @<>%-]{0,30}"],
            parent in any::<String>(),
        ) {
            let raw = RawCommentForm { comment, author, email, url, parent };
            if let Ok(d) = GuestDraft::parse(&raw, &CommentPolicy::default()) {
                let url = d.website().map_or("https://", Website::as_str);
                prop_assert!(url.starts_with("http://") || url.starts_with("https://"), "{url}");
                prop_assert!(!d.body().as_str().chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            }
        }
    }
}
