//! Images. An image alone in its paragraph becomes a `<figure>` captioned by its title; an image
//! inside text stays an inline `<img>`. `media:ID` images are filled in from the media library:
//! alt, caption, credit, licence, `srcset`/`sizes` and intrinsic size. An unknown id renders a
//! visible notice instead of failing.

use comrak::html::escape_href;

use crate::media::{MediaInfo, MediaLookup};
use crate::text::escape_html;

/// The layout width images are served for: full width on small screens, the column otherwise.
const SIZES: &str = "(max-width: 46rem) 100vw, 46rem";

/// Where an image's pixels come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source<'a> {
    /// An ordinary URL, used as written.
    Url(&'a str),
    /// A media-library item.
    Media(i64),
    /// `media:` followed by something that is not an id.
    BadMedia(&'a str),
}

impl<'a> Source<'a> {
    /// Reads an image URL as written in Markdown.
    pub(crate) fn parse(url: &'a str) -> Self {
        match url.trim().strip_prefix("media:") {
            None => Source::Url(url),
            Some(id) => match id.parse::<i64>() {
                Ok(id) if id > 0 => Source::Media(id),
                _ => Source::BadMedia(url),
            },
        }
    }
}

/// An image as the Markdown wrote it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Image<'a> {
    /// The destination (`media:ID` or a URL).
    pub url: &'a str,
    /// The title, used as the caption of a figure.
    pub title: &'a str,
    /// The alt text (inline Markdown flattened to text).
    pub alt: &'a str,
}

/// Renders images and remembers which media items they referenced.
pub(crate) struct Images<'m> {
    media: &'m dyn MediaLookup,
    /// Every `media:ID` referenced, in order of first appearance.
    pub ids: Vec<i64>,
}

/// `url` made safe for an attribute the way comrak writes link destinations.
fn href(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    // Writing to a String cannot fail.
    let _ = escape_href(&mut out, url, false);
    out
}

/// Plain text that is present and not blank.
fn present(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn missing(id_text: &str, element: &str) -> String {
    format!("<{element} class=\"missing-media\">Missing image ({})</{element}>", escape_html(id_text.trim()))
}

/// `srcset` for a library item: its variants and the original, by width. `None` for GIFs (only
/// the original is animated for sure) and when widths are unknown.
fn srcset(info: &MediaInfo) -> Option<String> {
    if info.mime.trim().eq_ignore_ascii_case("image/gif") {
        return None;
    }
    let original = info.width.filter(|&w| w > 0)?;
    let mut variants: Vec<(u32, &str)> = info
        .variants
        .iter()
        .filter(|v| v.width > 0 && v.width != original && !v.url.trim().is_empty())
        .map(|v| (v.width, v.url.as_str()))
        .collect();
    if variants.is_empty() {
        return None;
    }
    variants.push((original, info.url.as_str()));
    variants.sort_by_key(|&(w, _)| w);
    variants.dedup_by_key(|&mut (w, _)| w);
    let parts: Vec<String> = variants
        .iter()
        // Commas separate candidates, so a URL must not carry a bare one.
        .map(|(w, url)| format!("{} {w}w", href(url).replace(',', "%2C")))
        .collect();
    Some(parts.join(", "))
}

impl<'m> Images<'m> {
    pub(crate) fn new(media: &'m dyn MediaLookup) -> Self {
        Images { media, ids: Vec::new() }
    }

    fn lookup(&mut self, id: i64) -> Option<MediaInfo> {
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
        self.media.media(id)
    }

    /// A library item's `<img>`; `srcset` only when it is shown as a figure.
    fn media_img(info: &MediaInfo, alt: &str, in_figure: bool) -> String {
        let mut img = format!("<img src=\"{}\"", href(&info.url));
        if in_figure && let Some(srcset) = srcset(info) {
            img.push_str(&format!(" srcset=\"{srcset}\" sizes=\"{SIZES}\""));
        }
        if let Some(w) = info.width {
            img.push_str(&format!(" width=\"{w}\""));
        }
        if let Some(h) = info.height {
            img.push_str(&format!(" height=\"{h}\""));
        }
        let alt = if alt.trim().is_empty() { info.alt.as_str() } else { alt };
        img.push_str(&format!(" alt=\"{}\" loading=\"lazy\" decoding=\"async\">", escape_html(alt.trim())));
        img
    }

    /// A `<figure>` for an image alone in its paragraph.
    pub(crate) fn figure(&mut self, image: Image<'_>) -> String {
        let (img, caption, credit, licence) = match Source::parse(image.url) {
            Source::Url(url) => {
                let img = format!(
                    "<img src=\"{}\" alt=\"{}\" loading=\"lazy\" decoding=\"async\">",
                    href(url),
                    escape_html(image.alt.trim())
                );
                (img, present(Some(image.title)).map(str::to_owned), None, None)
            }
            Source::Media(id) => {
                let Some(info) = self.lookup(id) else {
                    return missing(image.url, "p");
                };
                let caption = present(Some(image.title)).or(present(info.caption.as_deref()));
                (
                    Self::media_img(&info, image.alt, true),
                    caption.map(str::to_owned),
                    present(info.credit.as_deref()).map(str::to_owned),
                    present(info.licence.as_deref()).map(str::to_owned),
                )
            }
            Source::BadMedia(text) => return missing(text, "p"),
        };
        let mut html = format!("<figure>{img}");
        let small = match (credit, licence) {
            (Some(c), Some(l)) => Some(format!("{} · {}", escape_html(&c), escape_html(&l))),
            (Some(c), None) => Some(escape_html(&c)),
            (None, Some(l)) => Some(escape_html(&l)),
            (None, None) => None,
        };
        if caption.is_some() || small.is_some() {
            html.push_str("<figcaption>");
            if let Some(caption) = &caption {
                html.push_str(&escape_html(caption));
            }
            if let Some(small) = small {
                if caption.is_some() {
                    html.push(' ');
                }
                html.push_str(&format!("<small class=\"credit\">{small}</small>"));
            }
            html.push_str("</figcaption>");
        }
        html.push_str("</figure>");
        html
    }

    /// An `<img>` inside running text.
    pub(crate) fn inline(&mut self, image: Image<'_>) -> String {
        match Source::parse(image.url) {
            Source::Url(url) => {
                let mut img = format!("<img src=\"{}\" alt=\"{}\"", href(url), escape_html(image.alt.trim()));
                if let Some(title) = present(Some(image.title)) {
                    img.push_str(&format!(" title=\"{}\"", escape_html(title)));
                }
                img.push_str(" loading=\"lazy\" decoding=\"async\">");
                img
            }
            Source::Media(id) => match self.lookup(id) {
                Some(info) => Self::media_img(&info, image.alt, false),
                None => missing(image.url, "span"),
            },
            Source::BadMedia(text) => missing(text, "span"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::MediaVariant;

    #[test]
    fn media_urls_are_recognised() {
        assert_eq!(Source::parse("media:12"), Source::Media(12));
        assert_eq!(Source::parse("media:x"), Source::BadMedia("media:x"));
        assert_eq!(Source::parse("media:-1"), Source::BadMedia("media:-1"));
        assert_eq!(Source::parse("/a.png"), Source::Url("/a.png"));
    }

    #[test]
    fn srcset_lists_variants_then_the_original_by_width() {
        let info = MediaInfo {
            url: "/m/o.jpg".into(),
            mime: "image/jpeg".into(),
            width: Some(1600),
            variants: vec![
                MediaVariant { url: "/m/960.webp".into(), width: 960, mime: "image/webp".into() },
                MediaVariant { url: "/m/480,a.webp".into(), width: 480, mime: "image/webp".into() },
                MediaVariant { url: "/m/same.webp".into(), width: 1600, mime: "image/webp".into() },
            ],
            ..MediaInfo::default()
        };
        assert_eq!(srcset(&info).as_deref(), Some("/m/480%2Ca.webp 480w, /m/960.webp 960w, /m/o.jpg 1600w"));
    }

    #[test]
    fn srcset_needs_the_original_width() {
        let info = MediaInfo {
            url: "/m/o.jpg".into(),
            variants: vec![MediaVariant { url: "/v".into(), width: 10, mime: String::new() }],
            ..MediaInfo::default()
        };
        assert_eq!(srcset(&info), None);
    }
}
