//! The media library's drag-and-drop in a real browser: `media.js` sends dropped files to the
//! upload address under the site's Content-Security-Policy, goes to the new item's page, and
//! shows a refusal's reason in place, keeping the page (and what was typed).

use std::io::Cursor;
use std::time::Duration;

use fantoccini::Locator;
use quire_core::Role;
use serde_json::{Value, json};

use super::harness::Browser;
use crate::support::{Options, TestApp};

const PASSWORD: &str = "correct horse battery";

/// Drops a file made of `bytes` on the upload form's drop zone, as a person dragging it would.
const DROP: &str = "
    const [name, type, bytes] = arguments;
    const file = new File([new Uint8Array(bytes)], name, { type });
    const data = new DataTransfer();
    data.items.add(file);
    const zone = document.getElementById('drop-zone');
    for (const kind of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: data }));
    }
    return null;";

async fn signed_in_author(browser: &Browser, app: &TestApp) {
    app.add_staff("ruth@hailsham.example", Role::Author, PASSWORD).await;
    browser.goto(&format!("{}/admin/login", app.base)).await;
    browser.client.find(Locator::Css("#email")).await.unwrap().send_keys("ruth@hailsham.example").await.unwrap();
    browser.client.find(Locator::Css("#password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    assert!(browser.wait_until("location.pathname === '/admin/'", Duration::from_secs(10)).await, "signed in");
}

fn png() -> Vec<Value> {
    let mut out = Cursor::new(Vec::new());
    image::RgbImage::from_pixel(12, 8, image::Rgb([30, 90, 160])).write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner().into_iter().map(Value::from).collect()
}

#[tokio::test]
async fn a_dropped_image_is_uploaded_with_the_words_typed_and_opens_its_page() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::start(Options { no_demo: true, ..Default::default() }).await;
    signed_in_author(&browser, &app).await;
    browser.goto(&format!("{}/admin/media", app.base)).await;
    browser.client.find(Locator::Css("#alt")).await.unwrap().send_keys("A blue card").await.unwrap();
    let _: Option<bool> = browser.js(DROP, vec![json!("card.png"), json!("image/png"), Value::Array(png())]).await;
    let opened = browser.wait_until("location.pathname.startsWith('/admin/media/')", Duration::from_secs(15)).await;
    let body: String = browser.js("return document.body.innerText;", vec![]).await;
    assert!(opened, "the item's page did not open; the page says:\n{body}");
    let library = app.app.media_library(quire_core::Page::new(1, 10)).await.unwrap();
    assert_eq!(library.total, 1);
    assert_eq!(library.items[0].alt, "A blue card");
    assert_eq!(library.items[0].mime, "image/png");
    assert!(body.contains(&format!("![](media:{})", library.items[0].id)) || body.contains("Uploaded"), "{body}");
}

#[tokio::test]
async fn a_dropped_svg_is_refused_in_place_and_the_typed_words_stay() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::start(Options { no_demo: true, ..Default::default() }).await;
    signed_in_author(&browser, &app).await;
    browser.goto(&format!("{}/admin/media", app.base)).await;
    browser.client.find(Locator::Css("#caption")).await.unwrap().send_keys("Still here").await.unwrap();
    let svg: Vec<Value> = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#
        .iter()
        .map(|b| Value::from(*b))
        .collect();
    let _: Option<bool> = browser.js(DROP, vec![json!("x.svg"), json!("image/svg+xml"), Value::Array(svg)]).await;
    let shown = "!document.getElementById('upload-error').hidden";
    assert!(browser.wait_until(shown, Duration::from_secs(10)).await, "no refusal shown");
    let message: String = browser.js("return document.getElementById('upload-error').textContent;", vec![]).await;
    assert!(message.contains("SVG"), "{message}");
    let path: String = browser.js("return location.pathname;", vec![]).await;
    assert_eq!(path, "/admin/media");
    let caption: String = browser.js("return document.getElementById('caption').value;", vec![]).await;
    assert_eq!(caption, "Still here");
    assert_eq!(app.app.media_library(quire_core::Page::new(1, 10)).await.unwrap().total, 0);
}
