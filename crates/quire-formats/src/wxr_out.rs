//! Writes WXR 1.2, the format WordPress's importer reads, from the same plan items the reader
//! yields: so an export read back gives the same items (checked by the tests).

use std::io::Write;

use quire_core::{CommentKind, CommentStatus, Discussion, PostKind, PostStatus, TermKind};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;
use time::macros::format_description;

use crate::plan::{Author, PostItem, Site, TermItem};

/// Writes a WXR document item by item.
pub struct WxrWriter<W: Write> {
    out: W,
}

/// `<![CDATA[…]]>` that survives a `]]>` inside the text.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn wp_date(at: Option<OffsetDateTime>) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    at.and_then(|t| t.format(format).ok()).unwrap_or_else(|| "0000-00-00 00:00:00".into())
}

impl<W: Write> WxrWriter<W> {
    /// Writes the header, the site, its authors and terms.
    pub fn start(mut out: W, site: &Site, authors: &[Author], terms: &[TermItem]) -> std::io::Result<Self> {
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(out, "<!-- generator=\"Quire\" -->")?;
        writeln!(
            out,
            "<rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
             xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:wfw=\"http://wellformedweb.org/CommentAPI/\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">"
        )?;
        writeln!(out, "<channel>")?;
        writeln!(out, "\t<title>{}</title>", escape(&site.title))?;
        writeln!(out, "\t<link>{}</link>", escape(&site.url))?;
        writeln!(out, "\t<wp:wxr_version>1.2</wp:wxr_version>")?;
        writeln!(out, "\t<wp:base_site_url>{}</wp:base_site_url>", escape(&site.url))?;
        writeln!(out, "\t<wp:base_blog_url>{}</wp:base_blog_url>", escape(&site.url))?;
        for author in authors {
            writeln!(out, "\t<wp:author>")?;
            writeln!(out, "\t\t<wp:author_login>{}</wp:author_login>", cdata(&author.login))?;
            writeln!(
                out,
                "\t\t<wp:author_email>{}</wp:author_email>",
                cdata(author.email.as_deref().unwrap_or_default())
            )?;
            writeln!(out, "\t\t<wp:author_display_name>{}</wp:author_display_name>", cdata(&author.display_name))?;
            writeln!(out, "\t\t<wp:author_first_name>{}</wp:author_first_name>", cdata(""))?;
            writeln!(out, "\t\t<wp:author_last_name>{}</wp:author_last_name>", cdata(""))?;
            writeln!(out, "\t</wp:author>")?;
        }
        for term in terms {
            match term.kind {
                TermKind::Category => {
                    writeln!(out, "\t<wp:category>")?;
                    writeln!(out, "\t\t<wp:term_id>{}</wp:term_id>", escape(&term.source_id))?;
                    writeln!(out, "\t\t<wp:category_nicename>{}</wp:category_nicename>", cdata(&term.slug))?;
                    let parent = term.parent_slug.as_deref().unwrap_or_default();
                    writeln!(out, "\t\t<wp:category_parent>{}</wp:category_parent>", cdata(parent))?;
                    writeln!(out, "\t\t<wp:cat_name>{}</wp:cat_name>", cdata(&term.name))?;
                    if let Some(d) = &term.description {
                        writeln!(out, "\t\t<wp:category_description>{}</wp:category_description>", cdata(d))?;
                    }
                    writeln!(out, "\t</wp:category>")?;
                }
                TermKind::Tag => {
                    writeln!(out, "\t<wp:tag>")?;
                    writeln!(out, "\t\t<wp:term_id>{}</wp:term_id>", escape(&term.source_id))?;
                    writeln!(out, "\t\t<wp:tag_slug>{}</wp:tag_slug>", cdata(&term.slug))?;
                    writeln!(out, "\t\t<wp:tag_name>{}</wp:tag_name>", cdata(&term.name))?;
                    if let Some(d) = &term.description {
                        writeln!(out, "\t\t<wp:tag_description>{}</wp:tag_description>", cdata(d))?;
                    }
                    writeln!(out, "\t</wp:tag>")?;
                }
            }
        }
        Ok(WxrWriter { out })
    }

    /// Writes one post or page with its comments.
    pub fn post(&mut self, post: &PostItem) -> std::io::Result<()> {
        let out = &mut self.out;
        let status = match post.status {
            PostStatus::Published => "publish",
            PostStatus::Scheduled => "future",
            PostStatus::Draft => "draft",
            PostStatus::Pending => "pending",
            PostStatus::Private => "private",
            PostStatus::Trash => "trash",
        };
        writeln!(out, "\t<item>")?;
        writeln!(out, "\t\t<title>{}</title>", escape(&post.title))?;
        writeln!(out, "\t\t<link>{}</link>", escape(post.link.as_deref().unwrap_or_default()))?;
        if let Some(at) = post.published_at.and_then(|t| t.format(&Rfc2822).ok()) {
            writeln!(out, "\t\t<pubDate>{at}</pubDate>")?;
        }
        writeln!(out, "\t\t<dc:creator>{}</dc:creator>", cdata(post.author.as_deref().unwrap_or_default()))?;
        writeln!(out, "\t\t<guid isPermaLink=\"false\">{}</guid>", escape(post.link.as_deref().unwrap_or_default()))?;
        writeln!(out, "\t\t<description></description>")?;
        writeln!(out, "\t\t<content:encoded>{}</content:encoded>", cdata(&post.html))?;
        writeln!(out, "\t\t<excerpt:encoded>{}</excerpt:encoded>", cdata(post.excerpt.as_deref().unwrap_or_default()))?;
        writeln!(out, "\t\t<wp:post_id>{}</wp:post_id>", escape(&post.source_id))?;
        writeln!(out, "\t\t<wp:post_date>{}</wp:post_date>", cdata(&wp_date(post.published_at)))?;
        writeln!(out, "\t\t<wp:post_date_gmt>{}</wp:post_date_gmt>", cdata(&wp_date(post.published_at)))?;
        writeln!(out, "\t\t<wp:post_modified_gmt>{}</wp:post_modified_gmt>", cdata(&wp_date(post.modified_at)))?;
        let comments = if post.discussion == Discussion::Closed { "closed" } else { "open" };
        writeln!(out, "\t\t<wp:comment_status>{}</wp:comment_status>", cdata(comments))?;
        writeln!(out, "\t\t<wp:ping_status>{}</wp:ping_status>", cdata("closed"))?;
        writeln!(out, "\t\t<wp:post_name>{}</wp:post_name>", cdata(&post.slug))?;
        writeln!(out, "\t\t<wp:status>{}</wp:status>", cdata(status))?;
        writeln!(out, "\t\t<wp:post_parent>0</wp:post_parent>")?;
        writeln!(out, "\t\t<wp:menu_order>0</wp:menu_order>")?;
        let kind = if post.kind == PostKind::Page { "page" } else { "post" };
        writeln!(out, "\t\t<wp:post_type>{}</wp:post_type>", cdata(kind))?;
        writeln!(
            out,
            "\t\t<wp:post_password>{}</wp:post_password>",
            cdata(post.password.as_deref().unwrap_or_default())
        )?;
        writeln!(out, "\t\t<wp:is_sticky>{}</wp:is_sticky>", u8::from(post.sticky))?;
        for (slug, name) in &post.categories {
            writeln!(
                out,
                "\t\t<category domain=\"category\" nicename=\"{}\">{}</category>",
                escape(slug),
                cdata(name)
            )?;
        }
        for (slug, name) in &post.tags {
            writeln!(
                out,
                "\t\t<category domain=\"post_tag\" nicename=\"{}\">{}</category>",
                escape(slug),
                cdata(name)
            )?;
        }
        for comment in &post.comments {
            let c = &comment.item;
            let approved = match c.status {
                CommentStatus::Approved => "1",
                CommentStatus::Pending => "0",
                CommentStatus::Spam => "spam",
                CommentStatus::Trash => "trash",
            };
            let kind = match c.kind {
                CommentKind::Comment => "comment",
                CommentKind::Pingback => "pingback",
                CommentKind::Trackback => "trackback",
            };
            writeln!(out, "\t\t<wp:comment>")?;
            writeln!(out, "\t\t\t<wp:comment_id>{}</wp:comment_id>", escape(&c.source_id))?;
            writeln!(out, "\t\t\t<wp:comment_author>{}</wp:comment_author>", cdata(&c.author_name))?;
            let email = c.author_email.as_deref().unwrap_or_default();
            writeln!(out, "\t\t\t<wp:comment_author_email>{}</wp:comment_author_email>", cdata(email))?;
            let url = c.author_url.as_deref().unwrap_or_default();
            writeln!(out, "\t\t\t<wp:comment_author_url>{}</wp:comment_author_url>", cdata(url))?;
            writeln!(out, "\t\t\t<wp:comment_date>{}</wp:comment_date>", cdata(&wp_date(c.created_at)))?;
            writeln!(out, "\t\t\t<wp:comment_date_gmt>{}</wp:comment_date_gmt>", cdata(&wp_date(c.created_at)))?;
            writeln!(out, "\t\t\t<wp:comment_content>{}</wp:comment_content>", cdata(&c.html))?;
            writeln!(out, "\t\t\t<wp:comment_approved>{}</wp:comment_approved>", cdata(approved))?;
            writeln!(out, "\t\t\t<wp:comment_type>{}</wp:comment_type>", cdata(kind))?;
            let parent = c.parent.as_deref().unwrap_or("0");
            writeln!(out, "\t\t\t<wp:comment_parent>{}</wp:comment_parent>", escape(parent))?;
            writeln!(out, "\t\t</wp:comment>")?;
        }
        writeln!(out, "\t</item>")?;
        Ok(())
    }

    /// Closes the document and hands the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        writeln!(self.out, "</channel>")?;
        writeln!(self.out, "</rss>")?;
        self.out.flush()?;
        Ok(self.out)
    }
}
