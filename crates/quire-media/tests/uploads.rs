//! What happens to an uploaded file: the hostile ones (bombs, cut-short files, polyglots, SVG,
//! files lying about their type) are refused or made safe, photos lose their metadata and stand
//! upright, animations stay animated, and stills get responsive variants.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::codecs::gif::{GifDecoder, GifEncoder};
use image::{AnimationDecoder, DynamicImage, Frame, GenericImageView, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use quire_media::{Format, Limits, MediaError, make_variants, prepare};

const RED: [u8; 3] = [220, 20, 20];
const BLUE: [u8; 3] = [20, 20, 220];

/// A `width` × `height` picture: left half red, right half blue.
fn halves(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, _| Rgb(if x < width / 2 { RED } else { BLUE })))
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A TIFF structure as found in a camera's APP1: orientation and a GPS block with a position.
fn exif_with_gps(orientation: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"II\x2a\x00\x08\x00\x00\x00");
    // IFD0: Orientation, GPSInfo pointer.
    t.extend_from_slice(&2u16.to_le_bytes());
    t.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0]);
    t.extend_from_slice(&orientation.to_le_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    t.extend_from_slice(&38u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len(), 38);
    // GPS IFD: latitude reference and the map datum (a string kept past the IFD).
    t.extend_from_slice(&2u16.to_le_bytes());
    t.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    t.extend_from_slice(&[0x12, 0x00, 2, 0, 16, 0, 0, 0]);
    t.extend_from_slice(&68u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len(), 68);
    t.extend_from_slice(b"GPS-SECRET-51N0\0");
    t
}

/// `jpeg` with an APP1 Exif segment right after SOI.
fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let mut app1 = vec![0xff, 0xe1];
    app1.extend_from_slice(&u16::try_from(2 + 6 + tiff.len()).unwrap().to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn near(pixel: Rgba<u8>, colour: [u8; 3]) -> bool {
    pixel.0[..3].iter().zip(colour).all(|(a, b)| a.abs_diff(b) < 40)
}

#[test]
fn a_photo_loses_its_gps_and_stands_upright() {
    let photo = with_exif(&encoded(&halves(40, 20), ImageFormat::Jpeg), &exif_with_gps(6));
    assert!(contains(&photo, b"GPS-SECRET"), "the fixture carries a position");
    let prepared = prepare(&photo, &Limits::default()).unwrap();
    assert_eq!(prepared.format, Format::Jpeg);
    assert!(!contains(&prepared.bytes, b"GPS-SECRET"), "the position is gone");
    assert!(!contains(&prepared.bytes, b"Exif\0\0"), "no EXIF block at all");
    // Orientation 6: turned a quarter clockwise, so the red left half is now on top.
    assert_eq!((prepared.width, prepared.height), (20, 40));
    let stored = image::load_from_memory(&prepared.bytes).unwrap();
    assert_eq!(stored.dimensions(), (20, 40));
    assert!(near(stored.get_pixel(10, 5), RED), "{:?}", stored.get_pixel(10, 5));
    assert!(near(stored.get_pixel(10, 35), BLUE), "{:?}", stored.get_pixel(10, 35));
}

#[test]
fn the_content_decides_the_type_whatever_the_file_claims() {
    // A PNG is a PNG even when a browser calls it photo.jpg, image/jpeg: only bytes are looked at.
    let png = encoded(&halves(8, 8), ImageFormat::Png);
    assert_eq!(prepare(&png, &Limits::default()).unwrap().format, Format::Png);
    let page = b"<!doctype html><title>x</title><script>alert(1)</script>";
    assert!(matches!(prepare(page, &Limits::default()), Err(MediaError::NotAnImage)));
    assert!(matches!(prepare(b"PK\x03\x04zip", &Limits::default()), Err(MediaError::NotAnImage)));
}

#[test]
fn svg_is_refused_with_a_plain_reason() {
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"#;
    let refused = prepare(svg, &Limits::default()).unwrap_err();
    assert!(matches!(refused, MediaError::Svg));
    assert!(refused.to_string().contains("SVG"), "{refused}");
}

#[test]
fn too_large_a_file_is_refused_before_anything_else() {
    let png = encoded(&halves(64, 64), ImageFormat::Png);
    let limits = Limits { max_bytes: 100, ..Limits::default() };
    assert!(matches!(prepare(&png, &limits), Err(MediaError::TooLarge { limit: 100 })));
}

/// A PNG whose header claims `width` × `height` over a 1×1 picture (CRC fixed up).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = encoded(&halves(1, 1), ImageFormat::Png);
    // Signature (8), IHDR length (4), "IHDR" (4), then width and height, then the rest and CRC.
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A JPEG whose frame header claims `width` × `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = encoded(&halves(16, 16), ImageFormat::Jpeg);
    let sof = jpeg.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

#[test]
fn an_image_bomb_is_refused_from_its_header_without_decoding() {
    for (bomb, what) in [(png_claiming(100_000, 100_000), "png"), (jpeg_claiming(65_000, 65_000), "jpeg")] {
        assert!(bomb.len() < 2_000, "{what}: a tiny file");
        let started = Instant::now();
        let refused = prepare(&bomb, &Limits::default()).unwrap_err();
        assert!(matches!(refused, MediaError::TooManyPixels { .. }), "{what}: {refused}");
        assert!(refused.to_string().contains("megapixels"), "{refused}");
        assert!(started.elapsed() < Duration::from_secs(1), "{what}: refused cheaply");
    }
    // Within the pixel budget a lying header is still caught by the decoder, not believed.
    let liar = png_claiming(4_000, 4_000);
    assert!(prepare(&liar, &Limits::default()).is_err());
}

#[test]
fn a_truncated_image_is_refused_as_cut_short() {
    let jpeg = encoded(&halves(64, 64), ImageFormat::Jpeg);
    let png = encoded(&halves(64, 64), ImageFormat::Png);
    for (whole, what) in [(jpeg, "jpeg"), (png, "png")] {
        assert!(prepare(&whole, &Limits::default()).is_ok(), "{what}: the whole file is fine");
        let cut = &whole[..whole.len() * 2 / 3];
        let refused = prepare(cut, &Limits::default()).unwrap_err();
        assert!(matches!(refused, MediaError::Truncated), "{what}: {refused:?}");
        assert!(refused.to_string().contains("cut short"), "{refused}");
    }
}

#[test]
fn a_polyglot_loses_its_script_in_the_re_encoding() {
    // A valid PNG with HTML in a text chunk and after its end, so that a browser sniffing it
    // would find a page.
    let png = encoded(&halves(8, 8), ImageFormat::Png);
    let html = b"<html><script>alert(document.cookie)</script></html>";
    let mut body = b"tEXtComment\0".to_vec();
    body.extend_from_slice(html);
    let mut chunk = Vec::new();
    chunk.extend_from_slice(&u32::try_from(body.len() - 4).unwrap().to_be_bytes());
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    let mut polyglot = png[..33].to_vec();
    polyglot.extend(chunk);
    polyglot.extend_from_slice(&png[33..]);
    polyglot.extend_from_slice(html);
    assert!(image::load_from_memory(&polyglot).is_ok(), "the fixture is a valid image");
    let prepared = prepare(&polyglot, &Limits::default()).unwrap();
    assert!(!contains(&prepared.bytes, b"<script"), "the script is gone");
    assert!(!contains(&prepared.bytes, b"<html"), "the page is gone");

    // The same with a JPEG comment segment.
    let jpeg = encoded(&halves(8, 8), ImageFormat::Jpeg);
    let mut com = vec![0xff, 0xfe];
    com.extend_from_slice(&u16::try_from(html.len() + 2).unwrap().to_be_bytes());
    com.extend_from_slice(html);
    let mut polyglot = jpeg[..2].to_vec();
    polyglot.extend(com);
    polyglot.extend_from_slice(&jpeg[2..]);
    let prepared = prepare(&polyglot, &Limits::default()).unwrap();
    assert!(!contains(&prepared.bytes, b"<script"));
}

/// An animated GIF of `frames` frames, each a different colour.
fn animated_gif(frames: u8) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        encoder.set_repeat(image::codecs::gif::Repeat::Infinite).unwrap();
        let frames = (0..frames).map(|i| {
            let buffer = RgbaImage::from_pixel(16, 12, Rgba([i * 60, 255 - i * 60, 0, 255]));
            Frame::from_parts(buffer, 0, 0, image::Delay::from_numer_denom_ms(100, 1))
        });
        encoder.encode_frames(frames).unwrap();
    }
    out
}

#[test]
fn an_animated_gif_stays_animated_with_every_frame() {
    let gif = animated_gif(4);
    let prepared = prepare(&gif, &Limits::default()).unwrap();
    assert!(prepared.animated);
    assert_eq!(prepared.format, Format::Gif);
    assert_eq!((prepared.width, prepared.height), (16, 12));
    let frames = GifDecoder::new(Cursor::new(&prepared.bytes)).unwrap().into_frames().collect_frames().unwrap();
    assert_eq!(frames.len(), 4, "all frames kept");
    assert!(make_variants(&prepared.bytes, &[8], &Limits::default()).unwrap().is_empty(), "no still replaces it");
}

#[test]
fn a_gif_cut_in_the_middle_of_a_frame_is_refused() {
    let gif = animated_gif(3);
    let cut = &gif[..gif.len() - 20];
    assert!(prepare(cut, &Limits::default()).is_err());
}

#[test]
fn a_still_gif_is_stored_as_png() {
    let gif = encoded(&halves(10, 10), ImageFormat::Gif);
    let prepared = prepare(&gif, &Limits::default()).unwrap();
    assert!(!prepared.animated);
    assert_eq!(prepared.format, Format::Png);
}

#[test]
fn variants_are_made_at_each_smaller_width_in_webp_and_the_original_format() {
    let original = prepare(&encoded(&halves(2000, 1000), ImageFormat::Jpeg), &Limits::default()).unwrap();
    let variants = make_variants(&original.bytes, &[1600, 480, 960, 4000], &Limits::default()).unwrap();
    let made: Vec<(u32, u32, Format)> = variants.iter().map(|v| (v.width, v.height, v.format)).collect();
    assert_eq!(
        made,
        vec![
            (480, 240, Format::Webp),
            (480, 240, Format::Jpeg),
            (960, 480, Format::Webp),
            (960, 480, Format::Jpeg),
            (1600, 800, Format::Webp),
            (1600, 800, Format::Jpeg),
        ]
    );
    for variant in &variants {
        assert_eq!(quire_media::sniff(&variant.bytes).unwrap(), variant.format);
        let decoded = image::load_from_memory(&variant.bytes).unwrap();
        assert_eq!(decoded.dimensions(), (variant.width, variant.height));
    }
    let small = prepare(&encoded(&halves(300, 200), ImageFormat::Png), &Limits::default()).unwrap();
    assert!(make_variants(&small.bytes, &[480, 960], &Limits::default()).unwrap().is_empty());
}
