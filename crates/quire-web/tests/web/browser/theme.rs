//! The default theme in a real browser: headless Chromium, driven over WebDriver by fantoccini,
//! checks what only layout and CSS can tell — narrow screens, dark mode, spoilers, image space,
//! the skip link. Without chromedriver or Chromium these tests are skipped with a note, or fail
//! when `QUIRE_REQUIRE_BROWSER=1`.

use fantoccini::Locator;
use fantoccini::key::Key;
use std::time::Duration;

use serde_json::{Value, json};

use super::harness::*;
use crate::support::TestApp;
fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.base)
}

/// Lists what sticks out to the right of the viewport, widest first, leaving out what sits inside
/// a scrolling or clipping box (a wide code block scrolls by itself and is fine).
const OVERFLOW_REPORT: &str = r#"
const width = window.innerWidth;
const clipped = (el) => {
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return true;
  }
  return false;
};
const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const offenders = [...document.body.querySelectorAll('*')]
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.width > 0 && r.right > width + 0.5 && !clipped(el))
  .sort((x, y) => y[1].right - x[1].right)
  .slice(0, 8)
  .map(([el, r]) => `${name(el)} reaches ${Math.round(r.right)} px`);
return { inner_width: width, scroll_width: document.documentElement.scrollWidth, offenders };
"#;

#[derive(serde::Deserialize)]
struct Overflow {
    inner_width: f64,
    scroll_width: f64,
    offenders: Vec<String>,
}

#[tokio::test]
async fn reader_pages_fit_a_320_pixel_screen_without_sideways_scrolling() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    browser.goto(&url(&app, "/")).await;
    browser.set_viewport(320, 800).await;
    for path in ["/", TestApp::ESSAY, TestApp::KLARA, "/about/", "/tag/books/", "/search?q=madame", "/no-such-page/"] {
        browser.goto(&url(&app, path)).await;
        let page: Overflow = browser.js(OVERFLOW_REPORT, vec![]).await;
        assert!(
            (page.inner_width - 320.0).abs() < 0.5,
            "{path}: the viewport is {} px wide, not 320",
            page.inner_width
        );
        assert!(
            page.scroll_width <= page.inner_width,
            "{path} is {} px wide on a 320 px screen; sticking out: {:?}",
            page.scroll_width,
            page.offenders
        );
    }
}

const BODY_COLOURS: &str = "const s = getComputedStyle(document.body); return [s.backgroundColor, s.color];";

#[tokio::test]
async fn the_dark_colour_scheme_applies_when_the_reader_prefers_it() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    browser
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": "light" }] }),
        )
        .await;
    browser.goto(&url(&app, TestApp::ESSAY)).await;
    let [light_bg, _]: [String; 2] = browser.js(BODY_COLOURS, vec![]).await;

    browser
        .cdp("Emulation.setEmulatedMedia", json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }))
        .await;
    assert!(
        browser.js::<bool>("return matchMedia('(prefers-color-scheme: dark)').matches;", vec![]).await,
        "emulation did not apply"
    );
    let [dark_bg, dark_text]: [String; 2] = browser.js(BODY_COLOURS, vec![]).await;

    assert_ne!(light_bg, dark_bg, "the background does not change with the colour scheme");
    let (bg, text) = (Rgba::parse(&dark_bg), Rgba::parse(&dark_text));
    assert!(bg.luminance() < 0.3, "dark mode background {dark_bg} is not dark (luminance {:.2})", bg.luminance());
    assert!(
        text.contrast(bg) >= 7.0,
        "dark mode text {dark_text} on {dark_bg}: contrast {:.1}, want 7 or more",
        text.contrast(bg)
    );
}

/// The first spoiler of the essay body: its computed text and background colours, whether it has
/// focus, and the state quire.js keeps.
const SPOILER_STATE: &str = r#"
const el = document.querySelector('.entry-content .spoiler');
const s = getComputedStyle(el);
return { color: s.color, background: s.backgroundColor, focused: document.activeElement === el,
         revealed: el.classList.contains('revealed'), expanded: el.getAttribute('aria-expanded') };
"#;

#[derive(Debug, serde::Deserialize)]
struct Spoiler {
    color: String,
    background: String,
    focused: bool,
    revealed: bool,
    expanded: Option<String>,
}

impl Spoiler {
    /// Text and background are the same, or the text is fully transparent.
    fn hidden(&self) -> bool {
        let (text, bg) = (Rgba::parse(&self.color), Rgba::parse(&self.background));
        text.a == 0.0 || text == bg
    }

    /// Opaque text that stands out from an opaque background (WCAG AA for body text).
    fn readable(&self) -> bool {
        let (text, bg) = (Rgba::parse(&self.color), Rgba::parse(&self.background));
        text.a == 1.0 && bg.a == 1.0 && text.contrast(bg) >= 4.5
    }
}

/// True once the spoiler's colour transitions (a fraction of a second) have finished.
const SPOILER_SETTLED: &str =
    "document.querySelector('.entry-content .spoiler').getAnimations({ subtree: true }).length === 0";

#[tokio::test]
async fn a_spoiler_is_hidden_until_focused_by_keyboard() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    browser.goto(&url(&app, TestApp::KLARA)).await;
    let before: Spoiler = browser.js(SPOILER_STATE, vec![]).await;
    assert!(before.hidden(), "the spoiler shows before anyone asked: {before:?}");
    assert_eq!(before.expanded.as_deref(), Some("false"), "{before:?}");

    // Keyboard users reach it with Tab alone.
    let mut presses = 0;
    while !browser.js::<Spoiler>(SPOILER_STATE, vec![]).await.focused {
        presses += 1;
        assert!(presses <= 80, "80 presses of Tab never reached the spoiler");
        browser.press(Key::Tab).await;
    }
    assert!(browser.wait_until(SPOILER_SETTLED, Duration::from_secs(3)).await);
    let focused: Spoiler = browser.js(SPOILER_STATE, vec![]).await;
    assert!(focused.readable(), "a spoiler focused by keyboard must be readable: {focused:?}");

    // A click keeps it revealed after the pointer and focus move on; a second click hides it.
    // A click in the empty margin moves both away, so neither :hover nor :focus shows it.
    let spoiler = browser.client.find(Locator::Css(".entry-content .spoiler")).await.unwrap();
    let margin: String = browser.js("const el = document.elementFromPoint(5, 400); return el.closest('.spoiler, a, button, input, label, summary') ? el.outerHTML.slice(0, 80) : '';", vec![]).await;
    assert!(margin.is_empty(), "the margin beside the text is not empty: {margin}");
    for (clicks, revealed) in [(1, true), (2, false)] {
        spoiler.click().await.unwrap();
        browser.click_at(5.0, 400.0).await;
        assert!(browser.wait_until(SPOILER_SETTLED, Duration::from_secs(3)).await);
        let state: Spoiler = browser.js(SPOILER_STATE, vec![]).await;
        assert!(!state.focused, "{state:?}");
        if revealed {
            assert!(state.revealed && state.readable(), "a clicked spoiler must stay revealed: {state:?}");
        } else {
            assert!(!state.revealed && state.hidden(), "a second click must hide the spoiler again: {state:?}");
        }
        let expanded = if revealed { "true" } else { "false" };
        assert_eq!(state.expanded.as_deref(), Some(expanded), "after {clicks} click(s): {state:?}");
    }
}

/// Where every image of the essay body sits and how big it is drawn, against what its `width`
/// and `height` attributes promise.
const IMAGE_LAYOUT: &str = r#"
return {
  viewport_height: window.innerHeight,
  page_height: document.documentElement.scrollHeight,
  images: [...document.querySelectorAll('.entry-content img')].map((img) => {
    const r = img.getBoundingClientRect();
    return { src: img.getAttribute('src'), loading: img.getAttribute('loading'),
             width_attr: Number(img.getAttribute('width')) || 0, height_attr: Number(img.getAttribute('height')) || 0,
             top: r.top + window.scrollY, width: r.width, height: r.height,
             loaded: img.complete && img.naturalWidth > 0 };
  }),
};
"#;

#[derive(Debug, serde::Deserialize)]
struct Layout {
    viewport_height: f64,
    page_height: f64,
    images: Vec<Placed>,
}

#[derive(Debug, serde::Deserialize)]
struct Placed {
    src: String,
    loading: Option<String>,
    width_attr: f64,
    height_attr: f64,
    top: f64,
    width: f64,
    height: f64,
    loaded: bool,
}

#[tokio::test]
async fn images_do_not_shift_the_layout_as_they_load() {
    let options = BrowserOptions { return_at_dom_content_loaded: true, ..Default::default() };
    let Some(browser) = Browser::launch_with(options).await else { return };
    let app = TestApp::with_demo().await;
    // Hold every image request, so the page is measured exactly as it is before any image arrives.
    browser
        .cdp(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*", "resourceType": "Image", "requestStage": "Request" }] }),
        )
        .await;
    browser.goto(&url(&app, TestApp::ESSAY)).await;
    let before: Layout = browser.js(IMAGE_LAYOUT, vec![]).await;

    assert!(before.images.len() >= 2, "the essay should have figures: {before:?}");
    assert!(
        before.images.iter().any(|img| img.loading.as_deref() == Some("lazy") && img.top > before.viewport_height),
        "no lazy image below the fold to test: {before:?}"
    );
    for img in &before.images {
        assert!(!img.loaded, "{} arrived although image requests were held", img.src);
        assert!(
            img.width_attr > 0.0 && img.height_attr > 0.0,
            "{} has no width and height attributes to reserve its space",
            img.src
        );
        let expected = img.width * img.height_attr / img.width_attr;
        assert!(
            img.height > 0.0 && (img.height - expected).abs() <= 2.0,
            "{} is drawn {:.0}×{:.0} before it loads; its attributes promise a height of {expected:.0}",
            img.src,
            img.width,
            img.height
        );
    }

    // Let the images in, all of them (the lazy ones too), and check nothing moved.
    browser.cdp("Fetch.disable", json!({})).await;
    browser
        .js::<Value>(
            "document.querySelectorAll('.entry-content img').forEach((img) => { img.loading = 'eager'; });",
            vec![],
        )
        .await;
    assert!(
        browser.wait_until("[...document.querySelectorAll('.entry-content img')].every((img) => img.complete && img.naturalWidth > 0)", Duration::from_secs(15)).await,
        "the images never loaded"
    );
    let after: Layout = browser.js(IMAGE_LAYOUT, vec![]).await;
    for (was, is) in before.images.iter().zip(&after.images) {
        assert!(
            (was.top - is.top).abs() <= 2.0 && (was.height - is.height).abs() <= 2.0,
            "{} moved from y={:.0} (height {:.0}) to y={:.0} (height {:.0}) when the images loaded",
            is.src,
            was.top,
            was.height,
            is.top,
            is.height
        );
    }
    assert!(
        (before.page_height - after.page_height).abs() <= 2.0,
        "the page grew from {} to {} px as images loaded",
        before.page_height,
        after.page_height
    );
}

#[derive(Debug, serde::Deserialize)]
struct Focused {
    class: String,
    href: Option<String>,
    top: f64,
    left: f64,
    past_bottom: f64,
    past_right: f64,
    width: f64,
    height: f64,
    on_top: bool,
}

const FOCUSED: &str = r#"
const el = document.activeElement;
const r = el.getBoundingClientRect();
const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
return { class: el.className, href: el.getAttribute('href'),
         top: r.top, left: r.left, past_bottom: r.bottom - window.innerHeight, past_right: r.right - window.innerWidth,
         width: r.width, height: r.height, on_top: hit !== null && (hit === el || el.contains(hit)) };
"#;

#[tokio::test]
async fn keyboard_users_reach_the_skip_link_first() {
    let Some(browser) = Browser::launch().await else { return };
    let app = TestApp::with_demo().await;
    browser.goto(&url(&app, "/")).await;
    browser.press(Key::Tab).await;
    let link: Focused = browser.js(FOCUSED, vec![]).await;
    assert!(
        link.class.split_whitespace().any(|c| c == "skip-link") && link.href.as_deref() == Some("#content"),
        "the first Tab went to {link:?}"
    );
    assert!(link.width > 1.0 && link.height > 1.0, "the focused skip link is clipped: {link:?}");
    assert!(
        link.top >= 0.0 && link.left >= 0.0 && link.past_bottom <= 0.0 && link.past_right <= 0.0,
        "the focused skip link is off screen: {link:?}"
    );
    assert!(link.on_top, "something covers the focused skip link: {link:?}");

    browser.press(Key::Enter).await;
    assert!(
        browser.wait_until("document.activeElement.id === 'content'", Duration::from_secs(3)).await,
        "following the skip link did not move focus to the content"
    );
}

/// An sRGB colour as `getComputedStyle` reports it: `rgb(r, g, b)` or `rgba(r, g, b, a)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgba {
    r: f64,
    g: f64,
    b: f64,
    a: f64,
}

impl Rgba {
    fn parse(css: &str) -> Rgba {
        let inner = css
            .strip_prefix("rgba(")
            .or_else(|| css.strip_prefix("rgb("))
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("not an rgb() colour: {css}"));
        let parts: Vec<f64> = inner
            .split([',', ' ', '/'])
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or_else(|e| panic!("{css}: {e}")))
            .collect();
        match parts.as_slice() {
            [r, g, b] => Rgba { r: *r, g: *g, b: *b, a: 1.0 },
            [r, g, b, a] => Rgba { r: *r, g: *g, b: *b, a: *a },
            _ => panic!("not an rgb() colour: {css}"),
        }
    }

    /// WCAG 2 relative luminance, 0 (black) to 1 (white).
    fn luminance(self) -> f64 {
        let channel = |c: f64| {
            let c = c / 255.0;
            if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// WCAG 2 contrast ratio between two opaque colours, 1 to 21.
    fn contrast(self, other: Rgba) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}
