//! Row structs as SQLite returns them, and their conversion into domain types.

use quire_core::{Comment, CommentId, Email, Media, MediaId, Post, PostId, Term, TermId, User, UserId};

use crate::StoreError;
use crate::timestamp::{from_db, opt_from_db};

fn parse<T: std::str::FromStr<Err = quire_core::ParseError>>(what: &str, s: &str) -> Result<T, StoreError> {
    s.parse().map_err(|e: quire_core::ParseError| StoreError::Corrupt(format!("{what}: {e}")))
}

fn dimension(v: Option<i64>) -> Option<u32> {
    v.and_then(|n| u32::try_from(n).ok())
}

/// The columns of `posts` selected by [`POST_COLUMNS`].
#[derive(sqlx::FromRow)]
pub(super) struct PostRow {
    id: i64,
    kind: String,
    status: String,
    slug: String,
    title: String,
    markdown: String,
    html: String,
    text: String,
    excerpt: Option<String>,
    content_warning: Option<String>,
    featured_media_id: Option<i64>,
    author_id: i64,
    published_at: Option<String>,
    created_at: String,
    updated_at: String,
    comment_status: String,
    word_count: i64,
    reviewed_item: Option<String>,
    password: Option<String>,
    sticky: bool,
}

/// Column list matching [`PostRow`], for `SELECT {POST_COLUMNS} FROM posts p`.
pub(super) const POST_COLUMNS: &str = "p.id, p.kind, p.status, p.slug, p.title, p.markdown, p.html, p.text, p.excerpt, \
    p.content_warning, p.featured_media_id, p.author_id, p.published_at, p.created_at, p.updated_at, \
    p.comment_status, p.word_count, p.reviewed_item, p.password, p.sticky";

impl TryFrom<PostRow> for Post {
    type Error = StoreError;
    fn try_from(r: PostRow) -> Result<Post, StoreError> {
        Ok(Post {
            id: PostId(r.id),
            kind: parse("post kind", &r.kind)?,
            status: parse("post status", &r.status)?,
            slug: r.slug,
            title: r.title,
            markdown: r.markdown,
            html: r.html,
            text: r.text,
            excerpt: r.excerpt,
            content_warning: r.content_warning,
            featured_media_id: r.featured_media_id.map(MediaId),
            author_id: UserId(r.author_id),
            published_at: opt_from_db(r.published_at.as_deref())?,
            created_at: from_db(&r.created_at)?,
            updated_at: from_db(&r.updated_at)?,
            discussion: parse("comment status", &r.comment_status)?,
            word_count: u32::try_from(r.word_count).unwrap_or(0),
            reviewed_item: r
                .reviewed_item
                .map(|json| serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("reviewed item: {e}"))))
                .transpose()?,
            password: r.password,
            sticky: r.sticky,
        })
    }
}

/// A row of `users`.
#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: i64,
    email: String,
    name: String,
    slug: String,
    role: String,
    bio: Option<String>,
    created_at: String,
}

/// Column list matching [`UserRow`].
pub(super) const USER_COLUMNS: &str = "id, email, name, slug, role, bio, created_at";

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            id: UserId(r.id),
            email: Email::parse(&r.email).map_err(|e| StoreError::Corrupt(format!("user email: {e}")))?,
            name: r.name,
            slug: r.slug,
            role: parse("role", &r.role)?,
            bio: r.bio,
            created_at: from_db(&r.created_at)?,
        })
    }
}

/// A row of `terms`.
#[derive(sqlx::FromRow)]
pub(super) struct TermRow {
    id: i64,
    kind: String,
    slug: String,
    name: String,
    parent_id: Option<i64>,
    description: Option<String>,
}

/// Column list matching [`TermRow`], for `FROM terms t`.
pub(super) const TERM_COLUMNS: &str = "t.id, t.kind, t.slug, t.name, t.parent_id, t.description";

impl TryFrom<TermRow> for Term {
    type Error = StoreError;
    fn try_from(r: TermRow) -> Result<Term, StoreError> {
        Ok(Term {
            id: TermId(r.id),
            kind: parse("term kind", &r.kind)?,
            slug: r.slug,
            name: r.name,
            parent_id: r.parent_id.map(TermId),
            description: r.description,
        })
    }
}

/// A row of `media`.
#[derive(sqlx::FromRow)]
pub(super) struct MediaRow {
    id: i64,
    storage_key: String,
    mime: String,
    bytes: i64,
    width: Option<i64>,
    height: Option<i64>,
    alt: String,
    caption: Option<String>,
    credit: Option<String>,
    licence: Option<String>,
    variants: String,
}

/// Column list matching [`MediaRow`].
pub(super) const MEDIA_COLUMNS: &str =
    "id, storage_key, mime, bytes, width, height, alt, caption, credit, licence, variants";

impl From<MediaRow> for Media {
    fn from(r: MediaRow) -> Media {
        Media {
            id: MediaId(r.id),
            storage_key: r.storage_key,
            mime: r.mime,
            bytes: r.bytes,
            width: dimension(r.width),
            height: dimension(r.height),
            alt: r.alt,
            caption: r.caption,
            credit: r.credit,
            licence: r.licence,
            // Written only by `set_media_variants`; anything unreadable counts as none made yet.
            variants: serde_json::from_str(&r.variants).unwrap_or_default(),
        }
    }
}

/// A row of `comments`.
#[derive(sqlx::FromRow)]
pub(super) struct CommentRow {
    id: i64,
    post_id: i64,
    parent_id: Option<i64>,
    path: String,
    author_name: String,
    author_email: Option<String>,
    author_url: Option<String>,
    user_id: Option<i64>,
    markdown: String,
    html: String,
    status: String,
    created_at: String,
    kind: String,
}

/// Column list matching [`CommentRow`].
pub(super) const COMMENT_COLUMNS: &str = "id, post_id, parent_id, path, author_name, author_email, author_url, user_id, markdown, html, status, created_at, kind";

impl TryFrom<CommentRow> for Comment {
    type Error = StoreError;
    fn try_from(r: CommentRow) -> Result<Comment, StoreError> {
        Ok(Comment {
            id: CommentId(r.id),
            post_id: PostId(r.post_id),
            parent_id: r.parent_id.map(CommentId),
            path: r.path,
            author_name: r.author_name,
            author_email: r.author_email,
            author_url: r.author_url,
            user_id: r.user_id.map(UserId),
            markdown: r.markdown,
            html: r.html,
            status: parse("comment status", &r.status)?,
            created_at: from_db(&r.created_at)?,
            kind: parse("comment kind", &r.kind)?,
        })
    }
}

/// Converts a list of rows, failing on the first corrupt one.
pub(super) fn convert<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(T::try_from).collect()
}
