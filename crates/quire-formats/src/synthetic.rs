//! A synthetic WordPress export of any size, written as a stream: authors, a category tree, tags,
//! then posts with classic, block and shortcode bodies and threaded comments (every third one a
//! reply), pingbacks and trackbacks among them. The same shape always gives the same bytes, so a
//! benchmark and a test can count what must come out. Used by `bench/import.sh` (through the
//! `synthetic_wxr` example) and by the import tests; nothing in the site uses it.

use std::io::{self, Write};

/// How big the export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Posts (every tenth one a page).
    pub posts: u32,
    /// Comments in all, spread evenly over the posts (the first posts take the remainder).
    pub comments: u32,
}

/// Authors listed in the export.
pub const AUTHORS: u32 = 5;
/// Categories (half of them children of the first few).
pub const CATEGORIES: u32 = 12;
/// Tags.
pub const TAGS: u32 = 40;

impl Shape {
    /// Comments on the post numbered `n` (1-based).
    pub fn comments_on(&self, n: u32) -> u32 {
        if self.posts == 0 {
            return 0;
        }
        let base = self.comments / self.posts;
        let extra = self.comments % self.posts;
        base + u32::from(n <= extra)
    }

    /// Whether post `n` is a page.
    pub fn is_page(n: u32) -> bool {
        n.is_multiple_of(10)
    }

    /// Pages in the export.
    pub fn pages(&self) -> u32 {
        self.posts / 10
    }

    /// Comments that are replies to another comment of the same post.
    pub fn replies(&self) -> u32 {
        (1..=self.posts).map(|n| self.comments_on(n) / 3).sum()
    }
}

/// The source id of the `k`th (0-based) comment of post `n`.
fn comment_id(shape: &Shape, n: u32, k: u32) -> u64 {
    let before: u64 = match shape.comments.checked_div(shape.posts) {
        None => 0,
        Some(base) => {
            let extra = u64::from(shape.comments % shape.posts);
            let earlier = u64::from(n.saturating_sub(1));
            earlier * u64::from(base) + earlier.min(extra)
        }
    };
    before + u64::from(k) + 1
}

/// Writes the whole export to `out`.
pub fn write_wxr(out: &mut impl Write, shape: &Shape) -> io::Result<()> {
    out.write_all(
        br#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Synthetic Notebook</title>
	<link>https://synthetic.example</link>
	<description>A generated export for import tests and benchmarks</description>
	<language>en-GB</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://synthetic.example</wp:base_site_url>
	<wp:base_blog_url>https://synthetic.example</wp:base_blog_url>
"#,
    )?;
    for a in 1..=AUTHORS {
        writeln!(
            out,
            "\t<wp:author><wp:author_id>{a}</wp:author_id><wp:author_login><![CDATA[writer{a}]]></wp:author_login>\
             <wp:author_email><![CDATA[writer{a}@synthetic.example]]></wp:author_email>\
             <wp:author_display_name><![CDATA[Writer Number {a}]]></wp:author_display_name></wp:author>"
        )?;
    }
    for c in 1..=CATEGORIES {
        let parent = if c > CATEGORIES / 2 { format!("topic-{}", c - CATEGORIES / 2) } else { String::new() };
        writeln!(
            out,
            "\t<wp:category><wp:term_id>{c}</wp:term_id><wp:category_nicename><![CDATA[topic-{c}]]></wp:category_nicename>\
             <wp:category_parent><![CDATA[{parent}]]></wp:category_parent><wp:cat_name><![CDATA[Topic {c}]]></wp:cat_name></wp:category>"
        )?;
    }
    for t in 1..=TAGS {
        writeln!(
            out,
            "\t<wp:tag><wp:term_id>{}</wp:term_id><wp:tag_slug><![CDATA[tag-{t}]]></wp:tag_slug><wp:tag_name><![CDATA[Tag {t}]]></wp:tag_name></wp:tag>",
            100 + t
        )?;
    }
    for n in 1..=shape.posts {
        write_post(out, shape, n)?;
    }
    out.write_all(b"</channel>\n</rss>\n")
}

/// A body of about 2 KB: classic paragraphs, and on some posts block markup or a shortcode.
fn body(n: u32) -> String {
    let para = "Lorem ipsum dolor sit amet, <em>consectetur</em> adipiscing elit. Sed do eiusmod tempor \
                incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
                exercitation ullamco laboris nisi ut aliquip ex ea <a href=\"https://synthetic.example/\">commodo</a> consequat.";
    match n % 3 {
        0 => format!(
            "<!-- wp:paragraph -->\n<p>Post {n} opens with a block.</p>\n<!-- /wp:paragraph -->\n\n\
             <!-- wp:heading -->\n<h2>Part one</h2>\n<!-- /wp:heading -->\n\n\
             <!-- wp:paragraph -->\n<p>{para}</p>\n<!-- /wp:paragraph -->\n\n\
             <!-- wp:list -->\n<ul><li>first</li><li>second &amp; third</li></ul>\n<!-- /wp:list -->\n\n\
             <!-- wp:paragraph -->\n<p>{para}</p>\n<!-- /wp:paragraph -->"
        ),
        1 => format!(
            "Post {n} is classic HTML.\n\n{para}\n\n<strong>Bold words</strong> and a list:\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n\n{para}\n\n{para}"
        ),
        _ => format!(
            "Post {n} has a caption.\n\n[caption id=\"attachment_{n}\" align=\"alignnone\" width=\"300\"]\
             <img src=\"https://synthetic.example/wp-content/uploads/{n}.jpg\" alt=\"Picture {n}\" width=\"300\" height=\"200\" /> \
             The picture of post {n}[/caption]\n\n{para}\n\n[code lang=\"rust\"]fn main() {{ println!(\"{n}\"); }}[/code]\n\n{para}"
        ),
    }
}

fn write_post(out: &mut impl Write, shape: &Shape, n: u32) -> io::Result<()> {
    let page = Shape::is_page(n);
    let kind = if page { "page" } else { "post" };
    let slug = format!("{kind}-number-{n}");
    let day = n % 28 + 1;
    let month = n / 28 % 12 + 1;
    let year = 2005 + n / 336 % 20;
    let date = format!("{year}-{month:02}-{day:02} {:02}:{:02}:00", n % 24, n % 60);
    let link = if page {
        format!("https://synthetic.example/{slug}/")
    } else {
        format!("https://synthetic.example/{year}/{month:02}/{day:02}/{slug}/")
    };
    let author = n % AUTHORS + 1;
    write!(
        out,
        "\t<item>\n\t\t<title><![CDATA[{} number {n}: a title with “quotes” & ampersands]]></title>\n\
         \t\t<link>{link}</link>\n\t\t<pubDate>Mon, 01 Jan 2018 00:00:00 +0000</pubDate>\n\
         \t\t<dc:creator><![CDATA[writer{author}]]></dc:creator>\n\
         \t\t<guid isPermaLink=\"false\">https://synthetic.example/?p={n}</guid>\n\
         \t\t<description></description>\n\
         \t\t<content:encoded><![CDATA[{}]]></content:encoded>\n\
         \t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>\n\
         \t\t<wp:post_id>{n}</wp:post_id>\n\t\t<wp:post_date><![CDATA[{date}]]></wp:post_date>\n\
         \t\t<wp:post_date_gmt><![CDATA[{date}]]></wp:post_date_gmt>\n\
         \t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>\n\
         \t\t<wp:post_name><![CDATA[{slug}]]></wp:post_name>\n\
         \t\t<wp:status><![CDATA[publish]]></wp:status>\n\t\t<wp:post_parent>0</wp:post_parent>\n\
         \t\t<wp:post_type><![CDATA[{kind}]]></wp:post_type>\n\t\t<wp:post_password><![CDATA[]]></wp:post_password>\n\
         \t\t<wp:is_sticky>0</wp:is_sticky>\n",
        if page { "Page" } else { "Post" },
        body(n)
    )?;
    if !page {
        let c = n % CATEGORIES + 1;
        writeln!(out, "\t\t<category domain=\"category\" nicename=\"topic-{c}\"><![CDATA[Topic {c}]]></category>")?;
        for t in [n % TAGS + 1, (n * 7) % TAGS + 1] {
            writeln!(out, "\t\t<category domain=\"post_tag\" nicename=\"tag-{t}\"><![CDATA[Tag {t}]]></category>")?;
        }
    }
    let count = shape.comments_on(n);
    for k in 0..count {
        let id = comment_id(shape, n, k);
        // Every third comment answers the one before it: threads two or three deep.
        let parent = if k % 3 == 2 { comment_id(shape, n, k - 1) } else { 0 };
        let kind = match id % 50 {
            7 => "pingback",
            31 => "trackback",
            _ => "comment",
        };
        let approved = if id.is_multiple_of(20) { "0" } else { "1" };
        let minute = k % 60;
        writeln!(
            out,
            "\t\t<wp:comment>\n\t\t\t<wp:comment_id>{id}</wp:comment_id>\n\
             \t\t\t<wp:comment_author><![CDATA[Reader {id}]]></wp:comment_author>\n\
             \t\t\t<wp:comment_author_email><![CDATA[reader{id}@readers.example]]></wp:comment_author_email>\n\
             \t\t\t<wp:comment_author_url>https://readers.example/{id}</wp:comment_author_url>\n\
             \t\t\t<wp:comment_author_IP><![CDATA[192.0.2.{}]]></wp:comment_author_IP>\n\
             \t\t\t<wp:comment_date><![CDATA[{year}-{month:02}-{day:02} 23:{minute:02}:00]]></wp:comment_date>\n\
             \t\t\t<wp:comment_date_gmt><![CDATA[{year}-{month:02}-{day:02} 23:{minute:02}:00]]></wp:comment_date_gmt>\n\
             \t\t\t<wp:comment_content><![CDATA[Comment {id} on post {n}: I <em>liked</em> this, and the second paragraph.\n\nSecond paragraph of comment {id}, with a <a href=\"https://readers.example/\">link</a>.]]></wp:comment_content>\n\
             \t\t\t<wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>\n\
             \t\t\t<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>\n\
             \t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n\
             \t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n\t\t</wp:comment>",
            id % 250
        )?;
    }
    out.write_all(b"\t</item>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_spread_over_the_posts_and_ids_do_not_repeat() {
        let shape = Shape { posts: 7, comments: 23 };
        let total: u32 = (1..=7).map(|n| shape.comments_on(n)).sum();
        assert_eq!(total, 23);
        let mut ids: Vec<u64> =
            (1..=7).flat_map(|n| (0..shape.comments_on(n)).map(move |k| comment_id(&shape, n, k))).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids, (1..=23).collect::<Vec<_>>());
    }
}
