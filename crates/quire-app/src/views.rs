//! View models: what templates and feeds are given. Plain serialisable data, built by
//! [`crate::reading`]; every URL here is a path unless its name says `absolute`.

use serde::Serialize;

/// A link with its text.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    /// Link text.
    pub title: String,
    /// Path.
    pub url: String,
}

/// The site as every page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    /// Site title.
    pub title: String,
    /// Tagline.
    pub tagline: String,
    /// Content language.
    pub language: String,
    /// Absolute base URL without trailing slash.
    pub url: String,
    /// Public pages for the navigation.
    pub pages: Vec<LinkView>,
    /// Months with posts, for archive navigation.
    pub months: Vec<MonthView>,
}

/// A month archive link.
#[derive(Debug, Clone, Serialize)]
pub struct MonthView {
    /// "January 2020".
    pub title: String,
    /// `/2020/01/`.
    pub url: String,
    /// Posts in it.
    pub count: u64,
}

/// A category or tag.
#[derive(Debug, Clone, Serialize)]
pub struct TermView {
    /// Display name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Archive path.
    pub url: String,
}

/// A post's author.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorView {
    /// Display name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Archive path.
    pub url: String,
}

/// An image as shown in cards and social previews.
#[derive(Debug, Clone, Serialize)]
pub struct MediaView {
    /// Path of the file.
    pub url: String,
    /// Pixel width.
    pub width: Option<u32>,
    /// Pixel height.
    pub height: Option<u32>,
    /// Alternative text.
    pub alt: String,
    /// MIME type.
    pub mime: String,
}

/// A post or page, for lists and for its own page.
#[derive(Debug, Clone, Serialize)]
pub struct PostView {
    /// Id.
    pub id: i64,
    /// "post" or "page".
    pub kind: String,
    /// Title.
    pub title: String,
    /// Slug.
    pub slug: String,
    /// Path.
    pub url: String,
    /// Absolute URL.
    pub absolute_url: String,
    /// Publication time, RFC 3339.
    pub published_iso: String,
    /// Publication date for people ("January 1, 2020").
    pub published_display: String,
    /// Last update, RFC 3339.
    pub updated_iso: String,
    /// Writer.
    pub author: AuthorView,
    /// Plain-text excerpt (hand-written or cut from the body); never reveals past the warning.
    pub excerpt: String,
    /// Sanitised body HTML.
    pub html: String,
    /// Content warning, shown as a banner.
    pub content_warning: Option<String>,
    /// Minutes to read.
    pub reading_minutes: u32,
    /// Words.
    pub word_count: u32,
    /// Tags.
    pub tags: Vec<TermView>,
    /// Categories.
    pub categories: Vec<TermView>,
    /// Approved comments.
    pub comment_count: u64,
    /// Whether readers may comment.
    pub comments_open: bool,
    /// Featured image, if any.
    pub featured: Option<MediaView>,
    /// The work reviewed, if the post is a review.
    pub reviewed_item: Option<quire_core::ReviewedItem>,
}

/// An approved comment in its thread.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    /// Id.
    pub id: i64,
    /// Avatar image: an identicon from this site, or Gravatar when the site enables it.
    pub avatar_url: String,
    /// Fragment id, `comment-N`.
    pub anchor: String,
    /// Parent comment id.
    pub parent_id: Option<i64>,
    /// Nesting depth, 0 at the top.
    pub depth: usize,
    /// Commenter's name.
    pub author_name: String,
    /// Commenter's website (validated http(s)).
    pub author_url: Option<String>,
    /// Posted, RFC 3339.
    pub created_iso: String,
    /// Posted, for people ("January 2, 2020 at 9:37 am").
    pub created_display: String,
    /// Sanitised HTML.
    pub html: String,
    /// Written by the post's author.
    pub by_post_author: bool,
    /// Held for moderation (shown only to its own author).
    pub pending: bool,
    /// The reader wrote it in this browser and may still edit or delete it (never in cached pages).
    pub editable: bool,
    /// Thread position, for merging a guest's own pending comments into the thread.
    #[serde(skip)]
    pub path: String,
}

/// The "Leave a Reply" form as a page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CommentFormView {
    /// Where it posts.
    pub action: String,
    /// The post's id.
    pub post_id: i64,
    /// Signed, time-stamped token; a placeholder in cached pages, replaced per request.
    pub token: String,
    /// The comment being replied to.
    pub reply_to: Option<ReplyTarget>,
    /// What the reader typed (kept when a submission is refused).
    pub values: CommentFormValues,
    /// Messages per field name (`comment`, `author`, `email`, `url`).
    pub errors: std::collections::BTreeMap<String, String>,
    /// A message about the whole form (refusals, rate limits).
    pub message: Option<String>,
    /// The remembered guest ("You are commenting as …").
    pub guest: Option<GuestView>,
    /// Whether an email address is required.
    pub require_email: bool,
    /// "Under attack" mode: the leading zero bits `pow.js` must find before the form is sent; `0`
    /// when the mode is off.
    pub proof_of_work_bits: u32,
}

/// The comment a reply answers.
#[derive(Debug, Clone, Serialize)]
pub struct ReplyTarget {
    /// Its id.
    pub id: i64,
    /// Its author's name.
    pub name: String,
}

/// The form's fields as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CommentFormValues {
    /// Comment text.
    pub comment: String,
    /// Name.
    pub author: String,
    /// Email.
    pub email: String,
    /// Website.
    pub url: String,
    /// "Notify me".
    pub notify: bool,
    /// "Save my name…".
    pub remember: bool,
}

/// A remembered guest.
#[derive(Debug, Clone, Serialize)]
pub struct GuestView {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Website.
    pub url: String,
}

/// Links between pages of a list.
#[derive(Debug, Clone, Serialize)]
pub struct PaginationView {
    /// Current page, one-based.
    pub number: u32,
    /// Number of pages.
    pub total_pages: u32,
    /// Items across all pages.
    pub total_items: u64,
    /// Path of the newer page.
    pub previous_url: Option<String>,
    /// Path of the older page.
    pub next_url: Option<String>,
}

/// A single post or page with everything around it.
#[derive(Debug, Clone, Serialize)]
pub struct PostPage {
    /// The post.
    pub post: PostView,
    /// Older neighbour.
    pub previous: Option<LinkView>,
    /// Newer neighbour.
    pub next: Option<LinkView>,
    /// Approved comments in thread order (the threads of this comment page).
    pub comments: Vec<CommentView>,
    /// Links between comment pages, when the threads fill more than one.
    pub comment_pagination: Option<PaginationView>,
    /// Whether this is the last comment page (where a reader's own new thread appears).
    pub last_comment_page: bool,
    /// Alternate feed of this post's comments (absolute).
    pub comments_feed_url: String,
    /// The comment form, when comments are open.
    pub form: Option<CommentFormView>,
}

impl PostPage {
    /// Whether a comment that is not in the approved threads (a reader's own pending one) belongs
    /// on this comment page: a reply under a thread shown here, or a new thread on the last page.
    pub fn places(&self, comment: &CommentView) -> bool {
        let root = comment.path.split('.').next().unwrap_or_default();
        let root_shown = self.comments.iter().any(|c| c.depth == 0 && c.path == root);
        root_shown || (root == comment.path && self.last_comment_page)
    }
}

/// What a list shows: home, archives, search.
#[derive(Debug, Clone, Serialize)]
pub struct ListPage {
    /// "home", "category", "tag", "author", "date", "search".
    pub kind: String,
    /// Heading, e.g. "Tag: Ishiguro".
    pub heading: Option<String>,
    /// Term or author description.
    pub description: Option<String>,
    /// The posts on this page.
    pub posts: Vec<PostView>,
    /// Highlighted snippets (search only), aligned with `posts`.
    pub snippets: Vec<String>,
    /// Pagination.
    pub pagination: PaginationView,
    /// Path of the list's first page.
    pub base_url: String,
    /// Feed of the list, if it has one (absolute).
    pub feed_url: Option<String>,
    /// The reader's query (search only).
    pub query: Option<String>,
}

/// A feed before serialisation into RSS, Atom or JSON Feed.
#[derive(Debug, Clone, Serialize)]
pub struct FeedView {
    /// Feed title.
    pub title: String,
    /// Feed description.
    pub description: String,
    /// Absolute URL of the HTML page it mirrors.
    pub home_url: String,
    /// Absolute URL of this feed's RSS form (the others derive from the route).
    pub self_url: String,
    /// Newest change, RFC 3339.
    pub updated_iso: String,
    /// Language.
    pub language: String,
    /// Entries, newest first.
    pub items: Vec<FeedItem>,
}

/// One entry of a feed.
#[derive(Debug, Clone, Serialize)]
pub struct FeedItem {
    /// Stable id (the absolute permalink).
    pub id: String,
    /// Title.
    pub title: String,
    /// Absolute link.
    pub url: String,
    /// Full HTML content with absolute URLs; a content warning leads it.
    pub html: String,
    /// Plain-text summary.
    pub summary: String,
    /// Author's name.
    pub author: String,
    /// Published, RFC 3339.
    pub published_iso: String,
    /// Updated, RFC 3339.
    pub updated_iso: String,
    /// Categories and tags.
    pub categories: Vec<String>,
}

/// One URL of the sitemap.
#[derive(Debug, Clone, Serialize)]
pub struct SitemapEntry {
    /// Absolute URL.
    pub url: String,
    /// Last change, RFC 3339.
    pub lastmod: String,
}
