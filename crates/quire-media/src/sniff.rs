//! What a file is, read from its bytes alone (never its name or the Content-Type a browser sent),
//! and whether it is whole: a JPEG's scan must end in its EOI marker, a PNG must reach IEND, a
//! WebP must be as long as its RIFF header says.

use crate::MediaError;

/// The image formats the library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG (JFIF or Exif).
    Jpeg,
    /// PNG.
    Png,
    /// GIF, possibly animated.
    Gif,
    /// WebP, lossy or lossless, possibly animated.
    Webp,
}

impl Format {
    /// The MIME type files of this format are served with.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
        }
    }

    /// The file-name extension stored files of this format get.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Webp => "webp",
        }
    }

    /// The format of a MIME type recorded earlier.
    pub fn from_mime(mime: &str) -> Option<Format> {
        match mime.trim().to_ascii_lowercase().as_str() {
            "image/jpeg" | "image/jpg" => Some(Format::Jpeg),
            "image/png" => Some(Format::Png),
            "image/gif" => Some(Format::Gif),
            "image/webp" => Some(Format::Webp),
            _ => None,
        }
    }

    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            Format::Jpeg => image::ImageFormat::Jpeg,
            Format::Png => image::ImageFormat::Png,
            Format::Gif => image::ImageFormat::Gif,
            Format::Webp => image::ImageFormat::WebP,
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The IEND chunk with its length and CRC: the last chunk of every whole PNG.
const PNG_IEND: &[u8] = b"\0\0\0\0IEND\xaeB`\x82";

/// The format of `bytes`, from their first bytes. SVG (XML text with an `<svg` element) is
/// refused by name, since it may carry scripts; anything else that is not one of the accepted
/// formats is "not an image".
pub fn sniff(bytes: &[u8]) -> Result<Format, MediaError> {
    if bytes.starts_with(b"\xff\xd8\xff") {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(Format::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Ok(Format::Gif);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Ok(Format::Webp);
    }
    if looks_like_svg(bytes) {
        return Err(MediaError::Svg);
    }
    Err(MediaError::NotAnImage)
}

/// Text (after a BOM and blanks) that starts with `<` and has an `<svg` element near the start.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let head = text.get(start..).unwrap_or_default();
    let head = head.get(..head.len().min(64 * 1024)).unwrap_or_default();
    head.first() == Some(&b'<') && head.windows(4).any(|w| w.eq_ignore_ascii_case(b"<svg"))
}

/// Refuses a file that was cut short. Decoders are lenient about some truncations (a JPEG cut
/// mid-scan decodes to grey), so the structure is checked first.
pub fn check_whole(bytes: &[u8], format: Format) -> Result<(), MediaError> {
    let whole = match format {
        Format::Jpeg => jpeg_is_whole(bytes),
        Format::Png => bytes.windows(PNG_IEND.len()).any(|w| w == PNG_IEND),
        Format::Webp => {
            let declared = bytes.get(4..8).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
            declared.is_some_and(|size| bytes.len() as u64 >= u64::from(size) + 8)
        }
        // GIF decoders report a frame cut short; the frames are all decoded before acceptance.
        Format::Gif => true,
    };
    if whole { Ok(()) } else { Err(MediaError::Truncated) }
}

/// Walks a JPEG's marker segments to its first scan, then the entropy-coded data (where `FF` is
/// only ever followed by `00`, a restart marker, or a real marker) until EOI. Progressive files
/// have several scans and tables between them; all must be there.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI
    loop {
        // Markers may be preceded by fill bytes (FF).
        while bytes.get(at) == Some(&0xff) && bytes.get(at + 1) == Some(&0xff) {
            at += 1;
        }
        let (Some(&0xff), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else { return false };
        at += 2;
        match marker {
            0xd9 => return true,
            0x01 | 0xd0..=0xd7 => continue,
            _ => {}
        }
        let Some(len) = bytes.get(at..at + 2).and_then(|b| <[u8; 2]>::try_from(b).ok()).map(u16::from_be_bytes) else {
            return false;
        };
        let len = usize::from(len);
        if len < 2 || at + len > bytes.len() {
            return false;
        }
        at += len;
        if marker == 0xda {
            // Entropy-coded data: skip to the next marker that is not stuffing or a restart.
            loop {
                let Some(offset) = bytes.get(at..).and_then(|rest| rest.iter().position(|&b| b == 0xff)) else {
                    return false;
                };
                at += offset;
                match bytes.get(at + 1) {
                    Some(0x00 | 0xd0..=0xd7 | 0xff) => at += 1,
                    Some(_) => break,
                    None => return false,
                }
            }
        }
    }
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_content_decides_not_the_name() {
        assert_eq!(sniff(b"\xff\xd8\xff\xe0rest").ok(), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest").ok(), Some(Format::Png));
        assert_eq!(sniff(b"GIF89a....").ok(), Some(Format::Gif));
        assert_eq!(sniff(b"RIFF\x04\0\0\0WEBPVP8 ").ok(), Some(Format::Webp));
        assert!(matches!(sniff(b"%PDF-1.7"), Err(MediaError::NotAnImage)));
        assert!(matches!(sniff(b"<html><script>alert(1)</script>"), Err(MediaError::NotAnImage)));
        assert!(matches!(sniff(b""), Err(MediaError::NotAnImage)));
    }

    #[test]
    fn svg_is_recognised_to_be_refused_by_name() {
        for svg in [
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..],
            b"\xef\xbb\xbf  <?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<SVG onload=\"alert(1)\"/>",
        ] {
            assert!(matches!(sniff(svg), Err(MediaError::Svg)), "{}", String::from_utf8_lossy(svg));
        }
    }

    #[test]
    fn a_jpeg_without_its_end_marker_is_cut_short() {
        let whole = b"\xff\xd8\xff\xe0\x00\x04ab\xff\xda\x00\x03x\x12\xff\x00\x34\xff\xd0\x56\xff\xd9";
        assert!(jpeg_is_whole(whole));
        for cut in [4, 8, 12, whole.len() - 2, whole.len() - 1] {
            assert!(!jpeg_is_whole(&whole[..cut]), "cut at {cut}");
        }
    }
}
