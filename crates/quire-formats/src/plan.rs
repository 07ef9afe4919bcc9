//! The import plan: what a source file holds, item by item, in Quire's words, each with the line
//! it starts on so that a report can point at it. Parsers yield these; `quire-app` stores them.

use quire_core::{CommentKind, CommentStatus, Discussion, PostKind, PostStatus, TermKind};
use serde::Serialize;
use time::OffsetDateTime;

/// One item of a source, with where it starts.
#[derive(Debug, Clone, Serialize)]
pub struct Located<T> {
    /// 1-based line of the item's first tag (or object) in the source.
    pub line: u64,
    /// The item.
    pub item: T,
}

/// An item of an import plan.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// Facts about the site the file came from (always first).
    Site(Site),
    /// A writer.
    Author(Author),
    /// A category or tag.
    Term(TermItem),
    /// A post or page with its comments.
    Post(Box<PostItem>),
    /// A media file.
    Attachment(Attachment),
    /// Something the source has that Quire does not import (menus, custom post types), named so
    /// the report can list it.
    Unsupported {
        /// What it is, e.g. `nav_menu_item`.
        what: String,
        /// Its title or id.
        name: String,
    },
}

/// The site an export came from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Site {
    /// Its title.
    pub title: String,
    /// Its address, e.g. `https://example.com` (no trailing slash); old permalinks are relative to it.
    pub url: String,
    /// Format version as the file states it, e.g. `1.2` for WXR.
    pub version: String,
}

/// A writer of the source site.
#[derive(Debug, Clone, Serialize)]
pub struct Author {
    /// Id at the source (WordPress: the login).
    pub source_id: String,
    /// Login or slug.
    pub login: String,
    /// Email address, when the export has one.
    pub email: Option<String>,
    /// Name shown on posts.
    pub display_name: String,
    /// Short biography.
    pub bio: Option<String>,
}

/// A category or tag.
#[derive(Debug, Clone, Serialize)]
pub struct TermItem {
    /// Id at the source (term id, else slug).
    pub source_id: String,
    /// Category or tag.
    pub kind: TermKind,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Slug of the parent category.
    pub parent_slug: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// A post or a page, its body still in the source's HTML.
#[derive(Debug, Clone, Serialize)]
pub struct PostItem {
    /// Id at the source.
    pub source_id: String,
    /// Post or page.
    pub kind: PostKind,
    /// Status in Quire's words (`future` → scheduled, `publish` → published…).
    pub status: PostStatus,
    /// Title (plain text).
    pub title: String,
    /// Slug (may be empty: made from the title).
    pub slug: String,
    /// Author's source id (WordPress: login).
    pub author: Option<String>,
    /// Publication time, in UTC.
    pub published_at: Option<OffsetDateTime>,
    /// Last change, in UTC.
    pub modified_at: Option<OffsetDateTime>,
    /// Hand-written excerpt (HTML stripped to text by the importer).
    pub excerpt: Option<String>,
    /// The body as the source has it.
    pub html: String,
    /// Old public address (absolute or path), answered with a 301 after the import.
    pub link: Option<String>,
    /// Other old addresses (e.g. `?p=123` guids).
    pub aliases: Vec<String>,
    /// Kept at the top of the home page.
    pub sticky: bool,
    /// Password of a protected post.
    pub password: Option<String>,
    /// Comments open or closed.
    pub discussion: Discussion,
    /// Categories as (slug, name).
    pub categories: Vec<(String, String)>,
    /// Tags as (slug, name).
    pub tags: Vec<(String, String)>,
    /// Source id of the featured image's attachment.
    pub featured_media: Option<String>,
    /// Featured image by URL (Ghost), with its caption and alt text.
    pub featured_image: Option<FeaturedImage>,
    /// Comments, in source order.
    pub comments: Vec<Located<CommentItem>>,
}

/// A featured image given by address.
#[derive(Debug, Clone, Serialize)]
pub struct FeaturedImage {
    /// Where it is.
    pub url: String,
    /// Alternative text.
    pub alt: Option<String>,
    /// Caption (HTML).
    pub caption: Option<String>,
}

/// A comment, pingback or trackback.
#[derive(Debug, Clone, Serialize)]
pub struct CommentItem {
    /// Id at the source.
    pub source_id: String,
    /// Source id of the comment it replies to.
    pub parent: Option<String>,
    /// Commenter's name.
    pub author_name: String,
    /// Commenter's email.
    pub author_email: Option<String>,
    /// Commenter's website.
    pub author_url: Option<String>,
    /// Posted, in UTC.
    pub created_at: Option<OffsetDateTime>,
    /// The text as the source has it (HTML).
    pub html: String,
    /// Moderation state.
    pub status: CommentStatus,
    /// Comment, pingback or trackback.
    pub kind: CommentKind,
}

/// A media file of the source.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    /// Id at the source.
    pub source_id: String,
    /// Where the original is.
    pub url: String,
    /// Path relative to the uploads directory (WordPress `_wp_attached_file`), to find it in `--media-dir`.
    pub file: Option<String>,
    /// Title.
    pub title: String,
    /// Alternative text.
    pub alt: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Source id of the post it was uploaded to.
    pub parent: Option<String>,
    /// Place among the post's attachments (WordPress `menu_order`): a `[gallery]` without ids
    /// shows them in this order, then by id.
    pub menu_order: i64,
    /// Uploader's source id.
    pub author: Option<String>,
}
