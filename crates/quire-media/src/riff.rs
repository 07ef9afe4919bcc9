//! Animated WebP is kept as uploaded, less its metadata: the RIFF container is rewritten without
//! its `EXIF` and `XMP ` chunks, and the VP8X header no longer announces them.

use crate::MediaError;

/// VP8X flag bits for an EXIF and an XMP chunk.
const EXIF_FLAG: u8 = 0x08;
const XMP_FLAG: u8 = 0x04;

/// `bytes` (a whole WebP file) without EXIF and XMP chunks.
pub(crate) fn strip_webp_metadata(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let broken = || MediaError::Corrupt("its WebP container is malformed".into());
    let body = bytes.get(12..).ok_or_else(broken)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut at = 0usize;
    while at < body.len() {
        let header = body.get(at..at + 8).ok_or_else(broken)?;
        let (fourcc, size) = header.split_at(4);
        let size = usize::try_from(u32::from_le_bytes(size.try_into().map_err(|_| broken())?)).map_err(|_| broken())?;
        let padded = size + (size & 1);
        let end = (at + 8 + padded).min(body.len());
        let chunk = body.get(at..end).ok_or_else(broken)?;
        match fourcc {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let mut chunk = chunk.to_vec();
                if let Some(flags) = chunk.get_mut(8) {
                    *flags &= !(EXIF_FLAG | XMP_FLAG);
                }
                out.extend_from_slice(&chunk);
            }
            _ => out.extend_from_slice(chunk),
        }
        at += 8 + padded;
    }
    let riff_size = u32::try_from(out.len() - 8).map_err(|_| broken())?;
    if let Some(size) = out.get_mut(4..8) {
        size.copy_from_slice(&riff_size.to_le_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = fourcc.to_vec();
        c.extend_from_slice(&u32::try_from(data.len()).unwrap_or_default().to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    #[test]
    fn exif_and_xmp_chunks_are_dropped_and_unannounced() {
        let mut body = chunk(b"VP8X", &[EXIF_FLAG | XMP_FLAG | 0x02, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
        body.extend(chunk(b"ANIM", &[0; 6]));
        body.extend(chunk(b"ANMF", b"frame"));
        body.extend(chunk(b"EXIF", b"GPS secret"));
        body.extend(chunk(b"XMP ", b"<x:xmpmeta/>"));
        let mut file = b"RIFF".to_vec();
        file.extend_from_slice(&u32::try_from(body.len() + 4).unwrap_or_default().to_le_bytes());
        file.extend_from_slice(b"WEBP");
        file.extend(body);
        let stripped = strip_webp_metadata(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&stripped);
        assert!(text.contains("ANMF") && text.contains("frame"), "{text}");
        assert!(!text.contains("GPS") && !text.contains("xmpmeta"), "{text}");
        assert_eq!(stripped.get(20), Some(&0x02), "only the animation flag is left");
        let declared = stripped.get(4..8).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        assert_eq!(declared.map(|d| d as usize + 8), Some(stripped.len()));
    }
}
