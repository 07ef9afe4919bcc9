//! What the renderer knows about the media library: a lookup by id, implemented by the store over
//! a map it preloads (see [`crate::media_references`]), so rendering stays free of I/O.

use serde::{Deserialize, Serialize};

/// What the renderer needs to know about a media-library item referenced as `![](media:ID)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// Public URL of the original file.
    pub url: String,
    /// MIME type of the original, e.g. `image/jpeg`; `image/gif` keeps animations (no variants).
    pub mime: String,
    /// Intrinsic width of the original in pixels, when known.
    pub width: Option<u32>,
    /// Intrinsic height of the original in pixels, when known.
    pub height: Option<u32>,
    /// Alternative text from the library; an author's `![alt](media:ID)` overrides it.
    pub alt: String,
    /// Caption from the library; an author's image title overrides it.
    pub caption: Option<String>,
    /// Who made it, shown in small print after the caption.
    pub credit: Option<String>,
    /// Licence name, e.g. `CC BY 4.0`, shown after the credit.
    pub licence: Option<String>,
    /// Resized copies, offered to browsers through `srcset`.
    pub variants: Vec<MediaVariant>,
}

/// A resized copy of a media item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaVariant {
    /// Public URL of this copy.
    pub url: String,
    /// Its width in pixels (the `w` descriptor in `srcset`).
    pub width: u32,
    /// Its MIME type, e.g. `image/webp`.
    pub mime: String,
}

/// Looks media up by id; the store implements it over a preloaded map.
pub trait MediaLookup {
    /// The item with this id, or `None` when there is no such item.
    fn media(&self, id: i64) -> Option<MediaInfo>;
}

/// A media library with nothing in it: every `media:ID` renders as missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMedia;

impl MediaLookup for NoMedia {
    fn media(&self, _id: i64) -> Option<MediaInfo> {
        None
    }
}

impl<S: std::hash::BuildHasher> MediaLookup for std::collections::HashMap<i64, MediaInfo, S> {
    fn media(&self, id: i64) -> Option<MediaInfo> {
        self.get(&id).cloned()
    }
}

impl MediaLookup for std::collections::BTreeMap<i64, MediaInfo> {
    fn media(&self, id: i64) -> Option<MediaInfo> {
        self.get(&id).cloned()
    }
}
