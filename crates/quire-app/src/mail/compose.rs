//! Email bodies, built from a few kinds of blocks so that the plain-text part and the HTML part
//! always say the same thing. Every piece of text is escaped in the HTML; the HTML loads nothing
//! from anywhere (no images, no stylesheets), so opening a mail tells nobody anything.

use quire_content::escape_html;

/// One block of an email body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    /// A paragraph.
    Para(String),
    /// Someone else's words (a comment), quoted.
    Quote(String),
    /// The one thing to do, as a link.
    Action { label: String, url: String },
    /// Why the mail came, and how to stop it.
    Footer { text: String, label: String, url: String },
}

/// An email's subject and body, ready to be sent as text with an HTML alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// Subject line.
    pub subject: String,
    blocks: Vec<Block>,
}

impl Composed {
    /// A mail with `subject` and no body yet.
    pub fn new(subject: impl Into<String>) -> Composed {
        Composed { subject: subject.into(), blocks: Vec::new() }
    }

    /// Adds a paragraph.
    pub fn para(mut self, text: impl Into<String>) -> Composed {
        self.blocks.push(Block::Para(text.into()));
        self
    }

    /// Adds a quotation (a comment's text, shown as the reader wrote it).
    pub fn quote(mut self, text: impl Into<String>) -> Composed {
        self.blocks.push(Block::Quote(text.into()));
        self
    }

    /// Adds the link the mail is about.
    pub fn action(mut self, label: impl Into<String>, url: impl Into<String>) -> Composed {
        self.blocks.push(Block::Action { label: label.into(), url: url.into() });
        self
    }

    /// Adds the closing note with its link (usually the unsubscribe link).
    pub fn footer(mut self, text: impl Into<String>, label: impl Into<String>, url: impl Into<String>) -> Composed {
        self.blocks.push(Block::Footer { text: text.into(), label: label.into(), url: url.into() });
        self
    }

    /// The plain-text part.
    pub fn text(&self) -> String {
        let mut parts = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            parts.push(match block {
                Block::Para(text) => text.clone(),
                Block::Quote(text) => {
                    text.lines().map(|l| format!("> {l}").trim_end().to_string()).collect::<Vec<_>>().join("\n")
                }
                Block::Action { label, url } => [label.as_str(), ":\n", url.as_str()].concat(),
                Block::Footer { text, label, url } => ["-- \n", text, "\n", label, ": ", url].concat(),
            });
        }
        let mut out = parts.join("\n\n");
        out.push('\n');
        out
    }

    /// The HTML part: a small document with escaped text and no remote resources.
    pub fn html(&self) -> String {
        let mut out = String::from("<!doctype html>\n<html>\n<head><meta charset=\"utf-8\"><title>");
        out.push_str(&escape_html(&self.subject));
        out.push_str("</title></head>\n<body>\n");
        for block in &self.blocks {
            match block {
                Block::Para(text) => {
                    out.push_str("<p>");
                    out.push_str(&escape_html(text));
                    out.push_str("</p>\n");
                }
                Block::Quote(text) => {
                    out.push_str("<blockquote>");
                    for (n, paragraph) in text.split("\n\n").enumerate() {
                        if n > 0 {
                            out.push('\n');
                        }
                        out.push_str("<p>");
                        out.push_str(&escape_html(paragraph).replace('\n', "<br>"));
                        out.push_str("</p>");
                    }
                    out.push_str("</blockquote>\n");
                }
                Block::Action { label, url } => {
                    out.push_str("<p><a href=\"");
                    out.push_str(&escape_html(url));
                    out.push_str("\">");
                    out.push_str(&escape_html(label));
                    out.push_str("</a></p>\n");
                }
                Block::Footer { text, label, url } => {
                    out.push_str("<hr>\n<p><small>");
                    out.push_str(&escape_html(text));
                    out.push_str(" <a href=\"");
                    out.push_str(&escape_html(url));
                    out.push_str("\">");
                    out.push_str(&escape_html(label));
                    out.push_str("</a></small></p>\n");
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Composed {
        Composed::new("Ruth replied to your comment")
            .para("Ruth <br> replied to your comment on “Never Let Me Go”:")
            .quote("<script>alert(1)</script> & more\nsecond line")
            .action("Read the reply", "https://blog.example/2020/01/01/x/?a=1&b=2#comment-7")
            .footer("You asked to hear of new comments on this post.", "Unsubscribe", "https://blog.example/u?token=t")
    }

    #[test]
    fn the_text_part_quotes_the_comment_and_spells_out_every_link() {
        let text = sample().text();
        assert!(text.contains("> <script>alert(1)</script> & more\n> second line"), "{text}");
        assert!(text.contains("Read the reply:\nhttps://blog.example/2020/01/01/x/?a=1&b=2#comment-7"), "{text}");
        assert!(text.contains("Unsubscribe: https://blog.example/u?token=t"), "{text}");
    }

    #[test]
    fn the_html_part_escapes_everything_and_loads_nothing() {
        let html = sample().html();
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more<br>second line"), "{html}");
        assert!(!html.contains("<script>") && html.contains("Ruth &lt;br&gt; replied"), "{html}");
        assert!(html.contains("href=\"https://blog.example/2020/01/01/x/?a=1&amp;b=2#comment-7\""), "{html}");
        assert!(!html.contains("<img") && !html.contains("<link") && !html.contains("style"), "{html}");
    }

    #[test]
    fn a_notification_reads_the_same_in_text_and_html() {
        let mail = sample();
        insta::assert_snapshot!("notification_text", mail.text());
        insta::assert_snapshot!("notification_html", mail.html());
    }
}
