//! The media library's admin side: listing, editing an item's words, recording the variants a
//! background job made, and finding the posts whose rendered HTML shows an item.

use quire_core::{Media, MediaId, MediaVariant, Page, Paged, PostId};

use crate::{NewMedia, Store, StoreError};

/// The words of a media item a writer edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaDetails {
    /// Alternative text.
    pub alt: String,
    /// Caption.
    pub caption: Option<String>,
    /// Credit line.
    pub credit: Option<String>,
    /// Licence.
    pub licence: Option<String>,
}

impl Store {
    /// Records an uploaded item and queues a job of `job_kind` (payload `{"media_id": id}`) in the
    /// same transaction, so an item is never left without its variants job.
    pub async fn create_media_with_job(&self, media: &NewMedia, job_kind: &str) -> Result<MediaId, StoreError> {
        dispatch!(self, s => s.create_media_with_job(media, job_kind).await)
    }

    /// One page of the library, newest first.
    pub async fn media_library(&self, page: Page) -> Result<Paged<Media>, StoreError> {
        dispatch!(self, s => s.media_library(page).await)
    }

    /// Replaces an item's alt text, caption, credit and licence; false when there is no such item.
    pub async fn update_media_details(&self, id: MediaId, details: &MediaDetails) -> Result<bool, StoreError> {
        dispatch!(self, s => s.update_media_details(id, details).await)
    }

    /// Records the resized copies of an item; false when there is no such item.
    pub async fn set_media_variants(&self, id: MediaId, variants: &[MediaVariant]) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_media_variants(id, variants).await)
    }

    /// Posts and pages (any status) whose Markdown mentions `media:ID`, with that Markdown; a
    /// superset (`media:1` also finds `media:12`), for the caller to check.
    pub async fn posts_mentioning_media(&self, id: MediaId) -> Result<Vec<(PostId, String)>, StoreError> {
        dispatch!(self, s => s.posts_mentioning_media(id).await)
    }

    /// Replaces the rendered HTML of a post (after what it shows changed); false when it is gone.
    pub async fn set_post_html(&self, id: PostId, html: &str) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_post_html(id, html).await)
    }
}
