//! The rendered-page cache for anonymous readers: whole responses (and their gzip form) keyed by
//! content version and normalised URL, so a hit never touches the database. A write bumps the
//! version; entries of older versions are simply never asked for again and age out.

use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use moka::sync::Cache;

/// One cached response.
#[derive(Debug)]
pub struct CachedPage {
    /// Content type.
    pub content_type: &'static str,
    /// Cache-Control sent with it.
    pub cache_control: &'static str,
    /// Uncompressed body.
    pub body: Bytes,
    /// Gzip-compressed body, when compression pays.
    pub gzip: Option<Bytes>,
    /// Weak ETag.
    pub etag: String,
    /// Where a fresh comment-form token goes in `body`, and for which post.
    pub token_slot: Option<(usize, i64)>,
    /// The gzip form of a page with a token slot, compressed once around the slot.
    pub split_gzip: Option<SplitGzip>,
}

/// A gzip member precompressed in two halves around a hole: the prefix ends with a sync flush (so
/// it stops on a byte boundary, not final), the token goes in as a stored block, and the suffix is
/// the final deflate stream; the CRC of the whole is combined from the parts. Splicing costs a copy
/// and a CRC of the token instead of compressing the page again for every reader.
#[derive(Debug)]
pub struct SplitGzip {
    head: Bytes,
    tail: Bytes,
    prefix_crc: crc32fast::Hasher,
    suffix_crc: crc32fast::Hasher,
    plain_len: usize,
}

impl SplitGzip {
    fn new(prefix: &[u8], suffix: &[u8]) -> Option<SplitGzip> {
        use flate2::{Compress, FlushCompress};
        let deflate = |data: &[u8], flush: FlushCompress| -> Option<Vec<u8>> {
            let mut compressor = Compress::new(Compression::new(6), false);
            let mut out = Vec::with_capacity(data.len() / 3 + 64);
            loop {
                out.reserve(data.len() / 3 + 1024);
                let consumed = usize::try_from(compressor.total_in()).ok()?;
                let status = compressor.compress_vec(data.get(consumed..)?, &mut out, flush).ok()?;
                let done_reading = usize::try_from(compressor.total_in()).ok()? == data.len();
                if done_reading
                    && (status == flate2::Status::StreamEnd
                        || (flush == FlushCompress::Sync && out.len() < out.capacity()))
                {
                    return Some(out);
                }
            }
        };
        let mut head = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        head.extend(deflate(prefix, FlushCompress::Sync)?);
        let tail = deflate(suffix, FlushCompress::Finish)?;
        let mut prefix_crc = crc32fast::Hasher::new();
        prefix_crc.update(prefix);
        let mut suffix_crc = crc32fast::Hasher::new();
        suffix_crc.update(suffix);
        Some(SplitGzip {
            head: head.into(),
            tail: tail.into(),
            prefix_crc,
            suffix_crc,
            plain_len: prefix.len() + suffix.len(),
        })
    }

    /// The whole gzip member with `token` spliced in.
    pub fn with(&self, token: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(self.head.len() + token.len() + self.tail.len() + 16);
        out.extend_from_slice(&self.head);
        for chunk in token.chunks(u16::MAX as usize) {
            let len = chunk.len() as u16;
            out.push(0); // a stored block, not the last one
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(&self.tail);
        let mut crc = self.prefix_crc.clone();
        crc.update(token);
        crc.combine(&self.suffix_crc);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&((self.plain_len + token.len()) as u32).to_le_bytes());
        Bytes::from(out)
    }
}

impl CachedPage {
    /// Builds an entry, compressing the body once.
    pub fn new(content_type: &'static str, cache_control: &'static str, body: Bytes, etag: String) -> CachedPage {
        let gzip = (body.len() > 1024).then(|| gzip(&body)).flatten();
        CachedPage { content_type, cache_control, body, gzip, etag, token_slot: None, split_gzip: None }
    }

    /// Builds an entry for a page with a comment form: the token placeholder is cut out and its
    /// place remembered, so each reader gets a fresh token spliced in, in the plain body and in the
    /// gzip form compressed once around the slot.
    pub fn with_form(
        content_type: &'static str,
        cache_control: &'static str,
        html: String,
        etag: String,
        post: i64,
    ) -> CachedPage {
        let placeholder = quire_app::reading::FORM_TOKEN_PLACEHOLDER;
        let Some(at) = html.find(placeholder) else {
            return CachedPage::new(content_type, cache_control, Bytes::from(html), etag);
        };
        let mut body = html;
        body.replace_range(at..at + placeholder.len(), "");
        let (prefix, suffix) = body.as_bytes().split_at(at);
        let split_gzip = SplitGzip::new(prefix, suffix);
        CachedPage {
            content_type,
            cache_control,
            body: Bytes::from(body),
            gzip: None,
            etag,
            token_slot: Some((at, post)),
            split_gzip,
        }
    }

    /// The gzip body for this response, if the page has one (spliced with a fresh token if needed).
    pub fn gzip_with(&self, token: impl FnOnce(i64) -> String) -> Option<Bytes> {
        match (&self.gzip, &self.split_gzip, self.token_slot) {
            (Some(gz), _, _) => Some(gz.clone()),
            (None, Some(split), Some((_, post))) => Some(split.with(token(post).as_bytes())),
            _ => None,
        }
    }

    /// The body with `token` in its slot (or the body itself when it has none).
    pub fn body_with(&self, token: impl FnOnce(i64) -> String) -> Bytes {
        match self.token_slot {
            Some((at, post)) => {
                let token = token(post);
                let mut out = Vec::with_capacity(self.body.len() + token.len());
                out.extend_from_slice(self.body.get(..at).unwrap_or_default());
                out.extend_from_slice(token.as_bytes());
                out.extend_from_slice(self.body.get(at..).unwrap_or_default());
                Bytes::from(out)
            }
            None => self.body.clone(),
        }
    }
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 3), Compression::new(6));
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// Bounded cache of rendered pages.
#[derive(Clone)]
pub struct PageCache {
    pages: Cache<String, Arc<CachedPage>>,
}

impl PageCache {
    /// A cache holding at most `entries` pages.
    pub fn new(entries: u64) -> PageCache {
        PageCache { pages: Cache::new(entries) }
    }

    fn key(version: u64, url: &str) -> String {
        format!("{version}:{url}")
    }

    /// The page for `url` at content `version`, if rendered before.
    pub fn get(&self, version: u64, url: &str) -> Option<Arc<CachedPage>> {
        self.pages.get(&Self::key(version, url))
    }

    /// Remembers a rendered page.
    pub fn insert(&self, version: u64, url: &str, page: Arc<CachedPage>) {
        self.pages.insert(Self::key(version, url), page);
    }
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "tests")]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn a_spliced_gzip_body_decompresses_to_the_spliced_plain_body() {
        let html = format!(
            "<p>{}</p><input value=\"{}\"><p>{}</p>",
            "before ".repeat(5000),
            quire_app::reading::FORM_TOKEN_PLACEHOLDER,
            "after ".repeat(5000)
        );
        let page = CachedPage::with_form("text/html", "no-store", html, "W/\"1\"".into(), 7);
        let token = |post: i64| format!("token-for-{post}");
        let gz = page.gzip_with(token).expect("a gzip form");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut plain).expect("valid gzip");
        assert_eq!(plain, page.body_with(token).to_vec());
        assert!(String::from_utf8_lossy(&plain).contains("value=\"token-for-7\""));
        assert!(gz.len() * 10 < plain.len(), "still compressed: {} of {}", gz.len(), plain.len());
    }
}
