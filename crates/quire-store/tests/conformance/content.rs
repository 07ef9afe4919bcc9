//! Posts, pages, terms, users, media and search.

use quire_core::{Email, MediaId, Page, PostKind, Role, SearchQuery, TermKind};
use quire_store::{NewMedia, NewUser, PostFilter, StoreError, TermRef};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::support::{Fixture, post, writer};

on_both_backends!(
    duplicate_slugs_and_emails_are_conflicts_not_failures,
    emails_are_found_whatever_their_case,
    public_lists_hide_future_posts_and_page_newest_first,
    public_lists_filter_by_term_author_and_month,
    pages_are_listed_in_title_order_and_months_counted_in_utc,
    timestamps_round_trip_to_the_microsecond,
    posts_keep_every_field_and_their_terms_in_order,
    media_are_found_by_id_and_key,
    search_ranks_title_matches_and_understands_phrases_and_exclusions,
    search_folds_accents_keeps_short_words_and_pages_its_hits,
    search_sees_the_words_inside_addresses_and_tag_like_text,
    search_ranks_a_short_post_about_a_word_above_a_long_one_that_mentions_it,
    search_answers_any_input_without_failing,
);

async fn duplicate_slugs_and_emails_are_conflicts_not_failures(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc();
    f.store.create_post(&post(user.id, "same", "One", "x", now)).await.unwrap();
    let again = f.store.create_post(&post(user.id, "same", "Two", "y", now)).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let dup = f
        .store
        .create_user(&NewUser {
            email: Email::parse("KATHY@hailsham.example").unwrap(),
            name: "Other".into(),
            slug: "other".into(),
            role: Role::Editor,
            password_hash: None,
            bio: None,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "emails are unique whatever their case: {dup:?}");
    let media = NewMedia {
        storage_key: "a.png".into(),
        mime: "image/png".into(),
        bytes: 1,
        width: None,
        height: None,
        alt: String::new(),
        caption: None,
        credit: None,
        licence: None,
        uploaded_by: None,
    };
    f.store.create_media(&media).await.unwrap();
    assert!(matches!(f.store.create_media(&media).await, Err(StoreError::Conflict(_))));
    assert_eq!(
        f.store.post_by_slug(PostKind::Post, "same").await.unwrap().unwrap().title,
        "One",
        "nothing saved was lost"
    );
    assert_eq!(f.store.count_users().await.unwrap(), 1);
}

async fn emails_are_found_whatever_their_case(f: &Fixture) {
    let user = writer(&f.store).await;
    let found = f.store.user_by_email(" KATHY@Hailsham.Example ").await.unwrap().unwrap();
    assert_eq!(found.id, user.id);
    assert_eq!(found.email.as_str(), "kathy@hailsham.example", "stored as given");
    assert!(f.store.user_by_email("ruth@hailsham.example").await.unwrap().is_none());
    assert_eq!(f.store.user_by_slug("kathy-h").await.unwrap().unwrap().id, user.id);
    assert_eq!(f.store.user(user.id).await.unwrap().unwrap().name, "Kathy H");
}

async fn public_lists_hide_future_posts_and_page_newest_first(f: &Fixture) {
    let user = writer(&f.store).await;
    assert!(f.store.is_empty().await.unwrap());
    let now = OffsetDateTime::now_utc();
    for (i, slug) in ["old", "mid", "new"].iter().enumerate() {
        f.store.create_post(&post(user.id, slug, slug, "x", now - Duration::days(10 - i as i64))).await.unwrap();
    }
    f.store.create_post(&post(user.id, "future", "future", "x", now + Duration::days(1))).await.unwrap();
    assert!(!f.store.is_empty().await.unwrap());
    let filter = PostFilter { now: Some(now), ..Default::default() };
    let first = f.store.public_posts(&filter, Page::new(1, 2)).await.unwrap();
    assert_eq!(first.total, 3);
    assert_eq!(first.items.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(), ["new", "mid"]);
    let second = f.store.public_posts(&filter, Page::new(2, 2)).await.unwrap();
    assert_eq!(second.items.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(), ["old"]);
    let mid = f.store.post_by_slug(PostKind::Post, "mid").await.unwrap().unwrap();
    let adjacent = f.store.adjacent_posts(&mid, now).await.unwrap();
    assert_eq!(adjacent.previous.unwrap().slug, "old");
    assert_eq!(adjacent.next.unwrap().slug, "new", "the future post is not a neighbour yet");
}

async fn public_lists_filter_by_term_author_and_month(f: &Fixture) {
    let kathy = writer(&f.store).await;
    let tommy = f
        .store
        .create_user(&NewUser {
            email: Email::parse("tommy@hailsham.example").unwrap(),
            name: "Tommy D".into(),
            slug: "tommy-d".into(),
            role: Role::Author,
            password_hash: None,
            bio: None,
        })
        .await
        .unwrap();
    let march = datetime!(2024-03-15 12:00 UTC);
    f.store.create_post(&post(kathy.id, "k-march", "K", "x", march)).await.unwrap();
    f.store.create_post(&post(tommy.id, "t-march", "T", "x", march + Duration::hours(1))).await.unwrap();
    let mut art = post(tommy.id, "t-april", "T2", "x", datetime!(2024-04-02 08:00 UTC));
    art.terms = vec![TermRef { kind: TermKind::Category, slug: "art".into(), name: "Art".into() }];
    f.store.create_post(&art).await.unwrap();
    let slugs = |filter: PostFilter| {
        let store = f.store.clone();
        async move {
            let page = store.public_posts(&filter, Page::new(1, 10)).await.unwrap();
            page.items.into_iter().map(|p| p.slug).collect::<Vec<_>>()
        }
    };
    let by_tommy = PostFilter { author: Some(tommy.id), ..Default::default() };
    assert_eq!(slugs(by_tommy).await, ["t-april", "t-march"]);
    let art_term = f.store.term_by_slug(TermKind::Category, "art").await.unwrap().unwrap();
    assert_eq!(art_term.name, "Art");
    assert!(f.store.term_by_slug(TermKind::Tag, "art").await.unwrap().is_none(), "kinds are separate");
    assert_eq!(slugs(PostFilter { term: Some(art_term.id), ..Default::default() }).await, ["t-april"]);
    let in_march = PostFilter {
        published_between: Some((datetime!(2024-03-01 0:00 UTC), datetime!(2024-04-01 0:00 UTC))),
        ..Default::default()
    };
    assert_eq!(slugs(in_march).await, ["t-march", "k-march"]);
}

async fn pages_are_listed_in_title_order_and_months_counted_in_utc(f: &Fixture) {
    let user = writer(&f.store).await;
    let at = datetime!(2024-01-10 10:00 UTC);
    for (slug, title) in [("z", "Zebra"), ("a", "about"), ("b", "Apple"), ("e", "Éclair")] {
        let mut page = post(user.id, slug, title, "x", at);
        page.kind = PostKind::Page;
        f.store.create_post(&page).await.unwrap();
    }
    let titles: Vec<String> =
        f.store.public_pages(OffsetDateTime::now_utc()).await.unwrap().into_iter().map(|p| p.title).collect();
    assert_eq!(titles, ["Apple", "Zebra", "about", "Éclair"], "byte order, the same on every backend");
    // 01:30 on 1 March at +02:00 is still February in UTC.
    f.store.create_post(&post(user.id, "feb", "F", "x", datetime!(2024-03-01 01:30 +02:00))).await.unwrap();
    f.store.create_post(&post(user.id, "mar1", "M", "x", datetime!(2024-03-05 00:00 UTC))).await.unwrap();
    f.store.create_post(&post(user.id, "mar2", "M", "x", datetime!(2024-03-31 23:59:59 UTC))).await.unwrap();
    f.store.create_post(&post(user.id, "later", "L", "x", datetime!(2030-01-01 0:00 UTC))).await.unwrap();
    let months = f.store.public_months(datetime!(2025-01-01 0:00 UTC)).await.unwrap();
    let months: Vec<_> = months.iter().map(|m| (m.year, m.month, m.count)).collect();
    assert_eq!(months, [(2024, 3, 2), (2024, 2, 1)], "pages are not in the post archive; the future is not yet");
}

async fn timestamps_round_trip_to_the_microsecond(f: &Fixture) {
    let user = writer(&f.store).await;
    let cases = [
        (datetime!(2021-03-04 05:06:07.123456789 +02:00), datetime!(2021-03-04 03:06:07.123456 UTC)),
        (datetime!(1999-12-31 23:59:59.999999999 UTC), datetime!(1999-12-31 23:59:59.999999 UTC)),
        (datetime!(1970-01-01 00:00:00.000001 UTC), datetime!(1970-01-01 00:00:00.000001 UTC)),
    ];
    for (i, (given, stored)) in cases.into_iter().enumerate() {
        let id = f.store.create_post(&post(user.id, &format!("p{i}"), "T", "x", given)).await.unwrap();
        let back = f.store.post(id).await.unwrap().unwrap();
        assert_eq!(back.published_at, Some(stored), "case {i}");
        assert_eq!(back.published_at.unwrap().offset(), time::UtcOffset::UTC, "read back in UTC");
        let c = quire_store::NewComment { created_at: given, ..crate::support::comment(id, None, "Ruth") };
        let cid = f.store.create_comment(&c).await.unwrap();
        assert_eq!(f.store.comment(cid).await.unwrap().unwrap().created_at, stored, "comment, case {i}");
    }
    assert!(user.created_at <= OffsetDateTime::now_utc());
}

async fn posts_keep_every_field_and_their_terms_in_order(f: &Fixture) {
    let user = writer(&f.store).await;
    let media = f
        .store
        .create_media(&NewMedia {
            storage_key: "2024/01/cover.jpg".into(),
            mime: "image/jpeg".into(),
            bytes: 1234,
            width: Some(800),
            height: Some(600),
            alt: "A cover".into(),
            caption: Some("The cover".into()),
            credit: None,
            licence: None,
            uploaded_by: Some(user.id),
        })
        .await
        .unwrap();
    let mut new = post(user.id, "review", "A review", "body text", datetime!(2024-01-01 0:00 UTC));
    new.excerpt = Some("short".into());
    new.content_warning = Some("spoilers".into());
    new.featured_media_id = Some(media);
    new.discussion = quire_core::Discussion::Closed;
    new.reviewed_item = Some(quire_core::ReviewedItem {
        kind: "Book".into(),
        name: "Never Let Me Go".into(),
        author: Some("Kazuo Ishiguro".into()),
        year: Some(2005),
    });
    new.terms = vec![
        TermRef { kind: TermKind::Tag, slug: "zeta".into(), name: "Zeta".into() },
        TermRef { kind: TermKind::Tag, slug: "alpha".into(), name: "Alpha".into() },
        TermRef { kind: TermKind::Category, slug: "reviews".into(), name: "Reviews".into() },
    ];
    let id = f.store.create_post(&new).await.unwrap();
    let other = f.store.create_post(&post(user.id, "other", "Other", "x", OffsetDateTime::now_utc())).await.unwrap();
    let back = f.store.post(id).await.unwrap().unwrap();
    assert_eq!(back.excerpt.as_deref(), Some("short"));
    assert_eq!(back.content_warning.as_deref(), Some("spoilers"));
    assert_eq!(back.featured_media_id, Some(media));
    assert_eq!(back.discussion, quire_core::Discussion::Closed);
    assert_eq!(back.reviewed_item, new.reviewed_item);
    assert_eq!(back.word_count, 2);
    assert_eq!((back.html.as_str(), back.text.as_str()), ("<p>body text</p>", "body text"));
    let terms = f.store.terms_of(&[other, id]).await.unwrap();
    let terms: Vec<_> = terms.iter().map(|(p, t)| (*p, t.slug.as_str())).collect();
    assert_eq!(terms, [(id, "reviews"), (id, "zeta"), (id, "alpha"), (other, "books")]);
    assert!(f.store.terms_of(&[]).await.unwrap().is_empty());
}

async fn media_are_found_by_id_and_key(f: &Fixture) {
    let mut ids = Vec::new();
    for (key, width) in [("b.png", Some(10)), ("a.png", None)] {
        let id = f
            .store
            .create_media(&NewMedia {
                storage_key: key.into(),
                mime: "image/png".into(),
                bytes: 5_000_000_000,
                width,
                height: width,
                alt: format!("alt {key}"),
                caption: None,
                credit: Some("me".into()),
                licence: Some("CC BY 4.0".into()),
                uploaded_by: None,
            })
            .await
            .unwrap();
        ids.push(id);
    }
    let found = f.store.media_by_ids(&[ids[1], MediaId(999_999), ids[0]]).await.unwrap();
    assert_eq!(found.iter().map(|m| m.storage_key.as_str()).collect::<Vec<_>>(), ["b.png", "a.png"], "id order");
    assert_eq!(found[0].width, Some(10));
    assert_eq!(found[0].bytes, 5_000_000_000);
    assert_eq!(found[1].width, None);
    let by_key = f.store.media_by_key("a.png").await.unwrap().unwrap();
    assert_eq!((by_key.id, by_key.alt.as_str(), by_key.licence.as_deref()), (ids[1], "alt a.png", Some("CC BY 4.0")));
    assert!(f.store.media_by_key("missing.png").await.unwrap().is_none());
    assert!(f.store.media_by_ids(&[]).await.unwrap().is_empty());
}

async fn search_ranks_title_matches_and_understands_phrases_and_exclusions(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc() - Duration::hours(1);
    f.store.create_post(&post(user.id, "a", "Clones at Hailsham", "a boarding school story", now)).await.unwrap();
    f.store
        .create_post(&post(user.id, "b", "Cottages", "the clones leave Hailsham for the cottages", now))
        .await
        .unwrap();
    f.store.create_post(&post(user.id, "c", "Klara", "an artificial friend, not a clone", now)).await.unwrap();
    f.store.create_post(&post(user.id, "d", "Hailsham later", "hailsham", now + Duration::days(2))).await.unwrap();
    let hits = |q: &'static str| search_slugs(f, q);
    assert_eq!(hits("hailsham").await, ["a", "b"], "title matches rank first; the future post is not found");
    assert_eq!(hits("\"leave hailsham\"").await, ["b"]);
    assert!(hits("\"hailsham leave\"").await.is_empty(), "a phrase keeps its order");
    assert_eq!(hits("clone -hailsham").await, ["c"], "stemming finds clones for clone; exclusion drops the rest");
    assert_eq!(hits("cott*").await, ["b"]);
    assert!(hits("-everything").await.is_empty());
    assert!(hits("zzz").await.is_empty());
    assert!(hits("title:x OR (y) & | ! <-> :*").await.is_empty(), "operators are words, not syntax");
    let snippet =
        f.store.search(&SearchQuery::parse("boarding"), OffsetDateTime::now_utc(), Page::new(1, 10)).await.unwrap();
    assert!(snippet.items[0].snippet.contains("\u{2}boarding\u{3}"), "{:?}", snippet.items[0].snippet);
}

async fn search_folds_accents_keeps_short_words_and_pages_its_hits(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc() - Duration::hours(1);
    f.store.create_post(&post(user.id, "cafe", "Café society", "the who played at the café", now)).await.unwrap();
    let long = format!("{} the needle {}", "hay ".repeat(40), "straw ".repeat(40));
    for i in 0..3 {
        let at = now - Duration::minutes(i);
        f.store.create_post(&post(user.id, &format!("hay{i}"), "Stack", &long, at)).await.unwrap();
    }
    assert_eq!(search_slugs(f, "cafe").await, ["cafe"], "accents are folded");
    assert_eq!(search_slugs(f, "CAFÉ").await, ["cafe"]);
    assert_eq!(search_slugs(f, "\"the who\"").await, ["cafe"], "no stop words: short words are searchable");
    let first =
        f.store.search(&SearchQuery::parse("needle"), OffsetDateTime::now_utc(), Page::new(1, 2)).await.unwrap();
    assert_eq!(first.total, 3);
    assert_eq!(first.items.iter().map(|h| h.post.slug.as_str()).collect::<Vec<_>>(), ["hay0", "hay1"], "newest first");
    let second =
        f.store.search(&SearchQuery::parse("needle"), OffsetDateTime::now_utc(), Page::new(2, 2)).await.unwrap();
    assert_eq!(second.items.len(), 1);
    let snippet = &first.items[0].snippet;
    assert!(snippet.contains("\u{2}needle\u{3}"), "{snippet:?}");
    assert!(snippet.starts_with('…') && snippet.ends_with('…'), "a cut snippet says so: {snippet:?}");
    assert!(snippet.split_whitespace().count() <= 30, "a snippet is short: {snippet:?}");
}

async fn search_sees_the_words_inside_addresses_and_tag_like_text(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc() - Duration::hours(1);
    let body = "Mail kathy@hailsham.example or see www.norfolk.example/lost-corner; write <b>zebra</b> in code.";
    f.store.create_post(&post(user.id, "p", "Addresses", body, now)).await.unwrap();
    for word in ["hailsham", "norfolk", "lost", "corner", "zebra", "\"lost corner\"", "b"] {
        assert_eq!(search_slugs(f, word).await, ["p"], "{word}");
    }
    let hit = f.store.search(&SearchQuery::parse("zebra"), OffsetDateTime::now_utc(), Page::new(1, 1)).await.unwrap();
    let snippet = &hit.items[0].snippet;
    assert!(snippet.contains("<b>\u{2}zebra\u{3}</b>"), "the writer's text is kept as written: {snippet:?}");
}

async fn search_ranks_a_short_post_about_a_word_above_a_long_one_that_mentions_it(f: &Fixture) {
    let user = writer(&f.store).await;
    let now = OffsetDateTime::now_utc() - Duration::hours(1);
    let long = format!("{} quokka {} quokka {}", "sand ".repeat(150), "sea ".repeat(150), "sky ".repeat(100));
    f.store.create_post(&post(user.id, "long", "Travels", &long, now)).await.unwrap();
    f.store
        .create_post(&post(user.id, "short", "Notes", "a quokka smiled at me", now - Duration::days(1)))
        .await
        .unwrap();
    assert_eq!(search_slugs(f, "quokka").await, ["short", "long"]);
}

async fn search_answers_any_input_without_failing(f: &Fixture) {
    let user = writer(&f.store).await;
    let body = "½ cup of tea, naïve café, ǅemal, 東京 station, 3.14 and x:y";
    f.store
        .create_post(&post(user.id, "odd", "Odd", body, OffsetDateTime::now_utc() - Duration::hours(1)))
        .await
        .unwrap();
    let odd = [
        "½*",
        "a½b*",
        "'*",
        "ǅ",
        "x:y*",
        "\\",
        "😀",
        "東京",
        "東*",
        "\"\"",
        "*",
        "-",
        "--x",
        "\"a",
        "a\"b\"c",
        "':* & !",
        "ts_rank(",
        "$1",
        "'; DROP TABLE posts; --",
        "naïve",
        "3.14",
        "NOT",
        "AND OR",
        "%_",
    ];
    for q in odd {
        let found = f.store.search(&SearchQuery::parse(q), OffsetDateTime::now_utc(), Page::new(1, 10)).await;
        assert!(found.is_ok(), "{q:?}: {found:?}");
    }
    assert_eq!(search_slugs(f, "naive").await, ["odd"]);
    assert_eq!(search_slugs(f, "東京").await, ["odd"]);
    assert_eq!(search_slugs(f, "\"3 14\"").await, ["odd"]);
    assert!(f.store.post_by_slug(PostKind::Post, "odd").await.unwrap().is_some());
}

async fn search_slugs(f: &Fixture, q: &str) -> Vec<String> {
    let found = f.store.search(&SearchQuery::parse(q), OffsetDateTime::now_utc(), Page::new(1, 10)).await.unwrap();
    found.items.into_iter().map(|h| h.post.slug).collect()
}
