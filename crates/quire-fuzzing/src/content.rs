//! The Markdown pipeline (`render_post`, with a media library that holds a hostile item) and the
//! comment renderer (`render_comment`, and `sanitize_comment` alone, which imported comment HTML
//! goes through): never a panic, never unsafe output, and the promises their documentation makes.

use std::collections::{BTreeMap, HashSet};

use quire_content::{
    MediaInfo, MediaVariant, absolutize_urls, excerpt, render_comment, render_post, sanitize_comment, sanitize_html,
};

use crate::inspect::{safe, start_tags};
use crate::{Outcome, ensure, text};

/// A media library of one ordinary item (`media:1`) and one whose every field is hostile (`media:2`).
pub(crate) fn library() -> BTreeMap<i64, MediaInfo> {
    let fine = MediaInfo {
        url: "/media/1.jpg".into(),
        mime: "image/jpeg".into(),
        width: Some(800),
        height: Some(600),
        alt: "Hailsham".into(),
        caption: Some("The pavilion".into()),
        credit: Some("Kathy H.".into()),
        licence: Some("CC BY 4.0".into()),
        variants: vec![MediaVariant { url: "/media/1-400.webp".into(), width: 400, mime: "image/webp".into() }],
    };
    let evil = MediaInfo {
        url: "javascript:alert(1)".into(),
        mime: "image/gif".into(),
        width: Some(u32::MAX),
        height: None,
        alt: "\"><script>alert(1)</script>".into(),
        caption: Some("<img src=x onerror=alert(1)>".into()),
        credit: Some("</small><script>".into()),
        licence: Some("&#106;avascript:".into()),
        variants: vec![MediaVariant {
            url: "data:image/png,x, javascript:alert(1)".into(),
            width: 0,
            mime: String::new(),
        }],
    };
    BTreeMap::from([(1, fine), (2, evil)])
}

/// `render_post` over arbitrary text: safe HTML (also once made absolute, as feeds do), heading
/// levels 1–6 with unique ids, each media id listed once, and excerpts within their limit.
pub(crate) fn markdown(data: &[u8]) -> Outcome {
    let source = text(data);
    let rendered = render_post(&source, &library());
    safe("render_post", &rendered.html)?;
    safe("absolutize_urls", &absolutize_urls(&rendered.html, "https://blog.example/2024/05/01/post/"))?;
    let mut ids = HashSet::new();
    for heading in &rendered.headings {
        ensure((1..=6).contains(&heading.level), || {
            format!("heading level {} in {:?}", heading.level, rendered.headings)
        })?;
        ensure(ids.insert(heading.id.as_str()), || format!("heading id {:?} used twice", heading.id))?;
    }
    let mut media = HashSet::new();
    ensure(rendered.media_ids.iter().all(|id| media.insert(*id)), || {
        format!("media ids repeated: {:?}", rendered.media_ids)
    })?;
    ensure(rendered.word_count <= rendered.text.split_whitespace().count(), || {
        format!("word count {} exceeds the words of {:?}", rendered.word_count, rendered.text)
    })?;
    let cut = excerpt(&rendered.text, 160);
    ensure(cut.chars().count() <= 160, || format!("excerpt longer than 160 characters: {cut:?}"))?;
    // The author's raw HTML alone, as the editor's preview and imports sanitise it.
    safe("sanitize_html", &sanitize_html(&source))
}

/// The elements a comment may contain and the attributes each may carry (`rel` is ammonia's).
const COMMENT_TAGS: [(&str, &[&str]); 13] = [
    ("p", &[]),
    ("br", &[]),
    ("em", &[]),
    ("strong", &[]),
    ("del", &[]),
    ("s", &[]),
    ("a", &["href", "rel"]),
    ("code", &["class"]),
    ("pre", &[]),
    ("blockquote", &[]),
    ("ul", &[]),
    ("ol", &["start"]),
    ("li", &[]),
];

/// The comment rules on rendered HTML: only the comment subset of elements and attributes, and
/// every link marked `rel="nofollow ugc noopener"`.
pub(crate) fn comment_rules(what: &str, html: &str) -> Outcome {
    safe(what, html)?;
    for (name, attrs) in start_tags(html) {
        let Some((_, allowed)) = COMMENT_TAGS.iter().find(|(tag, _)| *tag == name) else {
            return Err(format!("{what} let <{name}> into a comment: {html:?}"));
        };
        for (attr, value) in &attrs {
            ensure(allowed.contains(&attr.as_str()), || format!("{what} let {attr}= on <{name}>: {html:?}"))?;
            if attr == "rel" {
                let tokens: Vec<&str> = value.split_ascii_whitespace().collect();
                ensure(["nofollow", "ugc", "noopener"].iter().all(|t| tokens.contains(t)), || {
                    format!("{what} gave a link rel={value:?}: {html:?}")
                })?;
            }
        }
        if name == "a" && attrs.iter().any(|(a, _)| a == "href") {
            ensure(attrs.iter().any(|(a, _)| a == "rel"), || format!("{what} left a link without rel: {html:?}"))?;
        }
    }
    Ok(())
}

/// `render_comment` over arbitrary text, and `sanitize_comment` over the same bytes read as HTML
/// (imported comments): the comment subset only, links marked, and sanitising its own output
/// again changes nothing (what is stored reads back the same).
pub(crate) fn comment_body(data: &[u8]) -> Outcome {
    let source = text(data);
    let rendered = render_comment(&source);
    comment_rules("render_comment", &rendered.html)?;
    ensure(rendered.headings.is_empty(), || format!("a comment has headings: {:?}", rendered.headings))?;
    let clean = sanitize_comment(&source);
    comment_rules("sanitize_comment", &clean)?;
    let again = sanitize_comment(&clean);
    ensure(again == clean, || format!("sanitize_comment is not stable: {clean:?} became {again:?}"))
}
