//! What a reader sees: home, posts, pages, archives, search.

use quire_app::publishing::Draft;
use quire_core::PostStatus;
use reqwest::StatusCode;

use crate::support::{TestApp, draft};

#[tokio::test]
async fn home_lists_published_posts_newest_first() {
    let app = TestApp::with_demo().await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let titles = home.texts("article h2");
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles[0].contains("Klara and the Sun"), "{titles:?}");
    assert!(titles[1].contains("Never Let Me Go"), "{titles:?}");
}

#[tokio::test]
async fn home_paginates_by_the_posts_per_page_setting() {
    let app = TestApp::with_demo().await;
    app.set("posts_per_page", serde_json::json!(1)).await;
    let first = app.get("/").await;
    assert_eq!(first.texts("article h2").len(), 1);
    assert_eq!(first.attrs("a[rel=next]", "href"), vec!["/page/2/".to_string()]);
    let second = app.get("/page/2/").await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.texts("article h2")[0].contains("Never Let Me Go"));
    assert_eq!(second.attrs("a[rel=prev]", "href"), vec!["/".to_string()]);
    assert_eq!(app.get("/page/3/").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_post_shows_its_title_author_date_reading_time_terms_and_warning() {
    let app = TestApp::with_demo().await;
    let post = app.get(TestApp::ESSAY).await;
    assert_eq!(post.status, StatusCode::OK);
    assert_eq!(post.texts("h1"), vec!["Why you should read Kazuo Ishiguro’s ‘Never Let Me Go’".to_string()]);
    assert!(post.texts(".content-warning").iter().any(|t| t.contains("This post contains spoilers!")));
    assert_eq!(post.attrs("a[rel~=author]", "href"), vec!["/author/demo-writer/".to_string()]);
    assert_eq!(post.attrs("article time", "datetime").first().map(String::as_str), Some("2020-01-01T09:00:00Z"));
    assert!(post.body.contains("January 1, 2020"));
    assert!(post.body.contains("min read"), "reading time missing");
    let tags = post.attrs("a[rel~=tag]", "href");
    for tag in ["/tag/books/", "/tag/ishiguro/", "/tag/spoilers/"] {
        assert!(tags.contains(&tag.to_string()), "{tag} missing from {tags:?}");
    }
    assert!(post.attrs("a", "href").contains(&"/category/books/".to_string()));
}

#[tokio::test]
async fn the_warning_banner_comes_before_the_essay_text() {
    let app = TestApp::with_demo().await;
    let post = app.get(TestApp::ESSAY).await;
    let body = &post.body[post.body.find("<main").unwrap()..];
    let warning = body.find("This post contains spoilers!").unwrap();
    let first_paragraph = body.find("It’s hard to find lucid prose these days").unwrap();
    assert!(warning < first_paragraph);
}

#[tokio::test]
async fn posts_link_to_their_older_and_newer_neighbours() {
    let app = TestApp::with_demo().await;
    let essay = app.get(TestApp::ESSAY).await;
    assert!(essay.attrs("a", "href").contains(&TestApp::KLARA.to_string()), "no link to the newer post");
    let klara = app.get(TestApp::KLARA).await;
    assert!(klara.attrs("a", "href").contains(&TestApp::ESSAY.to_string()), "no link to the older post");
}

#[tokio::test]
async fn the_essay_renders_figures_cited_quotes_and_its_comments() {
    let app = TestApp::with_demo().await;
    let post = app.get(TestApp::ESSAY).await;
    let figures = post.attrs(".entry-content figure img", "src");
    assert_eq!(figures.len(), 8, "{figures:?}");
    assert!(figures.contains(&"/media/demo/question-mark.gif".to_string()));
    let credits = post.texts(".entry-content figcaption small.credit");
    for credit in [
        "Photograph by Richard Pohle / The Times / News Syndication / Redux",
        "Photo credit: Fox Searchlight Pictures",
        "Photo credit: The Guardian",
        "via GIPHY",
        "Photo credit: Roger Ebert",
        "via Pinterest",
    ] {
        assert!(credits.iter().any(|c| c.contains(credit)), "credit {credit:?} missing from {credits:?}");
    }
    let cites = post.texts("figure.quote figcaption cite");
    assert_eq!(cites, vec!["Ch. 1", "Ch. 6", "Ch. 22"]);
    assert_eq!(post.attrs(".comment-list li.comment", "id").len(), 50);
    assert!(
        post.texts("#comments h2").iter().any(|h| h.contains("50 thoughts on")),
        "{:?}",
        post.texts("#comments h2")
    );
}

#[tokio::test]
async fn figures_reserve_their_space_so_nothing_shifts() {
    let app = TestApp::with_demo().await;
    let post = app.get(TestApp::ESSAY).await;
    let html = post.html();
    let sel = scraper::Selector::parse(".entry-content img").unwrap();
    for img in html.select(&sel) {
        assert!(img.value().attr("width").is_some() && img.value().attr("height").is_some(), "{:?}", img.value());
        assert_eq!(img.value().attr("loading"), Some("lazy"));
    }
}

#[tokio::test]
async fn pages_live_at_their_slug_and_are_in_the_navigation() {
    let app = TestApp::with_demo().await;
    let about = app.get("/about/").await;
    assert_eq!(about.status, StatusCode::OK);
    assert_eq!(about.texts("h1"), vec!["About".to_string()]);
    assert!(app.get("/").await.attrs("nav a", "href").contains(&"/about/".to_string()));
}

#[tokio::test]
async fn term_author_and_date_archives_list_their_posts() {
    let app = TestApp::with_demo().await;
    let cases = [
        ("/tag/ishiguro/", 2),
        ("/tag/spoilers/", 1),
        ("/category/books/", 2),
        ("/author/demo-writer/", 2),
        ("/2020/", 1),
        ("/2020/01/", 1),
        ("/2021/03/", 1),
    ];
    for (path, count) in cases {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(page.texts("article h2").len(), count, "{path}");
        assert_eq!(page.texts("h1").len(), 1, "{path} has no heading");
    }
    assert_eq!(app.get("/2019/").await.texts("article h2").len(), 0);
    assert_eq!(app.get("/tag/no-such-tag/").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_finds_titles_and_bodies_with_highlighted_snippets() {
    let app = TestApp::with_demo().await;
    let results = app.get("/search?q=cassette").await;
    assert_eq!(results.status, StatusCode::OK);
    assert_eq!(results.texts("article h2").len(), 1);
    assert!(results.texts("mark").iter().any(|m| m.eq_ignore_ascii_case("cassette")), "{}", results.body);
    assert_eq!(app.get("/search?q=madame").await.texts("article h2").len(), 2, "both posts mention Madame");
    let by_title = app.get("/search?q=klara").await;
    assert!(by_title.texts("article h2")[0].contains("Klara"));
    let wordpress_style = app.get("/?s=Hailsham").await;
    assert_eq!(wordpress_style.status, StatusCode::OK);
    assert!(wordpress_style.texts("article h2").iter().any(|t| t.contains("Never Let Me Go")));
    let nothing = app.get("/search?q=zeppelin").await;
    assert_eq!(nothing.texts("article h2").len(), 0);
    assert!(nothing.body.contains("zeppelin"));
}

#[tokio::test]
async fn search_snippets_escape_what_the_writer_wrote() {
    let app = TestApp::with_demo().await;
    app.publish(draft("Angle brackets", "Writing `<b>zebra</b>` in code about zebras.")).await;
    let results = app.get("/search?q=zebra").await;
    assert!(results.body.contains("&lt;b&gt;"), "{}", results.body);
    assert!(!results.body.contains("<b>zebra"), "snippet markup was not escaped");
}

#[tokio::test]
async fn a_post_reached_by_its_bare_slug_or_wrong_date_moves_to_its_permalink() {
    let app = TestApp::with_demo().await;
    for path in ["/never-let-me-go/", "/2020/02/02/never-let-me-go/"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::MOVED_PERMANENTLY, "{path}");
        assert_eq!(page.header("location").as_deref(), Some(TestApp::ESSAY), "{path}");
    }
}

#[tokio::test]
async fn drafts_and_future_posts_stay_hidden_everywhere() {
    let app = TestApp::with_demo().await;
    let hidden = |title: &str, status, published_at| Draft {
        status,
        published_at,
        tags: vec!["books".into()],
        ..draft(title, &format!("Secret body of {title} with the word quokka."))
    };
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(3);
    app.publish(hidden("Unfinished draft", PostStatus::Draft, None)).await;
    app.publish(hidden("Scheduled later", PostStatus::Scheduled, Some(later))).await;
    app.publish(hidden("Published in the future", PostStatus::Published, Some(later))).await;
    assert_eq!(app.get("/search?q=quokka").await.texts("article h2").len(), 0, "search found a hidden post");
    for path in ["/", "/tag/books/", "/feed/", "/feed.json", "/sitemap.xml", "/2020/"] {
        let page = app.get(path).await;
        for secret in ["Unfinished draft", "Scheduled later", "Published in the future", "quokka"] {
            assert!(!page.body.contains(secret), "{secret:?} leaked on {path}");
        }
    }
    assert_eq!(app.get("/unfinished-draft/").await.status, StatusCode::NOT_FOUND);
}
