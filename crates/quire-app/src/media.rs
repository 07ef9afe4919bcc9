//! The media library: uploads checked and cleaned by `quire-media` and kept in its object store
//! (a local directory or S3-compatible storage), files served by storage key (originals and
//! their variants, nothing else), the writer's words about each item, and the background job
//! that makes responsive variants and re-renders the posts that show the item.

use bytes::Bytes;
use quire_core::{Media, MediaId, MediaVariant, Page, Paged, UserId};
use quire_media::{Format, MediaError, MediaStorage};
use quire_store::{MediaDetails, NewMedia};
use time::OffsetDateTime;

use crate::{App, Error};

pub use quire_media::is_valid_key;

/// Kind of the job that makes an item's variants.
pub const VARIANTS_JOB: &str = "media.variants";
/// Longest alt text, caption, credit or licence accepted.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// A media file ready to send.
pub struct MediaFile {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Its MIME type, as recorded at upload (sniffed, never the browser's word).
    pub mime: String,
}

/// A file a writer sends to the library, with their words about it.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// The bytes as received (their name and declared type are not trusted, so not kept).
    pub bytes: Vec<u8>,
    /// Alternative text (may be empty until the writer fills it in; required to insert).
    pub alt: String,
    /// Caption.
    pub caption: Option<String>,
    /// Credit line.
    pub credit: Option<String>,
    /// Licence.
    pub licence: Option<String>,
}

impl From<MediaError> for Error {
    fn from(e: MediaError) -> Self {
        if e.is_about_the_file() { Error::Invalid(e.to_string()) } else { Error::MediaStorage(e.to_string()) }
    }
}

/// Trimmed text, `None` when blank; refused past [`MAX_TEXT_CHARS`].
fn optional(what: &str, text: Option<String>) -> Result<Option<String>, Error> {
    let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS) {
        return Err(Error::Invalid(format!("The {what} is longer than {MAX_TEXT_CHARS} characters.")));
    }
    Ok(text)
}

/// The writer's words, checked.
pub fn details(
    alt: String,
    caption: Option<String>,
    credit: Option<String>,
    licence: Option<String>,
) -> Result<MediaDetails, Error> {
    Ok(MediaDetails {
        alt: optional("alt text", Some(alt))?.unwrap_or_default(),
        caption: optional("caption", caption)?,
        credit: optional("credit", credit)?,
        licence: optional("licence", licence)?,
    })
}

/// The Markdown that places an item in a post. Refused while the item has no alt text: readers
/// who cannot see the image must be told what it shows.
pub fn insert_markdown(media: &Media) -> Result<String, Error> {
    if media.alt.trim().is_empty() {
        return Err(Error::Invalid("Add alt text before inserting this image: describe what it shows.".into()));
    }
    Ok(format!("![](media:{})", media.id))
}

/// `uploads/YYYY/MM/<random>.<ext>`: unguessable, and free of anything the uploader named.
fn new_key(format: Format) -> String {
    let now = OffsetDateTime::now_utc();
    format!(
        "uploads/{:04}/{:02}/{:016x}.{}",
        now.year(),
        u8::from(now.month()),
        rand::random::<u64>(),
        format.extension()
    )
}

/// Key of a variant: the original's key, then `.<width>w.<ext>`.
fn variant_key(original: &str, width: u32, format: Format) -> String {
    format!("{original}.{width}w.{}", format.extension())
}

/// For a variant key, the key of its original.
fn original_of(key: &str) -> Option<&str> {
    let (rest, _ext) = key.rsplit_once('.')?;
    let (original, width) = rest.rsplit_once('.')?;
    let digits = width.strip_suffix('w')?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(original)
}

impl App {
    /// The object store holding the library's files.
    pub fn media_storage(&self) -> &MediaStorage {
        &self.inner.media
    }

    /// Stores the bytes of a media file under `key` (imports and the demo; uploads go through
    /// [`App::upload_media`]).
    pub async fn put_media_file(&self, key: &str, bytes: &[u8]) -> Result<(), Error> {
        if !is_valid_key(key) {
            return Err(Error::Invalid(format!("bad media key {key:?}")));
        }
        Ok(self.media_storage().put(key, Bytes::copy_from_slice(bytes)).await?)
    }

    /// A file of the library by storage key: an original or one of its variants. Keys the
    /// library does not list are not found, whatever the store holds.
    pub async fn media_file(&self, key: &str) -> Result<MediaFile, Error> {
        if !is_valid_key(key) {
            return Err(Error::NotFound);
        }
        let mime = match self.store().media_by_key(key).await? {
            Some(media) => media.mime,
            None => {
                let original = original_of(key).ok_or(Error::NotFound)?;
                let media = self.store().media_by_key(original).await?.ok_or(Error::NotFound)?;
                media.variants.into_iter().find(|v| v.storage_key == key).ok_or(Error::NotFound)?.mime
            }
        };
        let bytes = self.media_storage().get(key).await?.ok_or(Error::NotFound)?;
        Ok(MediaFile { bytes: bytes.to_vec(), mime })
    }

    /// Checks an upload (type from its bytes, size, pixels, whole file), stores a clean copy
    /// (upright, no metadata) and queues its variants. Refusals are [`Error::Invalid`] with a
    /// message for the writer.
    pub async fn upload_media(&self, uploader: UserId, upload: Upload) -> Result<MediaId, Error> {
        let details = details(upload.alt, upload.caption, upload.credit, upload.licence)?;
        let limits = self.config().media.limits();
        let bytes = upload.bytes;
        let prepared = tokio::task::spawn_blocking(move || quire_media::prepare(&bytes, &limits))
            .await
            .map_err(|e| Error::MediaStorage(format!("upload processing stopped: {e}")))??;
        let key = new_key(prepared.format);
        let size = i64::try_from(prepared.bytes.len()).unwrap_or(i64::MAX);
        self.media_storage().put(&key, Bytes::from(prepared.bytes)).await?;
        let media = NewMedia {
            storage_key: key.clone(),
            mime: prepared.format.mime().into(),
            bytes: size,
            width: Some(prepared.width),
            height: Some(prepared.height),
            alt: details.alt,
            caption: details.caption,
            credit: details.credit,
            licence: details.licence,
            uploaded_by: Some(uploader),
        };
        let id = match self.store().create_media_with_job(&media, VARIANTS_JOB).await {
            Ok(id) => id,
            Err(e) => {
                // Nothing refers to the file yet: do not leave it behind.
                let _ = self.media_storage().delete(&key).await;
                return Err(e.into());
            }
        };
        tracing::info!(media_id = %id, key = %key, bytes = size, animated = prepared.animated, "media uploaded");
        self.wake_media_worker();
        self.refresh().await?;
        Ok(id)
    }

    /// One item of the library.
    pub async fn media_item(&self, id: MediaId) -> Result<Media, Error> {
        self.store().media_by_ids(&[id]).await?.into_iter().next().ok_or(Error::NotFound)
    }

    /// One page of the library, newest first.
    pub async fn media_library(&self, page: Page) -> Result<Paged<Media>, Error> {
        Ok(self.store().media_library(page).await?)
    }

    /// Changes an item's alt text, caption, credit and licence, and the posts that show it.
    pub async fn update_media_details(&self, id: MediaId, details: MediaDetails) -> Result<(), Error> {
        if !self.store().update_media_details(id, &details).await? {
            return Err(Error::NotFound);
        }
        self.rerender_posts_showing(id).await?;
        self.refresh().await?;
        Ok(())
    }

    /// Re-renders the posts whose Markdown shows `id`, so their figures carry its current
    /// words and variants (posts are rendered once, when saved).
    async fn rerender_posts_showing(&self, id: MediaId) -> Result<(), Error> {
        for (post, markdown) in self.store().posts_mentioning_media(id).await? {
            if !crate::publishing::referenced_media(&markdown).contains(&id) {
                continue;
            }
            let rendered = self.render_markdown(&markdown).await?;
            self.store().set_post_html(post, &rendered.html).await?;
        }
        Ok(())
    }

    /// The variants job: resizes the original to the configured widths (WebP and its own
    /// format), stores the copies, records them and re-renders the posts showing the item.
    /// Animations and small images get none. Running it again replaces what it made.
    pub async fn make_media_variants(&self, id: MediaId) -> Result<usize, Error> {
        let media = match self.media_item(id).await {
            Ok(media) => media,
            // Deleted since: nothing to do.
            Err(Error::NotFound) => return Ok(0),
            Err(e) => return Err(e),
        };
        let original = self.media_storage().get(&media.storage_key).await?.ok_or_else(|| {
            Error::MediaStorage(format!("the original of media {id} ({}) is missing", media.storage_key))
        })?;
        let widths = self.config().media.variant_widths.clone();
        let limits = self.config().media.limits();
        let made = tokio::task::spawn_blocking(move || quire_media::make_variants(&original, &widths, &limits))
            .await
            .map_err(|e| Error::MediaStorage(format!("variant processing stopped: {e}")))??;
        let mut variants = Vec::with_capacity(made.len());
        for variant in made {
            let key = variant_key(&media.storage_key, variant.width, variant.format);
            let size = i64::try_from(variant.bytes.len()).unwrap_or(i64::MAX);
            self.media_storage().put(&key, Bytes::from(variant.bytes)).await?;
            variants.push(MediaVariant {
                storage_key: key,
                width: variant.width,
                height: variant.height,
                mime: variant.format.mime().into(),
                bytes: size,
            });
        }
        let count = variants.len();
        self.store().set_media_variants(id, &variants).await?;
        self.rerender_posts_showing(id).await?;
        self.refresh().await?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_keys_lead_back_to_their_original() {
        let key = variant_key("uploads/2026/05/00ff.jpg", 480, Format::Webp);
        assert_eq!(key, "uploads/2026/05/00ff.jpg.480w.webp");
        assert!(is_valid_key(&key));
        assert_eq!(original_of(&key), Some("uploads/2026/05/00ff.jpg"));
        assert_eq!(original_of("uploads/2026/05/00ff.jpg"), None);
        assert_eq!(original_of("a.xw.webp"), None);
    }

    #[test]
    fn new_keys_are_plain_and_say_nothing_of_the_upload() {
        let key = new_key(Format::Png);
        assert!(is_valid_key(&key) && key.starts_with("uploads/") && key.ends_with(".png"), "{key}");
        assert_ne!(key, new_key(Format::Png));
    }

    #[test]
    fn an_item_without_alt_text_cannot_be_inserted() {
        let mut media = Media {
            id: MediaId(7),
            storage_key: "a.png".into(),
            mime: "image/png".into(),
            bytes: 1,
            width: None,
            height: None,
            alt: "  ".into(),
            caption: None,
            credit: None,
            licence: None,
            variants: vec![],
        };
        assert!(matches!(insert_markdown(&media), Err(Error::Invalid(_))));
        media.alt = "A boat".into();
        assert_eq!(insert_markdown(&media).ok().as_deref(), Some("![](media:7)"));
    }
}
