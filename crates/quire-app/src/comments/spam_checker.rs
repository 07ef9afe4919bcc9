//! An optional second opinion on comments from an Akismet-compatible service (Akismet itself, or a
//! self-hosted one that speaks its protocol), asked only when the local policy did not refuse.
//! Off by default: turning it on sends each comment, its writer's address and user agent to that
//! service. The service can mark a comment as spam (stored as spam; its writer sees "awaiting
//! moderation" like any held comment) or tell us to discard it; when it cannot answer, the
//! comment waits for a moderator — never approved on a failure.
//! Protocol: <https://akismet.com/developers/detailed-docs/comment-check/>.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use quire_core::{CommentId, CommentStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{App, Error};

/// The `spam_checker` site setting.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct SpamCheckerSettings {
    /// Ask the service about each comment.
    pub enabled: bool,
    /// Base URL of the API, without the method name.
    pub endpoint: String,
    /// The site's API key with that service.
    pub api_key: String,
    /// How long to wait for an answer before holding the comment for moderation.
    pub timeout_ms: u64,
}

impl Default for SpamCheckerSettings {
    fn default() -> Self {
        SpamCheckerSettings {
            enabled: false,
            endpoint: "https://rest.akismet.com/1.1".into(),
            api_key: String::new(),
            timeout_ms: 2000,
        }
    }
}

impl fmt::Debug for SpamCheckerSettings {
    /// Leaves the API key out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpamCheckerSettings")
            .field("enabled", &self.enabled)
            .field("endpoint", &self.endpoint)
            .field("api_key", &if self.api_key.is_empty() { "" } else { "(set)" })
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

/// What the service is told about a comment, in Akismet's words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedComment {
    /// The site's front page.
    pub blog: String,
    /// The writer's address (unknown when reporting a stored comment: only its hash is kept).
    pub user_ip: Option<String>,
    /// The writer's browser.
    pub user_agent: Option<String>,
    /// The page the form was sent from.
    pub referrer: Option<String>,
    /// The post's address.
    pub permalink: String,
    /// "comment" or "reply".
    pub comment_type: &'static str,
    /// Name given.
    pub comment_author: String,
    /// Email given.
    pub comment_author_email: Option<String>,
    /// Website given.
    pub comment_author_url: Option<String>,
    /// The Markdown text.
    pub comment_content: String,
    /// When it was written, ISO 8601 in UTC.
    pub comment_date_gmt: String,
    /// The site's language.
    pub blog_lang: String,
}

impl CheckedComment {
    /// The form body: the API key and every known field.
    fn form(&self, api_key: &str) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("api_key", api_key.to_string()),
            ("blog", self.blog.clone()),
            ("permalink", self.permalink.clone()),
            ("comment_type", self.comment_type.to_string()),
            ("comment_author", self.comment_author.clone()),
            ("comment_content", self.comment_content.clone()),
            ("comment_date_gmt", self.comment_date_gmt.clone()),
            ("blog_lang", self.blog_lang.clone()),
            ("blog_charset", "UTF-8".to_string()),
        ];
        let optional = [
            ("user_ip", &self.user_ip),
            ("user_agent", &self.user_agent),
            ("referrer", &self.referrer),
            ("comment_author_email", &self.comment_author_email),
            ("comment_author_url", &self.comment_author_url),
        ];
        form.extend(optional.into_iter().filter_map(|(name, value)| value.clone().map(|v| (name, v))));
        form
    }
}

/// The service's opinion of a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpamVerdict {
    /// Not spam: the local verdict stands.
    Ham,
    /// Spam: stored as spam for a moderator to review.
    Spam,
    /// Blatant spam, not worth storing (`X-akismet-pro-tip: discard`).
    Discard,
}

/// What a moderator tells the service about a comment it judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// It missed this spam (`submit-spam`).
    Spam,
    /// This was no spam (`submit-ham`).
    Ham,
}

/// The service did not give a usable answer.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// No answer: unreachable, timed out, or the client could not be made.
    #[error("spam checker unreachable: {0}")]
    Transport(String),
    /// An answer that means nothing good (a 5xx, `invalid` for a bad key…).
    #[error("spam checker answered {status}: {body}")]
    Answer {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
}

/// A boxed future, so that checkers can live behind `dyn SpamChecker`.
pub type CheckFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CheckError>> + Send + 'a>>;

/// A spam-checking service; swappable (tests, other protocols) behind this trait.
pub trait SpamChecker: Send + Sync {
    /// Asks for an opinion on a new comment.
    fn check<'a>(
        &'a self,
        settings: &'a SpamCheckerSettings,
        comment: &'a CheckedComment,
    ) -> CheckFuture<'a, SpamVerdict>;

    /// Tells the service it judged a comment wrongly (or rightly, for training).
    fn report<'a>(
        &'a self,
        settings: &'a SpamCheckerSettings,
        comment: &'a CheckedComment,
        report: Report,
    ) -> CheckFuture<'a, ()>;
}

/// The Akismet protocol over HTTP(S).
#[derive(Default)]
pub struct Akismet {
    /// Made on first use: most sites never turn the checker on.
    client: OnceLock<Option<reqwest::Client>>,
}

impl Akismet {
    /// A checker that makes its HTTP client when first asked.
    pub fn new() -> Akismet {
        Akismet::default()
    }

    fn client(&self) -> Result<&reqwest::Client, CheckError> {
        self.client
            .get_or_init(|| {
                let agent = concat!("Quire/", env!("CARGO_PKG_VERSION"), " | Akismet-compatible/1");
                reqwest::Client::builder()
                    .user_agent(agent)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| tracing::error!(error = %e, "could not make the spam checker's HTTP client"))
                    .ok()
            })
            .as_ref()
            .ok_or_else(|| CheckError::Transport("no HTTP client".into()))
    }

    /// POSTs the comment to `method` and answers the status, the discard hint and the body.
    async fn call(
        &self,
        settings: &SpamCheckerSettings,
        method: &str,
        comment: &CheckedComment,
    ) -> Result<(u16, bool, String), CheckError> {
        let url = format!("{}/{method}", settings.endpoint.trim_end_matches('/'));
        let transport = |e: reqwest::Error| CheckError::Transport(e.to_string());
        let response = self
            .client()?
            .post(url)
            .timeout(Duration::from_millis(settings.timeout_ms.max(1)))
            .form(&comment.form(&settings.api_key))
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let discard = response
            .headers()
            .get("x-akismet-pro-tip")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("discard"));
        let body = response.text().await.map_err(transport)?;
        Ok((status, discard, body.trim().chars().take(200).collect()))
    }
}

impl SpamChecker for Akismet {
    fn check<'a>(
        &'a self,
        settings: &'a SpamCheckerSettings,
        comment: &'a CheckedComment,
    ) -> CheckFuture<'a, SpamVerdict> {
        Box::pin(async move {
            let (status, discard, body) = self.call(settings, "comment-check", comment).await?;
            match (status, body.as_str()) {
                (200, "true") if discard => Ok(SpamVerdict::Discard),
                (200, "true") => Ok(SpamVerdict::Spam),
                (200, "false") => Ok(SpamVerdict::Ham),
                _ => Err(CheckError::Answer { status, body }),
            }
        })
    }

    fn report<'a>(
        &'a self,
        settings: &'a SpamCheckerSettings,
        comment: &'a CheckedComment,
        report: Report,
    ) -> CheckFuture<'a, ()> {
        Box::pin(async move {
            let method = match report {
                Report::Spam => "submit-spam",
                Report::Ham => "submit-ham",
            };
            match self.call(settings, method, comment).await? {
                (200, _, _) => Ok(()),
                (status, _, body) => Err(CheckError::Answer { status, body }),
            }
        })
    }
}

/// ISO 8601 in UTC, as Akismet takes `comment_date_gmt`.
pub(crate) fn gmt(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

impl App {
    /// The service's opinion of a comment the local policy let through, or `None` when the
    /// checker is off. A failure is logged and answered as `Err`, for the caller to hold the comment.
    pub(crate) async fn ask_spam_checker(
        &self,
        settings: &SpamCheckerSettings,
        comment: &CheckedComment,
    ) -> Option<Result<SpamVerdict, CheckError>> {
        if !settings.enabled {
            return None;
        }
        let answer = self.spam_checker().check(settings, comment).await;
        let result = match &answer {
            Ok(SpamVerdict::Ham) => "ham",
            Ok(SpamVerdict::Spam) => "spam",
            Ok(SpamVerdict::Discard) => "discard",
            Err(e) => {
                tracing::warn!(error = %e, "spam checker failed; the comment waits for a moderator");
                "error"
            }
        };
        self.metrics().spam_check(result);
        Some(answer)
    }

    /// Tells the spam checker that a stored comment is spam it missed (Akismet's `submit-spam`).
    /// Does not change the comment's status; the moderation action that does calls this too.
    pub async fn report_spam(&self, id: CommentId) -> Result<(), Error> {
        self.report_comment(id, Report::Spam).await
    }

    /// Tells the spam checker that a stored comment is not spam (Akismet's `submit-ham`).
    pub async fn report_ham(&self, id: CommentId) -> Result<(), Error> {
        self.report_comment(id, Report::Ham).await
    }

    async fn report_comment(&self, id: CommentId, report: Report) -> Result<(), Error> {
        let settings = self.settings().await;
        if !settings.spam_checker.enabled {
            return Ok(());
        }
        let comment = self.store().comment(id).await?.ok_or(Error::NotFound)?;
        let post = self.store().post(comment.post_id).await?.ok_or(Error::NotFound)?;
        let checked = CheckedComment {
            blog: format!("{}/", self.config().site_url()),
            user_ip: None,
            user_agent: None,
            referrer: None,
            permalink: format!("{}{}", self.config().site_url(), self.post_path(&post, &settings)),
            comment_type: if comment.parent_id.is_some() { "reply" } else { "comment" },
            comment_author: comment.author_name.clone(),
            comment_author_email: comment.author_email.clone(),
            comment_author_url: comment.author_url.clone(),
            comment_content: comment.markdown.clone(),
            comment_date_gmt: gmt(comment.created_at),
            blog_lang: settings.language.clone(),
        };
        self.spam_checker().report(&settings.spam_checker, &checked, report).await.map_err(|e| {
            tracing::warn!(error = %e, comment_id = %id, "could not report to the spam checker");
            Error::SpamChecker(e.to_string())
        })?;
        tracing::info!(comment_id = %id, report = ?report, status = %comment.status, "reported to the spam checker");
        Ok(())
    }
}

/// What a comment's status becomes after the checker's answer, with the reason kept for the
/// moderator; `None` means discard. The writer of a spam comment is told the same as a held one.
pub(crate) fn after_check(
    answer: Option<&Result<SpamVerdict, CheckError>>,
    status: CommentStatus,
    reason: Option<String>,
) -> Option<(CommentStatus, Option<String>)> {
    match answer {
        None | Some(Ok(SpamVerdict::Ham)) => Some((status, reason)),
        Some(Ok(SpamVerdict::Spam)) => Some((CommentStatus::Spam, Some("Marked as spam by the spam checker.".into()))),
        Some(Ok(SpamVerdict::Discard)) => None,
        Some(Err(_)) if status == CommentStatus::Approved => {
            Some((CommentStatus::Pending, Some("The spam checker could not be asked.".into())))
        }
        Some(Err(_)) => Some((status, reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_carries_akismets_field_names_and_leaves_out_unknowns() {
        let comment = CheckedComment {
            blog: "https://example.org/".into(),
            user_ip: Some("203.0.113.7".into()),
            comment_type: "reply",
            comment_author: "Ruth".into(),
            ..CheckedComment::default()
        };
        let form = comment.form("k3y");
        let get = |name: &str| form.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("api_key"), Some("k3y"));
        assert_eq!(get("user_ip"), Some("203.0.113.7"));
        assert_eq!(get("comment_type"), Some("reply"));
        assert_eq!(get("blog_charset"), Some("UTF-8"));
        assert_eq!(get("referrer"), None);
    }

    #[test]
    fn a_failed_check_never_approves_and_spam_is_kept_as_spam() {
        let failed: Result<SpamVerdict, CheckError> = Err(CheckError::Transport("timeout".into()));
        let status = after_check(Some(&failed), CommentStatus::Approved, None).map(|(s, _)| s);
        assert_eq!(status, Some(CommentStatus::Pending));
        let spam = Ok(SpamVerdict::Spam);
        assert_eq!(after_check(Some(&spam), CommentStatus::Approved, None).map(|(s, _)| s), Some(CommentStatus::Spam));
        assert_eq!(after_check(Some(&Ok(SpamVerdict::Discard)), CommentStatus::Pending, None), None);
        let ham = Ok(SpamVerdict::Ham);
        assert_eq!(
            after_check(Some(&ham), CommentStatus::Pending, Some("first".into())),
            Some((CommentStatus::Pending, Some("first".into())))
        );
    }

    #[test]
    fn the_api_key_stays_out_of_debug_output() {
        let settings = SpamCheckerSettings { api_key: "secret-key".into(), ..SpamCheckerSettings::default() };
        assert!(!format!("{settings:?}").contains("secret-key"));
    }
}
