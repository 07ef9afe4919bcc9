//! The WXR reader against WordPress's own theme test data and hand-made broken files: every kind
//! counted independently of the parser (a plain scan of the file), hard cases spot-checked.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used, reason = "tests")]

use std::collections::BTreeSet;
use std::io::BufReader;

use quire_core::{CommentKind, CommentStatus, PostKind, PostStatus, TermKind};
use quire_formats::plan::{Item, PostItem};
use quire_formats::{ItemError, WxrReader};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn read(text: &str) -> (Vec<(u64, Item)>, Vec<ItemError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for next in WxrReader::new(BufReader::new(text.as_bytes())) {
        match next {
            Ok(located) => items.push((located.line, located.item)),
            Err(e) => errors.push(e),
        }
    }
    (items, errors)
}

/// The text of every `<tag>…</tag>` in `text`, CDATA unwrapped: the independent count.
fn scan<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    text.match_indices(&open)
        .map(|(at, _)| {
            let body = &text[at + open.len()..];
            let body = &body[..body.find(&close).unwrap()];
            body.trim().trim_start_matches("<![CDATA[").trim_end_matches("]]>")
        })
        .collect()
}

fn posts(items: &[(u64, Item)]) -> Vec<&PostItem> {
    items.iter().filter_map(|(_, i)| if let Item::Post(p) = i { Some(p.as_ref()) } else { None }).collect()
}

#[test]
fn the_theme_unit_test_data_is_read_completely() {
    let text = fixture("themeunittestdata.wordpress.xml");
    let (items, errors) = read(&text);
    assert!(errors.is_empty(), "{errors:?}");
    let types = scan(&text, "wp:post_type");
    let count = |t: &str| types.iter().filter(|x| **x == t).count();
    let posts = posts(&items);
    assert_eq!(posts.iter().filter(|p| p.kind == PostKind::Post).count(), count("post"));
    assert_eq!(posts.iter().filter(|p| p.kind == PostKind::Page).count(), count("page"));
    let attachments = items.iter().filter(|(_, i)| matches!(i, Item::Attachment(_))).count();
    assert_eq!(attachments, count("attachment"));
    let unsupported = items.iter().filter(|(_, i)| matches!(i, Item::Unsupported { .. })).count();
    let nav_terms = scan(&text, "wp:term_taxonomy").iter().filter(|t| **t != "category" && **t != "post_tag").count();
    assert_eq!(unsupported, count("nav_menu_item") + nav_terms);

    // Comments of every kind, and the threaded replies among them.
    let comments: Vec<_> = posts.iter().flat_map(|p| p.comments.iter()).collect();
    assert_eq!(comments.len(), scan(&text, "wp:comment_id").len());
    let kinds = scan(&text, "wp:comment_type");
    for (kind, name) in [(CommentKind::Pingback, "pingback"), (CommentKind::Trackback, "trackback")] {
        let expected = kinds.iter().filter(|k| **k == name).count();
        assert!(expected > 0);
        assert_eq!(comments.iter().filter(|c| c.item.kind == kind).count(), expected, "{name}");
    }
    let replies = scan(&text, "wp:comment_parent").iter().filter(|p| **p != "0" && !p.is_empty()).count();
    assert!(replies > 0);
    assert_eq!(comments.iter().filter(|c| c.item.parent.is_some()).count(), replies);
    let approved = scan(&text, "wp:comment_approved").iter().filter(|a| **a == "1").count();
    assert_eq!(comments.iter().filter(|c| c.item.status == CommentStatus::Approved).count(), approved);

    // Categories (with parents) and tags, declared at the top and used by posts.
    let terms: Vec<_> = items.iter().filter_map(|(_, i)| if let Item::Term(t) = i { Some(t) } else { None }).collect();
    let category_slugs: BTreeSet<_> =
        terms.iter().filter(|t| t.kind == TermKind::Category).map(|t| t.slug.as_str()).collect();
    let scanned: BTreeSet<_> = scan(&text, "wp:category_nicename").into_iter().collect();
    assert_eq!(category_slugs, scanned);
    let tag_slugs: BTreeSet<_> = terms.iter().filter(|t| t.kind == TermKind::Tag).map(|t| t.slug.as_str()).collect();
    assert_eq!(tag_slugs, scan(&text, "wp:tag_slug").into_iter().collect());
    let parents = scan(&text, "wp:category_parent").iter().filter(|p| !p.is_empty()).count();
    assert!(parents > 0);
    let with_parent = terms.iter().filter(|t| t.kind == TermKind::Category && t.parent_slug.is_some());
    assert!(with_parent.count() >= parents);
    let authors = items.iter().filter(|(_, i)| matches!(i, Item::Author(_))).count();
    assert_eq!(authors, scan(&text, "wp:author_login").len());
}

#[test]
fn hard_cases_of_the_theme_unit_test_data_survive() {
    let text = fixture("themeunittestdata.wordpress.xml");
    let (items, _) = read(&text);
    let posts = posts(&items);
    let by_title = |t: &str| *posts.iter().find(|p| p.title == t).unwrap_or_else(|| panic!("no post {t:?}"));
    let protected = by_title("Template: Password Protected (the password is \"enter\")");
    assert_eq!(protected.password.as_deref(), Some("enter"));
    let scheduled = posts.iter().find(|p| p.status == PostStatus::Scheduled).expect("a scheduled post");
    assert!(scheduled.published_at.is_some());
    assert!(posts.iter().any(|p| p.sticky), "a sticky post");
    assert!(posts.iter().any(|p| p.title.starts_with("Taumatawhakatangihanga") && p.title.len() > 80), "a long title");
    assert!(posts.iter().any(|p| p.title.contains("&*()") && p.title.contains("'\"?,.>")), "entities decoded");
    assert!(posts.iter().any(|p| !p.title.is_ascii()), "a title beyond ASCII");
    let page_with_comments = posts.iter().find(|p| p.kind == PostKind::Page && !p.comments.is_empty());
    assert!(page_with_comments.is_some(), "comments on a page");
    let utf8 = posts.iter().find(|p| p.title == "Ελληνικά-Greek");
    assert!(utf8.is_some(), "unicode bodies are read as unicode");
    let (line, _) = items.iter().find(|(_, i)| matches!(i, Item::Post(p) if p.password.is_some())).unwrap();
    assert!(text.lines().nth(*line as usize - 1).unwrap().contains("<item>"), "line {line} is the item's");
}

#[test]
fn the_theme_preview_without_ids_or_authors_is_read() {
    let text = fixture("theme-preview.xml");
    let (items, errors) = read(&text);
    assert!(errors.is_empty(), "{errors:?}");
    let posts = posts(&items);
    assert_eq!(
        posts.len(),
        scan(&text, "wp:post_type").len() - scan(&text, "wp:post_type").iter().filter(|t| **t == "attachment").count()
    );
    assert!(posts.iter().all(|p| !p.source_id.is_empty() && p.author.is_some()));
    assert_eq!(posts.iter().map(|p| p.comments.len()).sum::<usize>(), scan(&text, "wp:comment_id").len());
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.0/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n<wp:wxr_version>1.0</wp:wxr_version>\n";

fn item(id: u32, title: &str) -> String {
    format!(
        "<item>\n<title>{title}</title>\n<wp:post_id>{id}</wp:post_id>\n<wp:post_type>post</wp:post_type>\n<wp:status>publish</wp:status>\n<content:encoded><![CDATA[Body {id}]]></content:encoded>\n</item>\n"
    )
}

#[test]
fn a_truncated_file_names_the_item_and_line_and_keeps_what_came_before() {
    let text = format!("{HEAD}{}{}", item(1, "One"), &item(2, "Two")[..40]);
    let (items, errors) = read(&text);
    assert_eq!(posts(&items).len(), 1);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 12, "{errors:?}");
    assert!(errors[0].item.as_deref().unwrap().contains("Two"), "{errors:?}");
}

#[test]
fn duplicates_and_bad_bytes_are_reported_and_the_rest_is_read() {
    let mut bytes = format!("{HEAD}{}{}", item(1, "One"), item(1, "Again")).into_bytes();
    bytes.extend(
        item(3, "Bad").replace("Body", "B\u{1}ody").into_bytes().iter().map(|b| if *b == 1 { 0xff } else { *b }),
    );
    bytes.extend(format!("{}</channel></rss>\n", item(4, "Four")).into_bytes());
    let (items, errors) = read(&String::from_utf8_lossy(&bytes));
    let _ = items;
    let mut items = Vec::new();
    let mut errors2 = Vec::new();
    for next in WxrReader::new(BufReader::new(&bytes[..])) {
        match next {
            Ok(l) => items.push(l.item),
            Err(e) => errors2.push(e),
        }
    }
    let titles: Vec<_> =
        items.iter().filter_map(|i| if let Item::Post(p) = i { Some(p.title.clone()) } else { None }).collect();
    assert_eq!(titles, ["One", "Four"], "{errors2:?}");
    assert_eq!(errors2.len(), 2, "{errors2:?}");
    assert!(errors2[0].message.contains("duplicate"), "{errors2:?}");
    assert_eq!(errors2[0].line, 12);
    assert!(errors2[1].message.contains("UTF-8"), "{errors2:?}");
    assert!(errors.len() <= 2);
}

#[test]
fn a_file_that_is_not_wxr_is_refused_at_once() {
    let (_, errors) = read("<?xml version=\"1.0\"?>\n<html><body>hi</body></html>");
    assert!(errors[0].message.contains("not a WordPress export"), "{errors:?}");
    let (_, errors) = read("<rss><channel><title>x</title></channel></rss>");
    assert!(errors[0].message.contains("not a WordPress export"), "{errors:?}");
    let (_, errors) = read("{\"db\": []}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (_, errors) = read("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss></rss>");
    assert!(errors[0].message.contains("iso-8859-1"), "{errors:?}");
}

#[test]
fn an_enormous_field_is_reported_with_its_item_and_line_and_the_rest_is_read() {
    let huge = "x".repeat(quire_formats::xml::MAX_FIELD_BYTES + 10);
    let text = format!(
        "{HEAD}{}{}{}</channel></rss>\n",
        item(1, "One"),
        item(2, "Huge").replace("Body", &huge),
        item(3, "Three")
    );
    let (items, errors) = read(&text);
    let titles: Vec<_> = posts(&items).iter().map(|p| p.title.clone()).collect();
    assert_eq!(titles, ["One", "Three"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 12);
    assert!(errors[0].item.as_deref().unwrap().contains("Huge"), "{errors:?}");
    assert!(errors[0].message.contains("larger than 16 MiB"), "{errors:?}");
}

/// A post whose body never ends: `<content:encoded><![CDATA[xxxx…` forever.
struct Endless {
    head: std::io::Cursor<Vec<u8>>,
    given: u64,
}

impl std::io::Read for Endless {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.head.read(out)?;
        if n > 0 {
            return Ok(n);
        }
        out.fill(b'x');
        self.given += out.len() as u64;
        Ok(out.len())
    }
}

#[test]
fn a_field_without_end_stops_the_reading_instead_of_filling_memory() {
    let head = format!("{HEAD}{}<item>\n<title>Endless</title>\n<content:encoded><![CDATA[", item(1, "One"));
    let endless = Endless { head: std::io::Cursor::new(head.into_bytes()), given: 0 };
    let mut reader = WxrReader::new(BufReader::new(endless));
    let first = reader.next().unwrap().unwrap();
    assert!(matches!(first.item, Item::Site(_)));
    assert!(matches!(reader.next().unwrap().unwrap().item, Item::Post(_)));
    let error = reader.next().unwrap().unwrap_err();
    assert!(error.message.contains("too large"), "{error:?}");
    assert_eq!(error.line, 12, "{error:?}");
    assert!(error.item.as_deref().unwrap().contains("Endless"), "{error:?}");
    assert!(reader.next().is_none());
    let read = reader.bytes_read();
    assert!(read <= quire_formats::xml::MAX_EVENT_BYTES + 1024 * 1024, "read {read} bytes");
}
