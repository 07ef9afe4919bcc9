//! Posts and pages, the terms that classify them and the media they show.

use serde::Serialize;
use time::OffsetDateTime;

use crate::{MediaId, ParseError, PostId, TermId, UserId};

/// Defines a string-backed enum with `as_str` and `FromStr`, so states never travel as bare strings.
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable lowercase name used in storage, URLs and the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                match s { $($text => Ok($name::$variant),)+
                    _ => Err(ParseError(format!(
                        "{s:?} is not one of: {}",
                        [$($text),+].join(", ")
                    ))) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Posts appear in the stream and feeds; pages stand alone at `/slug/`.
    PostKind {
        /// A dated entry of the stream.
        Post => "post",
        /// A standalone page.
        Page => "page",
    }
);

string_enum!(
    /// Where a post is in its life.
    PostStatus {
        /// Being written; only staff see it.
        Draft => "draft",
        /// Written by a contributor, waiting for an editor.
        Pending => "pending",
        /// Will be published at `published_at`.
        Scheduled => "scheduled",
        /// Public (once `published_at` has passed).
        Published => "published",
        /// Visible to signed-in staff only.
        Private => "private",
        /// Deleted but restorable.
        Trash => "trash",
    }
);

string_enum!(
    /// Whether readers may comment on a post.
    Discussion {
        /// Readers may comment.
        Open => "open",
        /// The form is gone; existing comments stay.
        Closed => "closed",
    }
);

string_enum!(
    /// The two taxonomies: hierarchical categories and flat tags.
    TermKind {
        /// Hierarchical sections.
        Category => "category",
        /// Flat keywords.
        Tag => "tag",
    }
);

impl PostKind {
    /// The permalink of a post depends on the site's pattern; a page is always `/slug/`.
    pub fn is_page(self) -> bool {
        self == PostKind::Page
    }
}

impl TermKind {
    /// The first segment of the term's archive URL, as WordPress spells it.
    pub fn url_base(self) -> &'static str {
        match self {
            TermKind::Category => "category",
            TermKind::Tag => "tag",
        }
    }
}

/// A post or a page as stored: source, rendered HTML and the facts around them.
#[derive(Debug, Clone, Serialize)]
pub struct Post {
    /// Its id.
    pub id: PostId,
    /// Post or page.
    pub kind: PostKind,
    /// Life-cycle state.
    pub status: PostStatus,
    /// URL slug, unique per kind.
    pub slug: String,
    /// Title as written (plain text).
    pub title: String,
    /// Markdown source in Quire's dialect.
    pub markdown: String,
    /// Sanitised HTML rendered from `markdown`.
    pub html: String,
    /// Plain text of the body, for search and excerpts.
    pub text: String,
    /// Hand-written excerpt, if any (plain text).
    pub excerpt: Option<String>,
    /// Warning shown above the post and leading its feed entries ("This post contains spoilers!").
    pub content_warning: Option<String>,
    /// Image shown in cards and social previews.
    pub featured_media_id: Option<MediaId>,
    /// The writer.
    pub author_id: UserId,
    /// When it went (or goes) public.
    pub published_at: Option<OffsetDateTime>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last saved.
    pub updated_at: OffsetDateTime,
    /// Whether comments are open.
    pub discussion: Discussion,
    /// Words in the body, for reading time.
    pub word_count: u32,
    /// The work the post reviews, if it is a review.
    pub reviewed_item: Option<ReviewedItem>,
    /// Readers must give this password to read it (WordPress's protected posts); never shown.
    #[serde(skip)]
    pub password: Option<String>,
    /// Kept at the top of the home page.
    pub sticky: bool,
}

/// A creative work a post reviews (schema.org `Review.itemReviewed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ReviewedItem {
    /// schema.org type: "Book", "Movie", …
    pub kind: String,
    /// Title of the work.
    pub name: String,
    /// Its author or director.
    pub author: Option<String>,
    /// Year it appeared.
    pub year: Option<i32>,
}

impl Post {
    /// Whether anonymous readers may see it at `now`.
    pub fn is_public_at(&self, now: OffsetDateTime) -> bool {
        self.status == PostStatus::Published && self.published_at.is_some_and(|at| at <= now)
    }
}

/// A category or tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    /// Its id.
    pub id: TermId,
    /// Category or tag.
    pub kind: TermKind,
    /// URL slug, unique per kind.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Parent category (tags have none).
    pub parent_id: Option<TermId>,
    /// Optional description shown on the archive page.
    pub description: Option<String>,
}

impl Term {
    /// Path of the term's archive, e.g. `/tag/ishiguro/`.
    pub fn path(&self) -> String {
        format!("/{}/{}/", self.kind.url_base(), self.slug)
    }
}

/// An item of the media library.
#[derive(Debug, Clone, Serialize)]
pub struct Media {
    /// Its id.
    pub id: MediaId,
    /// Key in the media store (a relative path for the local directory).
    pub storage_key: String,
    /// Sniffed MIME type.
    pub mime: String,
    /// Size of the original in bytes.
    pub bytes: i64,
    /// Pixel width, when known.
    pub width: Option<u32>,
    /// Pixel height, when known.
    pub height: Option<u32>,
    /// Alternative text for readers who cannot see it.
    pub alt: String,
    /// Caption shown under the figure.
    pub caption: Option<String>,
    /// Who made it ("Photo credit: …").
    pub credit: Option<String>,
    /// Licence, e.g. "CC BY 4.0".
    pub licence: Option<String>,
    /// Resized copies made by a background job; empty until it ran (and for animations).
    pub variants: Vec<MediaVariant>,
}

/// A resized copy of a media item, for `srcset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MediaVariant {
    /// Key in the media store.
    pub storage_key: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// MIME type, e.g. `image/webp`.
    pub mime: String,
    /// Size in bytes.
    pub bytes: i64,
}

impl MediaVariant {
    /// Public path of this copy.
    pub fn path(&self) -> String {
        format!("/media/{}", self.storage_key)
    }
}

impl Media {
    /// Public path of the original file.
    pub fn path(&self) -> String {
        format!("/media/{}", self.storage_key)
    }
}
