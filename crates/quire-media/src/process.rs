//! From an uploaded file to what is stored: checked against the limits before anything is decoded
//! (the header gives the dimensions, so an image bomb costs a few bytes of reading), decoded under
//! `image::Limits`, turned upright by its EXIF orientation and re-encoded, which leaves every
//! piece of metadata behind (EXIF with GPS, XMP, comments, text chunks) and with it anything a
//! polyglot hid there. Animated GIF and WebP are kept as they are, after every frame was decoded.

use std::io::Cursor;

use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageReader};
use serde::{Deserialize, Serialize};

use crate::{Format, MediaError, check_whole, sniff};

/// How much an upload may weigh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Most pixels (width × height) accepted.
    pub max_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 20 * 1024 * 1024, max_pixels: 50_000_000 }
    }
}

/// Frames of an animation beyond which it is refused (its pixels count too, see [`prepare`]).
const MAX_FRAMES: usize = 2_000;
/// JPEG quality of stored originals and variants.
pub(crate) const JPEG_QUALITY: u8 = 85;
/// WebP quality (lossy) of stored originals and variants.
pub(crate) const WEBP_QUALITY: f32 = 82.0;

/// A file ready to store.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The bytes to store.
    pub bytes: Vec<u8>,
    /// Their format (a still GIF becomes PNG).
    pub format: Format,
    /// Width in pixels, upright.
    pub width: u32,
    /// Height in pixels, upright.
    pub height: u32,
    /// An animation, stored as uploaded; it gets no resized variants.
    pub animated: bool,
}

/// Checks an upload and makes the copy to store. Blocking (decoding takes a while): call it from
/// a blocking thread.
pub fn prepare(bytes: &[u8], limits: &Limits) -> Result<Prepared, MediaError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(MediaError::TooLarge { limit: limits.max_bytes });
    }
    let format = sniff(bytes)?;
    check_whole(bytes, format)?;
    let (width, height) = dimensions(bytes, format)?;
    check_pixels(width, height, limits)?;
    if let Some(frames) = animation_frames(bytes, format, limits)? {
        tracing::debug!(frames, "animation kept as uploaded");
        let bytes = if format == Format::Webp { crate::riff::strip_webp_metadata(bytes)? } else { bytes.to_vec() };
        return Ok(Prepared { bytes, format, width, height, animated: true });
    }
    let image = decode_upright(bytes, format, limits)?;
    let stored = match format {
        Format::Gif => Format::Png,
        other => other,
    };
    let bytes = encode(&image, stored, None)?;
    Ok(Prepared { bytes, format: stored, width: image.width(), height: image.height(), animated: false })
}

/// Width and height from the header alone.
fn dimensions(bytes: &[u8], format: Format) -> Result<(u32, u32), MediaError> {
    ImageReader::with_format(Cursor::new(bytes), format.image_format())
        .into_dimensions()
        .map_err(MediaError::from_decode)
}

fn check_pixels(width: u32, height: u32, limits: &Limits) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::Corrupt("it has no pixels".into()));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(MediaError::TooManyPixels { width, height, limit: limits.max_pixels });
    }
    Ok(())
}

/// `image::Limits` matching ours: no side longer than the pixel budget allows, and allocations
/// bounded by the largest accepted image at 16 bits per channel with alpha.
pub(crate) fn decoder_limits(limits: &Limits) -> image::Limits {
    let mut decoder = image::Limits::default();
    let side = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    decoder.max_image_width = Some(side);
    decoder.max_image_height = Some(side);
    decoder.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 * 1024 * 1024));
    decoder
}

/// For an animated GIF or WebP, decodes every frame (so a broken one is refused) and returns how
/// many there are; `None` for still images.
fn animation_frames(bytes: &[u8], format: Format, limits: &Limits) -> Result<Option<usize>, MediaError> {
    let frames = match format {
        Format::Gif => {
            let mut decoder =
                image::codecs::gif::GifDecoder::new(Cursor::new(bytes)).map_err(MediaError::from_decode)?;
            decoder.set_limits(decoder_limits(limits)).map_err(MediaError::from_decode)?;
            count_frames(decoder.into_frames(), limits)?
        }
        Format::Webp => {
            let mut decoder =
                image::codecs::webp::WebPDecoder::new(Cursor::new(bytes)).map_err(MediaError::from_decode)?;
            if !decoder.has_animation() {
                return Ok(None);
            }
            decoder.set_limits(decoder_limits(limits)).map_err(MediaError::from_decode)?;
            count_frames(decoder.into_frames(), limits)?
        }
        Format::Jpeg | Format::Png => return Ok(None),
    };
    Ok((frames > 1).then_some(frames))
}

/// Decodes frames one at a time; the pixels of all frames together may be ten times the budget.
fn count_frames(frames: image::Frames<'_>, limits: &Limits) -> Result<usize, MediaError> {
    let budget = limits.max_pixels.saturating_mul(10);
    let mut spent = 0u64;
    let mut count = 0;
    for frame in frames {
        let frame = frame.map_err(MediaError::from_decode)?;
        let buffer = frame.buffer();
        spent = spent.saturating_add(u64::from(buffer.width()) * u64::from(buffer.height()));
        count += 1;
        if count > MAX_FRAMES || spent > budget {
            return Err(MediaError::TooManyFrames { limit: MAX_FRAMES });
        }
    }
    if count == 0 {
        return Err(MediaError::Corrupt("it has no frames".into()));
    }
    Ok(count)
}

/// Decodes a still image under the limits and applies its EXIF orientation.
pub(crate) fn decode_upright(bytes: &[u8], format: Format, limits: &Limits) -> Result<DynamicImage, MediaError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(decoder_limits(limits));
    let mut decoder = reader.into_decoder().map_err(MediaError::from_decode)?;
    // A broken EXIF block only loses the orientation; the pixels are what matter.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(MediaError::from_decode)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Encodes `image` as `format`, with no metadata at all. `quality` overrides the default.
pub(crate) fn encode(image: &DynamicImage, format: Format, quality: Option<u8>) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let failed = |e: &dyn std::fmt::Display| MediaError::Internal(format!("encoding {}: {e}", format.mime()));
    match format {
        Format::Jpeg => {
            let rgb = image.to_rgb8();
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.unwrap_or(JPEG_QUALITY));
            rgb.write_with_encoder(encoder).map_err(|e| failed(&e))?;
        }
        Format::Png => {
            let encoder = image::codecs::png::PngEncoder::new(&mut out);
            image.write_with_encoder(encoder).map_err(|e| failed(&e))?;
        }
        Format::Webp => {
            let quality = quality.map_or(WEBP_QUALITY, f32::from);
            let memory = if image.color().has_alpha() {
                let rgba = image.to_rgba8();
                webp::Encoder::from_rgba(rgba.as_raw(), image.width(), image.height()).encode_simple(false, quality)
            } else {
                let rgb = image.to_rgb8();
                webp::Encoder::from_rgb(rgb.as_raw(), image.width(), image.height()).encode_simple(false, quality)
            };
            out = memory.map_err(|e| failed(&format!("{e:?}")))?.to_vec();
        }
        Format::Gif => return Err(MediaError::Internal("still images are not stored as GIF".into())),
    }
    Ok(out)
}
