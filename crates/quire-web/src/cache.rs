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
}

impl CachedPage {
    /// Builds an entry, compressing the body once.
    pub fn new(content_type: &'static str, cache_control: &'static str, body: Bytes, etag: String) -> CachedPage {
        let gzip = (body.len() > 1024).then(|| gzip(&body)).flatten();
        CachedPage { content_type, cache_control, body, gzip, etag, token_slot: None }
    }

    /// Builds an entry for a page with a comment form: the token placeholder is cut out and its
    /// place remembered, so each reader gets a fresh token spliced in (and the page is compressed
    /// per response instead of once).
    pub fn with_form(
        content_type: &'static str,
        cache_control: &'static str,
        html: String,
        etag: String,
        post: i64,
    ) -> CachedPage {
        let placeholder = quire_app::reading::FORM_TOKEN_PLACEHOLDER;
        match html.find(placeholder) {
            Some(at) => {
                let mut body = html;
                body.replace_range(at..at + placeholder.len(), "");
                CachedPage {
                    content_type,
                    cache_control,
                    body: Bytes::from(body),
                    gzip: None,
                    etag,
                    token_slot: Some((at, post)),
                }
            }
            None => CachedPage::new(content_type, cache_control, Bytes::from(html), etag),
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
