//! The editor form as the writer sends it ([`EditorInput`], plain strings as typed) and as it is
//! shown again ([`EditorView`]): on open, after a refused save with the text kept, or restored
//! from an autosave. Versions travel as microseconds since the epoch of the post's `updated_at`.

use quire_core::{Discussion, Post, PostKind, PostStatus, Term, TermKind};
use serde::Serialize;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::EditError;

/// Which button the writer pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Intent {
    /// Save, keeping the status (a new post becomes a draft).
    #[default]
    Save,
    /// Submit for review (pending): what contributors do instead of publishing.
    Submit,
    /// Publish now.
    Publish,
    /// Publish later, at `publish_at`.
    Schedule,
    /// Back to draft.
    Unpublish,
}

impl Intent {
    /// The intent named by the button's value; anything unknown is a plain save.
    pub fn parse(value: &str) -> Intent {
        match value {
            "submit" => Intent::Submit,
            "publish" => Intent::Publish,
            "schedule" => Intent::Schedule,
            "unpublish" => Intent::Unpublish,
            _ => Intent::Save,
        }
    }

    /// The button's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Save => "save",
            Intent::Submit => "submit",
            Intent::Publish => "publish",
            Intent::Schedule => "schedule",
            Intent::Unpublish => "unpublish",
        }
    }
}

/// The editor form, field by field as typed.
#[derive(Debug, Clone, Default)]
pub struct EditorInput {
    /// Title.
    pub title: String,
    /// Slug; empty to make one from the title.
    pub slug: String,
    /// Markdown body.
    pub markdown: String,
    /// Excerpt.
    pub excerpt: String,
    /// Tags, comma-separated (new ones are created).
    pub tags: String,
    /// Categories, comma-separated (new ones are created).
    pub categories: String,
    /// Featured image: a media id (or `media:ID`), or empty.
    pub featured_media: String,
    /// Content warning.
    pub content_warning: String,
    /// Whether comments are open.
    pub comments_open: bool,
    /// When to publish a scheduled post: `YYYY-MM-DDTHH:MM` in UTC (an `<input type=datetime-local>`).
    pub publish_at: String,
    /// The version the post was opened at (empty for a new post).
    pub version: String,
    /// The button pressed.
    pub intent: Intent,
}

impl EditorInput {
    /// The scheduled time typed, if any.
    pub fn publish_time(&self) -> Result<Option<OffsetDateTime>, EditError> {
        let typed = self.publish_at.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
        let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        PrimitiveDateTime::parse(typed, &minutes)
            .or_else(|_| PrimitiveDateTime::parse(typed, &seconds))
            .map(|t| Some(t.assume_utc()))
            .map_err(|_| EditError::Invalid(format!("“{typed}” is not a date and time like 2030-01-31T09:30.")))
    }

    /// The version the writer opened the post at.
    pub fn opened_version(&self) -> Result<OffsetDateTime, EditError> {
        parse_version(&self.version).ok_or_else(|| {
            EditError::Invalid(
                "This form does not say which version of the post it was opened at; reload the editor.".into(),
            )
        })
    }
}

/// A post's `updated_at` as the version string the editor carries.
pub fn version_of(at: OffsetDateTime) -> String {
    (at.unix_timestamp_nanos() / 1000).to_string()
}

/// The time a version string stands for.
pub fn parse_version(version: &str) -> Option<OffsetDateTime> {
    let micros: i128 = version.trim().parse().ok()?;
    OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()
}

/// A time as an `<input type=datetime-local>` value, in UTC.
fn local_input(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

/// The editor as the template shows it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct EditorView {
    /// The post's id (none before the first save).
    pub id: Option<i64>,
    /// "post" or "page".
    pub kind: String,
    /// Its status now ("draft" before the first save).
    pub status: String,
    /// Title.
    pub title: String,
    /// Slug.
    pub slug: String,
    /// Markdown body.
    pub markdown: String,
    /// Excerpt.
    pub excerpt: String,
    /// Tags, comma-separated.
    pub tags: String,
    /// Categories, comma-separated.
    pub categories: String,
    /// Featured media id, or empty.
    pub featured_media: String,
    /// Content warning.
    pub content_warning: String,
    /// Whether comments are open.
    pub comments_open: bool,
    /// Scheduled (or publication) time for the datetime field, UTC.
    pub publish_at: String,
    /// The version the form carries.
    pub version: String,
    /// The post's last save in milliseconds since the epoch (0 for a new post), for the script to
    /// compare with what it kept in the browser.
    pub updated_ms: i64,
    /// Private preview link, for posts not public yet.
    pub preview_url: Option<String>,
    /// Where readers find it, once published.
    pub public_url: Option<String>,
    /// A newer autosave of this writer's, offered for restoring.
    pub autosave: Option<AutosaveOffer>,
}

/// An autosave the editor offers to bring back.
#[derive(Debug, Clone, Serialize)]
pub struct AutosaveOffer {
    /// When it was made, RFC 3339.
    pub saved_iso: String,
    /// Title it holds.
    pub title: String,
}

impl EditorView {
    /// A blank editor for a new post or page.
    pub fn blank(kind: PostKind) -> EditorView {
        EditorView {
            kind: kind.as_str().into(),
            status: PostStatus::Draft.as_str().into(),
            comments_open: true,
            ..Default::default()
        }
    }

    /// The editor showing a stored post with its terms.
    pub fn of_post(post: &Post, terms: &[Term]) -> EditorView {
        let names = |kind: TermKind| {
            terms.iter().filter(|t| t.kind == kind).map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
        };
        EditorView {
            id: Some(post.id.0),
            kind: post.kind.as_str().into(),
            status: post.status.as_str().into(),
            title: post.title.clone(),
            slug: post.slug.clone(),
            markdown: post.markdown.clone(),
            excerpt: post.excerpt.clone().unwrap_or_default(),
            tags: names(TermKind::Tag),
            categories: names(TermKind::Category),
            featured_media: post.featured_media_id.map(|m| m.0.to_string()).unwrap_or_default(),
            content_warning: post.content_warning.clone().unwrap_or_default(),
            comments_open: post.discussion == Discussion::Open,
            publish_at: post.published_at.map(local_input).unwrap_or_default(),
            version: version_of(post.updated_at),
            updated_ms: i64::try_from(post.updated_at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
            preview_url: None,
            public_url: None,
            autosave: None,
        }
    }

    /// The editor showing what the writer typed over `self` (a refused save keeps their text).
    pub fn with_input(mut self, input: &EditorInput) -> EditorView {
        self.title = input.title.clone();
        self.slug = input.slug.clone();
        self.markdown = input.markdown.clone();
        self.excerpt = input.excerpt.clone();
        self.tags = input.tags.clone();
        self.categories = input.categories.clone();
        self.featured_media = input.featured_media.clone();
        self.content_warning = input.content_warning.clone();
        self.comments_open = input.comments_open;
        self.publish_at = input.publish_at.clone();
        if !input.version.is_empty() {
            self.version = input.version.clone();
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_to_the_microsecond() {
        let at =
            OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(parse_version(&version_of(at)), Some(at));
        assert_eq!(parse_version("not a number"), None);
    }

    #[test]
    fn scheduled_times_are_read_as_utc_with_or_without_seconds() {
        let input = EditorInput { publish_at: "2030-01-31T09:30".into(), ..Default::default() };
        let at = input.publish_time().ok().flatten().map(local_input);
        assert_eq!(at.as_deref(), Some("2030-01-31T09:30"));
        let bad = EditorInput { publish_at: "tomorrow".into(), ..Default::default() };
        assert!(bad.publish_time().is_err());
    }
}
