//! Uploads for Quire's media library: what a file is (read from its bytes), whether it is whole
//! and within the limits, a clean copy to store (orientation applied, every bit of metadata gone),
//! responsive variants, and the object store the files live in. The only crate that uses `image`.

mod process;
mod riff;
mod sniff;
mod storage;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
mod variants;

pub use process::{Limits, Prepared, prepare};
pub use sniff::{Format, check_whole, sniff};
pub use storage::{MediaConfig, MediaStorage, StoreKind, is_valid_key};
pub use variants::{DEFAULT_WIDTHS, Variant, make_variants};

/// Why an upload was refused or a file could not be handled. Each message but `Internal` and
/// `Storage` can be shown to the writer as it is.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Over the size limit.
    #[error("The file is too large: the limit is {} MB.", limit / (1024 * 1024))]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Not one of the accepted image formats.
    #[error(
        "This file is not an image Quire accepts (JPEG, PNG, GIF or WebP). The type is read from the file's content, not its name."
    )]
    NotAnImage,
    /// SVG is refused: it may carry scripts.
    #[error("SVG images are refused, because they can carry scripts. Export the drawing as PNG and upload that.")]
    Svg,
    /// The file was cut short.
    #[error("The image is incomplete: the file was cut short. Upload it again from the original.")]
    Truncated,
    /// Too many pixels (an image bomb, or just a huge scan).
    #[error(
        "The image is {width} × {height} pixels, more than the limit of {} megapixels. Scale it down and upload it again.",
        limit / 1_000_000
    )]
    TooManyPixels {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The limit in pixels.
        limit: u64,
    },
    /// An animation with too many frames.
    #[error("The animation is too long: at most {limit} frames of a modest size are accepted.")]
    TooManyFrames {
        /// The frame limit.
        limit: usize,
    },
    /// The decoder refused the data.
    #[error("The image could not be read: {0}.")]
    Corrupt(String),
    /// A storage key that could climb out of the library.
    #[error("bad media key {0:?}")]
    BadKey(String),
    /// The object store failed.
    #[error("media storage: {0}")]
    Storage(String),
    /// Encoding failed (a bug, or memory).
    #[error("media processing: {0}")]
    Internal(String),
}

impl MediaError {
    /// Sorts a decoder's error: running out of data is a cut-short file, a limit is a bomb.
    pub(crate) fn from_decode(e: image::ImageError) -> MediaError {
        use image::ImageError;
        match &e {
            ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => MediaError::Truncated,
            ImageError::Limits(_) => MediaError::Corrupt("it needs more memory than an image within the limits".into()),
            _ => {
                let text = e.to_string();
                if text.to_ascii_lowercase().contains("eof") || text.contains("end of file") {
                    MediaError::Truncated
                } else {
                    MediaError::Corrupt(text)
                }
            }
        }
    }

    /// Whether the writer can be shown this message (it is about their file, not our side).
    pub fn is_about_the_file(&self) -> bool {
        !matches!(self, MediaError::Storage(_) | MediaError::Internal(_) | MediaError::BadKey(_))
    }
}
