//! The dialect as a reader sees it: one snapshot per feature of DESIGN.md §5. Review every
//! `.snap` by eye when it changes; a wrong snapshot is worse than none.

use std::collections::HashMap;

use quire_content::{
    MediaInfo, MediaVariant, NoMedia, absolutize_urls, excerpt, html_to_text, reading_minutes, render_comment,
    render_post, sanitize_html,
};

/// A small media library: a photo with variants and full credits, an animated GIF, and the
/// Hailsham still of the demo essay.
fn library() -> HashMap<i64, MediaInfo> {
    let photo = MediaInfo {
        url: "/media/2020/ishiguro.jpg".into(),
        mime: "image/jpeg".into(),
        width: Some(1600),
        height: Some(1067),
        alt: "Kazuo Ishiguro in a grey jacket".into(),
        caption: Some("Kazuo Ishiguro in 2017".into()),
        credit: Some("Photograph by Richard Pohle / The Times".into()),
        licence: Some("CC BY 4.0".into()),
        variants: vec![
            MediaVariant { url: "/media/2020/ishiguro-960.webp".into(), width: 960, mime: "image/webp".into() },
            MediaVariant { url: "/media/2020/ishiguro-480.webp".into(), width: 480, mime: "image/webp".into() },
        ],
    };
    let gif = MediaInfo {
        url: "/media/2020/question-mark.gif".into(),
        mime: "image/gif".into(),
        width: Some(480),
        height: Some(270),
        alt: "A question mark spinning".into(),
        caption: Some("via GIPHY".into()),
        credit: None,
        licence: None,
        variants: vec![MediaVariant {
            url: "/media/2020/question-mark-240.webp".into(),
            width: 240,
            mime: "image/webp".into(),
        }],
    };
    let still = MediaInfo {
        url: "/media/2020/hailsham.jpg".into(),
        mime: "image/jpeg".into(),
        width: None,
        height: None,
        alt: "Miss Emily, Kathy, Ruth and Tommy at Hailsham".into(),
        caption: None,
        credit: Some("Roger Ebert".into()),
        licence: None,
        variants: Vec::new(),
    };
    HashMap::from([(1, photo), (2, gif), (3, still)])
}

fn post(markdown: &str) -> String {
    render_post(markdown, &library()).html
}

#[test]
fn gfm_table_keeps_column_alignment() {
    let html = post("| Book | Year |\n|:-----|-----:|\n| *Never Let Me Go* | 2005 |\n| Klara | 2021 |\n");
    assert!(html.contains("<td align=\"right\">2005</td>"));
    insta::assert_snapshot!("table", html);
}

#[test]
fn strikethrough_becomes_del() {
    let html = post("Ishiguro is ~~overrated~~ great.\n");
    assert!(html.contains("<del>overrated</del>"));
    insta::assert_snapshot!("strikethrough", html);
}

#[test]
fn bare_urls_become_links() {
    let html = post("See https://www.nobelprize.org/ and www.faber.co.uk for more.\n");
    assert!(html.contains("<a href=\"https://www.nobelprize.org/\" rel=\"noopener\">"));
    insta::assert_snapshot!("autolink", html);
}

#[test]
fn task_list_shows_disabled_checkboxes() {
    let html = post("- [x] Read the novel\n- [ ] Watch the film\n");
    assert!(html.contains("checked=\"\""));
    insta::assert_snapshot!("task_list", html);
}

#[test]
fn footnotes_link_both_ways() {
    let html = post("Hailsham is a boarding school.[^1]\n\n[^1]: Of a kind.\n");
    assert!(html.contains("href=\"#fn-1\"") && html.contains("href=\"#fnref-1\""));
    insta::assert_snapshot!("footnotes", html);
}

#[test]
fn headings_get_unique_slug_ids() {
    let r = render_post("## What is *Never Let Me Go* about?\n\n### Notes\n\n### Notes\n", &NoMedia);
    assert!(r.html.contains("<h2 id=\"what-is-never-let-me-go-about\">"));
    let ids: Vec<&str> = r.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["what-is-never-let-me-go-about", "notes", "notes-1"]);
    assert_eq!(r.headings.first().map(|h| h.text.as_str()), Some("What is Never Let Me Go about?"));
    insta::assert_snapshot!("heading_anchors", r.html);
}

#[test]
fn rust_code_is_highlighted_with_classes_not_styles() {
    let html = post("```rust\nfn main() {\n    println!(\"<never let me go>\");\n}\n```\n");
    assert!(html.contains("<pre class=\"hl-code\"><code class=\"language-rust\">"));
    assert!(html.contains("class=\"hl-"));
    assert!(!html.contains("style="));
    insta::assert_snapshot!("code_rust", html);
}

#[test]
fn code_in_an_unknown_language_or_none_stays_plain() {
    let html = post("```klingon\n<b>Qapla'</b>\n```\n\n```\nplain & simple\n```\n");
    assert!(!html.contains("hl-"));
    insta::assert_snapshot!("code_unknown", html);
}

#[test]
fn a_lone_image_becomes_a_figure_captioned_by_its_title() {
    let html = post("![The Hailsham tape](/img/tape.jpg \"Songs After Dark\")\n\n![No title](/img/plain.jpg)\n");
    assert!(html.contains("<figcaption>Songs After Dark</figcaption>"));
    insta::assert_snapshot!("figure_title", html);
}

#[test]
fn media_figure_carries_caption_credit_licence_and_srcset() {
    let r = render_post("![](media:1)\n\n![Ishiguro, smiling](media:1 \"At the Nobel lecture\")\n", &library());
    assert!(r.html.contains("<small class=\"credit\">Photograph by Richard Pohle / The Times · CC BY 4.0</small>"));
    assert!(r.html.contains("480w") && r.html.contains("1600w"));
    assert_eq!(r.media_ids, [1]);
    insta::assert_snapshot!("figure_media", r.html);
}

#[test]
fn animated_gif_keeps_only_its_original() {
    let html = post("![](media:2)\n");
    assert!(html.contains("src=\"/media/2020/question-mark.gif\""));
    assert!(!html.contains("srcset") && !html.contains(".webp"));
    insta::assert_snapshot!("figure_gif", html);
}

#[test]
fn missing_media_shows_a_notice_instead_of_failing() {
    let r = render_post("![](media:404)\n\nAnd inline ![](media:405).\n", &library());
    assert!(r.html.contains("<p class=\"missing-media\">Missing image (media:404)</p>"));
    assert_eq!(r.media_ids, [404, 405]);
    insta::assert_snapshot!("figure_missing", r.html);
}

#[test]
fn an_image_inside_text_stays_inline() {
    let html = post("The tape ![cassette](/img/tape.png) was lost, like ![](media:3) this.\n");
    assert!(!html.contains("<figure"));
    assert!(html.contains("<img src=\"/img/tape.png\" alt=\"cassette\" loading=\"lazy\""));
    insta::assert_snapshot!("image_inline", html);
}

#[test]
fn em_dash_line_becomes_the_quote_citation() {
    let html = post("> I was weeping for an altogether different reason.\n>\n> — Madame, *Never Let Me Go* (Ch. 22)\n");
    assert!(html.starts_with("<figure class=\"quote\">"));
    assert!(html.contains("<figcaption><cite>Madame, <em>Never Let Me Go</em> (Ch. 22)</cite></figcaption>"));
    insta::assert_snapshot!("quote_em_dash", html);
}

#[test]
fn double_hyphen_line_becomes_the_quote_citation() {
    let html = post("> Oh baby, baby, never let me go.\n>\n> -- Judy Bridgewater\n");
    assert!(html.contains("<cite>Judy Bridgewater</cite>"));
    insta::assert_snapshot!("quote_double_hyphen", html);
}

#[test]
fn a_quote_without_citation_stays_plain() {
    let html = post("> It was a sunny afternoon.\n>\n> And I'd gone to our dorm — to get something.\n");
    assert!(!html.contains("<figure") && !html.contains("<cite>"));
    insta::assert_snapshot!("quote_plain", html);
}

#[test]
fn spoiler_becomes_a_focusable_span() {
    let r = render_post("In the end, ||Tommy completes|| after his fourth donation.\n", &NoMedia);
    assert!(r.html.contains("<span class=\"spoiler\" tabindex=\"0\" role=\"button\" aria-label=\"Spoiler (select to reveal)\">Tommy completes</span>"));
    assert!(!r.text.contains("Tommy"), "excerpts must not give the ending away");
    insta::assert_snapshot!("spoiler", r.html);
}

#[test]
fn spoiler_bars_in_code_or_unbalanced_are_left_alone() {
    let html = post("Use `a || b` here, and ||this never closes.\n\n```\nx || y || z\n```\n");
    assert!(!html.contains("spoiler"));
    insta::assert_snapshot!("spoiler_not_applied", html);
}

#[test]
fn raw_html_is_sanitised_but_writing_tags_survive() {
    let html = post(concat!(
        "<details><summary>Cast</summary><p>Carey <abbr title=\"Mulligan\">M.</abbr></p></details>\n\n",
        "<script>alert(1)</script>\n\n",
        "<p style=\"color:red\" onclick=\"steal()\">Hi <mark>there</mark><img src=x onerror=alert(1)></p>\n\n",
        "<a href=\"javascript:alert(1)\">click</a> <a href=\"&#106;avascript:alert(1)\">again</a> ",
        "<a href=\"https://example.com/\" rel=\"me nonsense\" target=\"_blank\">home</a>\n\n",
        "<iframe src=\"https://evil.example/\"></iframe><form action=\"/x\"><input type=\"text\"></form>\n\n",
        "<span class=\"spoiler evil\">ok</span> <img src=\"data:image/png;base64,AAAA\" alt=\"d\">\n",
    ));
    for bad in ["<script", "onclick", "onerror", "javascript:", "style=", "<iframe", "<form", "data:", "target="] {
        assert!(!html.contains(bad), "{bad} survived in {html}");
    }
    assert!(html.contains("<details><summary>Cast</summary>"));
    assert!(html.contains("rel=\"me noopener\""));
    insta::assert_snapshot!("raw_html_sanitised", html);
}

#[test]
fn comment_is_a_small_subset_with_user_generated_links() {
    let r = render_comment(concat!(
        "# I cried too\n\n",
        "![the poster](https://example.com/poster.jpg) *Madame* was **crying**, ~~not~~ sobbing.\n",
        "See [the film](https://example.com/film) or https://example.org.\n\n",
        "<b>bold?</b> <script>alert(1)</script>\n\n",
        "> Never let me go\n\n",
        "- Ruth\n- Tommy\n\n",
        "| a | b |\n|---|---|\n\n",
        "Footnote?[^1]\n\n",
        "`code` and ||not a spoiler||\n",
    ));
    let html = &r.html;
    assert!(!html.contains("<h1") && html.contains("<p>I cried too</p>"));
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;b&gt;bold?&lt;/b&gt;") && !html.contains("<script"));
    assert!(!html.contains("<table") && !html.contains("footnote") && !html.contains("spoiler\""));
    let links = html.matches("<a ").count();
    assert_eq!(links, 3);
    assert_eq!(html.matches("rel=\"nofollow ugc noopener\"").count(), links);
    insta::assert_snapshot!("comment_subset", html);
}

#[test]
fn excerpt_cuts_at_a_word_boundary() {
    let text = "It’s hard to find lucid prose these days. It’s even harder to find lucid prose with emotional depth.";
    assert_eq!(excerpt(text, 30), "It’s hard to find lucid prose…");
    assert_eq!(excerpt(text, 500), text);
    assert_eq!(excerpt("Ishiguro’s great.", 11), "Ishiguro’s…");
    assert_eq!(reading_minutes(3234), 15);
}

#[test]
fn absolutize_urls_makes_feed_links_absolute() {
    let html = post("[Home](/) [note](#fn-1) [elsewhere](https://faber.co.uk/)\n\n![](media:1)\n");
    let out = absolutize_urls(&html, "https://blog.example/2020/01/01/never-let-me-go/");
    assert!(!out.contains("\"/media") && !out.contains(" /media"));
    insta::assert_snapshot!("absolutize_urls", out);
}

#[test]
fn sanitize_html_and_html_to_text_work_on_their_own() {
    let imported = "<p class=\"wp-caption\">Never <b>Let</b> Me&nbsp;Go</p><script>x</script><style>p{}</style>";
    assert_eq!(sanitize_html(imported), "<p>Never <b>Let</b> Me&nbsp;Go</p>");
    assert_eq!(html_to_text(imported), "Never Let Me Go");
}

#[test]
fn the_demo_essays_constructs_work_together() {
    let markdown = concat!(
        "**Note: This post contains spoilers!**\n\n",
        "## Reading for deeper meaning: “One strange incident” in *Never Let Me Go*\n\n",
        "> And the odd thing was she was crying.\n>\n",
        "> It might even have been one of her sobs that had come through the song.\n>\n",
        "> — (Ch. 6)\n\n",
        "![](media:3 \"Hailsham, in the film\")\n\n",
        "Madame, it turns out, ||was weeping for the old kind world||.\n",
    );
    let r = render_post(markdown, &library());
    assert!(r.html.contains("<h2 id=\"reading-for-deeper-meaning-one-strange-incident-in-never-let-me-go\">"));
    assert!(r.html.contains("<figcaption><cite>(Ch. 6)</cite></figcaption>"));
    assert!(
        r.html.contains("<figcaption>Hailsham, in the film <small class=\"credit\">Roger Ebert</small></figcaption>")
    );
    assert!(r.html.contains("class=\"spoiler\""));
    assert_eq!(r.media_ids, [3]);
    assert_eq!(r.headings.len(), 1);
    insta::assert_snapshot!("demo_essay", r.html);
    insta::assert_snapshot!("demo_essay_text", r.text);
    assert_eq!(r.word_count, r.text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count());
}
