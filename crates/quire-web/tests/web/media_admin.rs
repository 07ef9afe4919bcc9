//! The media library over HTTP: uploads through the admin's multipart form (what a picker or the
//! drag-and-drop script sends), plain refusals that keep the typed words, files served with their
//! sniffed type and sniffing off, variants made by the background job and offered in posts'
//! `srcset`, alt text required to insert, words edited later, roles, and S3 storage.

use std::io::Cursor;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use quire_core::Role;
use reqwest::StatusCode;

use crate::support::{Agent, Options, Page, TestApp, draft};

const PASSWORD: &str = "correct horse battery";

fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, if x < width / 2 { 40 } else { 200 }])
    }));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A multipart/form-data body as a browser builds it: `fields`, then the file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----quire-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((filename, content_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Signs a new account with `role` in.
async fn staff(app: &TestApp, role: Role) -> Agent {
    let email = format!("{role}@hailsham.example");
    app.add_staff(&email, role, PASSWORD).await;
    let agent = Agent::new(app);
    assert_eq!(agent.sign_in(&email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    agent
}

/// Loads the library and sends its upload form with `fields` and a file, as a browser would.
async fn upload(agent: &Agent, fields: &[(&str, &str)], file: (&str, &str, &[u8]), headers: &[(&str, &str)]) -> Page {
    let library = agent.get("/admin/media").await;
    assert_eq!(library.status, StatusCode::OK, "{}", library.body);
    let action = library.attrs("form#media-upload", "action").pop().expect("the upload form");
    let (content_type, body) = multipart(fields, Some(file));
    let mut request =
        agent.client.post(format!("{}{action}", agent.base)).header("content-type", content_type).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    Page { status, headers, body: response.text().await.unwrap_or_default() }
}

/// The id an upload's redirect names.
fn uploaded_id(page: &Page) -> i64 {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.header("location").unwrap();
    let id = location.trim_start_matches("/admin/media/").split('?').next().unwrap();
    id.parse().unwrap_or_else(|_| panic!("{location}"))
}

async fn item(app: &TestApp, id: i64) -> quire_core::Media {
    app.app.media_item(quire_core::MediaId(id)).await.unwrap()
}

/// Waits for the background job to record the item's variants.
async fn variants_made(app: &TestApp, id: i64) -> quire_core::Media {
    for _ in 0..300 {
        let media = item(app, id).await;
        if !media.variants.is_empty() {
            return media;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no variants after 30 s");
}

/// A published page (at `/slug/`) with Markdown `body`.
fn page_draft(title: &str, body: &str) -> quire_app::publishing::Draft {
    quire_app::publishing::Draft { kind: quire_core::PostKind::Page, ..draft(title, body) }
}

async fn empty_site() -> TestApp {
    TestApp::start(Options { no_demo: true, ..Default::default() }).await
}

#[tokio::test]
async fn an_upload_is_stored_under_its_sniffed_type_and_served_without_sniffing() {
    let app = empty_site().await;
    let author = staff(&app, Role::Author).await;
    // A PNG that the browser calls a JPEG: the bytes decide.
    let png = picture(64, 48, ImageFormat::Png);
    let sent = upload(&author, &[("alt", "A test card")], ("photo.jpg", "image/jpeg", &png), &[]).await;
    let id = uploaded_id(&sent);
    let media = item(&app, id).await;
    assert_eq!((media.mime.as_str(), media.width, media.height), ("image/png", Some(64), Some(48)));
    assert_eq!(media.alt, "A test card");
    assert!(media.storage_key.ends_with(".png") && !media.storage_key.contains("photo"), "{}", media.storage_key);
    let served = app.get(&media.path()).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(served.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(served.header("content-disposition").as_deref(), Some("inline"));
    let page = author.get(&format!("/admin/media/{id}?uploaded=1")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts("[role=status]").concat().contains("Uploaded"), "{}", page.body);
    let library = author.get("/admin/media").await;
    assert_eq!(library.texts(".media-item .alt"), vec!["A test card".to_string()]);
}

#[tokio::test]
async fn a_polyglot_is_re_encoded_and_served_as_an_image_only() {
    let app = empty_site().await;
    let author = staff(&app, Role::Author).await;
    let mut polyglot = picture(16, 16, ImageFormat::Png);
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let id = uploaded_id(&upload(&author, &[("alt", "x")], ("page.html", "text/html", &polyglot), &[]).await);
    let served = app.get(&item(&app, id).await.path()).await;
    assert_eq!(served.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(served.header("x-content-type-options").as_deref(), Some("nosniff"));
    let bytes = app.client.get(format!("{}{}", app.base, item(&app, id).await.path())).send().await.unwrap();
    let bytes = bytes.bytes().await.unwrap();
    assert!(!bytes.windows(7).any(|w| w == b"<script"), "the script is not served");
}

#[tokio::test]
async fn files_that_are_not_images_are_served_as_downloads() {
    let app = empty_site().await;
    let key = "imported/menu.pdf";
    app.app.put_media_file(key, b"%PDF-1.7 not really").await.unwrap();
    let media = quire_store::NewMedia {
        storage_key: key.into(),
        mime: "application/pdf".into(),
        bytes: 19,
        width: None,
        height: None,
        alt: String::new(),
        caption: None,
        credit: None,
        licence: None,
        uploaded_by: None,
    };
    app.app.store().create_media(&media).await.unwrap();
    let served = app.get("/media/imported/menu.pdf").await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-disposition").as_deref(), Some("attachment"));
    assert_eq!(served.header("x-content-type-options").as_deref(), Some("nosniff"));
}

#[tokio::test]
async fn refused_uploads_say_why_in_plain_words_and_keep_what_was_typed() {
    let app = TestApp::start(Options {
        no_demo: true,
        media: Some(quire_media::MediaConfig { max_upload_mb: 1, ..Default::default() }),
        ..Default::default()
    })
    .await;
    let author = staff(&app, Role::Author).await;
    let jpeg = picture(300, 200, ImageFormat::Jpeg);
    let mut bomb = picture(1, 1, ImageFormat::Png);
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    // Just over the 1 MB limit: the form is read, and refused with the reason.
    let noise: Vec<u8> = (0..1_060_000u64).map(|i| (i * 7919 % 251) as u8).collect();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("notes.png", b"<!doctype html><p>hello".to_vec(), "not an image"),
        ("cut.jpg", jpeg[..jpeg.len() / 2].to_vec(), "cut short"),
        ("bomb.png", bomb, "megapixels"),
        ("drawing.svg", svg, "SVG"),
        ("huge.jpg", noise, "too large"),
    ];
    for (name, bytes, reason) in cases {
        let typed = [("alt", "Kathy at the shore"), ("caption", "Norfolk, 1990s"), ("credit", "Tommy")];
        let refused = upload(&author, &typed, (name, "image/jpeg", &bytes), &[]).await;
        assert!(refused.status.is_client_error(), "{name}: {}", refused.status);
        let alert = refused.texts("#upload-error").concat();
        assert!(alert.contains(reason), "{name}: {alert:?}");
        assert_eq!(refused.field("alt").as_deref(), Some("Kathy at the shore"), "{name}: alt kept");
        assert_eq!(refused.field("caption").as_deref(), Some("Norfolk, 1990s"), "{name}: caption kept");
    }
    // Far over it: refused from the declared length, before the body is read.
    let far = vec![0u8; 3 * 1024 * 1024];
    let refused = upload(&author, &[("alt", "x")], ("far.jpg", "image/jpeg", &far), &[]).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused.body.contains("too large") && refused.body.contains("1 MB"), "{}", refused.body);
    // The script gets the same reasons as problem documents.
    let json = upload(&author, &[], ("x.svg", "image/svg+xml", b"<svg/>"), &[("accept", "application/json")]).await;
    assert_eq!(json.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json.header("content-type").as_deref(), Some("application/problem+json"));
    assert!(json.body.contains("SVG"), "{}", json.body);
    let library = app.app.media_library(quire_core::Page::new(1, 10)).await.unwrap();
    assert_eq!(library.total, 0, "nothing was stored");
}

#[tokio::test]
async fn the_drag_and_drop_script_gets_the_new_item_as_json() {
    let app = empty_site().await;
    let author = staff(&app, Role::Author).await;
    let png = picture(20, 20, ImageFormat::Png);
    let sent =
        upload(&author, &[("alt", "A square")], ("a.png", "image/png", &png), &[("accept", "application/json")]).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    let id = body["id"].as_i64().unwrap();
    assert_eq!(body["edit_url"], format!("/admin/media/{id}"));
    assert_eq!(body["insert"], format!("![](media:{id})"));
}

#[tokio::test]
async fn variants_appear_after_the_job_runs_and_posts_offer_them_in_srcset() {
    let app = TestApp::with_demo().await;
    let editor = staff(&app, Role::Editor).await;
    let jpeg = picture(1200, 800, ImageFormat::Jpeg);
    let id = uploaded_id(
        &upload(&editor, &[("alt", "Hailsham from the pond")], ("pond.jpg", "image/jpeg", &jpeg), &[]).await,
    );
    // A post that shows it, published at once (before the job may have run).
    app.publish(page_draft("The pond", &format!("![](media:{id} \"The pond at dusk\")"))).await;
    let media = variants_made(&app, id).await;
    let mut made: Vec<(u32, &str)> = media.variants.iter().map(|v| (v.width, v.mime.as_str())).collect();
    made.sort();
    assert_eq!(made, vec![(480, "image/jpeg"), (480, "image/webp"), (960, "image/jpeg"), (960, "image/webp")]);
    for variant in &media.variants {
        let served = app.get(&variant.path()).await;
        assert_eq!(served.status, StatusCode::OK, "{}", variant.path());
        assert_eq!(served.header("content-type").as_deref(), Some(variant.mime.as_str()));
        assert_eq!(served.header("x-content-type-options").as_deref(), Some("nosniff"));
    }
    let html = app.get("/the-pond/").await;
    let srcset = html.attrs("figure img", "srcset").pop().unwrap_or_default();
    let webp_480 = media.variants.iter().find(|v| v.width == 480 && v.mime == "image/webp").unwrap().path();
    assert!(srcset.contains(&format!("{webp_480} 480w")), "{srcset}");
    assert!(srcset.contains(&format!("{} 1200w", media.path())), "{srcset}");
    assert_eq!(html.attrs("figure img", "width"), vec!["1200".to_string()]);
    assert_eq!(html.attrs("figure img", "height"), vec!["800".to_string()]);
    assert!(!html.attrs("figure img", "sizes").is_empty());
    let page = editor.get(&format!("/admin/media/{id}")).await;
    assert_eq!(page.attrs(".variants a", "href").len(), 4, "{}", page.body);
}

#[tokio::test]
async fn alt_text_is_required_to_insert_and_the_words_can_be_edited_later() {
    let app = TestApp::with_demo().await;
    let author = staff(&app, Role::Author).await;
    let png = picture(40, 30, ImageFormat::Png);
    let id = uploaded_id(&upload(&author, &[], ("boat.png", "image/png", &png), &[]).await);
    let page = author.get(&format!("/admin/media/{id}?uploaded=1")).await;
    assert!(page.attrs("#insert-markdown", "value").is_empty(), "no insert without alt text");
    assert!(page.texts("#insert-missing").concat().contains("alt text"), "{}", page.body);
    let insert = author.get_with(&format!("/admin/media/{id}/insert"), &[("accept", "application/json")]).await;
    assert_eq!(insert.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(insert.body.contains("alt text"), "{}", insert.body);

    app.publish(page_draft("The boat", &format!("![](media:{id})"))).await;
    let token = page.field("csrf_token").unwrap();
    let fields = [
        ("csrf_token", token.as_str()),
        ("alt", "The stranded boat in the marsh"),
        ("caption", "The boat"),
        ("credit", "Ruth"),
        ("licence", "CC BY 4.0"),
    ];
    let saved = author.post(&format!("/admin/media/{id}"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = author.get(&format!("/admin/media/{id}")).await;
    assert_eq!(page.attrs("#insert-markdown", "value"), vec![format!("![](media:{id})")]);
    let insert = author.get_with(&format!("/admin/media/{id}/insert"), &[("accept", "application/json")]).await;
    assert_eq!(insert.status, StatusCode::OK);
    assert!(insert.body.contains(&format!("![](media:{id})")), "{}", insert.body);
    let library = author.get("/admin/media").await;
    assert_eq!(library.texts(&format!("#media-{id} .caption")), vec!["The boat".to_string()]);
    assert_eq!(library.texts(&format!("#media-{id} .licence")), vec!["CC BY 4.0".to_string()]);
    // The post that shows it says the new words (posts are rendered when saved, so it was redone).
    let html = app.get("/the-boat/").await;
    assert_eq!(html.attrs("figure img", "alt"), vec!["The stranded boat in the marsh".to_string()]);
    assert!(html.texts("figure figcaption").concat().contains("The boat"), "{}", html.body);
    assert_eq!(html.texts("figure .credit"), vec!["Ruth · CC BY 4.0".to_string()]);

    // A refused edit keeps what was typed.
    let long = "x".repeat(1_001);
    let refused = author
        .post(&format!("/admin/media/{id}"), &[("csrf_token", &token), ("alt", "Kept"), ("caption", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.texts("[role=alert]").concat().contains("caption"), "{}", refused.body);
    assert_eq!(refused.field("alt").as_deref(), Some("Kept"));
}

#[tokio::test]
async fn a_contributor_may_not_upload_or_open_the_library() {
    let app = empty_site().await;
    let contributor = staff(&app, Role::Contributor).await;
    assert_eq!(contributor.get("/admin/media").await.status, StatusCode::FORBIDDEN);
    let token = contributor.csrf_token().await;
    let (content_type, body) =
        multipart(&[("alt", "x")], Some(("a.png", "image/png", &picture(8, 8, ImageFormat::Png))));
    let sent = contributor
        .client
        .post(format!("{}/admin/media?csrf_token={token}", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.app.media_library(quire_core::Page::new(1, 10)).await.unwrap().total, 0);
    assert!(contributor.get("/admin/").await.attrs("a[href='/admin/media']", "href").is_empty(), "no link either");
}

#[tokio::test]
async fn an_upload_without_the_form_token_is_refused() {
    let app = empty_site().await;
    let author = staff(&app, Role::Author).await;
    let (content_type, body) =
        multipart(&[("alt", "x")], Some(("a.png", "image/png", &picture(8, 8, ImageFormat::Png))));
    let sent = author
        .client
        .post(format!("{}/admin/media", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.app.media_library(quire_core::Page::new(1, 10)).await.unwrap().total, 0);
}

#[tokio::test]
async fn with_s3_storage_uploads_and_variants_live_in_the_bucket() {
    let Some(moto) = quire_media::testing::Moto::start_or_skip() else { return };
    let media = moto.bucket("quire-web").await.unwrap();
    let app = TestApp::start(Options { no_demo: true, media: Some(media), ..Default::default() }).await;
    let author = staff(&app, Role::Author).await;
    let jpeg = picture(1000, 500, ImageFormat::Jpeg);
    let id = uploaded_id(&upload(&author, &[("alt", "Wide")], ("w.jpg", "image/jpeg", &jpeg), &[]).await);
    let stored = variants_made(&app, id).await;
    let mut keys = moto.keys("quire-web").await.unwrap();
    keys.sort();
    let mut expected: Vec<String> = std::iter::once(stored.storage_key.clone())
        .chain(stored.variants.iter().map(|v| v.storage_key.clone()))
        .collect();
    expected.sort();
    assert_eq!(keys, expected);
    let local = app.app.config().media_dir().join(&stored.storage_key);
    assert!(!local.exists(), "nothing on the local disk");
    let served = app.get(&stored.path()).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type").as_deref(), Some("image/jpeg"));
}
