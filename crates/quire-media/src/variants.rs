//! Responsive variants of a stored still image: for each configured width smaller than the
//! original, a WebP and a copy in the original's format, for `srcset`. Animations get none (a
//! resized frame would replace the animation), nor do images already narrower than every width.

use image::imageops::FilterType;

use crate::process::{Limits, decode_upright, encode};
use crate::{Format, MediaError};

/// The widths made when the configuration names none.
pub const DEFAULT_WIDTHS: &[u32] = &[480, 960, 1600];

/// One resized copy, ready to store.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its format.
    pub format: Format,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// Resized copies of a stored original (the output of [`crate::prepare`]). Blocking: call it
/// from a blocking thread.
pub fn make_variants(original: &[u8], widths: &[u32], limits: &Limits) -> Result<Vec<Variant>, MediaError> {
    let format = crate::sniff(original)?;
    if format == Format::Gif {
        return Ok(Vec::new());
    }
    if format == Format::Webp {
        let decoder =
            image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(original)).map_err(MediaError::from_decode)?;
        if decoder.has_animation() {
            return Ok(Vec::new());
        }
    }
    let image = decode_upright(original, format, limits)?;
    let mut widths: Vec<u32> = widths.iter().copied().filter(|&w| w > 0 && w < image.width()).collect();
    widths.sort_unstable();
    widths.dedup();
    let mut variants = Vec::new();
    for width in widths {
        let height = scaled_height(image.width(), image.height(), width);
        let resized = image.resize_exact(width, height, FilterType::Lanczos3);
        let mut formats = vec![Format::Webp];
        if format != Format::Webp {
            formats.push(format);
        }
        for format in formats {
            let bytes = encode(&resized, format, None)?;
            variants.push(Variant { width, height, format, bytes });
        }
    }
    Ok(variants)
}

/// The height that keeps the aspect ratio at `width`, at least one pixel.
fn scaled_height(original_width: u32, original_height: u32, width: u32) -> u32 {
    let height = (u64::from(original_height) * u64::from(width) + u64::from(original_width) / 2)
        / u64::from(original_width.max(1));
    u32::try_from(height).unwrap_or(u32::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_keep_the_aspect_ratio() {
        assert_eq!(scaled_height(3000, 2000, 480), 320);
        assert_eq!(scaled_height(1000, 1, 480), 1);
        assert_eq!(scaled_height(1601, 900, 1600), 899);
    }
}
