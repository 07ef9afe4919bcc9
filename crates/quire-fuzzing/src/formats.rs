//! The import parsers over arbitrary bytes: the WXR stream reader and the Ghost JSON reader never
//! panic, always end, point at real lines, and what they yield goes through the same conversion
//! and rendering as an import does (`quire-app`'s import use case) to safe HTML.

use std::io::BufReader;

use quire_content::{render_post, sanitize_comment};
use quire_formats::convert::{self, Attachments};
use quire_formats::plan::PostItem;
use quire_formats::{Item, ItemError, Located, WxrReader, ghost};

use crate::content::{comment_rules, library};
use crate::inspect::safe;
use crate::{Outcome, ensure, text};

/// Attachments as an importer might know them, one with a hostile address and alt text.
struct Gallery;

impl Attachments for Gallery {
    fn image(&self, source_id: &str) -> Option<(String, String)> {
        match source_id {
            "1" => Some(("/media/1.jpg".into(), "Hailsham".into())),
            "2" => Some(("javascript:alert(1)".into(), "\"><script>alert(1)</script>".into())),
            _ => None,
        }
    }

    fn children(&self, _post: &str) -> Vec<(String, String)> {
        vec![("/media/1.jpg".into(), "one".into()), ("\" onerror=\"alert(1)".into(), "two".into())]
    }
}

/// A post as the importer stores it: its body converted and rendered, its comments sanitised.
fn imported(post: &PostItem, ghost: bool) -> Outcome {
    let converted =
        if ghost { convert::html(&post.html) } else { convert::wordpress(&post.html, &post.source_id, &Gallery) };
    safe("an imported post", &render_post(&converted.markdown, &library()).html)?;
    for comment in &post.comments {
        comment_rules("an imported comment", &sanitize_comment(&convert::comment_html(&comment.item.html)))?;
    }
    Ok(())
}

/// Lines of `data`, as a 1-based line number can go.
fn last_line(data: &[u8]) -> u64 {
    data.iter().filter(|b| **b == b'\n').count() as u64 + 1
}

fn located(what: &str, line: u64, data: &[u8]) -> Outcome {
    ensure(line >= 1 && line <= last_line(data), || {
        format!("{what} at line {line}, outside the input's lines 1–{}", last_line(data))
    })
}

fn error_located(error: &ItemError, data: &[u8]) -> Outcome {
    located(&format!("error {error}"), error.line, data)?;
    ensure(!error.message.is_empty(), || "an error without a message".into())
}

fn item_checked(next: &Located<Item>, data: &[u8], ghost: bool) -> Outcome {
    located("an item", next.line, data)?;
    if let Item::Post(post) = &next.item {
        imported(post, ghost)?;
    }
    Ok(())
}

/// `WxrReader` over arbitrary bytes: the stream ends (each item consumes input), stays ended,
/// counts no more bytes than it was given, and every item and error names a line of the input.
pub(crate) fn wxr(data: &[u8]) -> Outcome {
    let mut reader = WxrReader::new(BufReader::new(data));
    // Every entry needs at least a start tag, so there cannot be more items than bytes.
    let bound = data.len() + 2;
    let mut count = 0;
    for next in reader.by_ref() {
        count += 1;
        ensure(count <= bound, || format!("more than {bound} items from {} bytes: the reader loops", data.len()))?;
        match next {
            Ok(next) => item_checked(&next, data, false)?,
            Err(error) => error_located(&error, data)?,
        }
    }
    ensure(reader.next().is_none(), || "the reader went on after it ended".into())?;
    ensure(reader.bytes_read() <= data.len() as u64, || {
        format!("{} bytes read from {} bytes", reader.bytes_read(), data.len())
    })
}

/// `ghost::read` over arbitrary text: an error or items, each at a line of the input, posts
/// converted and rendered safely.
pub(crate) fn ghost(data: &[u8]) -> Outcome {
    let raw = text(data);
    let bytes = raw.as_bytes();
    match ghost::read(&raw) {
        Err(error) => error_located(&error, bytes),
        Ok(items) => {
            for next in &items {
                match next {
                    Ok(next) => item_checked(next, bytes, true)?,
                    Err(error) => error_located(error, bytes)?,
                }
            }
            Ok(())
        }
    }
}

/// A WordPress body (shortcodes, block comments, classic paragraphs) and a Ghost body converted
/// and rendered: always safe HTML, and every note a sentence.
pub(crate) fn wordpress_body(data: &[u8]) -> Outcome {
    let html = text(data);
    for (what, converted) in [("WordPress", convert::wordpress(&html, "7", &Gallery)), ("Ghost", convert::html(&html))]
    {
        safe(&format!("a converted {what} body"), &render_post(&converted.markdown, &library()).html)?;
        ensure(converted.notes.iter().all(|n| !n.trim().is_empty()), || {
            format!("an empty note: {:?}", converted.notes)
        })?;
    }
    Ok(())
}
